"""More of what the evaluator promises, each pinned where a mutation run found it unasserted.

The companion of ``test_expression_mutants.py``: budgets at a limit of zero and over
three generations, the plan cache's order of use, a function with the most parameters
allowed, a block line that ends in a capital X, and where a shape's error points.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.core.test_expression_mutants import evaluate_module, key, with_width
from tutor.core.expression import (
    Budget,
    Environment,
    ExpressionError,
    evaluate,
    parse_shape,
    plan_cache,
    run_block,
)
from tutor.core.expression import budget as budget_module


def env() -> Environment:
    return Environment(seed=1)


def failure(source: str, budget: Budget) -> ExpressionError:
    """The error evaluating ``source`` on ``budget`` raises."""
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, Environment(), budget=budget)
    return caught.value


def test_a_limit_of_zero_is_said_as_zero() -> None:
    """A budget that allows nothing says its limit is 0, of bytes or of multiply-adds."""
    no_bytes = Budget("the lesson", max_bytes=0, max_work=None, max_seconds=None)
    assert str(failure("ones(2) + 1", no_bytes)) == (
        "column 1: the lesson needs more than 16 bytes of arrays at ones(2); the limit is 0 bytes"
    )
    no_work = Budget("the lesson", max_bytes=None, max_work=0, max_seconds=None)
    assert str(failure("ones(2) + 1", no_work)) == (
        "column 1: the lesson needs more than 2 multiply-adds at ones(2); the limit is 0"
    )


def test_a_parents_work_limit_passed_while_running_names_the_operation() -> None:
    """The static pass checks one evaluation's own limits; a lesson's smaller limit is
    passed only while running, and the message says at which operation."""
    lesson = Budget("the lesson", max_bytes=None, max_work=10, max_seconds=None)
    error = failure("ones((2, 3)) @ ones((3, 4))", lesson)
    assert str(error) == (
        "column 16: the lesson needs more than 18 multiply-adds at ones((3, 4)); the limit is 10"
    )
    assert error.caret() == "ones((2, 3)) @ ones((3, 4))\n               ^"


def test_an_evaluation_out_of_time_is_called_this(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a lesson without a time limit, the evaluation's own two seconds run out,
    and the message names it as the learner reads it: "this"."""
    ticks = itertools.count(0.0, 10.0)  # ten seconds pass between any two readings
    monkeypatch.setattr(budget_module.time, "monotonic", lambda: next(ticks))
    lesson = Budget("the lesson", max_seconds=None)
    assert str(failure("ones(2) + 1", lesson)) == (
        "column 1: this takes longer than 2 s, the limit"
    )


def test_every_finished_unit_adds_its_time_to_every_generation_above_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two blocks of 0.3 s make 0.6 s, not the last one's 0.3; a unit two levels down
    counts in its grandparent too, so the third block finds the lesson's second spent."""
    clock = {"now": 50.0}
    monkeypatch.setattr(budget_module.time, "monotonic", lambda: clock["now"])
    lesson = Budget("the lesson", max_seconds=1.0)
    for _ in range(2):
        block = lesson.open()
        clock["now"] += 0.3
        block.close()
    assert lesson.seconds == pytest.approx(0.6)
    section = lesson.open("the section", max_seconds=None)
    plot = section.open("this plot", max_seconds=None)
    clock["now"] += 0.3
    plot.close()
    assert (section.seconds, lesson.seconds) == (pytest.approx(0.3), pytest.approx(0.9))
    third = lesson.open(max_seconds=None)
    clock["now"] += 0.1  # 0.9 + 0.1: at the limit
    third.check()
    clock["now"] += 0.05
    with pytest.raises(ExpressionError, match="^the lesson takes longer than 1 s, the limit$"):
        third.check()


def test_every_plan_found_goes_in_front_of_the_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight shapes kept, then the seven older ones used again: the one not used since
    it was kept is now the least recent, and a ninth shape pushes it out."""
    cache = plan_cache.PlanCache()
    monkeypatch.setattr(evaluate_module, "PLANS", cache)
    for width in range(1, 9):
        evaluate("A - 1", with_width(width))
    for width in range(1, 8):
        evaluate("A - 1", with_width(width))
    evaluate("A - 1", with_width(9))
    assert cache.find(key("A - 1"), with_width(8)) is None
    assert all(cache.find(key("A - 1"), with_width(w)) is not None for w in (*range(1, 8), 9))


def test_a_function_may_have_exactly_eight_parameters() -> None:
    """Eight is the limit, so eight are allowed (nine are refused elsewhere)."""
    results = run_block("f(a, b, c, d, e, g, h, k) = a + 10 * k\nf(1, 2, 3, 4, 5, 6, 7, 8)", env())
    assert (results[0].target, float(results[1].trace.value)) == ("f", 81.0)


def test_a_line_ending_in_a_capital_x_keeps_it() -> None:
    """Only a Windows line ending is trimmed from a line, not a trailing X."""
    results = run_block("X = ones(2)\r\nY = 3 * X\r\nY - X", env())
    assert [result.text for result in results] == ["X = ones(2)", "Y = 3 * X", "Y - X"]
    assert np.array_equal(results[-1].trace.value, [2.0, 2.0])


@pytest.mark.parametrize(
    ("text", "caret"),
    [
        ("  (3, -4)", "(3, -4)\n    ^"),
        ("3 x 4 ]", "3 x 4 ]\n      ^"),
        ("3 x 4 x", "3 x 4 x"),  # a problem of the whole shape: no column
    ],
)
def test_a_shape_that_cannot_be_read_points_into_the_text_as_typed(text: str, caret: str) -> None:
    """The caret lines up under the bad character of the shape (spaces around it trimmed)."""
    with pytest.raises(ExpressionError) as caught:
        parse_shape(text)
    assert caught.value.caret() == caret
