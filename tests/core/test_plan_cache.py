"""The plan cache: a kept plan is reused only where the compiler would build the same one."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.core.expression import Environment, ExpressionError, evaluate, run_block
from tutor.core.expression.plan_cache import PLANS


@pytest.fixture(autouse=True)
def empty_cache():
    PLANS.clear()
    yield
    PLANS.clear()


def env_with(source: str, seed: int = 3) -> Environment:
    env = Environment(seed=seed)
    run_block(source, env)
    return env


def test_the_second_evaluation_reuses_the_plan_and_gives_the_same_trace() -> None:
    env = env_with("X = randn(4, 3)\nW = randn(3, 2)")
    first = evaluate("2 * X @ W", env)
    assert PLANS.find(("2 * X @ W", frozenset(), 0, "2 * X @ W", False), env) is not None
    second = evaluate("2 * X @ W", env)
    assert np.array_equal(first.value, second.value)
    assert first.lines() == second.lines()


def test_new_values_of_the_same_shapes_are_read_at_run_time() -> None:
    env = env_with("X = ones((2, 2))")
    assert evaluate("X + 1", env).value.tolist() == [[2, 2], [2, 2]]
    env.define("X", np.full((2, 2), 5.0))
    assert evaluate("X + 1", env).value.tolist() == [[6, 6], [6, 6]]


def test_another_shape_compiles_its_own_plan_and_checks_it() -> None:
    env = env_with("A = ones((2, 3))\nB = ones((3, 4))")
    assert evaluate("A @ B", env).value.shape == (2, 4)
    env.define("B", np.ones((2, 4)))
    with pytest.raises(ExpressionError) as caught:
        evaluate("A @ B", env)
    assert caught.value.kind == "shape"


def test_a_number_baked_into_a_shape_is_part_of_the_key() -> None:
    env = env_with("n = 2")
    assert evaluate("ones((n, 3))", env).value.shape == (2, 3)
    env.define("n", 5)
    assert evaluate("ones((n, 3))", env).value.shape == (5, 3)


def test_a_redefined_function_is_expanded_afresh() -> None:
    env = env_with("f(x) = x * 2\nA = ones((1, 2))")
    assert evaluate("f(A)", env).value.tolist() == [[2, 2]]
    run_block("f(x) = x * 3", env)
    assert evaluate("f(A)", env).value.tolist() == [[3, 3]]


def test_a_name_that_later_appears_is_not_served_the_old_unknown_name_error() -> None:
    env = Environment(seed=0)
    with pytest.raises(ExpressionError) as caught:
        evaluate("Q + 1", env)
    assert caught.value.kind == "unknown-name"
    env.define("Q", 1.0)
    assert float(evaluate("Q + 1", env).value) == 2.0


def test_errors_are_raised_every_time_not_remembered() -> None:
    env = env_with("A = ones((2, 3))")
    for _ in range(2):
        with pytest.raises(ExpressionError) as caught:
            evaluate("A @ A", env)
        assert caught.value.kind == "shape"
    assert PLANS.find(("A @ A", frozenset(), 0, "A @ A", False), env) is None


def test_strict_and_lenient_plans_are_kept_apart() -> None:
    env = env_with("A = ones((2, 3))\nb = ones((1, 3))")
    assert evaluate("A + b", env).value.shape == (2, 3)
    with pytest.raises(ExpressionError):
        evaluate("A + b", env, strict=True)


def test_random_draws_follow_the_generator_not_the_cache() -> None:
    one, two = Environment(seed=5), Environment(seed=5)
    first = evaluate("randn(2, 2)", one).value
    again = evaluate("randn(2, 2)", one).value
    assert not np.array_equal(first, again)
    assert np.array_equal(evaluate("randn(2, 2)", two).value, first)


def test_a_copied_environment_draws_the_same_numbers_as_the_original() -> None:
    env = Environment(seed=9)
    evaluate("randn(3)", env)
    twin = env.copy()
    assert np.array_equal(evaluate("randn(3)", env).value, evaluate("randn(3)", twin).value)
