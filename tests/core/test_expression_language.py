"""The expression language: what it accepts, the steps it records, and how it explains."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tutor.core.expression import (
    Environment,
    ExpressionError,
    evaluate,
    format_shape,
    infer_shapes,
    parse_shape,
)


@pytest.fixture
def env() -> Environment:
    """The article's toy network, seeded."""
    rng = np.random.default_rng(7)
    return Environment(
        {
            "X": rng.standard_normal((10, 3)),
            "W1": rng.standard_normal((3, 4)),
            "W2": rng.standard_normal((4, 1)),
            "Y": rng.standard_normal((10, 1)),
            "b": rng.standard_normal((1, 4)),
            "v": rng.standard_normal(3),
            "n": 5,
        },
        seed=3,
    )


def failure(source: str, env: Environment, **kwargs: bool) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, env, **kwargs)
    return caught.value


# -- shapes as text ---------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, text", [((10, 3), "(10,3)"), ((3,), "(3,)"), ((), "()"), ((2, 3, 4), "(2,3,4)")]
)
def test_format_shape(shape: tuple[int, ...], text: str) -> None:
    assert format_shape(shape) == text


@pytest.mark.parametrize(
    "text, shape",
    [
        ("(3,4)", (3, 4)),
        ("3,4", (3, 4)),
        ("3x4", (3, 4)),
        ("3 × 4", (3, 4)),
        ("3X4", (3, 4)),
        (" ( 10 , 1 ) ", (10, 1)),
        ("[2, 5]", (2, 5)),
        ("(3,)", (3,)),
        ("7", (7,)),
        ("()", ()),
    ],
)
def test_parse_shape_accepts_what_learners_type(text: str, shape: tuple[int, ...]) -> None:
    assert parse_shape(text) == shape


@pytest.mark.parametrize(
    "text, column",
    [("3,a", 3), ("(3,4", None), ("3,,4", 3), ("-3,4", 1), ("3.5", 2), ("", None), ("(3))", 4)],
)
def test_parse_shape_refuses_with_a_column(text: str, column: int | None) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_shape(text)
    assert caught.value.kind == "syntax"
    assert caught.value.column == column
    assert caught.value.exit_code == 2


# -- steps, chains, lines -----------------------------------------------------------


def test_product_chain_is_traced_step_by_step(env: Environment) -> None:
    trace = evaluate("X @ W1 @ W2", env)
    assert [(s.source, s.op, s.operand_shapes, s.shape) for s in trace.steps] == [
        ("X @ W1", "@", ((10, 3), (3, 4)), (10, 4)),
        ("X @ W1 @ W2", "@", ((10, 4), (4, 1)), (10, 1)),
    ]
    expected = env.values["X"] @ env.values["W1"] @ env.values["W2"]
    np.testing.assert_array_equal(trace.value, expected)
    np.testing.assert_array_equal(trace.steps[0].value, env.values["X"] @ env.values["W1"])
    assert trace.chain() == "X @ W1 @ W2   (10,3)(3,4)(4,1) -> (10,1)"
    assert trace.lines() == [
        "X @ W1        (10,3) @ (3,4) -> (10,4)",
        "X @ W1 @ W2   (10,3)(3,4)(4,1) -> (10,1)",
    ]


def test_chain_is_none_unless_the_last_operation_is_a_product(env: Environment) -> None:
    assert evaluate("tanh(X @ W1)", env).chain() is None
    assert evaluate("X", env).chain() is None
    assert evaluate("(X @ W1).T @ Y", env).chain() == "(X @ W1).T @ Y   (4,10)(10,1) -> (4,1)"


def test_article_gradient_steps(env: Environment) -> None:
    trace = evaluate("2 * (X @ W1).T @ (Y - X @ W1 @ W2)", env)
    ops = [(s.source, s.op, s.shape) for s in trace.steps]
    assert ops == [
        ("X @ W1", "@", (10, 4)),
        ("(X @ W1).T", ".T", (4, 10)),
        ("2 * (X @ W1).T", "*", (4, 10)),
        ("X @ W1", "@", (10, 4)),
        ("X @ W1 @ W2", "@", (10, 1)),
        ("Y - X @ W1 @ W2", "-", (10, 1)),
        ("2 * (X @ W1).T @ (Y - X @ W1 @ W2)", "@", (4, 1)),
    ]
    x, w1, w2, y = (env.values[k] for k in ("X", "W1", "W2", "Y"))
    np.testing.assert_allclose(trace.value, 2 * (x @ w1).T @ (y - x @ w1 @ w2))


def test_broadcasting_is_marked_and_strict_mode_refuses_it(env: Environment) -> None:
    trace = evaluate("X @ W1 + b", env)
    assert trace.steps[-1].broadcast is True
    assert trace.lines()[-1].endswith("broadcast (1,4) -> (10,4)")
    assert evaluate("2 * X", env).steps[-1].broadcast is False  # a number is not "stretched"
    assert evaluate("X @ W1 + X @ W1", env).steps[-1].broadcast is False
    error = failure("X @ W1 + b", env, strict=True)
    assert error.kind == "shape" and error.exit_code == 1
    assert "b (1,4)" in error.message and "(10,4)" in error.message
    assert evaluate("2 * X", env, strict=True).shape == (10, 3)


def test_trace_values_are_independent_of_the_environment(env: Environment) -> None:
    value = evaluate("X", env).value
    value[0, 0] = 1000.0
    assert env.values["X"][0, 0] != 1000.0
    with pytest.raises(ValueError):
        env.values["X"][0, 0] = 1.0  # stored values are read-only


# -- the language's pieces ------------------------------------------------------------


@pytest.mark.parametrize(
    "source, expected",
    [
        ("np.dot(X, W1)", lambda v: v["X"] @ v["W1"]),
        ("dot(X, W1)", lambda v: np.dot(v["X"], v["W1"])),
        ("np.transpose(X)", lambda v: v["X"].T),
        ("multiply(X, X)", lambda v: v["X"] * v["X"]),
        ("sum(X)", lambda v: np.sum(v["X"])),
        ("np.sum(X, 0)", lambda v: np.sum(v["X"], axis=0)),
        ("sum(X, -1)", lambda v: np.sum(v["X"], axis=-1)),
        ("mean(X, 1)", lambda v: np.mean(v["X"], axis=1)),
        ("exp(X)", lambda v: np.exp(v["X"])),
        ("log(abs(X) + 1)", lambda v: np.log(np.abs(v["X"]) + 1)),
        ("sqrt(abs(X))", lambda v: np.sqrt(np.abs(v["X"]))),
        ("np.tanh(X)", lambda v: np.tanh(v["X"])),
        ("maximum(X, 0)", lambda v: np.maximum(v["X"], 0)),
        ("relu(X)", lambda v: np.maximum(v["X"], 0)),
        ("sigmoid(X)", lambda v: 1 / (1 + np.exp(-v["X"]))),
        ("step(X)", lambda v: (v["X"] > 0).astype(float)),
        ("outer(v, v)", lambda v: np.outer(v["v"], v["v"])),
        ("reshape(X, (3, 10))", lambda v: v["X"].reshape(3, 10)),
        ("reshape(X, (-1, 1))", lambda v: v["X"].reshape(-1, 1)),
        ("ones_like(X) + zeros_like(X)", lambda v: np.ones((10, 3))),
        ("ones((2, 3)) - zeros(3)", lambda v: np.ones((2, 3))),
        ("eye(3) @ W1", lambda v: v["W1"]),
        ("array([1, 2, 5])", lambda v: np.array([1.0, 2, 5])),
        ("array([[1, -2], [3, 4]]).T", lambda v: np.array([[1.0, 3], [-2, 4]])),
        ("ndim(X) + ndim(v)", lambda v: np.array(3.0)),
        ("shape(X)", lambda v: np.array([10.0, 3.0])),
        ("power(X, 3)", lambda v: v["X"] ** 3),
        (
            "X**2 - X**-1 + abs(X)**0.5 + abs(X)**(1/3)",
            lambda v: (
                v["X"] ** 2 - v["X"] ** -1 + np.abs(v["X"]) ** 0.5 + np.abs(v["X"]) ** (1 / 3)
            ),
        ),
        ("-X + +X", lambda v: np.zeros((10, 3))),
        ("X / 2 - 1.5e-1", lambda v: v["X"] / 2 - 0.15),
        ("pi * e + np.pi", lambda v: np.array(np.pi * np.e + np.pi)),
        ("v @ W1", lambda v: v["v"] @ v["W1"]),
        ("n * X", lambda v: 5 * v["X"]),
    ],
)
def test_function_and_operator_values(env: Environment, source: str, expected) -> None:
    trace = evaluate(source, env)
    np.testing.assert_allclose(trace.value, expected(env.values), rtol=1e-12, atol=1e-12)


def test_random_constructors_are_seeded_by_the_environment() -> None:
    sources = [
        "randn(3, 4)",
        "rand(2, 5)",
        "randint(0, 10, (3, 4))",
        "uniform(-1, 1, (4, 1))",
        "np.random.randn(2)",
    ]
    first = [evaluate(s, Environment(seed=11)).value for s in sources]
    again = [evaluate(s, Environment(seed=11)).value for s in sources]
    other = [evaluate(s, Environment(seed=12)).value for s in sources]
    for a, b, c in zip(first, again, other, strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    assert [v.shape for v in first] == [(3, 4), (2, 5), (3, 4), (4, 1), (2,)]
    ints = first[2]
    assert np.all(ints == np.round(ints)) and ints.min() >= 0 and ints.max() < 10
    assert first[3].min() >= -1 and first[3].max() < 1


def test_shape_arguments_may_be_names_holding_numbers(env: Environment) -> None:
    assert evaluate("randn(n, n + 1)", env).shape == (5, 6)
    assert evaluate("ones((n, 2 * 3))", env).shape == (5, 6)


def test_environment_copy_is_independent_and_replays_the_generator(env: Environment) -> None:
    twin = env.copy()
    np.testing.assert_array_equal(
        evaluate("randn(2, 2)", env).value, evaluate("randn(2, 2)", twin).value
    )
    twin.define("Z", 1.0)
    assert "Z" in twin.names() and "Z" not in env.names()
    assert env.names() == ["W1", "W2", "X", "Y", "b", "n", "v"]


@pytest.mark.parametrize("seed", [7, None])
def test_a_copy_made_before_any_draw_replays_the_generator(seed: int | None) -> None:
    """The generator is made at the first draw; a copy made earlier still draws the same."""
    env = Environment(seed=seed)
    twin = env.copy()
    np.testing.assert_array_equal(
        evaluate("randn(3, 2)", env).value, evaluate("randn(3, 2)", twin).value
    )


def test_environment_refuses_bad_names_and_values() -> None:
    env = Environment()
    for bad in ("_x", "np", "lambda", "1a", "é"):
        with pytest.raises(ExpressionError):
            env.define(bad, 1.0)
    with pytest.raises(ExpressionError) as caught:
        env.define("Z", np.array([1.0, np.inf]))
    assert caught.value.kind == "math"
    with pytest.raises(TypeError):
        env.define("Z", "text")


# -- explanations -------------------------------------------------------------------------


def test_mismatch_names_the_dimensions(env: Environment) -> None:
    error = failure("X @ W2", env)
    assert error.kind == "shape" and error.exit_code == 1 and not error.refused
    assert error.column == 1
    assert "(10,3) @ (4,1)" in error.message
    assert "X has 3 columns but W2 has 4 rows" in error.message
    assert error.caret() == "X @ W2\n^"


def test_mismatch_suggests_the_missing_transpose(env: Environment) -> None:
    error = failure("Y - (X @ W1) @ Y", env)
    assert "(10,4) @ (10,1)" in error.message
    assert "Did you mean (X @ W1).T @ Y?" in error.message
    assert error.column == 5
    assert [s.source for s in error.steps] == ["X @ W1"]  # what was computed before it


def test_mismatch_suggests_a_reversed_product_only_when_one_fits(env: Environment) -> None:
    error = failure("W2 @ X.T", env)  # (4,1) @ (3,10): no transpose or swap fits
    assert "(4,1) @ (3,10)" in error.message and "Did you mean" not in error.message
    error = failure("W1 @ X", env)  # (3,4) @ (10,3): X @ W1 fits
    assert "Did you mean X @ W1?" in error.message


def test_elementwise_mismatch_names_each_dimension(env: Environment) -> None:
    error = failure("X + X.T", env)
    assert "rows: 10 vs 3" in error.message and "columns: 3 vs 10" in error.message
    assert "Did you mean X + X?" in error.message
    error = failure("maximum(W1, X)", env)
    assert "maximum((3,4), (10,3))" in error.message


def test_errors_inside_user_functions_point_at_the_call(env: Environment) -> None:
    from tutor.core.expression import run_block

    run_block("h(x) = x @ W1", env)
    error = failure("Y + h(Y)", env)
    assert error.kind == "shape"
    assert error.column == 5
    assert error.message.startswith("column 5: in h (called by h(Y)): shape mismatch in x @ W1")


def test_overflow_is_reported_not_silenced(env: Environment) -> None:
    error = failure("exp(1000 * X)", env)
    assert error.kind == "math" and error.exit_code == 1
    assert "overflows" in error.message
    assert failure("log(X - X)", env).kind == "math"
    assert failure("sqrt(-1 * abs(X) - 1)", env).kind == "math"
    assert failure("1 / (X - X)", env).kind == "math"


def test_unknown_names_list_the_known_ones(env: Environment) -> None:
    error = failure("x @ W1", env)
    assert error.kind == "unknown-name"
    assert "Did you mean X?" in error.message
    assert "W1, W2, X, Y, b, n, v" in error.message
    assert "tanh is a function" in failure("tanh + X", env).message


def test_infer_shapes_is_the_static_pass_alone() -> None:
    shapes = {"X": (10, 3), "W1": (3, 4), "W2": (4, 1)}
    assert infer_shapes("tanh(X @ W1) @ W2", shapes) == [
        ("X @ W1", (10, 4)),
        ("tanh(X @ W1)", (10, 4)),
        ("tanh(X @ W1) @ W2", (10, 1)),
    ]
    with pytest.raises(ExpressionError) as caught:
        infer_shapes("X @ W2", shapes)
    assert caught.value.kind == "shape"
    with pytest.raises(ExpressionError) as caught:
        infer_shapes("randn(n, 2)", {"n": ()})
    assert caught.value.kind == "forbidden"  # a dimension must be known beforehand


def test_caret_points_at_the_column() -> None:
    error = ExpressionError("syntax", "bad", column=5, source="X @ W1 +")
    assert error.caret() == "X @ W1 +\n    ^"
    assert error.message == "column 5: bad"
    assert ExpressionError("limit", "too long").caret() == ""


def test_toy_product_is_fast(env: Environment) -> None:
    evaluate("X @ W1 @ W2", env)  # parse once (cached), as the app does
    start = time.perf_counter()
    for _ in range(200):
        evaluate("X @ W1 @ W2", env)
    assert (time.perf_counter() - start) / 200 < 1e-3
