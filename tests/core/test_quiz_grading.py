"""Grading formula, shape, choice and bug answers on the shared quiz lesson (``quiz_lesson``)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tutor.core.errors import UsageError
from tutor.core.lesson import Lesson
from tutor.core.quiz import (
    find_quiz,
    format_prompt,
    formula_draws,
    grade,
    grade_bug_line,
    grade_choice,
    shape_dims,
)
from tutor.core.quiz.grading import compare

# -- formula verdicts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "2 * (X @ W1).T @ Yt",
        "2 * np.dot((X @ W1).T, Yt)",
        "(X @ W1).T @ Yt * 2",
        "2 * W1.T @ X.T @ Yt",
        "(2 * Yt.T @ X @ W1).T",
        "transpose(Yt.T @ (X @ W1)) + (X @ W1).T @ Yt",
    ],
)
def test_equivalent_forms_grade_correct(quiz_lesson: Lesson, answer: str) -> None:
    result = grade(quiz_lesson, "dw2", answer)
    assert result.verdict == "correct", result.message
    assert result.correct and result.got_shape == result.expected_shape
    assert result.trace is not None and result.trace.lines()


def test_transposed_answer_names_both_shapes(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2", "2 * Yt.T @ (X @ W1)")
    assert result.verdict == "transposed"
    h = result.expected_shape[0]
    assert result.expected_shape == (h, 1) and result.got_shape == (1, h)
    assert f"(1,{h})" in result.message and f"({h},1)" in result.message
    assert "transpose of your answer is right" in result.message


def test_transposed_square_answer_of_the_same_shape(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "square", "(A @ B).T")
    assert result.verdict == "transposed"
    assert result.got_shape == result.expected_shape
    assert grade(quiz_lesson, "square", "B.T @ A.T").verdict == "transposed"
    assert grade(quiz_lesson, "square", "(B.T @ A.T).T").verdict == "correct"


def test_sign_names_the_descent_convention(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2", "-2 * (X @ W1).T @ Yt")
    assert result.verdict == "sign"
    assert "asks for the article's δW2 = −∂Δ/∂W2" in result.message
    assert "your answer is ∂Δ/∂W2 itself" in result.message


def test_sign_names_the_gradient_convention(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2-gradient", "2 * (X @ W1).T @ Yt")
    assert result.verdict == "sign"
    assert "asks for ∂Δ/∂W2; your answer is its negative" in result.message


def test_missing_two_is_a_factor_of_one_half(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2", "(X @ W1).T @ Yt")
    assert result.verdict == "factor"
    assert "0.5" in result.message and "drop the 2" in result.message


def test_other_constant_factors(quiz_lesson: Lesson) -> None:
    assert grade(quiz_lesson, "dw2", "4 * (X @ W1).T @ Yt").verdict == "factor"
    assert "factor 3" in grade(quiz_lesson, "dw2", "6 * (X @ W1).T @ Yt").message


def test_wrong_shape_gives_both_shapes(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2", "X.T @ Yt")
    assert result.verdict == "shape"
    m, h = result.got_shape[0], result.expected_shape[0]
    assert result.got_shape == (m, 1) and result.expected_shape == (h, 1) and m != h
    assert f"({h},1) = (h,1)" in result.message and f"({m},1) = (m,1)" in result.message


def test_plain_number_asked_for_a_matrix_given(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "total", "r.T @ r")
    assert result.verdict == "shape"
    assert result.expected_shape == () and result.got_shape == (1, 1)
    assert "plain number" in result.message
    assert grade(quiz_lesson, "total", "sum(r * r)").verdict == "correct"


def test_wrong_values_give_the_relative_error(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2", "2 * (X @ W1).T @ Yt + 1")
    assert result.verdict == "values"
    assert "Right shape, wrong values (relative error" in result.message


def test_prediction_in_place_of_the_residual_is_values(quiz_lesson: Lesson) -> None:
    assert (
        grade(quiz_lesson, "dw2", "2 * (X @ W1).T @ (X @ W1 @ W1.T @ X.T @ Yt)").verdict == "values"
    )


@pytest.mark.parametrize("answer", ["import os", "().__class__", "open('x')", "X.__dict__"])
def test_refused_input_is_invalid(quiz_lesson: Lesson, answer: str) -> None:
    result = grade(quiz_lesson, "dw2", answer)
    assert result.verdict == "invalid"
    assert result.got_shape is None and result.trace is None


def test_syntax_error_has_a_caret_under_its_position(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2", "2 * (X @ W1).T @@ Yt")
    assert result.verdict == "invalid" and result.caret is not None
    source, marker = result.caret.split("\n")
    assert source.strip() == "2 * (X @ W1).T @@ Yt"
    assert marker.strip() == "^" and 14 <= len(marker) - 1 <= 17
    assert result.message.startswith("Syntax error")


def test_a_name_outside_names_is_invalid_and_lists_the_allowed(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2", "2 * (X @ W1).T @ (Y - X @ W1 @ W2)")
    assert result.verdict == "invalid" and result.message.startswith("Unknown name")
    listed = result.message.split("unknown name Y", 1)[1]
    assert all(name in listed for name in ("X", "W1", "Yt")) and "W2" not in listed


def test_shape_mismatch_inside_the_answer_is_invalid(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2", "X @ Yt")
    assert result.verdict == "invalid" and "Shape mismatch" in result.message


def test_broadcasting_is_refused_and_said_so(quiz_lesson: Lesson) -> None:
    result = grade(quiz_lesson, "dw2", "(X @ W1).T @ Yt + Yt.T @ X @ W1")
    assert result.verdict == "invalid"
    assert "broadcast" in result.message


def test_empty_answer_is_invalid(quiz_lesson: Lesson) -> None:
    assert grade(quiz_lesson, "dw2", "   ").verdict == "invalid"


def test_unknown_quiz_is_a_usage_error(quiz_lesson: Lesson) -> None:
    with pytest.raises(UsageError, match="dw2, dw2-gradient"):
        grade(quiz_lesson, "nope", "1")


def test_grade_to_json_has_the_cli_keys(quiz_lesson: Lesson) -> None:
    data = grade(quiz_lesson, "dw2", "X.T @ Yt").to_json()
    assert set(data) == {"verdict", "message", "expected_shape", "got_shape"}
    assert isinstance(data["expected_shape"], list) and isinstance(data["got_shape"], list)
    assert grade(quiz_lesson, "dw2", "import os").to_json()["got_shape"] is None


# -- draws --------------------------------------------------------------------------------------


def test_draws_have_distinct_dims_above_one_and_repeat_with_the_seed(quiz_lesson: Lesson) -> None:
    spec = find_quiz(quiz_lesson, "dw2")
    draws = formula_draws(spec, seed=5)
    assert len(draws) >= 3
    for draw in draws:
        assert len(set(draw.dims.values())) == len(draw.dims)
        assert all(value > 1 for value in draw.dims.values())
    again = formula_draws(spec, seed=5)
    for first, second in zip(draws, again, strict=True):
        assert first.dims == second.dims
        assert np.array_equal(first.environment.values["X"], second.environment.values["X"])
    assert any(
        not np.array_equal(a.environment.values["Yt"], b.environment.values["Yt"])
        for a, b in zip(draws, formula_draws(spec, seed=6), strict=True)
    )


def test_a_seed_repeats_a_verdict_and_its_shapes(quiz_lesson: Lesson) -> None:
    first = grade(quiz_lesson, "dw2", "X.T @ Yt", seed=3)
    assert grade(quiz_lesson, "dw2", "X.T @ Yt", seed=3).to_json() == first.to_json()
    shapes = {grade(quiz_lesson, "dw2", "X.T @ Yt", seed=s).got_shape for s in range(8)}
    assert len(shapes) > 1


def test_grading_one_formula_is_fast(quiz_lesson: Lesson) -> None:
    grade(quiz_lesson, "dw2", "2 * (X @ W1).T @ Yt")  # warm up imports and caches
    start = time.perf_counter()
    for _ in range(10):
        grade(quiz_lesson, "dw2", "2 * (X @ W1).T @ Yt")
    assert (time.perf_counter() - start) / 10 < 0.030


def test_compare_orders_verdicts() -> None:
    reference = [np.array([[1.0, 2.0], [3.0, 5.0]])]
    assert compare([reference[0].copy()], reference).verdict == "correct"
    assert compare([reference[0].T.copy()], reference).verdict == "transposed"
    assert compare([-reference[0]], reference).verdict == "sign"
    assert compare([3 * reference[0]], reference).factor == pytest.approx(3)
    assert compare([reference[0] + 1], reference).verdict == "values"
    assert compare([np.ones((2, 3))], reference).verdict == "shape"


def test_factor_must_be_the_same_on_every_draw() -> None:
    references = [np.array([[1.0], [2.0]]), np.array([[3.0], [1.0]])]
    answers = [2 * references[0], 3 * references[1]]
    assert compare(answers, references).verdict == "values"


# -- shape quizzes -----------------------------------------------------------------------------


def test_shape_quiz_accepts_every_written_form(quiz_lesson: Lesson) -> None:
    spec = find_quiz(quiz_lesson, "w1-shape")
    dims = shape_dims(spec, quiz_lesson.seed, 0)
    m, h = dims["m"], dims["h"]
    for text in (f"({m},{h})", f"{m},{h}", f"{m}x{h}", f"{m} × {h}", f" ( {m} , {h} ) "):
        result = grade(quiz_lesson, "w1-shape", text)
        assert result.verdict == "correct", text
        assert result.expected_shape == (m, h) == result.got_shape


def test_shape_quiz_swapped_and_wrong(quiz_lesson: Lesson) -> None:
    spec = find_quiz(quiz_lesson, "w1-shape")
    dims = shape_dims(spec, quiz_lesson.seed, 0)
    m, h, n = dims["m"], dims["h"], dims["n"]
    swapped = grade(quiz_lesson, "w1-shape", f"({h},{m})")
    assert swapped.verdict == "shape"
    assert swapped.message == f"Not ({h},{m}): rows and columns are swapped."
    # A wrong answer never gives the right one away while attempts are left.
    assert f"({m},{h})" not in swapped.message and "one entry per weight" not in swapped.message
    half = grade(quiz_lesson, "w1-shape", f"({n},{h})")
    assert half.verdict == "shape" and half.message == f"Not ({n},{h}): 1 of its 2 sizes is right."
    axes = grade(quiz_lesson, "w1-shape", f"({m},{h},1)")
    assert axes.message == f"Not ({m},{h},1): the result has 2 axes, not 3."
    assert grade(quiz_lesson, "w1-shape", "three by four").verdict == "invalid"


def test_shape_quiz_draws_new_dims_every_attempt(quiz_lesson: Lesson) -> None:
    spec = find_quiz(quiz_lesson, "w1-shape")
    draws = [shape_dims(spec, quiz_lesson.seed, attempt) for attempt in range(12)]
    assert len({tuple(d.values()) for d in draws}) > 1
    for dims in draws:
        assert len(set(dims.values())) == 3 and min(dims.values()) > 1
    first = draws[0]
    memorised = f"({first['m']},{first['h']})"
    later = next(a for a, d in enumerate(draws) if (d["m"], d["h"]) != (first["m"], first["h"]))
    assert grade(quiz_lesson, "w1-shape", memorised, attempt=later).verdict == "shape"


def test_shape_prompt_shows_the_draw(quiz_lesson: Lesson) -> None:
    spec = find_quiz(quiz_lesson, "w1-shape")
    dims = shape_dims(spec, 4, 2)
    prompt = format_prompt(spec.prompt, dims)
    assert f"X is ({dims['n']},{dims['m']})" in prompt and "{" not in prompt
    assert format_prompt("W^{(2)} is ({n},1)", {"n": 7}) == "W^{(2)} is (7,1)"


# -- choice and bug quizzes -------------------------------------------------------------------


def test_single_choice(quiz_lesson: Lesson) -> None:
    right = grade(quiz_lesson, "pick-one", "1")
    assert right.verdict == "correct" and "flat left of zero" in right.message
    wrong = grade(quiz_lesson, "pick-one", "2")
    assert wrong.verdict == "wrong" and wrong.title == "Wrong pick"
    assert wrong.message == "Option 2 is not the right one. Option 2: 1 is the slope right of zero."
    unexplained = grade(quiz_lesson, "pick-one", "3")
    assert unexplained.message == "Option 3 is not the right one."
    assert grade(quiz_lesson, "pick-one", "1,2").verdict == "invalid"
    assert grade(quiz_lesson, "pick-one", "7").verdict == "invalid"
    assert grade(quiz_lesson, "pick-one", "zero").verdict == "invalid"


def test_multiple_choice_needs_exactly_the_right_set(quiz_lesson: Lesson) -> None:
    spec = find_quiz(quiz_lesson, "pick-two")
    assert grade_choice(spec, "1,4").verdict == "correct"
    assert grade_choice(spec, "4 1").verdict == "correct"
    assert grade_choice(spec, [4, 1]).verdict == "correct"
    partial = grade_choice(spec, "1")
    assert partial.verdict == "wrong" and "you missed 1" in partial.message
    assert grade_choice(spec, "1,2,4").verdict == "wrong"


def test_bug_quiz_line_then_fix(quiz_lesson: Lesson) -> None:
    spec = find_quiz(quiz_lesson, "residual-bug")
    assert grade_bug_line(spec, 3) and not grade_bug_line(spec, 2)
    assert len(spec.code_lines) == 3
    assert grade(quiz_lesson, "residual-bug", "2 * A.T @ (Y - Yhat)").verdict == "correct"
    assert grade(quiz_lesson, "residual-bug", "2 * A.T @ Yhat").verdict == "values"
    assert grade(quiz_lesson, "residual-bug", "2 * A.T @ (Yhat - Y)").verdict == "sign"
