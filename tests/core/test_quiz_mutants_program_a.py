"""What a program quiz tells the learner, pinned where a mutation run found nothing asserting it.

``python benchmarks/mutation.py`` changes ``tutor/core/quiz/program.py`` one edit at a
time; each test here fails on some of those edits because it asserts what a learner
sees: the exact words of a step's verdict, the line a wrong program departs at, the
shapes the program's lines had, the message of a refused program.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.test_program_quiz import LESSON, RIGHT, graded, lesson
from tutor.core.lesson import parse_lesson_text
from tutor.core.quiz import find_quiz, formula_draws
from tutor.core.quiz.model import QuizSpec
from tutor.core.quiz.program import MAX_PROGRAM_LINES, grade_program

#: Line 7 of RIGHT, and a wrong version that drops the ReLU's derivative.
DW1 = "dW1 = 2 * X.T @ G"
DW1_VALUES = "dW1 = 2 * X.T @ (R @ W2.T)"


def tolerant(tolerance: float = 0.01) -> QuizSpec:
    """The program quiz of test_program_quiz, with a tolerance of its own."""
    text = LESSON.replace("${wrong}", "").replace(
        "kind: program\n", f"kind: program\ntolerance: {tolerance}\n"
    )
    return find_quiz(parse_lesson_text(text, Path("programs.md")), "two-layer")


@pytest.mark.parametrize(
    ("program", "message"),
    [
        (
            RIGHT.replace("dW2 = 2 * A.T @ R", "dW2 = 2 * R.T @ A"),
            "Step dW2: transposed: the transpose of your value is right. It goes wrong at line 5.",
        ),
        (
            RIGHT.replace("R = Y - Yhat", "R = Yhat - Y"),
            "Step dW2: the sign is flipped: the negative of your value is right. "
            "It goes wrong at line 4.",
        ),
        (
            RIGHT.replace("dW2 = 2 * A.T @ R", "dW2 = A.T @ R"),
            "Step dW2: off by a constant factor 0.5 on every draw. It goes wrong at line 5.",
        ),
        (
            RIGHT.replace(DW1, DW1_VALUES),
            "Step dW1: right shape, wrong values. It goes wrong at line 7.",
        ),
        (
            "Z = X @ W1\nA = relu(Z)\nYhat = A",
            "Step Yhat: wrong shape: it should be (9,1), yours is (9,2). It goes wrong at line 3.",
        ),
        (
            "Yhat = sum(relu(X @ W1) @ W2, 1)",
            "Step Yhat: wrong shape: it should be (9,1), yours is (9,). It goes wrong at line 1.",
        ),
        (
            "Yhat = sum(relu(X @ W1) @ W2, 0)",
            "Step Yhat: wrong shape: it should be (9,1), yours is (1,). It goes wrong at line 1.",
        ),
        (
            "Yhat = 3",
            "Step Yhat: wrong shape: it should be (9,1), yours is (). It goes wrong at line 1.",
        ),
        # A step never assigned has no line, so nothing says where it goes wrong.
        (RIGHT.replace(DW1, ""), "Step dW1: your program never assigns dW1."),
    ],
)
def test_each_verdict_is_told_in_its_own_words(program: str, message: str) -> None:
    """Seed 5's first draw has n = 9, h = 2; its other draws have other sizes."""
    assert graded(program).message == message


def test_every_step_of_a_wrong_program_is_graded_with_its_line() -> None:
    result = graded(RIGHT.replace("R = Y - Yhat", "R = Yhat - Y"))
    flipped = "the sign is flipped: the negative of your value is right."
    assert [step.to_json() for step in result.steps] == [
        {"name": "Yhat", "verdict": "correct", "message": "right on every draw.", "line": 3},
        {"name": "dW2", "verdict": "sign", "message": flipped, "line": 5},
        {"name": "dW1", "verdict": "sign", "message": flipped, "line": 7},
    ]
    assert [line["line"] for line in result.to_json()["lines"]] == list(range(1, 8))


def test_a_step_defined_as_a_function_is_missing_at_its_line() -> None:
    """``Yhat(a) = a`` defines a function, not a value: the step is missing, at line 1."""
    result = graded("Yhat(a) = a")
    missing = "your program never assigns Yhat."
    assert result.steps[0].to_json() == {
        "name": "Yhat",
        "verdict": "missing",
        "message": missing,
        "line": 1,
    }
    assert result.message == f"Step Yhat: {missing} It goes wrong at line 1."


@pytest.mark.parametrize(("seed", "attempt"), [(5, None), (5, 1), (7, 0)])
def test_a_correct_program_shows_its_lines_on_the_first_draw(
    seed: int, attempt: int | None
) -> None:
    """The shapes shown beside the lines are those of the draw the learner was shown."""
    spec = find_quiz(lesson(), "two-layer")
    if attempt is None:
        result = grade_program(spec, RIGHT, seed=seed)
        dims = formula_draws(spec, seed, 0)[0].dims
    else:
        result = grade_program(spec, RIGHT, seed=seed, attempt=attempt)
        dims = formula_draws(spec, seed, attempt)[0].dims
    assert result.message == ("Correct: every step (Yhat, dW2, dW1) matches on all 3 random draws.")
    n, m, h = dims["n"], dims["m"], dims["h"]
    shapes = [line["shape"] for line in result.to_json()["lines"]]
    assert shapes == [[n, h], [n, h], [n, 1], [n, 1], [h, 1], [n, h], [m, h]]
    assert [step.message for step in result.steps] == ["right on every draw."] * 3


@pytest.mark.parametrize("program", ["", "\n  \n"])
def test_an_empty_program_is_told_what_to_compute(program: str) -> None:
    result = graded(program)
    assert (result.verdict, result.message) == (
        "invalid",
        "Write a program that computes Yhat, dW2, dW1, one line each.",
    )


def test_a_program_of_exactly_the_line_limit_runs() -> None:
    program = "A = X\n" * (MAX_PROGRAM_LINES - 1) + "Yhat = relu(X @ W1) @ W2"
    result = graded(program)
    assert result.message == "Step dW2: your program never assigns dW2."
    assert result.steps[0].line == MAX_PROGRAM_LINES


def test_the_shared_budget_is_named_as_the_programs() -> None:
    line = "S{i} = ones((1000, 1000)) @ ones((1000, 1))"
    result = graded("\n".join(line.format(i=i) for i in range(40)))
    assert result.message.startswith(f"Line {result.error_line}: Too big at column 6: ")
    assert "your program needs more than 20,010,000 multiply-adds" in result.message


def test_a_program_too_long_for_a_block_has_no_line_to_name() -> None:
    """The evaluator refuses the whole text before any line runs: no ``Line N:`` prefix."""
    result = graded("Yhat = X" + " " * 20_001)
    assert (result.verdict, result.error_line) == ("invalid", None)
    assert result.message == "Too big: the block is 20,009 characters long; the limit is 20,000."


@pytest.mark.parametrize(
    ("program", "departs"),
    [
        # A line the wrong step does not use is passed over, and the search goes on.
        ("junk = X\n" + RIGHT.replace("R = Y - Yhat", "R = Yhat - Y"), 5),
        # Even when that unused line is a sign-flipped copy of a reference value.
        ("junk = relu(X @ W1) @ W2 - Y\n" + RIGHT.replace(DW1, DW1_VALUES), 8),
        # A setup name reassigned with other values departs where it is reassigned.
        (RIGHT.replace("dW2 = 2 * A.T @ R", "dW2 = 2 * A.T @ R\nW2 = W2 + 1"), 6),
        # A helper that is a scaled copy of what the reference computes on the way.
        (
            RIGHT.replace("R = Y - Yhat", "R = 3 * (Y - Yhat)").replace(
                "dW2 = 2 * A.T @ R", "dW2 = 2 * A.T @ (Y - Yhat)"
            ),
            4,
        ),
        # A helper that is a transposed copy of it.
        (
            RIGHT.replace(
                "G = (R @ W2.T) * step(Z)\n" + DW1,
                "G = ((R @ W2.T) * step(Z)).T\ndW1 = 2 * (G @ X)",
            ),
            6,
        ),
        # A helper that matches nothing the reference computes may be right in its own form.
        ("S = X.T + 1\n" + RIGHT.replace(DW1, "dW1 = S @ G"), 8),
    ],
)
def test_the_departing_line(program: str, departs: int) -> None:
    assert graded(program).departs_at == departs


def test_the_quizs_tolerance_holds_for_steps_and_departures() -> None:
    spec = tolerant()
    close = RIGHT.replace("dW2 = 2 * A.T @ R", "dW2 = 2.00002 * A.T @ R")
    assert grade_program(spec, close, seed=5).correct
    # W2 scaled within the tolerance is no departure: the wrong dW1 line is.
    scaled = "W2 = W2 * 1.00001\n" + RIGHT.replace(DW1, DW1_VALUES)
    assert grade_program(spec, scaled, seed=5).departs_at == 8
    # Nor is a helper within the tolerance of a reference intermediate, though at the
    # default tolerance it would be a scaled copy of it (a factor 1.005).
    helper = RIGHT.replace(
        "G = (R @ W2.T) * step(Z)\n" + DW1, "B = 1.005 * (R @ W2.T)\ndW1 = 2 * X.T @ (B * Z)"
    )
    assert grade_program(spec, helper, seed=5).departs_at == 7
