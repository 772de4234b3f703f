"""How a quiz block's keys are read (``quiz_spec``): defaults, refusals and their words.

Each test pins what an author sees: the value a key becomes (or its default when it
is left out), and the exact sentence a malformed quiz is refused with, which
``tutor check`` prints after the quiz's line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.errors import UsageError
from tutor.core.lesson import Lesson, parse_lesson_text
from tutor.core.quiz import quiz_problems
from tutor.core.quiz.model import QuizFormatError, QuizSpec, find_quiz, quiz_spec

HEAD = """\
---
id: reading
title: Reading quizzes
order: 1
summary: Quizzes whose keys are read into a spec.
---

## Quiz

"""

SETUP = "setup: |\n  X = randn(n, m)\n  Y = randn(n, 1)\n"
DIMS = "dims: {n: [5, 8], m: [2, 4]}\n"


def lesson_of(*bodies: str) -> Lesson:
    text = HEAD + "".join("```quiz\n" + body + "```\n\n" for body in bodies)
    return parse_lesson_text(text, Path("reading.md"))


def spec_of(body: str) -> QuizSpec:
    lesson = lesson_of(body)
    return quiz_spec(lesson.quizzes[0], lesson)


def refusal(body: str) -> str:
    """The sentence ``quiz_spec`` refuses this quiz with."""
    with pytest.raises(QuizFormatError) as raised:
        spec_of(body)
    return raised.value.message


def formula(extra: str = "") -> str:
    return f"id: f\nkind: formula\nprompt: Type it.\n{DIMS}{SETUP}answer: X.T @ Y\n{extra}"


def bug(extra: str = "") -> str:
    return (
        f"id: b\nkind: bug\nprompt: Find it.\n{DIMS}{SETUP}answer: X.T @ Y\n"
        f"code: |\n  a = X.T\n  b = a @ Y\n  c = b\n{extra}"
    )


def program(steps: str = "", extra: str = "") -> str:
    steps = steps or "  - name: G\n    answer: X.T @ Y\n"
    return f"id: p\nkind: program\nprompt: Write it.\n{DIMS}{SETUP}steps:\n{steps}{extra}"


# -- keys every quiz shares -------------------------------------------------------------------


def test_keys_left_out_read_as_empty_text_and_the_default_attempts() -> None:
    spec = spec_of(f"id: bare\nkind: formula\n{DIMS}")
    assert (spec.prompt, spec.answer, spec.solution, spec.explain) == ("", "", "", "")
    assert (spec.setup, spec.hints, spec.attempts) == ("", (), 3)
    assert spec.tolerance == 1e-6


def test_keys_given_are_read_and_stripped() -> None:
    spec = spec_of(
        formula(
            "hints: [look at the shapes, transpose one]\nattempts: 5\n"
            "solution: '  X.T @ Y  '\nexplain: '  Because.  '\ntolerance: 0.01\n"
        )
    )
    assert spec.hints == ("look at the shapes", "transpose one")
    assert spec.attempts == 5
    assert (spec.solution, spec.explain) == ("X.T @ Y", "Because.")
    assert spec.tolerance == 0.01


@pytest.mark.parametrize("attempts", ["three", "true"])
def test_attempts_that_are_not_a_whole_number_are_refused_by_name(attempts: str) -> None:
    shown = {"three": "'three'", "true": "True"}[attempts]
    assert refusal(formula(f"attempts: {attempts}\n")) == (
        f"attempts must be a whole number, not {shown}"
    )


def test_a_quiz_without_a_kind_is_refused_with_the_kinds_there_are() -> None:
    assert refusal("id: k\nprompt: What?\n") == (
        "quiz kind must be shape, formula, choice, bug or program, not ''"
    )


def test_a_block_that_is_not_a_quiz_is_refused_at_its_line() -> None:
    text = HEAD + "```plot\nkind: function\nexpr: x**2\n```\n"
    lesson = parse_lesson_text(text, Path("reading.md"))
    block = lesson.blocks[0]
    with pytest.raises(QuizFormatError) as raised:
        quiz_spec(block, lesson)
    assert raised.value.message == f"line {block.line}: not a quiz block"


def test_an_unknown_quiz_names_the_quizzes_there_are() -> None:
    with pytest.raises(UsageError) as raised:
        find_quiz(lesson_of(formula(), f"id: ''\nkind: formula\n{DIMS}{SETUP}answer: X\n"), "nope")
    assert str(raised.value.message).endswith("its quizzes: f, ?")
    no_quiz = parse_lesson_text(HEAD + "Nothing to answer here.\n", Path("reading.md"))
    with pytest.raises(UsageError) as raised:
        find_quiz(no_quiz, "nope")
    assert raised.value.message == "no quiz 'nope' in lesson 'reading'; its quizzes: none"


# -- formula and bug quizzes ------------------------------------------------------------------


def test_names_must_be_a_list_and_may_be_left_out() -> None:
    assert spec_of(formula()).names is None
    assert spec_of(formula("names: [X, Y]\n")).names == ("X", "Y")
    assert refusal(formula("names: X\n")) == "names must be a list of names, not 'X'"


def test_a_wrong_entry_needs_both_an_answer_and_a_verdict() -> None:
    for entry, shown in [
        ("{answer: X}", "{'answer': 'X'}"),
        ("{verdict: sign}", "{'verdict': 'sign'}"),
        ("X", "'X'"),
    ]:
        assert refusal(formula(f"wrong: [{entry}]\n")) == (
            f"each 'wrong' entry needs an answer and a verdict: {shown}"
        )


def test_a_bug_quiz_reads_its_code_fix_prompt_and_line() -> None:
    spec = spec_of(bug("bug_line: 2\nfix_prompt: '  Now fix it.  '\n"))
    assert spec.bug_line == 2
    assert spec.code_lines == ("a = X.T", "b = a @ Y", "c = b")
    assert spec.fix_prompt == "Now fix it."
    bare = spec_of(
        f"id: b\nkind: bug\nprompt: Find it.\n{DIMS}{SETUP}answer: X.T @ Y\nbug_line: 1\n"
    )
    assert (bare.code, bare.code_lines, bare.fix_prompt) == ("", (), "")


def test_a_bug_line_that_is_not_a_whole_number_is_a_check_finding() -> None:
    lesson = lesson_of(bug("bug_line: two\n"))
    assert [problem.message for problem in quiz_problems(lesson)] == [
        "quiz 'b': bug_line must be a whole number, not 'two'"
    ]


def test_a_bug_quiz_why_names_its_lines() -> None:
    assert refusal(bug("bug_line: 2\nwhy: {9: out of range}\n")) == (
        "why names line 9, but they are numbered 1 to 3"
    )
    assert refusal(bug("bug_line: 2\nwhy: {1: ' '}\n")) == "why for line 1 must be a sentence"


# -- where a setup starts ---------------------------------------------------------------------


def setup_failure_line(setup: str) -> tuple[int, int]:
    """(the line a failing setup is reported at, the file line of ``nosuch``)."""
    body = f"id: s\nkind: formula\nprompt: Type it.\n{DIMS}{setup}answer: X\n"
    lesson = lesson_of(body)
    text = HEAD + "```quiz\n" + body
    expected = next(i for i, line in enumerate(text.split("\n"), 1) if "nosuch" in line)
    (problem,) = quiz_problems(lesson)
    return problem.line, expected


@pytest.mark.parametrize(
    "setup",
    [
        "setup: X = nosuch(n, m)\n",
        "setup: |\n  X = nosuch(n, m)\n",
        "setup: >\n  X = nosuch(n, m)\n",
    ],
)
def test_a_failing_setup_is_reported_at_its_own_line(setup: str) -> None:
    reported, expected = setup_failure_line(setup)
    assert reported == expected


# -- program quizzes --------------------------------------------------------------------------


def test_a_program_quiz_reads_its_steps_and_starter() -> None:
    spec = spec_of(program(extra="starter: |\n  A = X.T\n"))
    assert [(step.name, step.answer) for step in spec.steps] == [("G", "X.T @ Y")]
    assert spec.answer == "G = X.T @ Y"
    assert spec.starter == "A = X.T"
    assert spec_of(program()).starter == ""


@pytest.mark.parametrize("steps", ["steps: []\n", "steps: G\n"])
def test_a_program_quiz_without_a_list_of_steps_is_refused(steps: str) -> None:
    body = f"id: p\nkind: program\nprompt: Write it.\n{DIMS}{SETUP}{steps}"
    assert refusal(body) == ("steps must list the named values to check: {name: ..., answer: ...}")


def test_a_step_named_twice_is_refused_with_the_names() -> None:
    steps = "  - {name: G, answer: X.T @ Y}\n  - {name: G, answer: Y.T @ X}\n"
    assert refusal(program(steps)) == "steps name a value twice: G, G"


def test_a_step_needs_a_name_and_an_answer() -> None:
    assert refusal(program("  - {name: G}\n")) == (
        "each step needs a name and an answer: {'name': 'G'}"
    )
    assert refusal(program("  - {answer: X}\n")) == (
        "each step needs a name and an answer: {'answer': 'X'}"
    )


@pytest.mark.parametrize("name", ["d W", "δW"])
def test_a_step_name_must_be_a_plain_name(name: str) -> None:
    steps = f"  - name: {name}\n    answer: X.T @ Y\n"
    assert refusal(program(steps)) == (f"a step's name must be a plain name like dW2, not {name!r}")


def test_a_wrong_program_needs_its_program_verdict_and_first_wrong_step() -> None:
    expected = (
        "each 'wrong' program needs program, verdict and (unless it is invalid) step, "
        "the first wrong one: "
    )
    no_step = "wrong:\n  - {program: G = Y.T @ X, verdict: transposed}\n"
    assert refusal(program(extra=no_step)) == (
        expected + "{'program': 'G = Y.T @ X', 'verdict': 'transposed'}"
    )
    no_program = "wrong:\n  - {verdict: sign, step: G}\n"
    assert refusal(program(extra=no_program)) == (expected + "{'verdict': 'sign', 'step': 'G'}")
    invalid = spec_of(program(extra="wrong:\n  - {program: G = (, verdict: invalid}\n"))
    assert [(w.answer, w.verdict, w.step) for w in invalid.wrong] == [("G = (", "invalid", "")]
