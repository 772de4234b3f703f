"""One budget per evaluation: what the static pass counts, and what running charges."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.core.expression import (
    Budget,
    Cancelled,
    Environment,
    ExpressionError,
    evaluate,
    format_bytes,
    plan_cost,
    run_block,
)
from tutor.core.expression.limits import MAX_BYTES
from tutor.core.expression.shapes import matmul_work
from tutor.core.expression.trace import STEP_VALUE_LIMIT


def test_sizes_are_said_in_decimal_units() -> None:
    assert format_bytes(8e9) == "8.0 GB"
    assert format_bytes(160e6) == "160 MB"
    assert format_bytes(512) == "512 bytes"


def test_a_stacked_product_counts_every_pair_of_the_broadcast_stack() -> None:
    assert matmul_work((1000, 1, 1, 1000), (1000, 1000, 1)) == 1000 * 1000 * 1000
    assert matmul_work((10, 3), (3, 4)) == 120


@pytest.mark.parametrize(
    ("source", "work", "nbytes"),
    [
        ("X.T", 0, 0),  # a view
        ("reshape(X, (-1,))", 0, 0),  # a view of a C-ordered array
        ("reshape(X.T, (-1,))", 12, 96),  # a copy: every number moved
        ("X + ones((10, 1))", 10 + 30, 8 * (10 + 30)),  # the broadcast result's size
        ("sigmoid(X)", 30, 4 * 8 * 30),  # three temporaries on the way
    ],
)
def test_the_static_pass_counts_copies_views_and_temporaries(
    source: str, work: int, nbytes: int
) -> None:
    shapes = {"X": (10, 3)} if "reshape(X.T" not in source else {"X": (3, 4)}
    assert plan_cost(source, shapes) == (work, nbytes)


def test_a_user_function_costs_its_body_once_per_call() -> None:
    env = Environment({"A": np.ones((10, 10))})
    run_block("f(x) = x @ x\ng(x) = f(f(x))", env)
    budget = Budget(max_bytes=None, max_work=None, max_seconds=None)
    evaluate("g(A)", env, budget=budget)
    assert budget.work == 2 * 1000


def test_running_charges_what_numpy_really_allocated() -> None:
    env = Environment({"X": np.ones((4, 5))})
    copied, viewed = (Budget(max_bytes=None, max_work=None, max_seconds=None) for _ in "ab")
    evaluate("reshape(X.T, (-1,))", env, budget=copied)
    evaluate("reshape(X, (-1,))", env, budget=viewed)
    assert copied.bytes >= 20 * 8
    assert viewed.bytes == 20 * 8  # only the copy handed out at the end


def test_a_parent_budget_stops_an_evaluation_that_fits_its_own() -> None:
    parent = Budget("the lesson", max_bytes=None, max_work=1000, max_seconds=None)
    env = Environment({"X": np.ones((30, 30))})
    with pytest.raises(ExpressionError) as caught:
        evaluate("X @ X", env, budget=parent)  # 27,000 multiply-adds
    assert "the lesson needs more than 27,000 multiply-adds" in caught.value.message
    assert "the limit is 1,000" in caught.value.message


def test_a_cancelled_budget_stops_before_the_next_operation() -> None:
    parent = Budget(cancelled=lambda: True)
    with pytest.raises(Cancelled):
        evaluate("ones((2, 2)) + 1", Environment(), budget=parent)


def test_an_expression_past_the_byte_limit_is_refused_with_the_need_and_the_limit() -> None:
    source = " + ".join(["sum(ones((1000, 1000)))"] * 2) + " + sum(sigmoid(ones((1000, 1000))))"
    work, nbytes = plan_cost(source, {})
    assert nbytes < MAX_BYTES  # fits
    many = " + ".join(["sum(sigmoid(ones((1000, 1000))))"] * 5)
    with pytest.raises(ExpressionError) as caught:
        evaluate(many, Environment())
    assert caught.value.kind == "limit"
    assert "this needs 200 MB of arrays; the limit is 160 MB" in caught.value.message


def test_big_step_values_are_not_kept() -> None:
    trace = evaluate("sum(ones((200, 200)) * 2)", Environment())
    big = [step for step in trace.steps if step.shape == (200, 200)]
    assert big and all(step.value is None for step in big)
    assert STEP_VALUE_LIMIT < 200 * 200
    small = evaluate("ones((2, 2)) * 2", Environment())
    assert all(step.value is not None for step in small.steps)


def test_an_environment_caps_its_names_and_bytes() -> None:
    env = Environment(max_names=3, max_bytes=1000)
    run_block("a = 1\nb = 2\nc = 3", env)
    with pytest.raises(ExpressionError, match="the limit is 3"):
        run_block("d = 4", env)
    run_block("a = 5", env)  # replacing a name is always allowed
    with pytest.raises(ExpressionError) as caught:
        run_block("a = ones((20, 20))", env)
    assert "hold 3.2 KB; the limit is 1.0 KB" in caught.value.message
    assert caught.value.line == 1 and caught.value.column == 1
    assert env.copy().max_names == 3


def test_randint_with_bounds_no_float_holds_exactly_is_a_clear_error() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("randint(0, 1e15*1e15, (2,2))", Environment())
    assert caught.value.kind == "math"
    assert "randint draws whole numbers within ±1e+15" in caught.value.message
