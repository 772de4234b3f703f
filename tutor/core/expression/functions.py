"""The built-in functions: what each takes, the shape it gives, and how it computes.

The list is what a learner reaching for NumPy types (``dot``, ``sum``, ``tanh``,
``reshape``...) plus the activations the lessons use and seeded random
constructors. Each entry states its shape rule separately from its computation,
so the static pass can know every shape before any number exists.

Argument kinds:
    array: any expression; its value is an operand of the step.
    number: an expression giving a single number (``uniform``'s bounds).
    axis, dim: a whole number known before computing (a literal, or a name
        holding one); ``dim`` must be at least 1.
    shape, newshape: a whole number or a tuple of them (``newshape`` allows
        one -1, as ``reshape`` does).
    exponent: a small literal number.
    numbers: a number, or a (nested) list or tuple of numbers.
    subscripts: ``einsum``'s text in quotes, read and checked by the parser (see
        ``einsum``); the only place the language accepts text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.core.expression.einsum import MAX_OPERANDS, USAGE, einsum_shape, einsum_work, run_einsum
from tutor.core.expression.limits import MAX_LITERAL
from tutor.core.expression.shapes import (
    Shape,
    ShapeProblem,
    broadcast_shape,
    format_shape,
    matmul_shape,
    matmul_work,
    size_of,
)


@dataclass(frozen=True)
class Builtin:
    """One function of the language.

    ``shape``, ``run`` and ``work`` take the arguments in order: shapes (in
    ``shape`` and ``work``) or arrays (in ``run``) for "array" and "number"
    arguments, the known value for every other kind. ``run`` of a random
    constructor takes the environment's generator first.
    """

    name: str
    kinds: tuple[str, ...]
    required: int
    shape: Callable[..., Shape]
    run: Callable[..., Any]
    usage: str
    work: Callable[..., int] | None = None
    elementwise: bool = False
    random: bool = False
    #: Full-size float64 arrays made on the way to the result (``sigmoid`` makes three).
    temporaries: float = 0.0
    #: May hand back a view of its input (``reshape``, ``transpose``): charged, while
    #: running, only what NumPy really copied.
    view: bool = False


def _same(shape: Shape, *_: object) -> Shape:
    return shape


def _reduced(shape: Shape, axis: int | None = None) -> Shape:
    if axis is None:
        return ()
    if not -len(shape) <= axis < len(shape):
        axes = ", ".join(str(index) for index in range(len(shape))) or "none"
        raise ShapeProblem(
            f"axis {axis} is out of range for {{a0}} of shape {format_shape(shape)} "
            f"(its axes are {axes})"
        )
    index = axis % len(shape)
    return shape[:index] + shape[index + 1 :]


def _reduction_work(shape: Shape, *_: object) -> int:
    return size_of(shape)


def _reshaped(shape: Shape, target: Shape) -> Shape:
    size = size_of(shape)
    if target.count(-1) > 1:
        raise ShapeProblem("reshape takes at most one -1 in the new shape")
    known = size_of(tuple(dim for dim in target if dim != -1))
    if -1 in target:
        if known == 0 or size % known:
            raise ShapeProblem(
                f"{{a0}} has {size} numbers, which do not fill {format_shape(target)}"
            )
        target = tuple(size // known if dim == -1 else dim for dim in target)
    if size_of(target) != size:
        raise ShapeProblem(
            f"{{a0}} of shape {format_shape(shape)} has {size} numbers, but "
            f"{format_shape(target)} holds {size_of(target)}"
        )
    return target


def _dot_shape(left: Shape, right: Shape) -> Shape:
    if not left or not right:
        return broadcast_shape(left, right, "*")
    if len(left) > 2 or len(right) > 2:
        raise ShapeProblem("dot works on vectors and matrices here; use @ for stacks of matrices")
    return matmul_shape(left, right, "dot")


def _dot_work(left: Shape, right: Shape) -> int:
    return matmul_work(left, right)


def _outer_shape(left: Shape, right: Shape) -> Shape:
    return (size_of(left), size_of(right))


# _elementwise2, _unary and _binary run once, at import, to build the table. A mutation
# tool switches its mutants at call time, after the import, so it cannot reach them and
# they are left out of the run ("no mutate"); the table they build is tested through
# every built-in instead.
def _elementwise2(op: str) -> Callable[[Shape, Shape], Shape]:  # pragma: no mutate block
    def rule(left: Shape, right: Shape) -> Shape:
        return broadcast_shape(left, right, op)

    return rule


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # 1/(1+exp(-x)) overflows for large negative x; this form never does.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _step(x: np.ndarray) -> np.ndarray:
    # The derivative of ReLU; 0 at 0, as in the lessons.
    return (x > 0).astype(np.float64)


def _sum(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    return np.sum(x, axis=axis)


def _mean(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    # NumPy warns on stderr for the mean of nothing; say so as an error instead.
    if (x.size if axis is None else x.shape[axis]) == 0:
        raise FloatingPointError("the mean of an empty array is undefined")
    return np.mean(x, axis=axis)


def _randint(
    rng: np.random.Generator, low: np.ndarray, high: np.ndarray, size: Shape
) -> np.ndarray:
    low_value, high_value = float(low), float(high)
    if max(abs(low_value), abs(high_value)) > MAX_LITERAL:
        # NumPy draws int64 at most, and a float holds whole numbers exactly only so far.
        raise ArithmeticError(
            f"randint draws whole numbers within ±{MAX_LITERAL:g}, "
            f"not from {low_value:g} to {high_value:g}"
        )
    if low_value != int(low_value) or high_value != int(high_value) or low_value >= high_value:
        raise ArithmeticError(
            f"randint needs whole numbers low < high, not {low_value:g} and {high_value:g}"
        )
    return rng.integers(int(low_value), int(high_value), size).astype(np.float64)


def _uniform(
    rng: np.random.Generator, low: np.ndarray, high: np.ndarray, size: Shape
) -> np.ndarray:
    if not float(low) < float(high):
        raise ArithmeticError(f"uniform needs low < high, not {float(low):g} and {float(high):g}")
    return rng.uniform(float(low), float(high), size)


def _unary(
    name: str, run: Callable[[np.ndarray], Any], temporaries: float = 0.0
) -> Builtin:  # pragma: no mutate block
    return Builtin(
        name, ("array",), 1, _same, run, f"{name}(X)", elementwise=True, temporaries=temporaries
    )


def _binary(
    name: str, run: Callable[[np.ndarray, np.ndarray], Any]
) -> Builtin:  # pragma: no mutate block
    return Builtin(
        name, ("array", "array"), 2, _elementwise2(name), run, f"{name}(A, B)", elementwise=True
    )


def _dims_shape(*dims: int) -> Shape:
    return tuple(dims)


_TABLE: tuple[Builtin, ...] = (
    Builtin("dot", ("array", "array"), 2, _dot_shape, np.dot, "dot(A, B)", work=_dot_work),
    Builtin(
        "transpose",
        ("array",),
        1,
        lambda s: s[::-1],
        np.transpose,
        "transpose(A)",
        work=lambda s: 0,
        view=True,
    ),
    _binary("multiply", np.multiply),
    _binary("maximum", np.maximum),
    Builtin(
        "sum", ("array", "axis"), 1, _reduced, _sum, "sum(A) or sum(A, axis)", work=_reduction_work
    ),
    Builtin(
        "mean",
        ("array", "axis"),
        1,
        _reduced,
        _mean,
        "mean(A) or mean(A, axis)",
        work=_reduction_work,
    ),
    _unary("exp", np.exp),
    _unary("log", np.log),
    _unary("tanh", np.tanh),
    _unary("sqrt", np.sqrt),
    _unary("abs", np.abs),
    _unary("relu", _relu),
    _unary("sigmoid", _sigmoid, temporaries=3),
    _unary("step", _step, temporaries=0.125),  # a bool array first
    Builtin("power", ("array", "exponent"), 2, _same, np.power, "power(A, 2)", elementwise=True),
    Builtin("outer", ("array", "array"), 2, _outer_shape, np.outer, "outer(a, b)"),
    Builtin(
        "einsum",
        ("subscripts", *("array",) * MAX_OPERANDS),
        2,
        einsum_shape,
        run_einsum,
        USAGE,
        work=einsum_work,
    ),
    Builtin(
        "reshape",
        ("array", "newshape"),
        2,
        _reshaped,
        np.reshape,
        "reshape(A, (r, c))",
        work=lambda *_: 0,
        view=True,
    ),
    Builtin("array", ("numbers",), 1, lambda values: values.shape, np.array, "array([1, 2, 3])"),
    Builtin("ones", ("shape",), 1, _same, np.ones, "ones((r, c))"),
    Builtin("zeros", ("shape",), 1, _same, np.zeros, "zeros((r, c))"),
    Builtin("ones_like", ("array",), 1, _same, np.ones_like, "ones_like(A)"),
    Builtin("zeros_like", ("array",), 1, _same, np.zeros_like, "zeros_like(A)"),
    Builtin("eye", ("dim",), 1, lambda n: (n, n), np.eye, "eye(n)"),
    Builtin("ndim", ("array",), 1, lambda s: (), np.ndim, "ndim(A)", work=lambda *_: 1),
    Builtin("shape", ("array",), 1, lambda s: (len(s),), np.shape, "shape(A)", work=lambda *_: 1),
    Builtin(
        "randn",
        ("dim", "dim"),
        1,
        _dims_shape,
        lambda rng, *dims: rng.standard_normal(dims),
        "randn(r, c)",
        random=True,
    ),
    Builtin(
        "rand",
        ("dim", "dim"),
        1,
        _dims_shape,
        lambda rng, *dims: rng.random(dims),
        "rand(r, c)",
        random=True,
    ),
    Builtin(
        "randint",
        ("number", "number", "shape"),
        3,
        lambda lo, hi, size: size,
        _randint,
        "randint(low, high, (r, c))",
        random=True,
        temporaries=1,  # drawn as integers, then made floats
    ),
    Builtin(
        "uniform",
        ("number", "number", "shape"),
        3,
        lambda lo, hi, size: size,
        _uniform,
        "uniform(low, high, (r, c))",
        random=True,
    ),
)

#: Every built-in function, by name.
BUILTINS: dict[str, Builtin] = {builtin.name: builtin for builtin in _TABLE}
#: The ones NumPy keeps in ``np.random`` (so ``np.random.randn`` is accepted too).
RANDOM_NAMES = frozenset(name for name, builtin in BUILTINS.items() if builtin.random)
#: Constants every expression can use (a name in the environment takes precedence).
CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}
