"""Grading that cannot be fooled: draws that separate, a tolerance that holds at zero,
feedback in the pack's own words, and a ``check`` that proves what each quiz claims.

Every quiz here is written the way a third-party author would write one from
lessons/README.md alone; none of them uses the course's notation unless it says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.core.blocks import block_problems
from tutor.core.checking import Note, check_library
from tutor.core.lesson import Lesson, parse_lesson_text
from tutor.core.library import load_library
from tutor.core.quiz import find_quiz, formula_draws, grade, grade_line
from tutor.core.quiz.draw import draw_dims
from tutor.core.quiz.grading import compare
from tutor.core.quiz.model import DEFAULT_TOLERANCE

HEAD = """\
---
id: pack
title: A third-party pack
order: 1
summary: Quizzes written from the format's documentation alone.
seed: {seed}
---

## Quizzes

"""

MEAN_LOSS = """\
```quiz
id: mean-grad
kind: formula
prompt: The loss is L = mean((Y - P)**2) with P = X @ W. Type dL/dW.
dims: {n: [4, 10], m: [2, 5]}
setup: |
  X = randn(n, m)
  W = randn(m, 1)
  Y = randn(n, 1)
  P = X @ W
names: [X, Y, P, n]
answer: -2 * X.T @ (Y - P) / n
proves:
  loss: mean((Y - X @ W)**2)
  wrt: W
  convention: gradient
```
"""

DEAD_RELU = """\
```quiz
id: dead-layer
kind: formula
prompt: Every pre-activation of the hidden layer is negative. Type dL/dW1.
dims: {n: [4, 9], m: [2, 5], h: [2, 5]}
setup: |
  X = uniform(0, 1, (n, m))
  W1 = uniform(-1, -0.1, (m, h))
  W2 = randn(h, 1)
  Y = randn(n, 1)
  Z = X @ W1
  R = Y - relu(Z) @ W2
names: [X, W1, W2, Y, Z, R]
answer: -2 * X.T @ ((R @ W2.T) * step(Z))
proves:
  loss: sum((Y - relu(X @ W1) @ W2)**2)
  wrt: W1
  convention: gradient
```
"""

SQUARE = """\
```quiz
id: gram
kind: formula
prompt: Type the product of A with itself, A times A transposed.
dims: {n: [3, 6], m: [2, 5]}
setup: |
  A = randn(n, m)
  B = randn(n, n)
names: [A, B]
answer: A @ A.T
proves: {none: "a product, not a gradient"}
```

```quiz
id: skew
kind: formula
prompt: Type B times B.
dims: {n: [3, 6]}
setup: |
  B = randn(n, n)
names: [B]
answer: B @ B.T @ B
proves: {none: "a product, not a gradient"}
```
"""


def pack(*quizzes: str, seed: int = 3) -> Lesson:
    return parse_lesson_text(HEAD.format(seed=seed) + "\n".join(quizzes), Path("pack.md"))


def checked(tmp_path: Path, *quizzes: str, notes: bool = False) -> list[str]:
    (tmp_path / "pack.md").write_text(HEAD.format(seed=3) + "\n".join(quizzes))
    return [str(p) for p in check_library(load_library(tmp_path), notes=notes)]


# -- draws that separate ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_every_dimension_takes_two_values_across_the_draws(seed: int) -> None:
    spec = find_quiz(pack(MEAN_LOSS, seed=seed), "mean-grad")
    draws = formula_draws(spec, seed)
    for name in ("n", "m"):
        assert len({draw.dims[name] for draw in draws}) >= 2, (seed, name)


@pytest.mark.parametrize("seed", range(40))
def test_a_hard_coded_dimension_never_passes(seed: int) -> None:
    """The issue's own example: 7 written for n passed when every draw had n = 7."""
    lesson = pack(MEAN_LOSS, seed=seed)
    for n in range(4, 11):
        result = grade(lesson, "mean-grad", f"-2 * X.T @ (Y - P) / {n}", seed=seed)
        assert result.verdict != "correct", (seed, n)
    assert grade(lesson, "mean-grad", "2 * X.T @ (P - Y) / n", seed=seed).correct


def test_dimensions_are_never_below_two() -> None:
    for seed in range(200):
        dims = draw_dims((("a", 2, 3), ("b", 2, 4)), seed)
        assert min(dims.values()) >= 2 and dims["a"] != dims["b"]


@pytest.mark.parametrize("bounds", ["[0, 3]", "[1, 3]", "[3, 2]", "[2, 65]"])
def test_a_range_below_two_or_reversed_is_refused(bounds: str) -> None:
    body = MEAN_LOSS.replace("n: [4, 10]", f"n: {bounds}")
    block = pack(body).quizzes[0]
    assert any("dims 'n' must be [low, high]" in message for _, message in block_problems(block))


def test_grade_uses_draws_of_the_seed_given() -> None:
    lesson = pack(MEAN_LOSS)
    first = formula_draws(find_quiz(lesson, "mean-grad"), 3)
    other = formula_draws(find_quiz(lesson, "mean-grad"), 4)
    assert [d.dims for d in first] != [d.dims for d in other]


# -- verdicts, in order, on non-symmetric matrices --------------------------------------------


def test_a_symmetric_reference_graded_correct_not_transposed() -> None:
    """A @ A.T equals its own transpose: checking transposed first would call it so."""
    lesson = pack(SQUARE)
    assert grade(lesson, "gram", "A @ A.T").verdict == "correct"
    assert grade(lesson, "gram", "(A @ A.T).T").verdict == "correct"


def test_the_transpose_of_a_non_symmetric_square_reference_is_transposed() -> None:
    lesson = pack(SQUARE)
    assert grade(lesson, "skew", "B @ B.T @ B").verdict == "correct"
    assert grade(lesson, "skew", "(B @ B.T @ B).T").verdict == "transposed"
    assert grade(lesson, "skew", "B.T @ B @ B.T").verdict == "transposed"


def test_a_transposed_shape_with_wrong_values_is_a_shape_error() -> None:
    lesson = pack(MEAN_LOSS)
    assert grade(lesson, "mean-grad", "(-2 * X.T @ (Y - P) / n).T").verdict == "transposed"
    wrong = grade(lesson, "mean-grad", "(-2 * X.T @ (Y - P) / n + 1).T")
    assert wrong.verdict == "shape"
    assert "transpose has the right shape but not the right values" in wrong.message


# -- tolerance --------------------------------------------------------------------------------


def test_an_error_of_one_part_in_a_thousand_is_not_correct() -> None:
    """Fails with a relative tolerance of 1e-2."""
    lesson = pack(MEAN_LOSS)
    assert DEFAULT_TOLERANCE <= 1e-6
    slightly_off = grade(lesson, "mean-grad", "1.001 * (-2 * X.T @ (Y - P) / n)")
    assert slightly_off.verdict == "values"
    assert grade(lesson, "mean-grad", "(1 + 1e-10) * (-2 * X.T @ (Y - P) / n)").correct


def test_compare_scales_the_absolute_part_by_every_draw() -> None:
    """A draw whose reference is zero is compared at the scale of the other draws."""
    big = np.array([[3.0, -4.0], [1.0, 2.0]])
    zero = np.zeros((2, 2))
    rounding = np.full((2, 2), 1e-14)
    assert compare([big, rounding], [big, zero]).verdict == "correct"
    assert compare([big, np.full((2, 2), 1e-3)], [big, zero]).verdict == "values"


def test_a_zero_reference_accepts_zero_and_refuses_the_rest() -> None:
    lesson = pack(DEAD_RELU)
    spec = find_quiz(lesson, "dead-layer")
    assert all(not np.any(draw.environment.values["Z"] > 0) for draw in formula_draws(spec, 3))
    assert grade(lesson, "dead-layer", "-2 * X.T @ ((R @ W2.T) * step(Z))").correct
    assert grade(lesson, "dead-layer", "0 * W1").correct
    wrong = grade(lesson, "dead-layer", "-2 * X.T @ (R @ W2.T)")
    assert wrong.verdict == "values"
    assert "the right answer is zero on every draw" in wrong.message
    assert not re.search(r"e\+\d\d", wrong.message), wrong.message


def test_a_near_zero_reference_prints_no_absurd_error() -> None:
    body = SQUARE.replace("answer: A @ A.T", "answer: 1e-200 * (A @ A.T)")
    result = grade(pack(body), "gram", "A @ A.T")
    assert result.verdict == "values"
    assert not re.search(r"e\+\d\d", result.message), result.message


# -- check proves what a quiz claims -----------------------------------------------------------


def test_check_proves_a_dead_relu_zero_gradient(tmp_path: Path) -> None:
    assert checked(tmp_path, DEAD_RELU) == []
    notes = checked(tmp_path, DEAD_RELU, notes=True)
    assert any("zero on every draw" in note and "sign and factor" in note for note in notes)


def test_check_reports_a_mislabelled_wrong_entry(tmp_path: Path) -> None:
    body = MEAN_LOSS.replace(
        "proves:", 'wrong:\n  - {answer: "2 * X.T @ (Y - P) / n", verdict: factor}\nproves:'
    )
    (found,) = checked(tmp_path, body)
    line = (HEAD + body).split("\n").index('  - {answer: "2 * X.T @ (Y - P) / n", verdict: factor}')
    assert found.startswith(f"{tmp_path / 'pack.md'}:{line + 1}:")
    assert "should grade factor but grades sign" in found


def test_check_reports_an_unproved_gradient_quiz(tmp_path: Path) -> None:
    body = MEAN_LOSS[: MEAN_LOSS.index("proves:")] + "```\n"
    body = body.replace("answer: -2 * X.T @ (Y - P) / n", "answer: -2 * X.T @ (Y - P)")
    (found,) = checked(tmp_path, body)
    assert found.startswith(f"{tmp_path / 'pack.md'}:11:")
    assert "proves nothing" in found


def test_check_reports_a_gradient_quiz_with_a_wrong_reference(tmp_path: Path) -> None:
    body = MEAN_LOSS.replace("answer: -2 * X.T @ (Y - P) / n", "answer: -2 * X.T @ (Y - P)")
    (found,) = checked(tmp_path, body)
    # n differs between the draws, so the missing 1/n is no constant factor.
    assert found.startswith(f"{tmp_path / 'pack.md'}:11:")
    assert "the reference answer '-2 * X.T @ (Y - P)' is not ∂loss/∂W" in found


def test_an_excused_quiz_is_noted_not_proved(tmp_path: Path) -> None:
    assert checked(tmp_path, SQUARE) == []
    notes = checked(tmp_path, SQUARE, notes=True)
    assert sum("not proved: a product, not a gradient" in note for note in notes) == 2


def test_check_reports_a_shape_answer_that_disagrees_with_its_expression(tmp_path: Path) -> None:
    shape = """\
```quiz
id: product-shape
kind: shape
prompt: A is ({n},{m}) and B is ({m},{h}). What is the shape of B.T @ A.T?
dims: {n: [5, 9], m: [2, 4], h: [10, 12]}
given: {A: [n, m], B: [m, h]}
of: B.T @ A.T
answer: (n, h)
```
"""
    (found,) = checked(tmp_path, shape)
    assert found.startswith(f"{tmp_path / 'pack.md'}:11:")
    assert "the answer (n, h)" in found and "'B.T @ A.T' has shape" in found
    assert checked(tmp_path, shape.replace("answer: (n, h)", "answer: (h, n)")) == []


def test_check_requires_a_shape_quiz_to_name_its_expression(tmp_path: Path) -> None:
    shape = (
        "```quiz\nid: s\nkind: shape\nprompt: ({n},{m}) transposed?\n"
        "dims: {n: [3, 5], m: [6, 7]}\nanswer: (m, n)\n```\n"
    )
    (found,) = checked(tmp_path, shape)
    assert "has no of" in found


def test_check_reports_a_dimension_with_one_value_used_by_the_answer(tmp_path: Path) -> None:
    body = MEAN_LOSS.replace("n: [4, 10]", "n: [7, 7]")
    found = checked(tmp_path, body)
    assert any(
        "dims 'n' allows one value only (7), and the answer uses n" in p and ":11:" in p
        for p in found
    ), found


# -- feedback in the pack's own words -----------------------------------------------------------


WRONG_FORMS = [
    "2 * X.T @ (Y - P) / n",  # sign
    "-X.T @ (Y - P) / n",  # factor 0.5
    "(-2 * X.T @ (Y - P) / n).T",  # transposed
    "-2 * P",  # shape
    "-2 * X.T @ Y / n",  # values
    "-2 * X.T @ (Y - Q)",  # unknown name
    "-2 * X.T @ (Y - P",  # syntax
]


def test_a_pack_without_notation_gets_neutral_words() -> None:
    lesson = pack(MEAN_LOSS)
    verdicts = []
    for answer in ["-2 * X.T @ (Y - P) / n", *WRONG_FORMS]:
        result = grade(lesson, "mean-grad", answer)
        verdicts.append(result.verdict)
        assert "Δ" not in result.message and "article" not in result.message, result.message
        assert "drop the 2" not in result.message
    assert verdicts == [
        "correct",
        "sign",
        "factor",
        "transposed",
        "shape",
        "values",
        "invalid",
        "invalid",
    ]
    sign = grade(lesson, "mean-grad", WRONG_FORMS[0])
    assert "the gradient of the loss with respect to W" in sign.message
    factor = grade(lesson, "mean-grad", WRONG_FORMS[1])
    assert factor.message == "Off by a constant factor 0.5 on every draw."


def test_a_pack_names_its_own_loss_and_hints() -> None:
    head = HEAD.replace(
        "seed: {seed}\n",
        "seed: {seed}\nnotation: {{loss: J}}\nfeedback:\n  factor: {{0.5: the mean has a 2 too}}\n"
        "  sign: J goes down along minus the gradient.\n",
    )
    lesson = parse_lesson_text(head.format(seed=3) + MEAN_LOSS, Path("pack.md"))
    sign = grade(lesson, "mean-grad", WRONG_FORMS[0])
    assert "asks for ∂J/∂W; your answer is its negative, −∂J/∂W." in sign.message
    assert sign.message.endswith("J goes down along minus the gradient.")
    factor = grade(lesson, "mean-grad", WRONG_FORMS[1])
    assert factor.message == "Off by a constant factor 0.5 on every draw: the mean has a 2 too."
    other = grade(lesson, "mean-grad", "3 * (-2 * X.T @ (Y - P) / n)")
    assert other.message == "Off by a constant factor 3 on every draw."


def test_a_quiz_hint_wins_over_the_lessons() -> None:
    head = HEAD.replace("seed: {seed}\n", "seed: {seed}\nfeedback: {{sign: lesson hint}}\n")
    body = MEAN_LOSS.replace("proves:", "feedback: {sign: quiz hint}\nproves:")
    lesson = parse_lesson_text(head.format(seed=3) + body, Path("pack.md"))
    assert grade(lesson, "mean-grad", WRONG_FORMS[0]).message.endswith("quiz hint.")


# -- choices and lines, with reasons -----------------------------------------------------------

BUG = """\
```quiz
id: residual
kind: bug
prompt: Which line is wrong?
code: |
  A = X @ W1
  P = A @ W2
  G = 2 * A.T @ P
bug_line: 3
why:
  1: A is the hidden layer, (n,h).
  2: P is the prediction, (n,1).
dims: {n: [4, 9], m: [2, 5], h: [2, 5]}
setup: |
  X = randn(n, m)
  W1 = randn(m, h)
  W2 = randn(h, 1)
  Y = randn(n, 1)
  A = X @ W1
  P = A @ W2
names: [A, P, Y]
answer: 2 * A.T @ (Y - P)
proves:
  loss: sum((Y - X @ W1 @ W2)**2)
  wrt: W2
  convention: descent
```
"""


def test_a_wrong_line_says_why_it_is_right() -> None:
    spec = find_quiz(pack(BUG), "residual")
    line = grade_line(spec, 2)
    assert (
        line.verdict == "wrong"
        and line.message == "Line 2 is not the faulty one: P is the prediction, (n,1)."
    )
    assert grade_line(spec, 3).correct
    assert grade_line(spec, 4).verdict == "invalid"


def test_why_that_names_an_option_that_is_not_there_is_refused(tmp_path: Path) -> None:
    choice = (
        '```quiz\nid: c\nkind: choice\nprompt: Which?\nchoices: ["a", "b"]\nanswer: 1\n'
        "why: {3: no such option}\n```\n"
    )
    (found,) = checked(tmp_path, choice)
    assert "why names option 3, but they are numbered 1 to 2" in found


def test_bug_quiz_draws_check_clean(tmp_path: Path) -> None:
    assert checked(tmp_path, BUG) == []


def test_notes_are_not_problems(tmp_path: Path) -> None:
    (tmp_path / "pack.md").write_text(HEAD.format(seed=3) + SQUARE)
    found = check_library(load_library(tmp_path), notes=True)
    assert found and all(isinstance(item, Note) for item in found)


# -- at any seed ------------------------------------------------------------------------------

FORMS = {
    "-2 * X.T @ (Y - P) / n": "correct",
    "2 * X.T @ (P - Y) / n": "correct",
    "(-2 / n) * ((Y - P).T @ X).T + 0 * X.T @ P": "correct",
    "2 * X.T @ (Y - P) / n": "sign",
    "-X.T @ (Y - P) / n": "factor",
    "-6 * X.T @ (Y - P) / n": "factor",
    "(-2 * X.T @ (Y - P) / n).T": "transposed",
    "-2 * X @ X.T @ (Y - P) / n": "shape",
    "-2 * X.T @ Y / n": "values",
    "-2 * X.T @ (Y - P) / (n + 1)": "values",
    "-2 * X.T @ (Y - P / n": "invalid",
}


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_every_form_gets_its_verdict_at_any_seed(seed: int) -> None:
    lesson = pack(MEAN_LOSS, seed=seed)
    for answer, verdict in FORMS.items():
        assert grade(lesson, "mean-grad", answer, seed=seed).verdict == verdict, (seed, answer)
