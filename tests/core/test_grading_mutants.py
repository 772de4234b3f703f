"""What grading and drawing promise, pinned where a mutation run found nothing asserting it.

``python benchmarks/mutation.py`` changes ``tutor/core/quiz/grading.py`` and ``draw.py``
one edit at a time; each test here fails on some of those edits because it asserts
what a learner or an author sees: the exact words of a verdict, a tolerance that holds
on every draw at once, dimensions that stay in their ranges. References are not
symmetric, dimensions differ between draws, and some references are zero.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tutor.core.errors import UsageError
from tutor.core.expression import ExpressionError
from tutor.core.lesson import parse_lesson_text
from tutor.core.quiz import (
    formula_draws,
    grade,
    grade_choice,
    grade_formula,
    grade_line,
    grade_shape,
    shape_dims,
)
from tutor.core.quiz.draw import (
    SetupError,
    draw_dims,
    format_prompt,
    resume_setup,
    run_setup,
    setup_checkpoint,
)
from tutor.core.quiz.grading import (
    absolute_tolerance,
    compare,
    grade_on_draws,
    invalid_grade,
    reference_value,
)
from tutor.core.quiz.model import (
    Feedback,
    Proof,
    QuizFormatError,
    QuizSpec,
    find_quiz,
)

SEED = 5
#: X (n,m) and Y (n,1): n and m never equal, so a transpose always shows in the shape.
SETUP = "X = randn(n, m)\nZ = randn(n, m)\nY = randn(n, 1)\nf(x) = x**2\n"
DIMS = (("n", 5, 9), ("m", 2, 4))


def formula(answer: str = "X.T @ Y", **fields: object) -> QuizSpec:
    """A formula quiz on the network-free setup above, as an author could write it."""
    values: dict[str, object] = {
        "id": "q",
        "kind": "formula",
        "prompt": "p",
        "line": 10,
        "body_line": 11,
        "answer": answer,
        "dims": DIMS,
        "setup": SETUP,
        "setup_line": 13,
        "names": ("X", "Z", "Y", "f"),
    }
    values.update(fields)
    return QuizSpec(**values)  # type: ignore[arg-type]


def first_dims(spec: QuizSpec) -> dict[str, int]:
    return formula_draws(spec, SEED)[0].dims


def message(spec: QuizSpec, answer: str) -> str:
    return grade_formula(spec, answer, seed=SEED).message


# -- draw.py: dimensions --------------------------------------------------------------------

#: Feasible, but a pass fails when a takes 3 and b takes 4 (d has no value left).
CROWDED = (("a", 2, 3), ("b", 4, 5), ("d", 3, 4))


def test_every_dimension_stays_inside_its_range_and_reaches_both_ends() -> None:
    draws = [draw_dims(CROWDED, seed) for seed in range(40)]
    for dims in draws:
        assert isinstance(dims, dict) and len(set(dims.values())) == 3, dims
        for name, low, high in CROWDED:
            assert low <= dims[name] <= high, (name, dims)
    for name, low, high in CROWDED:
        assert {dims[name] for dims in draws} == set(range(low, high + 1)), name


def test_an_avoided_value_is_given_up_when_keeping_it_leaves_no_room() -> None:
    # Keeping a off 2 and b off 5 forces a=3, b=4 and leaves d nothing: the draw must
    # fall back to the free passes rather than report the ranges as too narrow.
    for seed in range(10):
        dims = draw_dims(CROWDED, seed, avoid={"a": 2, "b": 5})
        assert len(set(dims.values())) == 3
        assert all(low <= dims[name] <= high for name, low, high in CROWDED)


def test_ranges_too_narrow_say_so() -> None:
    with pytest.raises(QuizFormatError) as raised:
        draw_dims((("a", 2, 2), ("b", 1, 2)), SEED)
    assert str(raised.value) == "dims ranges are too narrow to draw every dimension distinct"


def test_a_shape_quiz_draws_from_its_seed_and_its_own_id() -> None:
    spec = QuizSpec(
        id="a", kind="shape", prompt="p", line=1, body_line=2, answer="(n, m)", dims=DIMS
    )
    other = QuizSpec(**{**spec.__dict__, "id": "b"})
    by_seed = {tuple(shape_dims(spec, seed, 0).values()) for seed in range(8)}
    assert len(by_seed) > 1
    assert any(shape_dims(spec, seed, 0) != shape_dims(other, seed, 0) for seed in range(8))


def test_format_prompt_fills_known_dimensions_only() -> None:
    text = "W^{(2)} is ({n},{m}); {k} stays"
    assert format_prompt(text, {"n": 6, "m": 3}) == "W^{(2)} is (6,3); {k} stays"


def test_a_failing_setup_is_reported_at_its_lesson_line_from_a_checkpoint() -> None:
    spec = formula(setup="X = randn(n, 2)\nW = randn(2, 1)\nQ = X @ X\n")
    with pytest.raises(SetupError) as before:
        setup_checkpoint(spec, {"n": 4}, 1, "V")  # never assigned: all of setup runs
    assert before.value.line == 15
    assert str(before.value).startswith("setup of quiz 'q' failed: ")
    checkpoint = setup_checkpoint(spec, {"n": 4}, 1, "W")
    with pytest.raises(SetupError) as after:
        resume_setup(spec, checkpoint, np.ones((2, 1)))
    assert after.value.line == 15
    assert str(after.value).startswith("setup of quiz 'q' failed: ")


def test_overriding_a_name_setup_never_assigns_leaves_setup_as_it_is() -> None:
    spec = formula()
    plain = run_setup(spec, {"n": 6, "m": 3}, 2)
    overridden = run_setup(spec, {"n": 6, "m": 3}, 2, override=("V", np.ones((3, 1))))
    assert sorted(overridden.values) == sorted(plain.values)
    assert "V" not in overridden.values
    for name, value in plain.values.items():
        assert np.array_equal(overridden.values[name], value), name


def test_without_names_the_learner_uses_what_setup_defined_but_no_dimension() -> None:
    spec = formula(names=None)
    assert grade_formula(spec, "X.T @ Y", seed=SEED).verdict == "correct"
    result = grade_formula(spec, "X.T @ Y + 0 * n", seed=SEED)
    assert result.verdict == "invalid" and result.error is not None
    assert result.error.kind == "unknown-name"


def test_a_function_setup_defined_is_the_learners_to_use() -> None:
    spec = formula("(X @ X.T @ Y)**2")
    assert grade_formula(spec, "f(X @ X.T @ Y)", seed=SEED).verdict == "correct"


def test_a_learner_random_call_grades_the_same_every_time() -> None:
    spec = formula(names=("X", "Y", "m"))
    answer = "X.T @ Y + 1e-3 * randn(m, 1)"
    first = grade_formula(spec, answer, seed=SEED)
    assert first.verdict == "values"
    assert all(grade_formula(spec, answer, seed=SEED).message == first.message for _ in range(3))


# -- grade(): attempts ----------------------------------------------------------------------

LESSON = """\
---
id: pack
title: Pack
order: 1
summary: Attempts.
seed: {seed}
---

## Quiz

```quiz
id: q
kind: formula
prompt: Type X.T @ Y.
dims: {{n: [31, 40], m: [2, 30]}}
setup: |
  X = randn(n, m)
  Y = randn(n, 1)
names: [X, Y]
answer: X.T @ Y
proves: {{none: "a product, not a gradient"}}
```

```quiz
id: p
kind: program
prompt: Write P, then its transpose.
dims: {{n: [3, 5]}}
setup: |
  X = randn(n, 2)
names: [X]
steps:
  - name: P
    answer: X.T @ X
    proves: {{none: "a product, not a gradient"}}
```
"""


def test_each_attempt_of_a_formula_quiz_grades_on_its_own_draws() -> None:
    lesson = parse_lesson_text(LESSON.format(seed=SEED), Path("pack.md"))
    spec = find_quiz(lesson, "q")
    m_first = formula_draws(spec, SEED, 0)[0].dims["m"]
    m_second = formula_draws(spec, SEED, 1)[0].dims["m"]
    assert m_first != m_second
    assert grade(lesson, "q", "X.T @ Y").expected_shape == (m_first, 1)
    assert grade(lesson, "q", "X.T @ Y", attempt=1).expected_shape == (m_second, 1)
    assert grade_formula(spec, "X.T @ Y", seed=SEED).expected_shape == (m_first, 1)


def test_a_program_quiz_is_not_graded_as_one_expression() -> None:
    lesson = parse_lesson_text(LESSON.format(seed=SEED), Path("pack.md"))
    with pytest.raises(UsageError) as raised:
        grade(lesson, "p", "X.T @ X")
    assert str(raised.value) == (
        "'p' is a program quiz: grade a whole program (tutor grade --file)"
    )


# -- shape quizzes ----------------------------------------------------------------------------

SHAPE = QuizSpec(
    id="s",
    kind="shape",
    prompt="p",
    line=1,
    body_line=2,
    answer="(n, m, 1)",
    dims=(("n", 5, 9), ("m", 2, 4)),
    explain="One row per sample.",
)


def test_a_shape_quiz_grades_the_attempt_it_is_given_and_the_first_by_default() -> None:
    first, second = shape_dims(SHAPE, SEED, 0), shape_dims(SHAPE, SEED, 1)
    assert first != second
    typed = f"({first['n']},{first['m']},1)"
    assert grade_shape(SHAPE, typed, seed=SEED).verdict == "correct"
    assert grade_shape(SHAPE, typed, seed=SEED, attempt=1).verdict == "shape"


def test_shape_verdicts_in_words() -> None:
    dims = shape_dims(SHAPE, SEED, 0)
    n, m = dims["n"], dims["m"]
    expected = (n, m, 1)
    result = grade_shape(SHAPE, "three by four", seed=SEED)
    assert (result.verdict, result.expected_shape) == ("invalid", expected)
    assert result.message == "Type a shape such as (3,4), 3,4, 3x4 or 3 × 4."
    result = grade_shape(SHAPE, f"{n}, {m}, 1", seed=SEED)
    assert result.message == f"Correct: ({n},{m},1). One row per sample."
    assert (result.expected_shape, result.got_shape) == (expected, expected)
    result = grade_shape(SHAPE, f"{n}, 99, 1", seed=SEED)
    assert result.message == f"Not ({n},99,1): 2 of its 3 sizes are right."
    assert (result.verdict, result.expected_shape, result.got_shape) == (
        "shape",
        expected,
        (n, 99, 1),
    )
    result = grade_shape(SHAPE, "98, 99, 1", seed=SEED)
    assert result.message == "Not (98,99,1): 1 of its 3 sizes is right."
    result = grade_shape(SHAPE, "98, 99, 97", seed=SEED)
    assert result.message == "Not (98,99,97): 0 of its 3 sizes are right."


# -- choices and bug lines ----------------------------------------------------------------------

SINGLE = QuizSpec(
    id="c",
    kind="choice",
    prompt="p",
    line=1,
    body_line=2,
    answer="2",
    choices=("a", "b", "c"),
    picks=(2,),
)
MULTIPLE = QuizSpec(
    id="c",
    kind="choice",
    prompt="p",
    line=1,
    body_line=2,
    answer="1,4",
    choices=("a", "b", "c", "d"),
    picks=(1, 4),
    multiple=True,
    explain="Inner sizes agree.",
    why=((2, "B is (3,4)."), (3, "C is a vector")),
)


def test_choice_verdicts_in_words() -> None:
    assert grade_choice(SINGLE, "2").message == "Correct."
    assert grade_choice(SINGLE, "x").message == (
        "Type the number of an option (1 to 3), or several like 1,3."
    )
    assert grade_choice(SINGLE, "1,2").message == (
        "This question has one right option: pick a single number."
    )
    assert grade_choice(MULTIPLE, "[1, 4]").message == "Correct. Inner sizes agree."
    assert grade_choice(MULTIPLE, "(4,1)").verdict == "correct"
    assert grade_choice(MULTIPLE, "1,2").message == (
        "Not quite: 1 of your picks is right, 1 is not, and you missed 1. Option 2: B is (3,4)."
    )
    assert grade_choice(MULTIPLE, "1 2 3 4").message == (
        "Not quite: 2 of your picks are right, 2 are not, and you missed 0."
        " Option 2: B is (3,4). Option 3: C is a vector"
    )


@pytest.mark.parametrize("typed", ["2X", "X2", "2x", "2.0"])
def test_a_choice_with_anything_but_numbers_is_not_read(typed: str) -> None:
    assert grade_choice(SINGLE, typed).verdict == "invalid"


BUG = QuizSpec(
    id="b",
    kind="bug",
    prompt="p",
    line=1,
    body_line=2,
    answer="A",
    code="A = X @ W1\nYhat = A @ W2\ndW2 = A.T @ Yhat\nB = A\nC = A\n",
    bug_line=3,
    why=((1, "A = X W1 is the hidden layer"), (4, "B is a copy?"), (5, "C is fine!")),
)


def test_bug_line_verdicts_in_words() -> None:
    assert grade_line(BUG, 6).message == "There is no line 6: the listing has lines 1 to 5."
    assert grade_line(BUG, 3).message == "Correct: line 3 is the faulty one."
    assert grade_line(BUG, 2).message == (
        "Line 2 is not the faulty one; read each line's shapes and meaning again."
    )
    assert grade_line(BUG, 1).message == (
        "Line 1 is not the faulty one: A = X W1 is the hidden layer."
    )
    assert grade_line(BUG, 4).message == "Line 4 is not the faulty one: B is a copy?"
    assert grade_line(BUG, 5).message == "Line 5 is not the faulty one: C is fine!"


# -- formula verdicts in words -----------------------------------------------------------------


def test_correct_names_what_was_asked_in_neutral_words() -> None:
    draws = "on every one of 3 random draws of the matrices."
    assert message(formula(), "X.T @ Y") == (f"Correct: it equals the right answer {draws}")
    assert message(formula(explain="A product."), "(Y.T @ X).T") == (
        f"Correct: it equals the right answer {draws} A product."
    )
    gradient = formula(proves=Proof("sum(X @ W)", "W", "gradient"))
    assert message(gradient, "X.T @ Y") == (
        f"Correct: it equals the gradient of the loss with respect to W {draws}"
    )
    descent = formula(proves=Proof("sum(X @ W)", "W", "descent"))
    assert message(descent, "X.T @ Y") == (
        f"Correct: it equals the negative gradient of the loss with respect to W {draws}"
    )


def test_sign_factor_and_transposed_in_words() -> None:
    spec = formula()
    m = first_dims(spec)["m"]
    assert message(spec, "-X.T @ Y") == "Sign flipped: the negative of your answer is right."
    assert message(spec, "3 * X.T @ Y") == "Off by a constant factor 3 on every draw."
    assert message(spec, "Y.T @ X") == (
        f"Transposed: your answer has shape (1,{m}) = (1,m) but the right answer is "
        f"({m},1) = (m,1); the transpose of your answer is right."
    )
    square = formula("X.T @ Z")
    assert message(square, "Z.T @ X") == (
        "Transposed: the shapes agree, but the transpose of your answer is right."
    )
    asked = formula(feedback=Feedback((("sign", "Mind the sign?"), ("factor", "Count the 2!"))))
    assert message(asked, "-X.T @ Y") == (
        "Sign flipped: the negative of your answer is right. Mind the sign?"
    )
    assert message(asked, "2 * X.T @ Y") == "Off by a constant factor 2 on every draw: Count the 2!"


def test_wrong_values_in_words() -> None:
    spec = formula()
    assert message(spec, "X.T @ Y + 5000 * Z.T @ Y") == (
        "Right shape, wrong values: far from the right answer on every draw."
    )
    worst = 0.0
    for draw in formula_draws(spec, SEED):
        X, Z, Y = (draw.environment.values[name] for name in ("X", "Z", "Y"))  # noqa: N806
        worst = max(worst, float(np.linalg.norm(Z.T @ Y) / np.linalg.norm(X.T @ Y)))
    assert message(spec, "X.T @ Y + Z.T @ Y") == (
        f"Right shape, wrong values (relative error {worst:.2g})."
    )


def test_a_zero_reference_gets_the_size_of_the_wrong_answer() -> None:
    spec = formula("0 * X.T @ Y", names=("X", "Y", "m"))
    assert message(spec, "0.5 * ones((m, 1))") == (
        "Right shape, wrong values: the right answer is zero on every draw, but yours is "
        "not (its largest entry is 0.5)."
    )


def test_wrong_shapes_in_words() -> None:
    spec = formula()
    n, m = first_dims(spec)["n"], first_dims(spec)["m"]
    head = f"Wrong shape: the right answer is ({m},1) = (m,1), your answer is"
    assert message(spec, "sum(X.T @ Y)") == f"{head} ()."
    assert message(spec, "sum(X.T @ Y, 1)") == (
        f"{head} ({m},) = (m,). The numbers are right but laid out in the wrong shape."
    )
    assert message(spec, "2 * Y.T @ X") == (
        f"{head} (1,{m}) = (1,m). Its transpose has the right shape but not the right values."
    )
    assert message(spec, "X") == f"{head} ({n},{m}) = (n,m)."
    assert message(spec, "ones((1, 1))") == f"{head} (1,1)."
    total = formula("sum(X)")
    assert message(total, "ones((1, 1)) * sum(X)") == (
        "Wrong shape: the right answer is (), your answer is (1,1). "
        "The question asks for a plain number, not a matrix."
    )


# -- invalid answers ---------------------------------------------------------------------------


def test_invalid_answers_keep_the_expected_shape_and_the_evaluators_words() -> None:
    spec = formula()
    expected = (first_dims(spec)["m"], 1)
    empty = grade_formula(spec, "  ", seed=SEED)
    assert (empty.verdict, empty.message, empty.expected_shape) == (
        "invalid",
        "Type an expression, e.g. X.T @ Yt.",
        expected,
    )
    syntax = grade_formula(spec, "X.T @@ Y", seed=SEED)
    assert isinstance(syntax.error, ExpressionError) and syntax.error.column is not None
    detail = syntax.error.detail.rstrip(".")
    assert syntax.message == f"Syntax error at column {syntax.error.column}: {detail}."
    assert (syntax.expected_shape, syntax.got_shape) == (expected, None)
    long = grade_formula(spec, "X" * 2000, seed=SEED)
    assert long.error is not None and long.error.column is None
    assert long.message == f"Too big: {long.error.detail.rstrip('.')}."
    clash = grade_formula(spec, "X + X.T", seed=SEED)
    assert clash.error is not None and clash.error.detail.endswith("?")
    assert clash.message == f"Shape mismatch at column 1: {clash.error.detail}"


@pytest.mark.parametrize("detail", ["it is too big.", "did you mean X.T?", "stop!", "no end"])
def test_an_evaluator_sentence_gets_one_full_stop(detail: str) -> None:
    error = ExpressionError("limit", detail, column=4, source="X @ Y")
    result = invalid_grade(error, (3, 1))
    ending = "" if detail.endswith((".", "?", "!")) else "."
    assert result.message == f"Too big at column 4: {detail}{ending}"
    assert (result.expected_shape, result.got_shape, result.error) == ((3, 1), None, error)
    assert result.caret == "X @ Y\n   ^"


def test_values_that_are_not_finite_never_reach_the_comparison() -> None:
    spec = formula(names=("X", "Y", "B"))
    draws = formula_draws(spec, SEED)
    for draw in draws:
        # Bound past ``define`` (which refuses it), as no checked value ever could be.
        draw.environment.values["B"] = np.full((draw.dims["m"], 1), np.nan)
    references = [reference_value(spec, draw) for draw in draws]
    result = grade_on_draws(spec, "B", draws, references)
    assert result.verdict == "invalid"
    assert result.message == "Your answer gives values that are not finite numbers (inf or nan)."
    assert result.expected_shape == result.got_shape == (draws[0].dims["m"], 1)
    assert result.trace is not None


def test_a_reference_that_does_not_evaluate_is_the_lessons_fault_at_its_line() -> None:
    spec = formula("X @ Y")
    with pytest.raises(SetupError) as raised:
        grade_formula(spec, "X", seed=SEED)
    assert raised.value.line == 10
    assert str(raised.value).startswith("the reference answer of quiz 'q' does not evaluate: ")


# -- tolerance --------------------------------------------------------------------------------


def test_a_quiz_tolerance_is_the_one_answers_are_held_to() -> None:
    loose = formula(tolerance=1e-2)
    assert grade_formula(loose, "1.005 * X.T @ Y", seed=SEED).verdict == "correct"
    assert grade_formula(formula(), "1.005 * X.T @ Y", seed=SEED).verdict == "factor"
    # A loose tolerance still names a factor 2 or 0.5 (it once called them wrong values).
    for scaled, factor in (("2 * X.T @ Y", "2"), ("X.T @ Y / 2", "0.5")):
        result = grade_formula(loose, scaled, seed=SEED)
        assert result.message == f"Off by a constant factor {factor} on every draw."
    assert grade_formula(loose, "1.05 * X.T @ Y", seed=SEED).verdict == "values"


RNG = np.random.default_rng(7)
#: Not symmetric, not square: a transpose changes the shape and the values.
WIDE = RNG.normal(size=(2, 3)) * 100
SQUARE = RNG.normal(size=(3, 3)) * 100
#: Rounding-sized noise: 1e-9 is 1e-11 of the largest entry above.
NOISE = RNG.normal(size=(2, 3)) * 1e-9
SQUARE_NOISE = RNG.normal(size=(3, 3)) * 1e-9


@pytest.mark.parametrize(
    ("answers", "references", "verdict"),
    [
        ([WIDE, NOISE], [WIDE, 0 * WIDE], "correct"),
        ([WIDE.T, NOISE.T], [WIDE, 0 * WIDE], "transposed"),
        ([SQUARE.T, SQUARE_NOISE], [SQUARE, 0 * SQUARE], "transposed"),
        ([-WIDE, NOISE], [WIDE, 0 * WIDE], "sign"),
    ],
)
def test_a_draw_whose_reference_is_zero_is_held_to_the_other_draws_scale(
    answers: list[np.ndarray], references: list[np.ndarray], verdict: str
) -> None:
    # A dead layer on one draw only: rounding there is far below the matrices' size.
    assert compare(answers, references).verdict == verdict


def test_a_factor_skips_draws_whose_reference_is_zero_or_rounding() -> None:
    tiny = RNG.normal(size=(2, 3)) * 1e-12
    other = RNG.normal(size=(2, 3)) * 10
    # The zero draw comes first: it must be skipped, not end the search.
    answers = [NOISE, 3 * WIDE, 3 * other, NOISE]
    references = [0 * WIDE, WIDE, other, tiny]
    comparison = compare(answers, references)
    assert comparison.verdict == "factor"
    assert comparison.factor == pytest.approx(3)


def test_a_factor_holds_rounding_to_the_scale_of_every_draw() -> None:
    small = RNG.normal(size=(2, 3))
    small[0, 1] = 0.0
    rounded = 3 * small
    rounded[0, 1] = 1e-7  # 1e-11 of the largest reference over the draws
    comparison = compare([3 * WIDE * 100, rounded], [WIDE * 100, small])
    assert (comparison.verdict, comparison.factor) == ("factor", pytest.approx(3))


def test_a_unit_reference_still_has_a_factor() -> None:
    one = np.array(1.0)
    comparison = compare([np.array(3.0)] * 3, [one] * 3)
    assert (comparison.verdict, comparison.factor) == ("factor", 3.0)


def test_factors_that_differ_between_draws_are_not_a_factor() -> None:
    comparison = compare([0.01 * WIDE, 0.015 * SQUARE[:2]], [WIDE, SQUARE[:2]])
    assert comparison.verdict == "values"


def test_nearly_minus_one_is_wrong_values_not_a_factor() -> None:
    assert compare([-1.0005 * WIDE, -1.0005 * SQUARE[:2]], [WIDE, SQUARE[:2]]).verdict == ("values")


@pytest.mark.parametrize("shape", [(), (2, 3)])
def test_relative_error_on_a_zero_draw_is_counted_in_tolerances(shape: tuple[int, ...]) -> None:
    big = np.full(shape, 5.0)
    zero = np.zeros(shape)
    atol = absolute_tolerance([big, zero], 1e-6)
    wrong = np.full(shape, 40 * atol)
    comparison = compare([big, wrong], [big, zero])
    assert comparison.verdict == "values"
    assert comparison.relative_error == pytest.approx(40)
    other = np.full(shape, 7.0)
    off_by_one = compare([big + 1.0, zero, other + 1.0], [big, zero, other])
    assert off_by_one.relative_error == pytest.approx(1 / 5)


@pytest.mark.parametrize("scale", [1e6, 10.0, 1.0, 0.1])
def test_the_absolute_tolerance_follows_the_references_size(scale: float) -> None:
    reference = np.array([[1.0, 0.0], [-2.0, 0.5]]) * scale / 2
    rounded = reference.copy()
    rounded[0, 1] = 1e-11 * scale  # an entry that cancels to (almost) zero
    assert compare([rounded], [reference]).verdict == "correct"
    wrong = reference.copy()
    wrong[0, 1] = 5e-9 * scale  # five times the absolute part of the tolerance
    assert compare([wrong], [reference]).verdict == "values"


def test_answers_and_references_must_pair_up() -> None:
    with pytest.raises(ValueError):
        compare([WIDE], [WIDE, WIDE])
