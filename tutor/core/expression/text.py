"""Checks on the raw text, made before Python's parser ever sees it.

``ast.parse`` itself can be made to recurse deeply or use much memory, and it
quietly folds some Unicode look-alikes into ASCII names (``ｘ`` becomes ``x``).
So the text is bounded in length and bracket depth first, and every character
outside plain ASCII is refused and named, with the letter it imitates, which
is how the article's Cyrillic ``С`` bug is caught.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from tutor.core.expression.errors import ExpressionError
from tutor.core.expression.limits import MAX_DEPTH, MAX_NESTING, MAX_SOURCE_CHARS

#: Characters silently read as their ASCII meaning (pasted from typeset text).
_NORMALISED = {"\u2212": "-"}
#: Letters that look like an ASCII letter but are not (NFKC does not map them).
_LOOK_ALIKES = dict(
    zip(
        "АВЕКМНОРСТХУаеорсухіјѕІЈЅԁһԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧοινκτυχ",
        "ABEKMHOPCTXYaeopcyxijsIJSdhqwABEZHIKMNOPTYXoivktux",
        strict=True,
    )
)
#: Typeset symbols a learner may paste, and what to type instead.
_SYMBOL_HINTS = {
    "×": "type * for an element-wise product or @ for a matrix product",
    "·": "type * for an element-wise product or @ for a matrix product",
    "⋅": "type * for an element-wise product or @ for a matrix product",
    "∗": "type * for an element-wise product",
    "÷": "type / to divide",
    "–": "type - (the ASCII minus)",
    "—": "type - (the ASCII minus)",
    "ᵀ": "type .T to transpose",
    "‘": "text in quotes is not part of the language",
    "’": "text in quotes is not part of the language",
    "“": "text in quotes is not part of the language",
    "”": "text in quotes is not part of the language",
}
_PREFIX_RUN = re.compile(rf"(?:[-+~]\s*){{{MAX_DEPTH},}}")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

#: Makes the error for (kind, detail, index into the text or None).
Refuse = Callable[[str, str, int | None], ExpressionError]


def screen(text: str, *, offset: int = 0, source: str | None = None) -> str:
    """Bound and clean ``text``, or refuse it; return the text for ``ast.parse``.

    Args:
        text: the expression (already stripped of surrounding whitespace).
        offset: columns before ``text`` in ``source``, so errors point into it.
        source: the full line shown in errors (default: ``text``).

    Raises:
        ExpressionError: kind "limit" for length and nesting, "syntax" for a
            character that is not part of the language.
    """
    line = text if source is None else source

    def refuse(kind: str, detail: str, index: int | None) -> ExpressionError:
        column = None if index is None else offset + index + 1
        return ExpressionError(kind, detail, column=column, source=line)

    if len(text) > MAX_SOURCE_CHARS:
        raise refuse(
            "limit",
            f"the expression is {len(text):,} characters long; the limit is {MAX_SOURCE_CHARS:,}",
            None,
        )
    if not text:
        raise refuse("syntax", "the expression is empty", None)
    control = _CONTROL.search(text)
    if control is not None:
        raise refuse("syntax", _control_detail(control.group()), control.start())
    if not text.isascii():
        text = _normalise(text, refuse)
    _check_nesting(text, refuse)
    return text


def _control_detail(char: str) -> str:
    if char == "\n":
        return "an expression is one line; this text has a line break in it"
    if char == "\x00":
        return "the text contains a NUL character (code 0), which cannot be part of an expression"
    return f"the text contains the control character U+{ord(char):04X}, which cannot be typed here"


def _normalise(text: str, refuse: Refuse) -> str:
    """Map the few harmless typeset characters to ASCII; refuse every other one."""
    chars = list(text)
    for index, char in enumerate(chars):
        if char.isascii():
            continue
        if char in _NORMALISED:
            chars[index] = _NORMALISED[char]
            continue
        raise refuse("syntax", _character_detail(char), index)
    return "".join(chars)


def _character_detail(char: str) -> str:
    """Name a non-ASCII character, and say what to type instead when that is clear."""
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    shown = f"'{char}' ({name})" if unicodedata.category(char) not in ("Cf", "Zs") else name
    if unicodedata.category(char) == "Cf":
        return f"the text contains an invisible character, {name} (U+{ord(char):04X}); delete it"
    if char in _SYMBOL_HINTS:
        return f"{shown} is not part of the language; {_SYMBOL_HINTS[char]}"
    twin = _LOOK_ALIKES.get(char)
    folded = unicodedata.normalize("NFKC", char)
    if twin is None and folded.isascii() and folded.isalnum():
        twin = folded
    if twin is not None:
        if char in "⁰¹²³⁴⁵⁶⁷⁸⁹":
            return f"{shown} is a superscript; write a power as **{twin}"
        return (
            f"{shown} looks like the ASCII '{twin}' but is a different character; "
            f"retype it as '{twin}'"
        )
    return f"{shown} cannot be used: expressions are written in plain ASCII"


def _check_nesting(text: str, refuse: Refuse) -> None:
    """Refuse deep bracket nesting and long runs of signs before the parser recurses."""
    depth = 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise refuse(
                    "limit",
                    f"brackets are nested more than {MAX_NESTING} deep",
                    index,
                )
        elif char in ")]}":
            depth -= 1
    run = _PREFIX_RUN.search(text)
    if run is not None:
        raise refuse("limit", f"more than {MAX_DEPTH} signs in a row", run.start())
