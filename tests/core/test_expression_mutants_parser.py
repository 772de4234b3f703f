"""More of what the evaluator promises, pinned where a mutation run found nothing asserting it.

A companion to ``test_expression_mutants.py``: the words and columns of a limit passed
while computing, of a value that stops being finite, of the static pass run alone;
the exact edge of the parts cap; where indexing is refused when there is more than one
bracket; and that reading a learner's text never leaks a Python warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tutor.core.expression import (
    Budget,
    Environment,
    ExpressionError,
    evaluate,
    plan_cost,
    run_block,
)
from tutor.core.expression.limits import MAX_NODES
from tutor.core.expression.trace import STEP_VALUE_LIMIT


def named() -> Environment:
    """X (2, 3) and Y (3, 4): a product of 24 multiply-adds, 48 bytes per copy of X."""
    names = Environment(seed=1)
    run_block("X = ones((2, 3))\nY = ones((3, 4))\nv = ones(3)", names)
    return names


def refusal(source: str, names: Environment | None = None, **options: object) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, names if names is not None else named(), **options)  # type: ignore[arg-type]
    return caught.value


# -- a lesson's budget passed while computing ------------------------------------


def test_a_parent_budget_passed_mid_run_names_the_operation_and_points_at_it() -> None:
    """The static pass checks only the evaluation's own caps; a lesson's smaller budget
    runs out while computing, and the learner still sees which operation and where."""
    work = refusal("  X @ Y", budget=Budget("the lesson", max_work=5))
    assert work.kind == "limit"
    assert (
        str(work)
        == "column 3: the lesson needs more than 24 multiply-adds at X @ Y; the limit is 5"
    )
    assert work.caret() == "  X @ Y\n  ^"
    negated = refusal("  -X", budget=Budget("the lesson", max_bytes=1))
    assert str(negated) == (
        "column 3: the lesson needs more than 48 bytes of arrays at -X; the limit is 1 bytes"
    )
    assert negated.caret() == "  -X\n  ^"


def test_a_transpose_costs_nothing_but_still_checks_the_clock_at_its_column() -> None:
    """A view is charged after it runs (0 bytes), which is when time running out is noticed."""
    late = refusal("  X.T", budget=Budget("the lesson", max_seconds=-1))
    assert str(late) == "column 3: the lesson takes longer than -1 s, the limit"
    assert late.caret() == "  X.T\n  ^"


def test_a_result_of_empty_operands_is_charged_though_it_needs_no_multiply_adds() -> None:
    """(2, 0) @ (0, 3) is 48 bytes of zeros made with no work at all: still memory."""
    names = Environment()
    names.define("Z", np.zeros((2, 0)))
    names.define("W", np.zeros((0, 3)))
    names.define("E", np.zeros(0))
    budget = Budget()
    product = evaluate("Z @ W", names, budget=budget)
    assert np.array_equal(product.value, np.zeros((2, 3)))
    assert (budget.bytes, budget.work) == (48, 0)
    total = Budget()
    assert evaluate("sum(E)", names, budget=total).value == 0.0
    assert (total.bytes, total.work) == (8, 0)


# -- what a computed value looks like --------------------------------------------


def test_an_einsum_that_overflows_without_a_float_error_is_still_a_math_error() -> None:
    """einsum may add up without raising NumPy's overflow flag; the inf it leaves is
    caught afterwards and reported at the call, never shown as a value."""
    error = refusal("  einsum('i->', exp(709 * ones(3)))")
    assert error.kind == "math"
    assert str(error) == (
        "column 3: einsum('i->', exp(709 * ones(3))) gives a value that is not finite (inf or nan)"
    )
    assert error.caret() == "  einsum('i->', exp(709 * ones(3)))\n  ^"


def test_shapes_and_dimension_counts_are_floats_like_every_other_value() -> None:
    """NumPy gives shape() and ndim() as integers; the language has only float64."""
    names = named()
    assert evaluate("shape(X)", names).value.dtype == np.float64
    assert evaluate("ndim(X)", names).value.dtype == np.float64
    assert evaluate("shape(X) / 4", names).value.tolist() == [0.5, 0.75]


def test_a_step_shows_its_value_up_to_exactly_the_limit_of_numbers() -> None:
    names = Environment()
    at_limit = evaluate(f"ones({STEP_VALUE_LIMIT})", names).steps[0]
    assert at_limit.value is not None and at_limit.value.size == STEP_VALUE_LIMIT
    assert evaluate(f"ones({STEP_VALUE_LIMIT + 1})", names).steps[0].value is None


# -- the static pass alone -------------------------------------------------------


def test_plan_cost_points_its_errors_into_the_text_as_given() -> None:
    """plan_cost strips the text but its carets count the spaces a learner typed."""
    with pytest.raises(ExpressionError) as short:
        plan_cost("  X @", {"X": (2, 3)})
    assert short.value.caret() == "  X @\n     ^"
    with pytest.raises(ExpressionError) as mismatch:
        plan_cost("  X @ X", {"X": (2, 3)})
    assert mismatch.value.kind == "shape"
    assert mismatch.value.caret() == "  X @ X\n  ^"


# -- reading the text ------------------------------------------------------------


def test_numpys_constants_are_named_and_pointed_at_where_a_whole_number_is_needed() -> None:
    error = refusal("randn(np.e)")
    assert str(error) == "column 7: np.e must be a whole number of at least 1, not 2.71828"


def axes(count: int) -> str:
    """ones((1,1,...)): the call, its name, the tuple and ``count`` numbers: count + 3 parts."""
    return "ones((" + "1," * count + "))"


def test_an_expression_of_exactly_the_parts_cap_is_read() -> None:
    """MAX_NODES parts pass the size check (the shape is refused later, for its axes)."""
    assert (
        str(refusal(axes(MAX_NODES - 3))) == f"column 6: a shape of {MAX_NODES - 3} axes: at most 8"
    )


@pytest.mark.parametrize("count", [MAX_NODES - 2, MAX_NODES + 50])
def test_one_part_more_than_the_cap_is_refused_as_a_limit(count: int) -> None:
    error = refusal(axes(count))
    assert error.kind == "limit" and error.column is None
    assert str(error) == f"the expression has more than {MAX_NODES} parts"


@pytest.mark.parametrize(
    ("source", "column"),
    [
        ("ones([2])[0]", 10),  # a bracket before the indexed value ends
        ("X[0] + Y[1]", 2),  # another index after this one
    ],
)
def test_indexing_is_refused_at_its_own_bracket_among_others(source: str, column: int) -> None:
    error = refusal(source)
    assert str(error) == f"column {column}: indexing with [...] is not part of the language"


def test_reading_a_learners_text_lets_no_python_warning_out() -> None:
    """Python warns about an invalid escape while parsing; a UI must not print that."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        error = refusal("einsum('\\q', v)")
    assert error.kind == "syntax" and error.column == 9
    assert [str(warning.message) for warning in caught] == []
