"""What the evaluator's compiler promises, pinned where a mutation run of ``plan.py``
found nothing asserting it: the steps a user function shows, numbers known before
computing that pass through a user function, and what views and calls are charged.
"""

from __future__ import annotations

import numpy as np
import pytest

from tutor.core.expression import (
    Budget,
    Cancelled,
    Environment,
    ExpressionError,
    evaluate,
    run_block,
)


def test_a_user_functions_step_shows_its_arguments_shapes_not_its_results() -> None:
    """The step of ``f(A, B)`` lists what went in, as a built-in's step does."""
    names = Environment(seed=1)
    run_block("A = ones((2, 3))\nB = ones((3, 2))\nf(x, y) = x @ y", names)
    assert evaluate("f(A, B)", names).lines() == ["f(A, B)   f (2,3), (3,2) -> (2,2)"]


def test_a_number_passed_to_a_user_function_is_known_before_computing() -> None:
    """A parameter holding a literal may size an array, and a call on known numbers
    may size one too: both are folded before anything runs."""
    names = Environment(seed=1)
    run_block("f(n) = ones((n, 2))\ng(x) = x + 1", names)
    assert evaluate("f(3)", names).shape == (3, 2)
    assert evaluate("ones((g(2), 2))", names).shape == (3, 2)
    assert evaluate("zeros(g(1) * 2)", names).shape == (4,)


def test_a_user_functions_result_is_not_charged_again() -> None:
    """The body made the array and paid for it; handing it out of the call is free."""
    names = Environment(seed=1)
    run_block("f(x) = x", names)
    lesson = Budget("the lesson's blocks and plots")
    evaluate("f(ones((2, 3)))", names, budget=lesson)
    assert lesson.bytes == 48
    assert lesson.work == 6


def test_a_reshape_that_numpy_does_as_a_view_costs_nothing() -> None:
    """The plan expects a copy for reshaping a transposed array, but to the same shape
    NumPy gives a view: the budget is charged what was really made, the ones alone."""
    lesson = Budget("the lesson's blocks and plots", max_bytes=50)
    trace = evaluate("reshape(ones((2, 3)).T, (3, 2))", Environment(seed=1), budget=lesson)
    assert np.array_equal(trace.value, np.ones((3, 2)))
    assert lesson.bytes == 48


def test_a_cancel_stops_even_at_a_transpose() -> None:
    """A newer evaluation's cancel is seen at every operation, a view included: one that
    arrives after the ones were made stops the transpose that follows."""
    asked = []

    def cancelled() -> bool:
        asked.append(True)
        return len(asked) > 1

    with pytest.raises(Cancelled):
        evaluate("ones((2, 3)).T", Environment(seed=1), budget=Budget(cancelled=cancelled))
    assert evaluate("ones((2, 3)).T", Environment(seed=1)).shape == (3, 2)


def test_a_product_of_a_transposed_name_is_refused_as_a_size_in_words() -> None:
    """A size worked out from arrays (here ``A.T @ A``, whose left factor is not
    C-ordered) is not known before computing: the learner is told so, in one line."""
    names = Environment(seed=1)
    run_block("A = ones((2, 3))", names)
    with pytest.raises(ExpressionError) as caught:
        evaluate("ones((sum(A.T @ A), 2))", names)
    assert str(caught.value) == (
        "column 7: sum(A.T @ A) must be a number known before computing "
        "(written out, or a name holding a number)"
    )
