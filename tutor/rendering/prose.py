"""Lesson prose (the Markdown lessons use) as Rich renderables, without a Markdown library.

Lessons are written in a small part of Markdown: paragraphs, headings, bullet and
numbered lists (nested), block quotes, tables, fenced code, rules, and inline
emphasis, strong, code and links. Rich's ``Markdown`` handles all of that through
markdown-it and Pygments, whose import alone costs about a fifth of the time a
lesson takes to appear; this reader covers exactly that part and draws it the way
Rich's Markdown does (the same bullets, numbering, quote bar, table box and styles),
so a lesson looks the same and opens sooner. Math is already Unicode by the time
prose gets here (``tutor.core.mathtext``).

``prose_renderable(text)`` is the entry point; the block and inline readers are
plain functions on lines and strings, so they are tested without a console.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from tutor.core.safe_text import clean

#: The styles of Rich's default Markdown theme, spelled out so they need no theme.
STYLES = {
    "h1": "bold underline",
    "h2": "underline magenta",
    "h3": "bold magenta",
    "h4": "italic magenta",
    "h5": "italic",
    "h6": "dim",
    "em": "italic",
    "strong": "bold",
    "code": "bold cyan on black",
    "block_quote": "magenta",
    "bullet": "bold",
    "number": "cyan",
    "hr": "dim",
    "link": "bright_blue",
    "strike": "strike",
    "table_border": "cyan",
    "table_header": "not bold cyan",
}

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([\w+.-]*)")
_RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)])( +|$)(.*)$")
_QUOTE = re.compile(r"^ {0,3}> ?(.*)$")
#: Quotes and lists nested deeper than this hold their lines as one paragraph: no
#: lesson nests more than three, and each level is another pass (and stack frame).
MAX_BLOCK_DEPTH = 8


# -- blocks -------------------------------------------------------------------------------


@dataclass
class Block:
    """One block of prose: its kind and what it holds.

    Attributes:
        kind: "paragraph", "heading", "code", "rule", "quote", "list" or "table".
        text: a paragraph's or heading's inline source, or a code block's lines.
        level: a heading's level; a numbered list's first number.
        ordered: whether a list is numbered (else it has bullets).
        children: a quote's blocks; a list's items, each a list of blocks.
        rows: a table's rows of cell sources (the first is the header).
    """

    kind: str
    text: str = ""
    level: int = 0
    ordered: bool = False
    children: list = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def parse_blocks(lines: list[str], depth: int = 0) -> list[Block]:
    """The blocks of some lines of Markdown (lists and quotes hold blocks of their own)."""
    if depth > MAX_BLOCK_DEPTH:
        return [Block("paragraph", _join_lines([line for line in lines if line.strip()]))]
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        for reader in (_fenced, _heading, _rule, _quote, _list, _table):
            found = reader(lines, index, depth)
            if found is not None:
                block, index = found
                blocks.append(block)
                break
        else:
            block, index = _paragraph(lines, index)
            blocks.append(block)
    return blocks


def _starts_block(lines: list[str], index: int) -> bool:
    """True when line ``index`` begins something other than paragraph text."""
    line = lines[index]
    return bool(
        not line.strip()
        or _FENCE.match(line)
        or _heading_parts(line)
        or _RULE.match(line)
        or _QUOTE.match(line)
        or _ITEM.match(line)
        or _table(lines, index) is not None
    )


def _paragraph(lines: list[str], index: int) -> tuple[Block, int]:
    parts = [lines[index]]
    index += 1
    while index < len(lines) and not _starts_block(lines, index):
        parts.append(lines[index])
        index += 1
    return Block("paragraph", _join_lines(parts)), index


def _join_lines(parts: list[str]) -> str:
    """Soft line breaks become spaces; two trailing spaces or a backslash break the line."""
    text = ""
    for number, part in enumerate(parts):
        last = number == len(parts) - 1
        if not last and (part.endswith("  ") or part.endswith("\\")):
            text += part.rstrip(" ").removesuffix("\\").strip() + "\n"
        else:
            text += part.strip() + ("" if last else " ")
    return text


def _fenced(lines: list[str], index: int, depth: int = 0) -> tuple[Block, int] | None:
    match = _FENCE.match(lines[index])
    if match is None:
        return None
    indent, fence = len(match.group(1)), match.group(2)
    body: list[str] = []
    index += 1
    while index < len(lines):
        stripped = lines[index].strip()
        if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            index += 1
            break
        line = lines[index]
        body.append(line[min(indent, len(line) - len(line.lstrip(" "))) :])
        index += 1
    return Block("code", "\n".join(body)), index


def _heading(lines: list[str], index: int, depth: int = 0) -> tuple[Block, int] | None:
    parts = _heading_parts(lines[index])
    if parts is None:
        return None
    level, text = parts
    return Block("heading", text, level), index + 1


def _heading_parts(line: str) -> tuple[int, str] | None:
    """An ATX heading's level and text: ``## Title ##`` is (2, "Title").

    Read in one pass (a regular expression with a lazy text and an optional closing
    run of ``#`` took quadratic time on a line of many ``#``). Up to three spaces,
    one to six ``#``, then a space and the text, whose closing ``#`` run and spaces
    are dropped; seven or more ``#`` followed by nothing else are a level-6 heading.
    """
    start = len(line) - len(line.lstrip(" "))
    if start > 3:
        return None
    hashes = len(line) - start - len(line[start:].lstrip("#"))
    if hashes == 0:
        return None
    rest = line[start + hashes :]
    if hashes > 6:  # only "#"s and spaces can follow the sixth
        return (6, "") if not rest.strip() else None
    if not rest:
        return hashes, ""
    if not rest[0].isspace():
        return None
    return hashes, rest.lstrip().rstrip().rstrip("#").rstrip()


def _rule(lines: list[str], index: int, depth: int = 0) -> tuple[Block, int] | None:
    if _RULE.match(lines[index]) is None:
        return None
    return Block("rule"), index + 1


def _quote(lines: list[str], index: int, depth: int = 0) -> tuple[Block, int] | None:
    if _QUOTE.match(lines[index]) is None:
        return None
    inner: list[str] = []
    while index < len(lines):
        match = _QUOTE.match(lines[index])
        if match is not None:
            inner.append(match.group(1))
        elif inner and inner[-1].strip() and not _starts_block(lines, index):
            inner.append(lines[index])  # a lazy continuation of the quoted paragraph
        else:
            break
        index += 1
    return Block("quote", children=parse_blocks(inner, depth + 1)), index


def _list(lines: list[str], index: int, depth: int = 0) -> tuple[Block, int] | None:
    """A list and everything in its items: continuation lines, nested lists, blank lines."""
    first = _ITEM.match(lines[index])
    if first is None:
        return None
    indent = len(first.group(1))
    ordered = first.group(2)[0].isdigit()
    start = int(first.group(2)[:-1]) if ordered else 0
    items: list[list[Block]] = []
    while index < len(lines):
        match = _ITEM.match(lines[index])
        if match is None or len(match.group(1)) != indent or match.group(2)[0].isdigit() != ordered:
            break
        content = len(match.group(1)) + len(match.group(2)) + max(len(match.group(3)), 1)
        item_lines = [match.group(4)]
        index += 1
        while index < len(lines):
            line = lines[index]
            leading = len(line) - len(line.lstrip(" "))
            if not line.strip():
                # The whole run of blank lines at once: looking ahead from each blank line
                # of a long run made the run cost its length squared.
                following = index + 1
                while following < len(lines) and not lines[following].strip():
                    following += 1
                if following == len(lines):
                    break
                if len(lines[following]) - len(lines[following].lstrip(" ")) < content:
                    break
                item_lines.extend([""] * (following - index))
                index = following
                continue
            elif leading >= content:
                item_lines.append(line[content:])
            elif leading <= indent and _ITEM.match(line):
                break
            elif item_lines[-1].strip() and not _starts_block(lines, index):
                item_lines.append(line.strip())  # a lazy continuation line
            else:
                break
            index += 1
        items.append(parse_blocks(item_lines, depth + 1))
        # A blank line between items keeps the list going.
        while (
            index < len(lines)
            and not lines[index].strip()
            and index + 1 < len(lines)
            and (next_item := _ITEM.match(lines[index + 1])) is not None
            and len(next_item.group(1)) == indent
        ):
            index += 1
    return Block("list", level=start, ordered=ordered, children=items), index


def _table(lines: list[str], index: int, depth: int = 0) -> tuple[Block, int] | None:
    """A pipe table: a header row, a rule row of dashes, then body rows."""
    if index + 1 >= len(lines) or "|" not in lines[index]:
        return None
    if not _is_table_rule(lines[index + 1]):
        return None
    rows = [_cells(lines[index])]
    index += 2
    while index < len(lines) and "|" in lines[index] and lines[index].strip():
        rows.append(_cells(lines[index]))
        index += 1
    return Block("table", rows=rows), index


def _is_table_rule(line: str) -> bool:
    """A table's rule row: cells of dashes (``---``, ``:--``, ``--:``) between pipes.

    Split and compared cell by cell, in one pass: the regular expression it replaces
    backtracked quadratically on a long line of spaces.
    """
    text = line.strip()
    text = text.removeprefix("|")
    text = text.removesuffix("|")
    for cell in text.split("|"):
        dashes = cell.strip()
        dashes = dashes.removeprefix(":").removesuffix(":")
        if not dashes or dashes.strip("-"):
            return False
    return True


def _cells(line: str) -> list[str]:
    text = line.strip()
    text = text.removeprefix("|").removesuffix("|") if text != "|" else ""
    cells, current, escaped = [], "", False
    for char in text:
        if char == "|" and not escaped:
            cells.append(current.strip())
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    cells.append(current.strip())
    return cells


# -- inline ---------------------------------------------------------------------------------

_ESCAPABLE = set("\\`*_{}[]()#+-.!|>~<\"'")
#: Where plain text stops: the characters that may begin something else.
_SPECIAL = re.compile(r"[\\`\[*_~]")
#: Emphasis and links nested deeper than this are drawn as the text they hold: no
#: lesson nests more than three, and each level costs another pass over the text.
MAX_INLINE_DEPTH = 8


def inline_text(source: str, style: str = "", justify: str | None = "left") -> Text:
    """A paragraph's inline Markdown as styled Text: code, links, strong, emphasis, escapes.

    Left-justified, as Rich's Markdown sets it, which pads every line to the width.
    """
    text = Text(style=style, justify=justify)  # type: ignore[arg-type]
    _inline(source, text, Style(), 0)
    return text


def _inline(source: str, out: Text, style: Style, depth: int) -> None:
    """Append ``source`` to ``out``, reading its inline Markdown left to right.

    Every opener (a backtick run, ``[``, ``*``, ``_``, ``~~``) finds its closer through
    ``_Marks`` in logarithmic time, so a paragraph of a million brackets or stars is
    read in one pass rather than one pass per opener.
    """
    if depth > MAX_INLINE_DEPTH:
        out.append(source, style or None)
        return
    marks = _Marks(source)
    plain: list[str] = []

    def flush() -> None:
        if plain:
            out.append("".join(plain), style or None)
            plain.clear()

    index = 0
    while index < len(source):
        special = _SPECIAL.search(source, index)
        stop = special.start() if special else len(source)
        if stop > index:
            plain.append(source[index:stop])
            index = stop
            continue
        char = source[index]
        if char == "\\" and index + 1 < len(source) and source[index + 1] in _ESCAPABLE:
            plain.append(source[index + 1])
            index += 2
            continue
        if char == "`":
            code_span = marks.code_span(index)
            if code_span is not None:
                flush()
                code, index = code_span
                out.append(code, style + Style.parse(STYLES["code"]))
                continue
        if char == "[":
            link = marks.link(index)
            if link is not None:
                flush()
                label, url, index = link
                link_style = style + Style.parse(STYLES["link"]) + Style(link=url)
                _inline(label, out, link_style, depth + 1)
                continue
        if char in "*_~":
            found = marks.delimited(index)
            if found is not None:
                flush()
                inner, kind, index = found
                _inline(inner, out, style + Style.parse(STYLES[kind]), depth + 1)
                continue
        plain.append(char)
        index += 1
    flush()


def _after(positions: list[int], index: int, default: int) -> int:
    """The first of the sorted ``positions`` at or after ``index``, else ``default``."""
    found = bisect_left(positions, index)
    return positions[found] if found < len(positions) else default


class _Marks:
    """Where one text's code spans, links and emphasis can close, indexed once.

    Each kind of mark is found on first use in one pass over the text and kept as
    sorted positions, so an opener looks its closer up by bisection instead of
    scanning ahead: the scan ahead is what made a paragraph of link- or table-like
    text take quadratic (and worse) time.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._found: dict[str, list[int]] = {}
        self._tick_runs: tuple[list[int], list[int], dict[int, list[int]]] | None = None
        self._delimiters: dict[tuple[str, int], _DelimiterRuns] = {}

    def _positions(self, name: str, test: Callable[[str], bool]) -> list[int]:
        if name not in self._found:
            self._found[name] = [i for i, char in enumerate(self.source) if test(char)]
        return self._found[name]

    # -- code spans --------------------------------------------------------------------

    def code_span(self, index: int) -> tuple[str, int] | None:
        """The code span opened by the backticks from ``index`` to the end of their run:
        (its text, where it ends), closed by the next run of exactly that length."""
        if self._tick_runs is None:
            starts: list[int] = []
            ends: list[int] = []
            by_length: dict[int, list[int]] = {}
            for match in re.finditer("`+", self.source):
                starts.append(match.start())
                ends.append(match.end())
                by_length.setdefault(match.end() - match.start(), []).append(match.start())
            self._tick_runs = starts, ends, by_length
        starts, ends, by_length = self._tick_runs
        run_end = ends[bisect_right(starts, index) - 1]
        run = run_end - index
        closer = _after(by_length.get(run, []), run_end, -1)
        if closer < 0:
            return None
        code = self.source[index + run : closer].replace("\n", " ")
        if len(code) > 2 and code.startswith(" ") and code.endswith(" ") and code.strip():
            code = code[1:-1]
        return code, closer + run

    # -- links -----------------------------------------------------------------------------

    def link(self, index: int) -> tuple[str, str, int] | None:
        """``[label](url "title")`` opened at ``index``: (label, url, where it ends).

        The label runs to the first ``]``, which must be followed by ``(``; the url may
        be in ``<>``; an optional quoted title and spaces come before the ``)``.
        """
        source, end = self.source, len(self.source)
        close = _after(self._positions("]", lambda char: char == "]"), index, end)
        at = close + 1
        if at >= end or source[at] != "(":
            return None
        nonspace = self._positions("nonspace", lambda char: not char.isspace())
        at = _after(nonspace, at + 1, end)
        if at < end and source[at] == "<":
            at += 1
        url_start = at
        stops = self._positions("url-stop", lambda char: char in ")>" or char.isspace())
        at = url_end = _after(stops, at, end)
        if at < end and source[at] == ">":
            at += 1
        after_space = _after(nonspace, at, end)
        if after_space > at and after_space < end and source[after_space] == '"':
            quote = _after(self._positions("quote", lambda char: char == '"'), after_space + 1, end)
            if quote < end:
                closing = _after(nonspace, quote + 1, end)
                if closing < end and source[closing] == ")":
                    return source[index + 1 : close], source[url_start:url_end], closing + 1
        if after_space < end and source[after_space] == ")":
            return source[index + 1 : close], source[url_start:url_end], after_space + 1
        return None

    # -- emphasis, strong, strike ------------------------------------------------------------

    def delimited(self, index: int) -> tuple[str, str, int] | None:
        """Strong (``**``/``__``), emphasis (``*``/``_``) or strike (``~~``) opening at
        ``index``: (the text inside, its kind, where it ends).

        As CommonMark has it: an opener must be left-flanking and a closer
        right-flanking, so ``(Y - Ŷ)**2`` is a power, not bold, and an underscore
        inside a word (``W_1``) is not emphasis. The first closer after the opener
        decides: if another opener stands between them, the closer pairs with that
        nearer one (as in CommonMark) and this one is plain text.
        """
        source = self.source
        char = source[index]
        double = source.startswith(char * 2, index)
        if char == "~" and not double:
            return None
        size = 2 if double else 1
        kind = "strike" if char == "~" else "strong" if double else "em"
        start = index + size
        if start >= len(source) or not _left_flanking(source, index, size):
            return None
        if char == "_" and index > 0 and source[index - 1].isalnum():
            return None
        runs = self._delimiters.get((char, size))
        if runs is None:
            runs = self._delimiters[char, size] = _DelimiterRuns(source, char, size)
        end = runs.first_closer(start)
        if end is None or runs.opener_between(start, end):
            return None
        return source[start:end], kind, end + size


class _DelimiterRuns:
    """The places a run of one delimiter (``*``, ``**``, ``_``, ``__`` or ``~~``) can close
    or open, in one text.

    A delimiter of two characters is read in pairs from the start of its run (``****``
    is two pairs); an opener inside a run starts its own pairing from where it stands,
    and that first, partial run is walked (a closer turns up within a step or two:
    inside a run, every pair can close). Later runs are looked up in sorted lists.
    """

    def __init__(self, source: str, char: str, size: int) -> None:
        self.source = source
        self.char = char
        self.size = size
        self.closers: list[int] = []
        self.openers: list[int] = []
        self.run_starts: list[int] = []
        self.run_ends: list[int] = []
        for match in re.finditer(re.escape(char) + "+", source):
            self.run_starts.append(match.start())
            self.run_ends.append(match.end())
            for at in range(match.start(), match.end() - size + 1, size):
                if self._closes(at):
                    self.closers.append(at)
                if self._opens(at):
                    self.openers.append(at)

    def _closes(self, at: int) -> bool:
        source, char, size = self.source, self.char, self.size
        after = at + size
        return (
            _right_flanking(source, at, size)
            and not (size == 1 and after < len(source) and source[after] == char)
            and not (char == "_" and after < len(source) and source[after].isalnum())
        )

    def _opens(self, at: int) -> bool:
        source, char = self.source, self.char
        lone = self.size > 1 or (
            (at == 0 or source[at - 1] != char)
            and (at + 1 >= len(source) or source[at + 1] != char)
        )
        return (
            lone
            and _left_flanking(source, at, self.size)
            and not _right_flanking(source, at, self.size)
        )

    def _partial(self, start: int) -> tuple[range, int]:
        """The pairs read from ``start`` inside the run it stands in, and where that run ends."""
        source = self.source
        if self.size == 1 or start >= len(source) or source[start] != self.char:
            return range(0), start
        run_end = self.run_ends[bisect_right(self.run_starts, start) - 1]
        return range(start, run_end - self.size + 1, self.size), run_end

    def first_closer(self, start: int) -> int | None:
        """The first place after ``start`` where this delimiter, read from ``start``, closes."""
        partial, rest = self._partial(start)
        for at in partial:
            if at > start and self._closes(at):
                return at
        found = bisect_right(self.closers, start) if self.size == 1 else None
        if found is None:
            found = bisect_left(self.closers, rest)
        return self.closers[found] if found < len(self.closers) else None

    def opener_between(self, start: int, end: int) -> bool:
        """Could any delimiter read from ``start`` and before ``end`` open?"""
        partial, rest = self._partial(start)
        if any(self._opens(at) for at in partial[: len(range(start, end, self.size))]):
            return True
        first = bisect_left(self.openers, max(start, rest))
        return first < len(self.openers) and self.openers[first] < end


def _around(source: str, index: int, size: int) -> tuple[str, str]:
    """The characters before and after a delimiter run (a space at either end of the text)."""
    before = source[index - 1] if index > 0 else " "
    after = source[index + size] if index + size < len(source) else " "
    return before, after


def _punctuation(char: str) -> bool:
    """Punctuation as CommonMark counts it: Unicode's punctuation and symbols."""
    return unicodedata.category(char)[0] in "PS"


def _left_flanking(source: str, index: int, size: int) -> bool:
    """Can the run at ``index`` open: not followed by a space, nor by punctuation that
    follows a letter or digit (``)**2`` does not open)."""
    before, after = _around(source, index, size)
    if after.isspace():
        return False
    return not _punctuation(after) or before.isspace() or _punctuation(before)


def _right_flanking(source: str, index: int, size: int) -> bool:
    """Can the run at ``index`` close: not preceded by a space, nor by punctuation that
    comes before a letter or digit (``)**2`` does not close)."""
    before, after = _around(source, index, size)
    if before.isspace():
        return False
    return not _punctuation(before) or after.isspace() or _punctuation(after)


# -- drawing --------------------------------------------------------------------------------


class _Prefixed:
    """``body`` drawn narrower, with ``first`` before its first line and ``rest`` before
    the others: how a list item hangs under its bullet and a quote keeps its bar."""

    def __init__(
        self, body: RenderableType, first: Segment, rest: Segment, margin: int = 0
    ) -> None:
        self.body = body
        self.first = first
        self.rest = rest
        #: Cells kept free on the right (a quote's text is drawn 4 narrower, as Rich does).
        self.margin = margin

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - len(self.first.text) - self.margin, 1)
        lines = console.render_lines(self.body, options.update(width=width))
        for number, line in enumerate(lines):
            yield self.first if number == 0 else self.rest
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        inner = Measurement.get(console, options, self.body)
        extra = len(self.first.text)
        return Measurement(inner.minimum + extra, inner.maximum + extra)


def _render_block(block: Block) -> RenderableType:
    if block.kind == "paragraph":
        return inline_text(block.text)
    if block.kind == "heading":
        text = inline_text(block.text, STYLES[f"h{block.level}"])
        if block.level == 1:
            text.justify = "center"
        return text
    if block.kind == "code":
        # Rich draws it with Pygments' colours on the terminal's background; the same
        # box, uncoloured, spares importing Pygments for a few lines of example code.
        return Padding(Text(block.text), 1)
    if block.kind == "rule":
        from rich.rule import Rule

        return Rule(style=STYLES["hr"], characters="-")
    if block.kind == "quote":
        bar = Segment("▌ ", Style.parse(STYLES["block_quote"]))
        body = _stack([_render_block(child) for child in block.children])
        return _Prefixed(_styled(body, STYLES["block_quote"]), bar, bar, margin=2)
    if block.kind == "list":
        return _render_list(block)
    return _render_table(block)


def _styled(renderable: RenderableType, style: str) -> RenderableType:
    if isinstance(renderable, Text):
        renderable.stylize(style, 0, len(renderable))
        renderable.style = style
        return renderable
    return Padding(renderable, 0, style=style)


def _render_list(block: Block) -> RenderableType:
    items: list[RenderableType] = []
    last = block.level + len(block.children) - 1
    width = len(str(last)) + 2
    for number, blocks in enumerate(block.children, block.level):
        body = _stack([_render_block(child) for child in blocks], spaced=False)
        if block.ordered:
            style = Style.parse(STYLES["number"])
            first = Segment(f"{number}".rjust(width - 1) + " ", style)
            rest = Segment(" " * width, style)
        else:
            style = Style.parse(STYLES["bullet"])
            first, rest = Segment(" • ", style), Segment("   ", style)
        items.append(_Prefixed(body, first, rest))
    return Group(*items)


def _render_table(block: Block) -> RenderableType:
    table = Table(
        box=box.SIMPLE,
        pad_edge=False,
        style=STYLES["table_border"],
        show_edge=True,
        collapse_padding=True,
    )
    header, *rows = block.rows
    for cell in header:
        table.add_column(inline_text(cell, STYLES["table_header"], justify=None))
    for row in rows:
        cells = [inline_text(cell, justify=None) for cell in row[: len(header)]]
        table.add_row(*cells)
    return table


def _stack(renderables: Iterable[RenderableType], *, spaced: bool = True) -> RenderableType:
    """Blocks one after another, with a blank line between them as Markdown has."""
    parts: list[RenderableType] = []
    for renderable in renderables:
        if parts and spaced:
            parts.append(Text())
        parts.append(renderable)
    return parts[0] if len(parts) == 1 else Group(*parts)


def prose_renderable(markdown: str) -> Group:
    """Lesson Markdown (math already Unicode) as one renderable.

    Always a ``Group``, never bare ``Text``: Textual draws a Rich renderable the way it
    drew Rich's Markdown (every line padded to the width), so a lesson's screen is
    cell for cell what it was.
    """
    # Lesson text: its control characters are made inert before anything is drawn.
    blocks = parse_blocks(clean(markdown).strip("\n").split("\n"))
    rendered = _stack([_render_block(block) for block in blocks])
    return rendered if isinstance(rendered, Group) else Group(rendered)
