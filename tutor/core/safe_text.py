"""Text from a lesson, a learner or a file, made safe to show: literal and inert.

Two things can go wrong when such text reaches a screen. Read as Rich or Textual
markup, ``[@click=app.quit]`` becomes a link that acts and ``[/x]`` raises a
MarkupError; so untrusted text is only ever shown as a Rich ``Text`` (or Textual
``Content``) built from the string, never parsed. And written to a terminal or an
SVG, control characters act too: ``ESC ] 0 ; … BEL`` retitles the window,
``ESC [ 2 J`` clears it, a C1 ``CSI`` (U+009B) starts a sequence on its own, and the
bidirectional overrides (U+202E and friends) make text read differently from what
it is. :func:`clean` shows every C0 and C1 control as a visible escape (``\\x1b``),
so the sequence that follows is plain text, and drops the bidi controls, which have
no visible form. Tab and newline stay where layout needs them; :func:`clean_line`
turns them into spaces for one-line places (titles, list rows, palette entries).

This module imports no Textual (and Rich only for :func:`literal`), so the command
line, ``tutor check`` included, uses the same rules as the app.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.style import StyleType
    from rich.text import Text

#: Characters that reorder displayed text (Unicode's bidi embeddings, overrides,
#: isolates and marks): removed before display, reported by ``tutor check``.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

_C0_C1 = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: Lone surrogates cannot be encoded as UTF-8 (YAML's "\ud800" makes one): printing
#: one would end in UnicodeEncodeError, so it becomes U+FFFD.
_SURROGATES = "\ud800-\udfff"
_UNSAFE = re.compile(f"[{_C0_C1}{_BIDI}{_SURROGATES}]")
_UNSAFE_IN_LINE = re.compile(f"[{_C0_C1}{_BIDI}{_SURROGATES}\t\n\u2028\u2029]")
_JSON_RAW = re.compile(f"[\x7f-\x9f{_BIDI}{_SURROGATES}]")
#: Every character ``tutor check`` reports in lesson text (tab and newline are layout).
_REPORTED = re.compile(f"[{_C0_C1}{_BIDI}]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in BIDI_CONTROLS:
        return ""
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    if char in "\t\n\u2028\u2029":
        return " "
    return f"\\x{ord(char):02x}"


def clean(text: str) -> str:
    """``text`` with controls shown as escapes (``\\x1b``) and bidi controls removed.

    Newlines and tabs are kept. Text with nothing to clean is returned as it is, so
    the common case costs one regular-expression scan.
    """
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_visible, text)


def clean_line(text: str) -> str:
    """:func:`clean`, and newlines and tabs as spaces: text for a single line."""
    if _UNSAFE_IN_LINE.search(text) is None:
        return text
    return _UNSAFE_IN_LINE.sub(_visible, text)


def as_text(value: object) -> str:
    """``str(value)``, except for an integer longer than Python will print.

    YAML reads a 5,000-digit number as an int, and ``str`` of it raises ValueError
    (Python's limit on converting huge integers); showing it must not.
    """
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except ValueError:
        return "a number too long to show"


def json_text(dumped: str) -> str:
    """JSON from ``json.dumps(..., ensure_ascii=False)`` with no control byte left raw.

    ``json.dumps`` escapes C0 controls but writes DEL, C1 controls, bidi controls and
    lone surrogates as they are; here they become ``\\uXXXX`` escapes, which parse
    back to the very same strings (they can only occur inside JSON strings).
    """
    return _JSON_RAW.sub(lambda match: f"\\u{ord(match.group()):04x}", dumped)


def literal(text: object, style: StyleType = "", *, line: bool = False, **kwargs) -> Text:
    """Untrusted text as a Rich ``Text``: never read as markup, its controls made inert.

    Args:
        text: the text (anything else is shown as ``str(text)``, as YAML values may be).
        style: the style of the whole text.
        line: one line only (newlines and tabs become spaces).
        **kwargs: passed to ``Text`` (``no_wrap``, ``overflow``, ``end``...).
    """
    from rich.text import Text  # here: ``tutor check`` cleans its output without Rich

    raw = as_text(text)
    return Text(clean_line(raw) if line else clean(raw), style=style, **kwargs)


#: A block option longer than this is cut where it is shown (``tutor check`` says more).
OPTION_CHARS = 80


def option_text(value: object) -> str:
    """A live block's option as a launcher or ``tutor show`` gives it: one short line.

    Options are the lesson's YAML, shown before anything validates them (the epoch
    screen does when opened), so any value is accepted: a list is joined by commas,
    and the text is cut short with its controls made inert.
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ",".join(as_text(item) for item in value[:OPTION_CHARS])
    text = clean_line(as_text(value))
    return text if len(text) <= OPTION_CHARS else text[: OPTION_CHARS - 1] + "…"


def control_name(char: str) -> str:
    """How a report names a control character: ``U+001B (ESCAPE)``."""
    name = unicodedata.name(char, "")
    if not name:
        name = _C0_NAMES.get(ord(char), "control character")
    return f"U+{ord(char):04X} ({name})"


#: Unicode gives C0 and C1 controls no names of their own; these are their usual ones.
_C0_NAMES = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
    0x9B: "CONTROL SEQUENCE INTRODUCER",
    0x9D: "OPERATING SYSTEM COMMAND",
}


def find_controls(text: str) -> Iterator[tuple[int, int, str]]:
    """Each line of ``text`` that holds a reported character: (line, column, char).

    Lines and columns count from 1; only the first such character of a line is given,
    so a line full of them is one finding, not hundreds.
    """
    if _REPORTED.search(text) is None:
        return
    for number, row in enumerate(text.split("\n"), 1):
        found = _REPORTED.search(row)
        if found is not None:
            yield number, found.start() + 1, found.group()


#: Lines with control characters ``tutor check`` names in one lesson before summing up.
MAX_CONTROL_REPORTS = 20
#: Values of a parsed YAML document looked at by :func:`first_control`, at most.
MAX_VALUES_SCANNED = 20_000


def describe_control(char: str, column: int | None = None) -> str:
    """What ``tutor check`` says about one reported character (never the character)."""
    where = f" at column {column}" if column is not None else ""
    if char in BIDI_CONTROLS:
        return (
            f"bidi control {control_name(char)}{where}: it changes the order text reads "
            "in; tutor removes it before display"
        )
    return (
        f"control character {control_name(char)}{where}: terminals act on it, so tutor "
        "shows it as an escape; remove it"
    )


def first_control(values: object) -> str | None:
    """The first reported character in any text of a parsed YAML value, keys included.

    At most ``MAX_VALUES_SCANNED`` values are looked at, so a huge document costs no
    more than a lesson-sized one.
    """
    pending = [values]
    scanned = 0
    while pending and scanned < MAX_VALUES_SCANNED:
        value = pending.pop()
        scanned += 1
        if isinstance(value, str):
            found = _REPORTED.search(value)
            if found is not None:
                return found.group()
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list | tuple):
            pending.extend(value)
    return None
