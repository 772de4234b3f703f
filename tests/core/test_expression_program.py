"""Blocks of statements: assignments, one-line functions, comments and line numbers."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tutor.core.expression import Environment, ExpressionError, evaluate, run_block

ARTICLE = """\
# the article's toy network
X = randn(10, 3)
W1 = uniform(-1, 1, (3, 4))
W2 = uniform(-1, 1, (4, 1))

Y = randn(10, 1)
Yhat = X @ W1 @ W2   # the prediction
f1(x) = x**2
f2(x) = x**3
Yt = Y - f2(f1(X @ W1) @ W2)
Yt.T @ Yt
"""


def block_error(source: str, env: Environment, first_line: int = 1) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        run_block(source, env, first_line=first_line)
    return caught.value


def test_block_defines_names_and_functions() -> None:
    env = Environment(seed=0)
    results = run_block(ARTICLE, env)
    assert [(r.line, r.target) for r in results] == [
        (2, "X"),
        (3, "W1"),
        (4, "W2"),
        (6, "Y"),
        (7, "Yhat"),
        (8, "f1"),
        (9, "f2"),
        (10, "Yt"),
        (11, None),
    ]
    assert results[4].text == "Yhat = X @ W1 @ W2"
    assert results[4].trace is not None
    assert results[4].trace.chain() == "X @ W1 @ W2   (10,3)(3,4)(4,1) -> (10,1)"
    assert results[5].trace is None  # a definition computes nothing
    x, w1, w2, y = (env.values[k] for k in ("X", "W1", "W2", "Y"))
    np.testing.assert_allclose(env.values["Yt"], y - ((x @ w1) ** 2 @ w2) ** 3)
    assert results[-1].trace is not None and results[-1].trace.shape == (1, 1)
    assert env.names() == ["W1", "W2", "X", "Y", "Yhat", "Yt", "f1", "f2"]


def test_same_seed_same_block_same_numbers() -> None:
    first, second = Environment(seed=4), Environment(seed=4)
    run_block(ARTICLE, first)
    run_block(ARTICLE, second)
    np.testing.assert_array_equal(first.values["Yt"], second.values["Yt"])


def test_user_function_steps_show_the_call(env_with_f: Environment) -> None:
    trace = evaluate("f2p(C) + 1", env_with_f)
    assert [(s.source, s.op, s.shape) for s in trace.steps] == [
        ("f2p(C)", "f2p", (2, 2)),
        ("f2p(C) + 1", "+", (2, 2)),
    ]
    np.testing.assert_allclose(trace.value, 3 * env_with_f.values["C"] ** 2 + 1)


@pytest.fixture
def env_with_f() -> Environment:
    env = Environment({"C": np.array([[1.0, 2.0], [3.0, 4.0]])})
    run_block("f2p(x) = 3*x**2", env)
    return env


def test_functions_may_read_the_environment_when_called() -> None:
    env = Environment({"X": np.ones((2, 3))})
    run_block("loss(W) = sum((X @ W)**2)\nW = ones((3, 1))", env)
    assert float(evaluate("loss(W)", env).value) == 18.0
    env.define("X", 2 * np.ones((2, 3)))
    assert float(evaluate("loss(W)", env).value) == 72.0


def test_a_function_cannot_call_itself() -> None:
    env = Environment()
    error = block_error("f(x) = f(x) + 1", env)
    assert error.kind == "forbidden" and "calls itself" in error.message
    assert error.column == 8


def test_redefining_a_callee_cannot_create_a_cycle() -> None:
    env = Environment({"A": np.ones((2, 2))})
    run_block("g(x) = 2 * x\nf(x) = g(x) + 1", env)
    run_block("g(x) = f(x)", env)  # g now calls the f that calls the *old* g
    np.testing.assert_array_equal(evaluate("g(A)", env).value, 3 * np.ones((2, 2)))


def test_function_bodies_are_checked_at_definition() -> None:
    env = Environment({"X": np.ones((2, 2))})
    error = block_error("f(x) = x @ Q", env)
    assert error.kind == "unknown-name" and "unknown name Q" in error.message
    assert error.column == 12
    assert block_error("f(x, x) = x", env).kind == "syntax"
    assert block_error("f(x) = x[0]", env).kind == "forbidden"
    assert block_error("f(x) = open(x)", env).kind == "unknown-name"
    assert block_error("f(x) = g(x)", env).kind == "unknown-name"
    assert block_error("f(x) = x\nf(X, X)", env).kind == "syntax"  # arity


def test_error_carries_the_line_and_its_text() -> None:
    env = Environment(seed=0)
    error = block_error("A = randn(2, 3)\n\nB = A @ A  # oops", env, first_line=20)
    assert error.kind == "shape"
    assert error.line == 22
    assert error.source == "B = A @ A  # oops"
    assert error.column == 5
    assert error.caret() == "B = A @ A  # oops\n    ^"
    assert "A" in env.values  # the lines before the failure ran


@pytest.mark.parametrize(
    "block, kind, column",
    [
        ("A = X.tofile('p')", "forbidden", 6),
        ("_A = 1", "forbidden", 1),
        ("np = 1", "forbidden", 1),
        ("if = 1", "forbidden", 1),
        ("X[0] = 1", "syntax", 6),
        ("A.T = 1", "syntax", 5),
        ("import os", "syntax", 1),
        ("A = ", "syntax", None),
        ("A = B = 1", "syntax", 7),
        ("A = 1 # fine\nB = X[0]", "forbidden", 6),
        ("f(x,,y) = x", "syntax", 3),
        ("f(2) = 1", "forbidden", 3),
    ],
)
def test_refused_statements(block: str, kind: str, column: int | None) -> None:
    env = Environment({"X": np.ones((2, 2))})
    error = block_error(block, env)
    assert error.kind == kind, error.message
    assert error.column == column
    assert error.exit_code == 2


def test_long_words_answer_quickly() -> None:
    """A statement that looks like a definition but is not must not backtrack for ages."""
    env = Environment()
    started = time.perf_counter()
    for statement in ("f(" + "a" * 60 + ")", "f(" + "a" * 60 + " b) = 1", "f(" + "a, " * 300):
        with pytest.raises(ExpressionError):
            run_block(statement, env)
    assert time.perf_counter() - started < 0.5


def test_block_limits() -> None:
    assert block_error("A = 1\n" * 400, Environment()).kind == "limit"
    assert block_error("A = " + "1 + " * 6000 + "1", Environment()).kind == "limit"
