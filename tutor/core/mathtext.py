"""Lesson math, from the small LaTeX subset authors write to Unicode a terminal can show.

A learner reads ``δW⁽²⁾ = 2·(X·W⁽¹⁾)ᵀ·Ỹ`` in a terminal, never
``\\delta W^{(2)} = 2 \\cdot (X \\cdot W^{(1)})^T \\cdot \\tilde{Y}``. The subset is the one
listed under "Math" in ``lessons/README.md``; anything else that starts with a backslash
is kept exactly as written, so that ``tutor check`` can point at it (``find_raw_latex``).

Spacing follows one rule, close to TeX's own:

- Factors written side by side are a product and are shown side by side: the space in
  ``2 (X W)`` or ``\\delta_{mi} \\delta_{nj}`` is dropped (``2(XW)``, ``δₘᵢδₙⱼ``).
- A binary operator or relation (``= + − × ∗ ∘ ⊙ ≤ ≥ ≠ ≈ → ∈``…) is spaced on both sides
  when the author left a space on either side of it (``A \\ast B`` -> ``A ∗ B``) and
  shown tight otherwise (``\\tilde{Y}\\ast f`` -> ``Ỹ∗f``). The whitespace that ends a
  control word (the one in ``\\ast f``) only ends the word, as in TeX, and does not count.
- ``\\cdot`` binds like a product, so it is never spaced (``2 \\cdot X`` -> ``2·X``).
- A comma, semicolon or colon keeps the author's space after it, never one before.
- A space before ``^``, ``_`` or a prime is dropped: the script belongs to what precedes.

The converter is a hand-written scanner with no regular expressions, linear in its input,
with nesting bounded by ``_MAX_DEPTH``, so no lesson or learner text can make it slow or
make it raise.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["find_raw_latex", "latex_to_unicode", "render_math"]

# Atom kinds, which decide the spacing between neighbours (see the module docstring).
_ORD = "ord"  # a letter, digit, bracket, ∂, Σ, a fraction, text: juxtaposed tightly
_BIN = "bin"  # a binary operator: + − × ∗ ∘ ⊙
_REL = "rel"  # a relation or arrow: = < > ≤ ≥ ≠ ≈ → ← ⇒ ∈
_PUNCT = "punct"  # , ; :
_TIGHT = "tight"  # the centred dot of a product, never spaced
_SPACE = "space"  # explicit space from \quad or ~: no other space beside it
_RAW = "raw"  # an unknown command, kept as written with the author's spaces
_OPERATORS = (_BIN, _REL)

#: Nesting of command arguments beyond which the rest is kept as written. Real math
#: nests a few levels; this bound keeps recursion far from Python's limit.
_MAX_DEPTH = 40

_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "Delta": "Δ",
    "epsilon": "ε",
    "eta": "η",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "sigma": "σ",
    "Sigma": "Σ",
    "theta": "θ",
    "pi": "π",
    "tau": "τ",
    "phi": "φ",
    "psi": "ψ",
    "omega": "ω",
}

#: Every supported command that stands for one symbol: name -> (symbol, kind).
_SYMBOLS: dict[str, tuple[str, str]] = {
    **{name: (letter, _ORD) for name, letter in _GREEK.items()},
    "partial": ("∂", _ORD),
    "sum": ("Σ", _ORD),
    "prod": ("∏", _ORD),
    "nabla": ("∇", _ORD),
    "infty": ("∞", _ORD),
    "cdot": ("·", _TIGHT),
    "times": ("×", _BIN),
    "ast": ("∗", _BIN),
    "circ": ("∘", _BIN),
    "odot": ("⊙", _BIN),
    "le": ("≤", _REL),
    "ge": ("≥", _REL),
    "ne": ("≠", _REL),
    "approx": ("≈", _REL),
    "to": ("→", _REL),
    "rightarrow": ("→", _REL),
    "leftarrow": ("←", _REL),
    "Rightarrow": ("⇒", _REL),
    "in": ("∈", _REL),
    "quad": ("  ", _SPACE),
    "$": ("$", _ORD),
}

#: Accent commands and the combining mark each puts over a letter.
_ACCENTS = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304"}

#: Source characters shown as another character, or classed as something other than ORD.
_CHARS: dict[str, tuple[str, str]] = {
    "-": ("−", _BIN),
    "*": ("∗", _BIN),
    "'": ("′", _ORD),
    "~": (" ", _SPACE),
    **{op: (op, _BIN) for op in "+−×∗∘⊙±∓"},
    **{rel: (rel, _REL) for rel in "=<>≤≥≠≈→←⇒∈↦"},
    **{mark: (mark, _PUNCT) for mark in ",;:"},
    "·": ("·", _TIGHT),
}

_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδφχθι′",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᵠᵡᶿᶥ′",
        strict=True,
    )
)

_SUBSCRIPTS = dict(
    zip(
        "0123456789+-−=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)

#: Characters that, outside brackets, make a fraction's side more than one term.
_TERM_BREAKS = frozenset(" +−-=<>≤≥≠≈×∗*∘⊙·/→←⇒∈,;:±∓")
_OPENERS = "([{⟨"
_CLOSERS = ")]}⟩"


@dataclass
class _Atom:
    """One piece of converted math, with what the spacing rule needs to know about it."""

    text: str
    kind: str
    #: The author left whitespace right before it (not counting a control word's end).
    space_before: bool = False


def latex_to_unicode(tex: str) -> str:
    """One math expression (no dollars) to Unicode.

    Args:
        tex: The text between the dollars, in the subset of ``lessons/README.md``.

    Returns:
        The expression in Unicode; unknown commands are kept as written.
    """
    return _convert(tex)[0]


def render_math(text: str) -> str:
    """Replace every $…$ and $$…$$ span in a Markdown text with its Unicode form.

    Leaves code spans (`…`) and fenced code blocks untouched, and a literal \\$ as $.
    A display block (a line ``$$``, content lines, a line ``$$``) keeps its line count:
    its delimiter lines become blank, which also sets the math apart as a paragraph.
    A dollar without a partner on its line is left as it is (``find_raw_latex`` reports it).
    """
    return _scan_markdown(text)[0]


def find_raw_latex(text: str) -> list[tuple[int, int, str]]:
    """(line, column, command) for what the math in ``text`` could not convert.

    Reports every backslash command left unconverted (unknown commands) inside math,
    as written (``\\mathbb``), and every dollar without a partner on its line, as
    ``$`` or ``$$``; ``tutor check`` prints them as ``path:line: raw LaTeX \\foo``.
    Lines and columns are 1-based, relative to ``text``; code is never looked at.
    """
    return sorted(_scan_markdown(text)[1])


# --- Markdown: where the math is -------------------------------------------------------


def _scan_markdown(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Render the math in ``text`` and collect what could not be converted, in one pass.

    Rendering and reporting share this walk so that ``tutor check`` reports exactly
    what a learner would see left raw.
    """
    lines = text.split("\n")
    out: list[str] = []
    problems: list[tuple[int, int, str]] = []
    fence: tuple[str, int] | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if fence is not None:
            out.append(line)
            if _closes_fence(line, fence):
                fence = None
            index += 1
            continue
        fence = _fence_opening(line)
        if fence is not None:
            out.append(line)
            index += 1
            continue
        if line.strip() == "$$":
            end = _display_block_end(lines, index + 1)
            if end is not None:
                _render_display_block(lines, index, end, out, problems)
                index = end + 1
                continue
            problems.append((index + 1, line.index("$") + 1, "$$"))
            out.append(line)
            index += 1
            continue
        rendered, found = _render_line(line)
        out.append(rendered)
        problems.extend((index + 1, column, what) for column, what in found)
        index += 1
    return "\n".join(out), problems


def _render_display_block(
    lines: list[str],
    start: int,
    end: int,
    out: list[str],
    problems: list[tuple[int, int, str]],
) -> None:
    """Convert the content lines between the ``$$`` lines at ``start`` and ``end``."""
    out.append("")
    for index in range(start + 1, end):
        rendered, unknown = _convert(lines[index])
        out.append(rendered)
        problems.extend((index + 1, offset + 1, command) for offset, command in unknown)
    out.append("")


def _display_block_end(lines: list[str], start: int) -> int | None:
    """The index of the ``$$`` line closing a display block, if one comes before a fence."""
    for index in range(start, len(lines)):
        if lines[index].strip() == "$$":
            return index
        if _fence_opening(lines[index]) is not None:
            return None
    return None


def _fence_opening(line: str) -> tuple[str, int] | None:
    """(fence character, length) if ``line`` opens a fenced code block (CommonMark)."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or stripped[:1] not in ("`", "~"):
        return None
    marker = stripped[0]
    length = _run_length(stripped, 0, marker)
    if length < 3 or (marker == "`" and "`" in stripped[length:]):
        return None
    return marker, length


def _closes_fence(line: str, fence: tuple[str, int]) -> bool:
    """Whether ``line`` closes the open fence: the same character, at least as many."""
    marker, length = fence
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return False
    run = _run_length(stripped, 0, marker)
    return run >= length and not stripped[run:].strip()


def _run_length(text: str, start: int, char: str) -> int:
    """How many times ``char`` repeats in ``text`` from ``start``."""
    end = start
    while end < len(text) and text[end] == char:
        end += 1
    return end - start


def _render_line(line: str) -> tuple[str, list[tuple[int, str]]]:
    """Render the inline math of one line; returns it and (column, what) problems.

    Dollars pair up left to right. Once a dollar finds no partner, no later one on the
    line can, so the rest of the line is taken as prose; that, and remembering which
    backtick run lengths have no partner, keeps the scan linear.
    """
    out: list[str] = []
    problems: list[tuple[int, str]] = []
    unpaired_ticks: set[int] = set()
    math_possible = True
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line):
            # A Markdown escape: \$ is a literal dollar; any other pair is kept as written.
            out.append("$" if line[index + 1] == "$" else line[index : index + 2])
            index += 2
        elif char == "`":
            run = _run_length(line, index, "`")
            close = None if run in unpaired_ticks else _closing_ticks(line, index + run, run)
            if close is None:
                unpaired_ticks.add(run)
                close = index
            out.append(line[index : close + run])
            index = close + run
        elif char == "$":
            width = 2 if line.startswith("$$", index) else 1
            end = _closing_dollar(line, index + width, width) if math_possible else None
            if end is None:
                math_possible = False
                problems.append((index + 1, "$" * width))
                out.append("$" * width)
                index += width
                continue
            rendered, unknown = _convert(line[index + width : end])
            out.append(rendered)
            problems.extend((index + width + offset + 1, command) for offset, command in unknown)
            index = end + width
        else:
            out.append(char)
            index += 1
    return "".join(out), problems


def _closing_ticks(line: str, start: int, run: int) -> int | None:
    """Where a backtick run of exactly ``run`` closes a code span opened before ``start``."""
    index = line.find("`", start)
    while index != -1:
        length = _run_length(line, index, "`")
        if length == run:
            return index
        index = line.find("`", index + length)
    return None


def _closing_dollar(line: str, start: int, width: int) -> int | None:
    """Where the math opened by ``width`` dollars before ``start`` closes, if on this line."""
    index = start
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char == "$" and (width == 1 or line.startswith("$$", index)):
            return index
        index += 1
    return None


# --- One expression: LaTeX to atoms ----------------------------------------------------


def _convert(tex: str) -> tuple[str, list[tuple[int, str]]]:
    """Convert one expression; also returns (offset, command) for each unknown command."""
    parser = _Parser(tex)
    atoms = parser.sequence(depth=0, in_group=False)
    return _join(atoms), parser.unknown


class _Parser:
    """A recursive-descent reader of one math expression, producing a flat atom list.

    Plain groups ``{…}`` are transparent (counted, not recursed into); only command
    arguments recurse, and no deeper than ``_MAX_DEPTH``.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        #: (offset in source, command as written) for every unknown command.
        self.unknown: list[tuple[int, str]] = []

    def sequence(self, depth: int, in_group: bool) -> list[_Atom]:
        """Read atoms until the end, or until the brace closing an argument group."""
        atoms: list[_Atom] = []
        pending_space = False
        open_groups = 0
        source = self.source
        while self.pos < len(source):
            char = source[self.pos]
            if char.isspace():
                pending_space = True
                self.pos += 1
            elif char == "{":
                open_groups += 1
                self.pos += 1
            elif char == "}" and open_groups:
                open_groups -= 1
                self.pos += 1
            elif char == "}" and in_group:
                self.pos += 1
                return atoms
            elif char in "^_":
                self.pos += 1
                table = _SUPERSCRIPTS if char == "^" else _SUBSCRIPTS
                _attach(atoms, _script(self.argument(depth), table, char), pending_space)
                pending_space = False
            elif char == "'":
                self.pos += 1
                _attach(atoms, "′", pending_space)
                pending_space = False
            elif char == "\\":
                count = len(atoms)
                self.command(atoms, depth, pending_space)
                if len(atoms) > count:
                    pending_space = False
            else:
                # A stray closing brace lands here too and stays visible.
                self.pos += 1
                text, kind = _CHARS.get(char, (char, _ORD))
                atoms.append(_Atom(text, kind, pending_space))
                pending_space = False
        return atoms

    def command(self, atoms: list[_Atom], depth: int, space_before: bool) -> None:
        """Read the command at ``self.pos`` (a backslash) and append what it stands for."""
        start = self.pos
        name = self._command_name()
        if name[:1].isalpha():
            self._skip_space()  # the whitespace that ends a control word, as in TeX
        if name in _SYMBOLS:
            text, kind = _SYMBOLS[name]
            atoms.append(_Atom(text, kind, space_before))
        elif name in ("left", "right"):
            if self.source.startswith(".", self.pos):
                self.pos += 1  # \left. and \right. stand for no delimiter at all
        elif name == ",":
            pass
        elif name in _ACCENTS:
            atoms.append(_Atom(_accent(self.argument(depth), _ACCENTS[name]), _ORD, space_before))
        elif name == "frac":
            numerator = self.argument(depth)
            denominator = self.argument(depth)
            atoms.append(_Atom(_fraction(numerator, denominator), _ORD, space_before))
        elif name == "text":
            atoms.append(_Atom(self._text_argument(), _ORD, space_before))
        elif name == "mathrm":
            atoms.append(_Atom(self.argument(depth), _ORD, space_before))
        else:
            self._unknown(atoms, start, name, space_before)

    def argument(self, depth: int) -> str:
        """Read one argument (a group, a command or a character) and render it."""
        self._skip_space()
        if self.pos >= len(self.source) or self.source[self.pos] in "}^_":
            return ""  # a missing argument: nothing to show, nothing consumed
        if depth >= _MAX_DEPTH:
            return self._raw_argument()[0]
        char = self.source[self.pos]
        if char == "{":
            self.pos += 1
            return _join(self.sequence(depth + 1, in_group=True))
        if char == "\\":
            atoms: list[_Atom] = []
            self.command(atoms, depth + 1, False)
            return _join(atoms)
        self.pos += 1
        return _CHARS.get(char, (char, _ORD))[0]

    def _unknown(self, atoms: list[_Atom], start: int, name: str, space_before: bool) -> None:
        """Keep an unknown command as written, with any groups right after it."""
        self.pos = start + 1 + len(name)  # keep the author's space after it, too
        while self.source.startswith("{", self.pos):
            self.pos = self._group_end(self.pos)[0]
        self.unknown.append((start, "\\" + name))
        atoms.append(_Atom(self.source[start : self.pos], _RAW, space_before))

    def _text_argument(self) -> str:
        """The argument of ``\\text``, kept as written but for braces and ``\\$``.

        A command inside it is not converted, so it is reported like any unknown one.
        """
        raw, offset = self._raw_argument()
        out: list[str] = []
        index = 0
        while index < len(raw):
            char = raw[index]
            if char == "\\":
                name = _name_at(raw, index + 1)
                if name == "$":
                    out.append("$")
                else:
                    out.append("\\" + name)
                    self.unknown.append((offset + index, "\\" + name))
                index += 1 + len(name)
            else:
                if char not in "{}":
                    out.append(char)
                index += 1
        return "".join(out)

    def _raw_argument(self) -> tuple[str, int]:
        """An argument's source and its offset, unconverted: a group's inside, a command,
        or a character."""
        self._skip_space()
        start = self.pos
        if start >= len(self.source):
            return "", start
        if self.source[start] == "{":
            self.pos, closed = self._group_end(start)
            return self.source[start + 1 : self.pos - 1 if closed else self.pos], start + 1
        if self.source[start] == "\\":
            self.pos = start + 1 + len(_name_at(self.source, start + 1))
        else:
            self.pos += 1
        return self.source[start : self.pos], start

    def _group_end(self, start: int) -> tuple[int, bool]:
        """The position just after the brace matching the one at ``start``, and whether
        there is one (if not, the position is the end)."""
        level = 0
        index = start
        while index < len(self.source):
            char = self.source[index]
            if char == "\\":
                index += 2
                continue
            if char == "{":
                level += 1
            elif char == "}":
                level -= 1
                if level == 0:
                    return index + 1, True
            index += 1
        return len(self.source), False

    def _command_name(self) -> str:
        """Consume a backslash and the command's name."""
        name = _name_at(self.source, self.pos + 1)
        self.pos += 1 + len(name)
        return name

    def _skip_space(self) -> None:
        while self.pos < len(self.source) and self.source[self.pos].isspace():
            self.pos += 1


def _name_at(text: str, index: int) -> str:
    """The command name starting at ``index``: ASCII letters, or one other character."""
    end = index
    while end < len(text) and text[end].isascii() and text[end].isalpha():
        end += 1
    if end == index and index < len(text):
        end += 1
    return text[index:end]


# --- Atoms to text ---------------------------------------------------------------------


def _attach(atoms: list[_Atom], script: str, space_before: bool) -> None:
    """Glue a script or prime to the atom before it (a bare script starts an atom)."""
    if atoms:
        atoms[-1].text += script
    else:
        atoms.append(_Atom(script, _ORD, space_before))


def _script(text: str, table: dict[str, str], marker: str) -> str:
    """A rendered script argument in raised or lowered characters, or ``^(…)``/``_(…)``.

    The whole group falls back when any character has no Unicode form, because a half
    raised ``ⁿ(q)`` would read as something else.
    """
    compact = text.replace(" ", "")
    if not compact:
        return ""
    if all(char in table for char in compact):
        return "".join(table[char] for char in compact)
    return marker + (text if _is_wrapped(text) else f"({text})")


def _accent(text: str, mark: str) -> str:
    """Put a combining ``mark`` over each letter or digit, precomposed where Unicode can."""
    marked = "".join(char + mark if _is_accentable(char) else char for char in text)
    return unicodedata.normalize("NFC", marked)


def _is_accentable(char: str) -> bool:
    category = unicodedata.category(char)
    return (category[0] == "L" and category != "Lm") or category == "Nd"


def _fraction(numerator: str, denominator: str) -> str:
    """``a/b``, each side bracketed when it is more than one term."""
    return f"{_as_term(numerator)}/{_as_term(denominator)}"


def _as_term(text: str) -> str:
    if _is_wrapped(text) or not _has_term_break(text):
        return text
    return f"({text})"


def _has_term_break(text: str) -> bool:
    """Whether ``text`` has an operator or space outside any brackets."""
    level = 0
    for char in text:
        if char in _OPENERS:
            level += 1
        elif char in _CLOSERS:
            level = max(level - 1, 0)
        elif level == 0 and char in _TERM_BREAKS:
            return True
    return False


def _is_wrapped(text: str) -> bool:
    """Whether ``text`` is one bracketed whole, like ``(a + b)`` but not ``(a)(b)``."""
    if len(text) < 2 or text[0] not in _OPENERS or text[-1] not in _CLOSERS:
        return False
    level = 0
    for index, char in enumerate(text):
        if char in _OPENERS:
            level += 1
        elif char in _CLOSERS:
            level -= 1
            if level == 0 and index < len(text) - 1:
                return False
    return level == 0


def _join(atoms: list[_Atom]) -> str:
    """Lay atoms out in a line, deciding each gap by the spacing rule."""
    kinds = _kinds_with_unary_signs(atoms)
    out: list[str] = []
    for index, atom in enumerate(atoms):
        if index and _spaced(atoms, kinds, index):
            out.append(" ")
        out.append(atom.text)
    return "".join(out)


def _kinds_with_unary_signs(atoms: list[_Atom]) -> list[str]:
    """Atom kinds, with a sign that starts a term (``= −x``, ``(−1)``) made a factor."""
    kinds = [atom.kind for atom in atoms]
    for index, atom in enumerate(atoms):
        if atom.kind != _BIN or atom.text not in ("−", "+", "±", "∓"):
            continue
        before = kinds[index - 1] if index else None
        opens = index and atoms[index - 1].text[-1:] in _OPENERS
        if before is None or before in (_BIN, _REL, _PUNCT, _TIGHT, _SPACE) or opens:
            kinds[index] = _ORD
    return kinds


def _spaced(atoms: list[_Atom], kinds: list[str], index: int) -> bool:
    """Whether a space goes between ``atoms[index - 1]`` and ``atoms[index]``."""
    left, right = kinds[index - 1], kinds[index]
    gap = atoms[index].space_before
    if _SPACE in (left, right) or _TIGHT in (left, right) or right == _PUNCT:
        return False
    if left == _PUNCT:
        return gap
    if left in _OPERATORS:
        return _operator_spaced(atoms, index - 1)
    if right in _OPERATORS:
        return _operator_spaced(atoms, index)
    return gap if _RAW in (left, right) else False


def _operator_spaced(atoms: list[_Atom], index: int) -> bool:
    """An operator is spaced when the author left a space on either side of it."""
    after = index + 1 < len(atoms) and atoms[index + 1].space_before
    return atoms[index].space_before or after
