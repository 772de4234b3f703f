"""The compiler's costs of names and constants, and how a refused plan names its worst part.

More of what ``python benchmarks/mutation.py`` found unasserted in ``plan.py``: each test
checks what a learner or lesson author sees (a cost, a value known before computing, the
words of a refusal), like ``test_expression_mutants.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tutor.core.expression import Environment, ExpressionError, plan_cost, run_block
from tutor.core.expression import evaluate as evaluate_expression


def refusal(source: str, names: Environment) -> str:
    with pytest.raises(ExpressionError) as caught:
        evaluate_expression(source, names)
    return str(caught.value)


def test_pi_and_e_cost_nothing_and_are_known_before_computing() -> None:
    """A constant is a stored number, not a computed array; a shape may depend on it."""
    assert plan_cost("pi + e", {}) == (1, 8)  # the addition alone
    assert plan_cost("ones(pi - pi + 2)", {}) == (2, 16)


def test_a_mean_of_a_transposed_stack_is_copied_to_reshape() -> None:
    """NumPy keeps the input's layout in a reduction, so reshaping the mean copies it."""
    shapes = {"T": (2, 3, 4)}
    assert plan_cost("reshape(mean(T.T, 0), (6,))", shapes) == (30, 96)
    assert plan_cost("reshape(mean(T, 0), (12,))", shapes) == (24, 96)


def test_the_worst_part_counts_only_the_times_it_cost_something() -> None:
    """A reshape that was a view costs nothing and is not one of the times named;
    an einsum over an empty axis does no work but its result still takes bytes."""
    names = Environment()
    names.define("X", np.ones((1000, 1000)))
    run_block("z(x) = einsum('i,jk->jk', array([]), x)\nr(x) = reshape(x, (1000000,))", names)
    assert refusal("r(X) + " + " + ".join(["r(X.T)"] * 20), names) == (
        "column 8: in r (called by r(X.T)): this needs 40,000,000 multiply-adds; the limit "
        "is 20,000,000 (most of it is reshape(x, (1000000,)): 1,000,000 each time, 20 times)"
    )
    assert refusal(" + ".join(["z(X)"] * 21), names) == (
        "column 1: in z (called by z(X)): this needs 328 MB of arrays; the limit is 160 MB "
        "(most of it is einsum('i,jk->jk', array([]), x): 8.0 MB each time, 21 times)"
    )
