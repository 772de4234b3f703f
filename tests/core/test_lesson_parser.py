"""The lesson parser: good files parse with their line numbers, bad ones say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.lesson import Block, LessonError, Pause, Prose, parse_lesson

GOOD = """\
---
id: forward-pass
title: The forward pass
order: 4
summary: Three matrices in a row.
objectives:
  - Predict a chain's shape.
seed: 7
---

# The forward pass

Intro text with $\\hat{Y}$.

## Multiply

Some prose.

```compute
X = randn(10, 3)
X @ W1
```

<!-- pause -->

```python
print("shown, never run")
```

## Quiz time

```quiz
id: q-shape
kind: shape
prompt: "Shape of X @ W1 for ({n},{m}) and ({m},{h})?"
dims: {n: [7, 9], m: [2, 3], h: [4, 6]}
answer: (n, h)
```
"""


def write(tmp_path: Path, text: str | bytes, name: str = "lesson.md") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LessonError) as caught:
        parse_lesson(path)
    return [str(problem) for problem in caught.value.problems]


def test_good_lesson_front_matter(tmp_path: Path) -> None:
    lesson = parse_lesson(write(tmp_path, GOOD))
    assert (lesson.id, lesson.title, lesson.order, lesson.seed) == (
        "forward-pass",
        "The forward pass",
        4,
        7,
    )
    assert lesson.objectives == ("Predict a chain's shape.",)


def test_good_lesson_sections_and_parts_keep_lines(tmp_path: Path) -> None:
    lesson = parse_lesson(write(tmp_path, GOOD))
    assert [s.title for s in lesson.sections] == ["", "Multiply", "Quiz time"]
    assert [s.line for s in lesson.sections[1:]] == [15, 30]
    parts = lesson.sections[1].parts
    assert isinstance(parts[0], Prose) and parts[0].text == "Some prose."
    compute = parts[1]
    assert isinstance(compute, Block) and compute.kind == "compute"
    assert (compute.line, compute.body_line) == (19, 20)
    assert compute.body == "X = randn(10, 3)\nX @ W1"
    assert isinstance(parts[2], Pause) and parts[2].line == 24
    # A display fence stays prose, with its fence, and is never a live block.
    assert isinstance(parts[3], Prose) and 'print("shown, never run")' in parts[3].text


def test_quiz_block_is_parsed_yaml(tmp_path: Path) -> None:
    lesson = parse_lesson(write(tmp_path, GOOD))
    quiz = lesson.quiz("q-shape")
    assert quiz is not None and quiz.data is not None
    assert quiz.data["dims"] == {"n": [7, 9], "m": [2, 3], "h": [4, 6]}
    assert quiz.line == 32
    assert lesson.quiz("nope") is None


def test_seed_defaults_to_order(tmp_path: Path) -> None:
    lesson = parse_lesson(write(tmp_path, GOOD.replace("seed: 7\n", "")))
    assert lesson.seed == 4


def test_windows_line_endings_and_bom(tmp_path: Path) -> None:
    text = "\ufeff" + GOOD.replace("\n", "\r\n")
    lesson = parse_lesson(write(tmp_path, text))
    assert lesson.id == "forward-pass"
    assert lesson.sections[1].blocks[0].body == "X = randn(10, 3)\nX @ W1"


def test_missing_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path, "# Just a heading\n\ntext\n")
    assert problems_of(path) == [
        f"{path}:1: missing front matter: a lesson starts with a "
        "'---' line, then id, title, order and summary, then '---'"
    ]


def test_unclosed_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path, "---\nid: a\ntitle: b\n")
    assert problems_of(path) == [f"{path}:1: front matter is not closed: add a '---' line after it"]


def test_bad_yaml_in_front_matter_points_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "---\nid: a\ntitle: [unclosed\norder: 1\n---\n")
    assert problems_of(path) == [
        f"{path}:4: bad YAML in front matter: expected ',' or ']', but got ':'"
    ]


def test_missing_keys_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "---\nid: a\ntitle: b\n---\ntext\n")
    assert problems_of(path) == [f"{path}:1: front matter lacks order, summary"]


def test_bad_id_and_order_point_at_their_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "---\ntitle: b\nid: Bad_Id\nsummary: s\norder: first\n---\n")
    assert problems_of(path) == [
        f"{path}:3: id 'Bad_Id' must be lowercase letters, digits and '-'",
        f"{path}:5: order must be a whole number, not 'first'",
    ]


def test_unknown_block_type_suggests_the_close_one(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("```compute", "```compte"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:19: unknown block type 'compte' (did you mean 'compute'?)")


def test_unterminated_fence(tmp_path: Path) -> None:
    text = GOOD.split("## Quiz time")[0] + "```quiz\nid: x\n"
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert problems[-1] == f"{path}:30: unterminated code fence: add a closing ``` line"


def test_longer_fence_may_hold_a_shorter_one(tmp_path: Path) -> None:
    text = GOOD + "\n````markdown\n```compute\nnot run\n```\n````\n"
    lesson = parse_lesson(write(tmp_path, text))
    assert [block.kind for block in lesson.blocks] == ["compute", "quiz"]


def test_duplicate_quiz_ids(tmp_path: Path) -> None:
    quiz = GOOD.split("## Quiz time\n")[1]
    path = write(tmp_path, GOOD + "\n" + quiz)
    (problem,) = problems_of(path)
    assert problem == f"{path}:41: duplicate quiz id 'q-shape' (first at line 32)"


def test_bad_yaml_in_quiz_points_into_the_block(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("answer: (n, h)", "answer: [n, h"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:37: bad YAML in quiz block: expected ',' or ']'")


def test_quiz_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "\n```quiz\n- a\n- b\n```\n")
    (problem,) = problems_of(path)
    assert problem == f"{path}:40: a quiz block holds 'key: value' lines"


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert problems_of(path) == [
        f"{path}:1: empty file: a lesson starts with a '---' front-matter block"
    ]


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = write(tmp_path, "\n  \n\t\n")
    assert "empty file" in problems_of(path)[0]


def test_non_utf8_file_names_the_line_and_byte(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.encode().replace(b"Some prose.", b"Some pr\xe9se."))
    assert problems_of(path) == [f"{path}:17: not UTF-8 text (byte 0xe9 at offset 210)"]


def test_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path, b"---\nid: a\n\x00\x01\x02")
    assert problems_of(path) == [f"{path}:3: binary data (a NUL byte): a lesson is UTF-8 text"]


def test_huge_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "x" * 5_000_000)
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:1: file is 5,000,")


def test_unreadable_path(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "missing.md")
    assert problem.startswith(f"{tmp_path / 'missing.md'}:1: cannot read the file")


# -- fences that only look like closers ----------------------------------------------------------


def test_a_fence_with_an_info_string_does_not_close_a_fence(tmp_path: Path) -> None:
    """Only a bare fence closes: ```` ```python ```` inside a text block is its content."""
    text = (
        "---\nid: a\ntitle: t\norder: 1\nsummary: s\n---\n\n## S\n\n"
        "```text\n```python\nnot code of its own\n```\n\n"
        "```quiz\nid: q\nkind: choice\nprompt: p\nchoices: [a, b]\nanswer: 1\n```\n"
    )
    lesson = parse_lesson(write(tmp_path, text))
    (section,) = lesson.sections
    prose, quiz = section.parts
    assert isinstance(prose, Prose) and prose.line == 10
    assert prose.text == "```text\n```python\nnot code of its own\n```"
    assert isinstance(quiz, Block) and quiz.kind == "quiz" and quiz.line == 15


def test_a_live_block_is_not_closed_by_a_fence_with_an_info_string(tmp_path: Path) -> None:
    text = (
        "---\nid: a\ntitle: t\norder: 1\nsummary: s\n---\n\n## S\n\n"
        "```compute\nA = ones((2, 2))\n```python\nB = A\n```\n"
    )
    (block,) = parse_lesson(write(tmp_path, text)).blocks
    assert block.body == "A = ones((2, 2))\n```python\nB = A"


# -- YAML problems at their exact line -----------------------------------------------------------

QUIZ_AT_10 = "---\nid: a\ntitle: t\norder: 1\nsummary: s\n---\n\n## S\n\n```quiz\n{body}\n```\n"


def test_a_bad_character_in_a_block_is_reported_at_its_line(tmp_path: Path) -> None:
    body = "id: q\nkind: choice\nprompt: 'bell \x07'\nchoices: [a, b]"
    path = write(tmp_path, QUIZ_AT_10.format(body=body))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:13: bad YAML in quiz block: unacceptable character #x0007")


def test_a_bad_character_in_front_matter_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, '---\nid: a\ntitle: t\norder: 1\nsummary: "s\x07"\n---\n')
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:5: bad YAML in front matter: unacceptable character")


def test_an_unclosed_quote_is_reported_where_it_opens_not_at_the_end(tmp_path: Path) -> None:
    body = "id: q\nkind: choice\nprompt: 'never closed\nchoices: [a, b]\nanswer: 1"
    path = write(tmp_path, QUIZ_AT_10.format(body=body))
    assert problems_of(path) == [
        f"{path}:13: bad YAML in quiz block: found unexpected end of stream "
        "(the quoted scalar opened here is never closed)"
    ]


def test_a_yaml_error_in_the_second_block_counts_lines_from_that_block(tmp_path: Path) -> None:
    good = "id: q1\nkind: choice\nprompt: p\nchoices: [a, b]\nanswer: 1"
    text = QUIZ_AT_10.format(body=good) + "\n```quiz\nid: q2\nkind: choice: x\nprompt: p\n```\n"
    path = write(tmp_path, text)
    (problem,) = problems_of(path)
    assert problem == f"{path}:20: bad YAML in quiz block: mapping values are not allowed here"


# -- YAML too big to build -------------------------------------------------------------------------


def test_a_number_beyond_64_bits_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "---\nid: a\ntitle: t\norder: 1\nsummary: s\nseed: " + "7" * 5000 + "\n---\n"
    )
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:6: the number 777777777777...(5000 characters) is too large")
    assert problem.endswith("in front matter")


def test_numbers_up_to_64_bits_and_quoted_digits_are_fine(tmp_path: Path) -> None:
    body = f"id: q\nkind: choice\nprompt: '{'9' * 100}'\nchoices: [a, b]\nanswer: {2**63 - 1}"
    path = write(tmp_path, QUIZ_AT_10.format(body=body))
    (quiz,) = parse_lesson(path).blocks
    assert quiz.data is not None and quiz.data["answer"] == 2**63 - 1
    assert quiz.data["prompt"] == "9" * 100
    path.write_text(QUIZ_AT_10.format(body=body.replace(str(2**63 - 1), str(-(2**63)))))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:15: the number -9223372036854775808 is too large")


def test_nesting_deeper_than_the_cap_is_reported_where_it_gets_too_deep(tmp_path: Path) -> None:
    from tutor.core.lesson import MAX_YAML_DEPTH

    nested = "".join("  " * level + "-\n" for level in range(MAX_YAML_DEPTH + 5))
    body = "id: q\nkind: choice\nprompt: p\nchoices:\n" + nested.rstrip("\n")
    path = write(tmp_path, QUIZ_AT_10.format(body=body))
    (problem,) = problems_of(path)
    # the quiz mapping is level 1, so list level k (from 1) is at depth k + 1: line 14 + k
    line = 14 + MAX_YAML_DEPTH
    assert problem == f"{path}:{line}: lists or mappings nested over 32 deep in quiz block"
    allowed = "".join("  " * level + "-\n" for level in range(MAX_YAML_DEPTH - 2))
    path.write_text(QUIZ_AT_10.format(body=body.replace(nested.rstrip("\n"), allowed.rstrip())))
    assert parse_lesson(path).blocks[0].data is not None


def test_a_lesson_that_is_a_named_pipe_is_refused(tmp_path: Path) -> None:
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(tmp_path / "pipe.md")
    (problem,) = problems_of(tmp_path / "pipe.md")
    assert problem == (
        f"{tmp_path / 'pipe.md'}:1: not a regular file: a lesson is a text file "
        "(this is a named pipe (FIFO))"
    )


def test_an_id_ending_in_a_newline_is_refused() -> None:
    """``$`` matches before a final newline; the id must be the pattern, whole."""
    from tutor.core.lesson import parse_lesson_text

    text = '---\nid: "bad\\n"\ntitle: T\norder: 1\nsummary: S\n---\n\n# T\n'
    with pytest.raises(LessonError, match="must be lowercase letters"):
        parse_lesson_text(text, Path("x.md"))
