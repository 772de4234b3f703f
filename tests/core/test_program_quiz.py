"""Program quizzes: a whole forward and backward pass, graded step by step."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.checking import check_library
from tutor.core.lesson import Lesson, parse_lesson_text
from tutor.core.library import load_library
from tutor.core.quiz import find_quiz
from tutor.core.quiz.program import MAX_PROGRAM_LINES, grade_program

LESSON = """\
---
id: programs
title: Programs
order: 1
summary: A program quiz on a ReLU network.
seed: 5
---

## Quiz

```quiz
id: two-layer
kind: program
prompt: Write the forward pass and δW1, δW2 for Δ = Σ(Y − Ŷ)² with f1 = relu.
dims: {n: [5, 12], m: [2, 6], h: [2, 6]}
setup: |
  X = randn(n, m)
  W1 = uniform(-1, 1, (m, h))
  W2 = uniform(-1, 1, (h, 1))
  Y = randn(n, 1)
names: [X, W1, W2, Y]
steps:
  - name: Yhat
    answer: relu(X @ W1) @ W2
    proves: {none: "the forward pass, not a gradient"}
  - name: dW2
    answer: 2 * relu(X @ W1).T @ (Y - Yhat)
    proves: {loss: sum((Y - relu(X @ W1) @ W2)**2), wrt: W2, convention: descent}
  - name: dW1
    answer: 2 * X.T @ (((Y - Yhat) @ W2.T) * step(X @ W1))
    proves: {loss: sum((Y - relu(X @ W1) @ W2)**2), wrt: W1, convention: descent}
${wrong}```
"""

RIGHT = """\
Z = X @ W1
A = relu(Z)
Yhat = A @ W2
R = Y - Yhat
dW2 = 2 * A.T @ R
G = (R @ W2.T) * step(Z)
dW1 = 2 * X.T @ G"""


def lesson(wrong: str = "") -> Lesson:
    return parse_lesson_text(LESSON.replace("${wrong}", wrong), Path("programs.md"))


def graded(program: str, seed: int = 5):
    return grade_program(find_quiz(lesson(), "two-layer"), program, seed=seed)


@pytest.mark.parametrize(
    "program",
    [
        RIGHT,
        # Other helper names, other order of independent lines, one-line functions.
        "h = relu(X @ W1)\nback = step(X @ W1)\nYhat = h @ W2\nerr = Y - Yhat\n"
        "dW1 = 2 * X.T @ ((err @ W2.T) * back)\ndW2 = 2 * h.T @ err",
        "f(a) = relu(a)\nYhat = f(X @ W1) @ W2\ndW2 = -2 * f(X @ W1).T @ (Yhat - Y)\n"
        "dW1 = -2 * X.T @ (((Yhat - Y) @ W2.T) * step(X @ W1))",
    ],
)
@pytest.mark.parametrize("seed", [5, 6, 7])
def test_any_correct_program_is_correct(program: str, seed: int) -> None:
    result = graded(program, seed)
    assert result.correct, result.message
    assert [step.verdict for step in result.steps] == ["correct"] * 3
    assert all(
        statement.trace is not None
        for statement in result.statements
        if "(a)" not in statement.text
    )


@pytest.mark.parametrize(
    ("change", "verdict", "step", "line"),
    [
        (("dW2 = 2 * A.T @ R", "dW2 = 2 * R.T @ A"), "transposed", "dW2", 5),
        (("R = Y - Yhat", "R = Yhat - Y"), "sign", "dW2", 4),
        (("dW2 = 2 * A.T @ R", "dW2 = A.T @ R"), "factor", "dW2", 5),
        (("dW1 = 2 * X.T @ G", "dW1 = 2 * X.T @ (R @ W2.T)"), "values", "dW1", 7),
        (("Yhat = A @ W2", "Yhat = Z @ W2"), "values", "Yhat", 3),
    ],
)
def test_one_wrong_step_is_named_with_its_line(
    change: tuple[str, str], verdict: str, step: str, line: int
) -> None:
    result = graded(RIGHT.replace(*change))
    assert (result.verdict, result.first_wrong, result.departs_at) == (verdict, step, line)
    assert result.message.startswith(f"Step {step}: ") and f"line {line}" in result.message


def test_a_missing_step_and_a_broken_line() -> None:
    missing = graded(RIGHT.replace("dW1 = 2 * X.T @ G", ""))
    assert missing.verdict == "missing" and missing.first_wrong == "dW1"
    broken = graded(RIGHT.replace("A = relu(Z)", "A = relu(Z"))
    assert broken.verdict == "invalid" and broken.error_line == 2
    assert broken.message.startswith("Line 2: ") and broken.caret
    unknown = graded("Yhat = relu(X @ V) @ W2")
    assert unknown.verdict == "invalid" and "V" in unknown.message


def test_a_long_program_is_refused_before_it_runs() -> None:
    result = graded("A = X\n" * (MAX_PROGRAM_LINES + 1))
    assert result.verdict == "invalid" and "limit" in result.message


def test_check_proves_every_step_and_runs_wrong_programs(tmp_path: Path) -> None:
    wrong = (
        "wrong:\n"
        "  - program: |\n"
        "      Yhat = relu(X @ W1) @ W2\n"
        "      dW2 = 2 * relu(X @ W1).T @ (Yhat - Y)\n"
        "      dW1 = 2 * X.T @ (((Y - Yhat) @ W2.T) * step(X @ W1))\n"
        "    step: dW2\n"
        "    verdict: sign\n"
    )
    (tmp_path / "p.md").write_text(LESSON.replace("${wrong}", wrong))
    assert check_library(load_library(tmp_path)) == []
    (tmp_path / "p.md").write_text(LESSON.replace("${wrong}", wrong.replace("sign", "factor")))
    (found,) = [str(p) for p in check_library(load_library(tmp_path))]
    assert "should stop at step dW2 with factor but grades sign" in found
    broken = LESSON.replace("${wrong}", "").replace("answer: 2 * X.T @ (((Y", "answer: X.T @ (((Y")
    (tmp_path / "p.md").write_text(broken)
    (found,) = [str(p) for p in check_library(load_library(tmp_path))]
    assert "p.md:29:" in found and "off by a constant factor 0.5" in found


def test_lines_share_one_budget() -> None:
    """Each line alone is cheap; together they exceed what one program may compute."""
    line = "S{i} = ones((1000, 1000)) @ ones((1000, 1))"
    program = "\n".join(line.format(i=i) for i in range(40))
    result = graded(program)
    assert result.verdict == "invalid"
    assert "limit" in result.message and result.error_line is not None
    assert result.error_line > 1


def test_check_reports_an_earlier_step_failing_on_a_later_steps_draws_at_its_own_line(
    tmp_path: Path,
) -> None:
    # Each step is proved on draws of its own, with the steps before it run as setup:
    # at seed 1, log(c) fails on the draws that prove dW2 (c can be negative), though
    # not on the program's. The finding belongs to Yhat's line, with Yhat's columns.
    text = (
        LESSON.replace("${wrong}", "")
        .replace("seed: 5", "seed: 1")
        .replace("  Y = randn(n, 1)\n", "  Y = randn(n, 1)\n  c = uniform(-0.15, 1, (1, 1))\n")
        .replace("names: [X, W1, W2, Y]", "names: [X, W1, W2, Y, c]")
        .replace("answer: relu(X @ W1) @ W2\n", "answer: relu(X @ W1) @ W2 + 0 * log(c)\n")
    )
    (tmp_path / "p.md").write_text(text)
    yhat_line = text.splitlines().index("  - name: Yhat") + 1  # the step's line, 1-based
    found = [str(p) for p in check_library(load_library(tmp_path))]
    assert found[0].startswith(
        f"{tmp_path / 'p.md'}:{yhat_line}: step Yhat of quiz 'two-layer' does not evaluate "
        "on the draws that prove step dW2: column 25: log(c) has no real value here"
    ), found


def wrong_program(first_line: str, step: str, verdict: str) -> str:
    return (
        "  - program: |\n"
        f"      {first_line}\n"
        "      dW2 = 2 * relu(X @ W1).T @ (Yhat - Y)\n"
        "      dW1 = 2 * X.T @ (((Y - Yhat) @ W2.T) * step(X @ W1))\n"
        f"    step: {step}\n"
        f"    verdict: {verdict}\n"
    )


@pytest.mark.parametrize("key", ["wrong:", '"wrong":'])
def test_a_mislabelled_wrong_program_is_reported_at_its_own_first_line(
    tmp_path: Path, key: str
) -> None:
    # The second program's first line is also the start of the first one's, and the
    # prompt holds it too: the finding must point at the second program, not at the
    # first line that merely contains the text.
    wrong = (
        f"{key}\n"
        + wrong_program("Yhat = relu(X @ W1) @ W2 * 2", "Yhat", "factor")
        + wrong_program("Yhat = relu(X @ W1) @ W2", "dW2", "factor")
    )
    text = LESSON.replace("${wrong}", wrong).replace(
        "prompt: Write the forward pass", "prompt: Write Yhat = relu(X @ W1) @ W2, the forward pass"
    )
    (tmp_path / "p.md").write_text(text)
    second = [i for i, line in enumerate(text.splitlines(), 1) if line.endswith("@ W2")][-1]
    (found,) = [str(p) for p in check_library(load_library(tmp_path))]
    assert found.startswith(f"{tmp_path / 'p.md'}:{second}: quiz 'two-layer': the wrong program")
    assert "should stop at step dW2 with factor but grades sign" in found


def test_check_reports_the_quizs_own_setup_failing_on_a_steps_draws_at_the_setup_line(
    tmp_path: Path,
) -> None:
    # As above, but the failing line is the quiz's own setup, not a step: it stays a
    # setup finding, at that setup line.
    text = (
        LESSON.replace("${wrong}", "")
        .replace("seed: 5", "seed: 1")
        .replace(
            "  Y = randn(n, 1)\n",
            "  Y = randn(n, 1)\n  c = uniform(-0.15, 1, (1, 1))\n  k = log(c)\n",
        )
        .replace("names: [X, W1, W2, Y]", "names: [X, W1, W2, Y, c, k]")
    )
    (tmp_path / "p.md").write_text(text)
    k_line = text.splitlines().index("  k = log(c)") + 1
    found = [str(p) for p in check_library(load_library(tmp_path))]
    assert found[0].startswith(
        f"{tmp_path / 'p.md'}:{k_line}: setup of quiz 'two-layer.dW2' failed: column 5: log(c)"
    ), found
