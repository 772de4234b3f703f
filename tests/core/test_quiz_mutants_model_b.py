"""How a quiz block's YAML is read, pinned where a mutation run of ``quiz/model.py`` found
nothing asserting it.

Each test goes through what an author or a learner meets: the one-line refusal of a
malformed quiz (``tutor grade`` and the quiz card show it as it is), the verdict and
message of a graded answer, the findings of ``tutor check`` and the row of
``tutor quizzes --json``. Messages are compared whole, since their words are what the
author reads to fix the lesson.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.cli.quizzes import quiz_row
from tutor.core.lesson import Lesson, parse_lesson_text
from tutor.core.quiz import grade, grade_choice, quiz_findings
from tutor.core.quiz.model import QuizFormatError, QuizSpec, find_quiz

#: A formula quiz's matrix: n and m never equal, so a transpose always shows in the shape.
MATRIX = "dims: {n: [5, 7], m: [2, 3]}\nsetup: |\n  X = randn(n, m)\n"
NOTHING_PROVED = 'proves: {none: "a matrix, not a gradient"}\n'


def lesson(quiz: str, meta: str = "") -> Lesson:
    """A lesson holding one quiz block (id ``q``), with extra front matter ``meta``."""
    text = (
        "---\nid: mutants\ntitle: Mutants\norder: 1\nsummary: Quizzes read from YAML.\n"
        f"seed: 3\n{meta}---\n\n## Quiz\n\n```quiz\nid: q\nprompt: Answer it.\n{quiz}```\n"
    )
    return parse_lesson_text(text, Path("mutants.md"))


def spec(quiz: str, meta: str = "") -> QuizSpec:
    return find_quiz(lesson(quiz, meta), "q")


def refusal(quiz: str, meta: str = "") -> str:
    """The message a malformed quiz is refused with (what ``tutor grade`` prints)."""
    with pytest.raises(QuizFormatError) as info:
        spec(quiz, meta)
    return info.value.message


def findings(quiz: str) -> list[str]:
    return [problem.message for problem in quiz_findings(lesson(quiz))]


def formula(extra: str = "") -> str:
    return f"kind: formula\n{MATRIX}answer: X\n{NOTHING_PROVED}{extra}"


# -- choice quizzes ---------------------------------------------------------------------------

CHOICES = "kind: choice\nchoices: [A is right, B is wrong, C is wrong]\n"


@pytest.mark.parametrize(("answer", "shown"), [("two", "'two'"), ("true", "True")])
def test_a_choice_answer_is_an_option_number(answer: str, shown: str) -> None:
    assert refusal(f"{CHOICES}answer: {answer}\n") == (
        f"a choice answer is an option number or a list, not {shown}"
    )


def test_quizzes_json_row_lists_the_options_and_the_right_ones() -> None:
    found = lesson(f"{CHOICES}answer: [1, 3]\n")
    row = quiz_row(found, find_quiz(found, "q"), answers=True)
    assert row["choices"] == ["A is right", "B is wrong", "C is wrong"]
    assert row["answer"] == "1,3"
    assert row["multiple"] is True


def test_multiple_set_by_the_author_wins_over_the_answer_form() -> None:
    """One right option, but the learner is told several may be: two picks are graded."""
    quiz = spec(f"{CHOICES}answer: 1\nmultiple: true\n")
    result = grade_choice(quiz, "1,2")
    assert result.verdict == "wrong"
    assert result.message == "Not quite: 1 of your picks is right, 1 is not, and you missed 0."


# -- why: reasons for wrong options -----------------------------------------------------------


def test_why_as_a_list_numbers_the_options_from_one() -> None:
    """A list's blank entry (the right option) is skipped, but keeps its number."""
    quiz = spec(f'{CHOICES}answer: 1\nwhy: ["", "B is only half.", "C is upside down."]\n')
    assert grade_choice(quiz, "2").message == (
        "Option 2 is not the right one. Option 2: B is only half."
    )
    assert grade_choice(quiz, "3").message == (
        "Option 3 is not the right one. Option 3: C is upside down."
    )


def test_why_must_map_or_list_the_reasons() -> None:
    assert refusal(f"{CHOICES}answer: 1\nwhy: every one\n") == (
        "why maps each option number to the reason it is wrong"
    )


@pytest.mark.parametrize(("key", "shown"), [("first", "'first'"), ("true", "True")])
def test_why_names_options_by_number(key: str, shown: str) -> None:
    assert refusal(f'{CHOICES}answer: 1\nwhy: {{{key}: "wrong"}}\n') == (
        f"why names option {shown}, but they are numbered 1 to 3"
    )


def test_why_reasons_are_sentences() -> None:
    assert refusal(f'{CHOICES}answer: 1\nwhy: {{2: " "}}\n') == (
        "why for option 2 must be a sentence"
    )


# -- dims -------------------------------------------------------------------------------------


def test_dims_must_be_a_mapping() -> None:
    quiz = "kind: formula\ndims: [2, 3]\nsetup: 'X = randn(2, 2)'\nanswer: X\n"
    assert refusal(quiz) == "dims must map names to [low, high] ranges"


def test_dims_range_has_two_bounds() -> None:
    quiz = "kind: formula\ndims: {n: [2, 3, 4]}\nsetup: 'X = randn(n, 2)'\nanswer: X\n"
    assert refusal(quiz) == "dims 'n' must be [low, high], not [2, 3, 4]"


def test_dims_bounds_are_whole_numbers_named_by_their_dimension() -> None:
    quiz = "kind: formula\ndims: {n: [2, many]}\nsetup: 'X = randn(n, 2)'\nanswer: X\n"
    assert refusal(quiz) == "dims 'n' must be a whole number, not 'many'"


# -- shape quizzes ----------------------------------------------------------------------------

SHAPE = "kind: shape\nprompt: X is ({n},{m}). Shape of X @ X.T?\ndims: {n: [4, 4], m: [2, 2]}\n"


def shape(answer: str, extra: str = "given:\n  X: (n, m)\nof: X @ X.T\n") -> str:
    return f"{SHAPE}{extra}answer: {answer}\n"


def test_given_shapes_as_text_or_list_make_the_setup() -> None:
    quiz = spec(shape("(n, n)", "given:\n  X: (n, m)\n  Y: [n, 1]\nof: X @ X.T\n"))
    assert quiz.setup == "X = randn(n, m)\nY = randn(n, 1)\n"
    assert findings(shape("(n, n)")) == []


def test_given_must_be_a_mapping_like_its_refusal_shows() -> None:
    """The refusal's example is one an author can paste: YAML splits ``{X: (n, m)}``."""
    message = refusal(shape("(n, n)", "given: [X]\nof: X\n"))
    assert message == "given maps each name to its shape, like {X: [n, m]}"
    example = message.removeprefix("given maps each name to its shape, like ")
    assert spec(shape("(n, n)", f"given: {example}\nof: X @ X.T\n")).setup == "X = randn(n, m)\n"


@pytest.mark.parametrize("name", ["1X", "Xé"])
def test_given_names_are_plain_ascii_names(name: str) -> None:
    assert refusal(shape("(n, m)", f"given:\n  {name}: (n, m)\nof: X\n")) == (
        f"given names must be plain names like X, not {name!r}"
    )


def test_a_shape_answer_written_as_a_yaml_list() -> None:
    found = lesson(shape("[n, n]"))
    quiz = find_quiz(found, "q")
    assert quiz.answer == "(n, n)" and quiz.shape_items == ("n", "n")
    assert grade(found, "q", "(4, 4)").verdict == "correct"


@pytest.mark.parametrize("answer", ["'[n, n]'", "'(n, n)'", "n, n"])
def test_a_shape_answer_in_brackets_parentheses_or_bare(answer: str) -> None:
    assert spec(shape(answer)).shape_items == ("n", "n")


@pytest.mark.parametrize("answer", ["n x m", "'n, m)'", "'(n, m'", "'()'"])
def test_a_malformed_shape_answer_is_refused(answer: str) -> None:
    text = answer.strip("'")
    assert refusal(shape(answer)) == (
        "a shape answer is a tuple of dimension names and whole numbers, "
        f"like (m, h) or (n, 1), not {text!r}"
    )


def test_an_empty_of_is_reported_as_no_expression() -> None:
    """``of: []`` passes the key check (it is not missing) but names no expression."""
    assert findings(shape("(n, n)", "given:\n  X: (n, m)\nof: []\n")) == [
        "quiz 'q': names no expression (of: ...), so its answer cannot be checked: add "
        "of: with the expression the question asks about, and given: or setup:"
    ]


# -- proves -----------------------------------------------------------------------------------

PROVED = (
    "kind: formula\ndims: {n: [5, 7], m: [2, 3]}\n"
    "setup: |\n  X = randn(n, m)\n  W = randn(m, 1)\nnames: [X, W]\n"
)


def test_proves_without_a_convention_claims_the_gradient() -> None:
    found = findings(f"{PROVED}answer: X.T @ X @ W\nproves: {{loss: 'sum((X @ W)**2)', wrt: W}}\n")
    assert len(found) == 1
    assert found[0].startswith(
        "quiz 'q': the reference answer 'X.T @ X @ W' is not ∂loss/∂W (convention: gradient); "
    )
    right = f"{PROVED}answer: 2 * X.T @ X @ W\nproves: {{loss: 'sum((X @ W)**2)', wrt: W}}\n"
    assert findings(right) == []


def test_proves_needs_loss_and_wrt() -> None:
    assert refusal(f"{PROVED}answer: W\nproves: {{loss: 'sum(W)'}}\n") == (
        "proves needs loss and wrt (and convention: gradient or descent)"
    )


@pytest.mark.parametrize("proves", ['{none: " "}', '{none: "a matrix", loss: "sum(W)"}'])
def test_proves_none_takes_one_sentence_alone(proves: str) -> None:
    assert refusal(f"{PROVED}answer: W\nproves: {proves}\n") == (
        "proves: {none: ...} takes one sentence saying why nothing is proved, e.g. "
        '{none: "the forward pass, not a gradient"} (quoted if it has a comma)'
    )


# -- feedback and notation --------------------------------------------------------------------


def test_feedback_may_hint_every_verdict() -> None:
    hints = (
        "feedback:\n  transposed: Mind the order.\n  sign: Downhill.\n  factor: Count twos.\n"
        "  shape: Which side is n?\n  values: Start again.\n"
    )
    found = lesson(formula(hints))
    result = grade(found, "q", "X @ X.T")
    assert result.verdict == "shape"
    assert result.message.endswith(" Which side is n?")


def test_feedback_keys_are_verdicts() -> None:
    assert refusal(formula("feedback: {bogus: hint}\n")) == (
        "feedback maps verdicts (transposed, sign, factor, shape, values) to a hint, "
        "not {'bogus': 'hint'}"
    )


@pytest.mark.parametrize(("hint", "shown"), [("{2: twice}", "{2: 'twice'}"), ("' '", "' '")])
def test_feedback_hints_are_sentences(hint: str, shown: str) -> None:
    assert refusal(formula(f"feedback: {{sign: {hint}}}\n")) == (
        f"feedback sign must be a sentence, not {shown}"
    )


def test_feedback_factor_keys_are_numbers() -> None:
    assert refusal(formula("feedback: {factor: {half: Halved.}}\n")) == (
        "feedback factor keys are numbers, not 'half'"
    )


def factor_message(hints: str, answer: str) -> str:
    result = grade(lesson(formula(f"feedback:\n  factor: {hints}\n")), "q", answer)
    assert result.verdict == "factor"
    return result.message


def test_a_factor_hint_is_for_its_own_factor() -> None:
    assert factor_message("{0.5: Halved., 2: Doubled.}", "2 * X") == (
        "Off by a constant factor 2 on every draw: Doubled."
    )


@pytest.mark.parametrize(
    ("key", "answer", "matches"),
    [
        # Within a relative 1e-6 of the key, inclusive, and no wider.
        ("1000.0005", "1000 * X", True),
        ("0.5000015", "0.5 * X", False),
        # 2**-19 and 2**-19 - 1e-6 differ by exactly 1e-6: the edge of the band.
        (repr(2**-19 - 1e-6), "X / 524288", True),
    ],
)
def test_a_factor_hint_matches_within_a_relative_millionth(
    key: str, answer: str, matches: bool
) -> None:
    message = factor_message(f"{{{key}: Scaled.}}", answer)
    assert message.endswith(": Scaled.") is matches


def test_notation_takes_loss_and_descent_only() -> None:
    assert refusal(formula(), "notation: {loss: Δ, symbol: x}\n") == (
        "notation takes loss (the loss's symbol) and descent (how the descent direction is "
        "named, with {wrt}), not {'loss': 'Δ', 'symbol': 'x'}"
    )


def test_notation_words_are_text() -> None:
    assert refusal(formula(), "notation: {loss: 5}\n") == "expected text, not 5"
