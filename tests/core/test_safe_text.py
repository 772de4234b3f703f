"""``tutor.core.safe_text``: untrusted text comes out literal and inert, nothing else changes."""

from __future__ import annotations

import io
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from tutor.core.safe_text import (
    BIDI_CONTROLS,
    MAX_VALUES_SCANNED,
    OPTION_CHARS,
    as_text,
    clean,
    clean_line,
    control_name,
    describe_control,
    find_controls,
    first_control,
    json_text,
    literal,
    option_text,
)

#: What must never survive: C0 but tab and newline, DEL, C1, bidi controls, surrogates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SURROGATE = re.compile("[\ud800-\udfff]")


def test_escape_sequences_become_visible_text() -> None:
    assert clean("a\x1b]0;title\x07b") == "a\\x1b]0;title\\x07b"
    assert clean("\x1b[2J") == "\\x1b[2J"
    assert clean("csi\x9b31m") == "csi\\x9b31m"
    assert clean("del\x7f nul\x00 cr\r") == "del\\x7f nul\\x00 cr\\x0d"


def test_bidi_controls_are_removed() -> None:
    text = "".join(f"x{char}" for char in sorted(BIDI_CONTROLS))
    assert clean(text) == "x" * len(BIDI_CONTROLS)
    assert clean("abc\u202edef") == "abcdef"


def test_layout_is_kept_and_ordinary_text_untouched() -> None:
    text = "Δ = Σ(Y − Ŷ)²\n\tδW⁽²⁾ [b]not markup[/b] ✓ 数学 عربى"
    assert clean(text) is text
    assert clean("one\ntwo\tthree") == "one\ntwo\tthree"


def test_one_line_text_has_no_line_breaks() -> None:
    assert clean_line("a\nb\tc\u2028d") == "a b c d"
    assert clean_line("title\x1b[2J") == "title\\x1b[2J"


def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    cleaned = clean("a\ud800b")
    assert cleaned == "a\ufffdb"
    cleaned.encode("utf-8")  # printable: no UnicodeEncodeError


def test_literal_never_reads_markup() -> None:
    for markup in ("[@click=app.quit]quit[/]", "[/x]", "[/bold]", "[b]bold[/b]", "[$x]v"):
        text = literal(markup)
        assert text.plain == markup
        assert text.spans == []
    assert literal("x", "bold").style == "bold"
    assert literal(12).plain == "12"
    assert literal("a\nb", line=True).plain == "a b"


def test_literal_prints_without_control_bytes() -> None:
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(literal("\x1b]0;pwned\x07\u202e[/x]"))
    assert out.getvalue() == "\\x1b]0;pwned\\x07[/x]\n"


def test_a_number_too_long_for_str_is_shown_in_words() -> None:
    huge = 10**5000
    assert as_text(huge) == "a number too long to show"
    assert as_text(3) == "3"
    assert literal(huge).plain == "a number too long to show"


def test_json_text_escapes_what_json_dumps_leaves_raw() -> None:
    data = {"prompt": "x\x9by\u202ez\x7f\x1b[2J\ud800", "plain": "Δ ✓"}
    dumped = json_text(json.dumps(data, ensure_ascii=False))
    assert UNSAFE.search(dumped) is None and SURROGATE.search(dumped) is None
    assert json.loads(dumped) == data
    assert "Δ ✓" in dumped  # non-ASCII text stays readable


def test_option_text_shows_any_yaml_value_on_one_short_line() -> None:
    assert option_text([10, 3, 4, 1]) == "10,3,4,1"
    assert option_text(["[/x]", "relu\x1b"]) == "[/x],relu\\x1b"
    assert option_text(None) == ""
    assert option_text(10**5000) == "a number too long to show"
    long = option_text("x" * 500)
    assert len(long) == OPTION_CHARS and long.endswith("…")


def test_find_controls_gives_the_first_per_line_with_its_column() -> None:
    text = "ok\nab\x1bc\x07\nfine\tand tab\n\u202e\x9b"
    assert list(find_controls(text)) == [(2, 3, "\x1b"), (4, 1, "\u202e")]
    assert list(find_controls("nothing here\n\tat all")) == []


def test_control_names_and_messages() -> None:
    assert control_name("\x1b") == "U+001B (ESCAPE)"
    assert control_name("\u202e") == "U+202E (RIGHT-TO-LEFT OVERRIDE)"
    assert control_name("\x9b") == "U+009B (CONTROL SEQUENCE INTRODUCER)"
    assert control_name("\x01") == "U+0001 (control character)"
    assert describe_control("\x1b", 4).startswith("control character U+001B (ESCAPE) at column 4:")
    assert describe_control("\u2066").startswith("bidi control U+2066 (LEFT-TO-RIGHT ISOLATE):")
    assert UNSAFE.search(describe_control("\x1b")) is None


def test_first_control_looks_through_nested_values_and_keys() -> None:
    assert first_control({"a": [1, {"b": ["fine", "bad\x1b"]}]}) == "\x1b"
    assert first_control({"key\u202e": "value"}) == "\u202e"
    assert first_control({"a": ["fine", 3, None, 2.5]}) is None


def test_first_control_stops_after_its_budget() -> None:
    values = ["fine"] * (MAX_VALUES_SCANNED + 10) + ["bad\x1b"]
    # Scanned from the end, the bad one is found at once; from the start it is beyond reach.
    assert first_control(values) == "\x1b"
    assert first_control(["bad\x1b"] + ["fine"] * (MAX_VALUES_SCANNED + 10)) is None


@settings(max_examples=300, derandomize=True, database=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from([chr(c) for c in range(0xA0)] + sorted(BIDI_CONTROLS) + ["\ud800"]),
        ),
        max_size=80,
    )
)
def test_clean_leaves_nothing_unsafe_and_is_stable(text: str) -> None:
    cleaned = clean(text)
    assert UNSAFE.search(cleaned) is None
    assert SURROGATE.search(cleaned) is None
    assert clean(cleaned) == cleaned
    line = clean_line(text)
    assert "\n" not in line and "\t" not in line and UNSAFE.search(line) is None
    if UNSAFE.search(text) is None and SURROGATE.search(text) is None:
        assert cleaned == text
