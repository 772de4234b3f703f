"""Property tests: on random shapes and random well-formed expressions, the traced
result is NumPy's own, and the static pass predicts every shape the numeric pass gets.

Each generated expression comes with a reference computation written directly in
NumPy (never by evaluating the text), built from the same random tree.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.core.expression import (
    Environment,
    ExpressionError,
    evaluate,
    infer_shapes,
    run_block,
)

Reference = Callable[[dict[str, np.ndarray]], np.ndarray]
Shape = tuple[int, ...]

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
DIM = st.integers(1, 4)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _sigmoid,
    "abs": np.abs,
    "step": lambda x: (x > 0).astype(float),
    "exp": np.exp,
}
ELEMENTWISE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
}


class Names:
    """Names drawn for a tree, one per shape it needs (sometimes reused)."""

    def __init__(self) -> None:
        self.shapes: dict[str, Shape] = {}

    def name_for(self, draw: st.DrawFn, shape: Shape) -> str:
        same = [name for name, known in self.shapes.items() if known == shape]
        if same and draw(st.booleans()):
            return draw(st.sampled_from(same))
        name = f"A{len(self.shapes)}"
        self.shapes[name] = shape
        return name


def _leaf(draw: st.DrawFn, names: Names, shape: Shape) -> tuple[str, Reference]:
    if shape == () and draw(st.booleans()):
        number = draw(st.sampled_from([0.5, 1, 2, 3, 1.5, 0.25]))
        return repr(number), lambda env: np.array(float(number))
    name = names.name_for(draw, shape)
    return name, lambda env: env[name]


def _stretched(draw: st.DrawFn, shape: Shape) -> Shape:
    """A shape that broadcasts to ``shape``: itself, a row, a column, or a number."""
    if len(shape) != 2:
        return shape
    rows, cols = shape
    return draw(st.sampled_from([shape, (1, cols), (rows, 1), ()]))


def expression(draw: st.DrawFn, names: Names, shape: Shape, depth: int) -> tuple[str, Reference]:
    """An expression of exactly ``shape``, with its NumPy reference."""
    if depth == 0:
        return _leaf(draw, names, shape)
    choices = ["leaf", "unary", "elementwise", "power", "scale", "divide"]
    if len(shape) == 2:
        choices += ["matmul", "matmul", "transpose", "dot", "maximum", "multiply"]
        if shape[0] == 1:
            choices.append("sum-rows")
    if shape == ():
        choices += ["sum", "mean"]
    kind = draw(st.sampled_from(choices))
    sub = depth - 1
    if kind == "leaf":
        return _leaf(draw, names, shape)
    if kind == "unary":
        function = draw(st.sampled_from(sorted(UNARY)))
        text, ref = expression(draw, names, shape, sub)
        spelled = draw(st.sampled_from([function, f"np.{function}"]))
        return f"{spelled}({text})", lambda env: UNARY[function](ref(env))
    if kind == "elementwise":
        op = draw(st.sampled_from(sorted(ELEMENTWISE)))
        left_shape, right_shape = shape, _stretched(draw, shape)
        if draw(st.booleans()):
            left_shape, right_shape = right_shape, left_shape
        left, lref = expression(draw, names, left_shape, sub)
        right, rref = expression(draw, names, right_shape, sub)
        return f"({left}) {op} ({right})", lambda env: ELEMENTWISE[op](lref(env), rref(env))
    if kind == "power":
        exponent = draw(st.sampled_from([2, 3, -1]))
        text, ref = expression(draw, names, shape, sub)
        if exponent == -1:  # keep away from zero: 1 + x**2 is at least 1
            return f"(1 + ({text})**2)**-1", lambda env: (1 + ref(env) ** 2) ** -1.0
        return f"({text})**{exponent}", lambda env: ref(env) ** float(exponent)
    if kind == "scale":
        number = draw(st.sampled_from([2, 0.5, 3]))
        text, ref = expression(draw, names, shape, sub)
        return f"{number} * ({text})", lambda env: number * ref(env)
    if kind == "divide":
        text, ref = expression(draw, names, shape, sub)
        return f"({text}) / 4", lambda env: ref(env) / 4.0
    if kind in ("matmul", "dot"):
        inner = draw(DIM)
        left, lref = expression(draw, names, (shape[0], inner), sub)
        right, rref = expression(draw, names, (inner, shape[1]), sub)
        if kind == "dot":
            return f"np.dot({left}, {right})", lambda env: np.dot(lref(env), rref(env))
        return f"({left}) @ ({right})", lambda env: lref(env) @ rref(env)
    if kind == "transpose":
        text, ref = expression(draw, names, shape[::-1], sub)
        return f"({text}).T", lambda env: ref(env).T
    if kind in ("maximum", "multiply"):
        left, lref = expression(draw, names, shape, sub)
        right, rref = expression(draw, names, _stretched(draw, shape), sub)
        function = np.maximum if kind == "maximum" else np.multiply
        return f"{kind}({left}, {right})", lambda env: function(lref(env), rref(env))
    if kind == "sum-rows":
        rows = draw(DIM)
        text, ref = expression(draw, names, (rows, shape[1]), sub)
        return (
            f"reshape(sum({text}, 0), (1, {shape[1]}))",
            lambda env: np.sum(ref(env), axis=0).reshape(1, shape[1]),
        )
    # sum / mean of a matrix, to a number
    matrix = (draw(DIM), draw(DIM))
    text, ref = expression(draw, names, matrix, sub)
    function = np.sum if kind == "sum" else np.mean
    return f"{kind}({text})", lambda env: function(ref(env))


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, Reference, dict[str, Shape], Shape, int]:
    names = Names()
    shape = draw(st.sampled_from([(), (draw(DIM), draw(DIM))]))
    text, reference = expression(draw, names, shape, draw(st.integers(1, 4)))
    seed = draw(st.integers(0, 2**32 - 1))
    return text, reference, names.shapes, shape, seed


@SETTINGS
@given(cases())
def test_traced_result_is_numpys_and_static_shapes_match(case) -> None:
    text, reference, shapes, shape, seed = case
    rng = np.random.default_rng(seed)
    values = {name: rng.standard_normal(named) for name, named in shapes.items()}
    with np.errstate(all="ignore"):
        expected = np.asarray(reference(values), dtype=float)
    env = Environment(values)
    if not np.all(np.isfinite(expected)):
        # Overflow must be reported, never handed back as inf or nan.
        try:
            evaluate(text, env)
        except ExpressionError as error:
            assert error.kind == "math"
            return
        raise AssertionError(f"{text} overflowed in NumPy but was not reported")
    trace = evaluate(text, env)
    assert trace.shape == shape == expected.shape
    np.testing.assert_allclose(trace.value, expected, rtol=1e-12, atol=1e-12)
    assert infer_shapes(text, shapes) == [(step.source, step.shape) for step in trace.steps]
    for step in trace.steps:
        assert step.value.shape == step.shape
        assert text.find(step.source) >= 0  # every step is a piece of the text


@st.composite
def mismatched_products(draw: st.DrawFn) -> tuple[Shape, Shape]:
    left = (draw(DIM), draw(DIM))
    right = (draw(DIM.filter(lambda k: k != left[1])), draw(DIM))
    return left, right


@SETTINGS
@given(mismatched_products())
def test_mismatched_products_fail_in_both_passes(shapes: tuple[Shape, Shape]) -> None:
    left, right = shapes
    names = {"A": left, "B": right}
    env = Environment({name: np.ones(shape) for name, shape in names.items()})
    for check in (lambda: evaluate("A @ B", env), lambda: infer_shapes("A @ B", names)):
        try:
            check()
        except ExpressionError as error:
            assert error.kind == "shape" and error.exit_code == 1
            assert f"has {left[1]} columns but B has {right[0]} rows" in error.message
        else:
            raise AssertionError("a mismatched product was accepted")


ALPHABET = st.sampled_from(
    list("XW12.T@+-*/()[],:=' \"_eaonpstrlmfdx0#%!{}<>\\`")
    + ["**", "np.", "\u0425", "\x00", "\n", "f(x) = ", "aaaaaaaa"]
)


@SETTINGS
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_arbitrary_text_is_answered_quickly_and_only_with_expression_errors(text: str) -> None:
    rng = np.random.default_rng(0)
    env = Environment({"X": rng.standard_normal((3, 2)), "W1": rng.standard_normal((2, 2))})
    started = time.perf_counter()
    for attempt in (lambda: evaluate(text, env), lambda: run_block(text, env.copy())):
        try:
            attempt()
        except ExpressionError as error:
            assert error.message and "\n" not in error.message
    assert time.perf_counter() - started < 0.5
