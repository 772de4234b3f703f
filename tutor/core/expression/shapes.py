"""Shapes: how they are written, read, and combined by ``@`` and element-wise ops.

The rules here are NumPy's own (matmul and broadcasting), restated so that a
mismatch can be explained in a learner's terms: which dimensions disagree and,
where one is evident, the fix (a missing transpose, a reversed product).
Explanations are templates over the operands' source text: ``{a0}`` is the first
operand as written, ``{t0}`` the same operand transposed (``X.T``,
``(X @ W1).T``); the caller fills them in.
"""

from __future__ import annotations

import math
import re

from tutor.core.expression.errors import ExpressionError

Shape = tuple[int, ...]

#: Largest dimension ``parse_shape`` reads, and most dimensions.
_MAX_DIMENSION_DIGITS = 9
_MAX_DIMENSIONS = 8
_SHAPE_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+)|(?P<sep>[,xX×*])|(?P<open>[(\[])|(?P<close>[)\]])|(?P<bad>\S))"
)


class ShapeProblem(Exception):
    """Shapes that do not fit, explained with templates over the operands' text."""

    def __init__(self, detail: str, fix: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix


def format_shape(shape: Shape) -> str:
    """Write a shape the way the lessons do: ``(10,3)``, ``(3,)``, ``()``."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ",".join(str(size) for size in shape) + ")"


def parse_shape(text: str) -> Shape:
    """Read a shape as a learner types it: ``(3,4)``, ``3,4``, ``3x4``, ``3 × 4``.

    Raises:
        ExpressionError: kind "syntax", pointing at the first character that does
            not belong in a shape.
    """
    source = text.strip()

    def refuse(detail: str, column: int | None) -> ExpressionError:
        return ExpressionError("syntax", detail, column=column, source=source)

    if len(source) > 100:
        raise refuse("a shape is a few whole numbers, like (3,4); this text is too long", None)
    dims: list[int] = []
    opened: str | None = None
    closed = False
    expect_number = True  # after an opening bracket or a separator
    last_separator = ""
    position = 0
    while position < len(source):
        match = _SHAPE_TOKEN.match(source, position)
        if match is None:  # only trailing whitespace is left
            break
        column = match.start(match.lastgroup or 0) + 1
        position = match.end()
        if closed or match.lastgroup == "bad":
            raise refuse(_shape_hint(source[column - 1]), column)
        if match.lastgroup == "num":
            digits = match.group("num")
            if len(digits) > _MAX_DIMENSION_DIGITS:
                raise refuse(f"the dimension {digits} is too large", column)
            dims.append(int(digits))
            expect_number = False
        elif match.lastgroup == "sep":
            if expect_number:
                raise refuse("a number is missing before this separator", column)
            expect_number = True
            last_separator = match.group("sep")
        elif match.lastgroup == "open":
            if opened is not None or dims:
                raise refuse("a bracket can only open the shape", column)
            opened = match.group("open")
        else:  # close
            pair = {"(": ")", "[": "]"}
            if opened is None or pair[opened] != match.group("close"):
                raise refuse("this bracket does not close one that was opened", column)
            closed = True
    if opened is not None and not closed:
        raise refuse(f"the bracket {opened} is never closed", None)
    if expect_number and dims and not (last_separator == "," and len(dims) == 1):
        raise refuse("the shape ends with a separator", None)
    if not dims and not closed:
        raise refuse("a shape is a few whole numbers, like (3,4); this is empty", None)
    if len(dims) > _MAX_DIMENSIONS:
        raise refuse(f"a shape has at most {_MAX_DIMENSIONS} dimensions", None)
    return tuple(dims)


def _shape_hint(char: str) -> str:
    if char == "-":
        return "a dimension cannot be negative"
    if char == ".":
        return "a dimension is a whole number"
    return f"'{char}' does not belong in a shape; write it like (3,4), 3,4 or 3x4"


def size_of(shape: Shape) -> int:
    """How many numbers an array of this shape holds."""
    return math.prod(shape)


def _dimension_name(index: int, ndim: int) -> str:
    """'rows'/'columns' for a matrix, 'dimension k' otherwise (1-based for people)."""
    if ndim == 2:
        return ("rows", "columns")[index]
    return f"dimension {index + 1}"


def broadcast_shape(left: Shape, right: Shape, op: str) -> Shape:
    """The shape of an element-wise ``left op right``, by NumPy's broadcasting.

    Raises:
        ShapeProblem: naming each pair of dimensions that disagree.
    """
    ndim = max(len(left), len(right))
    padded_left = (1,) * (ndim - len(left)) + left
    padded_right = (1,) * (ndim - len(right)) + right
    result: list[int] = []
    clashes: list[str] = []
    for index, (a, b) in enumerate(zip(padded_left, padded_right, strict=True)):
        if a == b or b == 1:
            result.append(a)
        elif a == 1:
            result.append(b)
        else:
            clashes.append(f"{_dimension_name(index, ndim)}: {a} vs {b}")
    if not clashes:
        return tuple(result)
    detail = (
        f"{_combined(op, format_shape(left), format_shape(right))}: element-wise, the "
        f"{'; '.join(clashes)} (each pair must be equal, or one of them 1)"
    )
    raise ShapeProblem(detail, _elementwise_fix(left, right, op))


def _combined(op: str, left: str, right: str) -> str:
    """``a + b`` for an operator, ``maximum(a, b)`` for a function."""
    return f"{op}({left}, {right})" if op.isalpha() else f"{left} {op} {right}"


def _elementwise_fix(left: Shape, right: Shape, op: str) -> str | None:
    if len(left) == len(right) == 2 and left == right[::-1]:
        return f"did you mean {_combined(op, '{a0}', '{t1}')}?"
    if len(left) == 1 and len(right) == 2 and left[0] == right[0]:
        return f"did you mean {_combined(op, f'reshape({{a0}}, ({left[0]}, 1))', '{a1}')}?"
    if len(right) == 1 and len(left) == 2 and right[0] == left[0]:
        return f"did you mean {_combined(op, '{a0}', f'reshape({{a1}}, ({right[0]}, 1))')}?"
    return None


def matmul_shape(left: Shape, right: Shape, op: str = "@") -> Shape:
    """The shape of ``left @ right``, by NumPy's matmul rules.

    Raises:
        ShapeProblem: for a plain number, or inner dimensions that disagree.
    """
    if not left or not right:
        which = "{a0}" if not left else "{a1}"
        raise ShapeProblem(
            f"{which} is a single number, and {op} multiplies arrays; use * to multiply by a number"
        )
    wide_left = left if len(left) >= 2 else (1, *left)
    tall_right = right if len(right) >= 2 else (*right, 1)
    if wide_left[-1] != tall_right[-2]:
        raise ShapeProblem(_inner_detail(left, right, op), _matmul_fix(left, right))
    try:
        batch = broadcast_shape(wide_left[:-2], tall_right[:-2], op)
    except ShapeProblem as problem:
        raise ShapeProblem(
            f"{format_shape(left)} {op} {format_shape(right)}: the leading (stacked) "
            f"dimensions do not broadcast ({problem.detail})"
        ) from None
    rows = (wide_left[-2],) if len(left) >= 2 else ()
    columns = (tall_right[-1],) if len(right) >= 2 else ()
    return (*batch, *rows, *columns)


def matmul_work(left: Shape, right: Shape) -> int:
    """Multiply-adds of ``left @ right`` (shapes already known to fit)."""
    if not left or not right:
        return max(size_of(left), size_of(right))
    wide_left = left if len(left) >= 2 else (1, *left)
    tall_right = right if len(right) >= 2 else (*right, 1)
    # Every pair of the broadcast stack is multiplied: (1000,1,1,k) @ (1000,k,1) is a
    # million products, not a thousand.
    batch = size_of(broadcast_shape(wide_left[:-2], tall_right[:-2], "@"))
    return batch * wide_left[-2] * wide_left[-1] * tall_right[-1]


def _inner_detail(left: Shape, right: Shape, op: str) -> str:
    shapes = f"{format_shape(left)} {op} {format_shape(right)}"
    if len(left) == 2 and len(right) == 2:
        return (
            f"{shapes}: {{a0}} has {left[1]} columns but {{a1}} has {right[0]} rows "
            "(the inner dimensions must be equal)"
        )
    left_part = f"the last dimension of {{a0}} ({left[-1]})"
    if len(right) == 1:
        right_part = f"the length of {{a1}} ({right[0]})"
    else:
        right_part = f"the second-to-last dimension of {{a1}} ({right[-2]})"
    return f"{shapes}: {left_part} must equal {right_part}"


def _matmul_fix(left: Shape, right: Shape) -> str | None:
    """A product that would fit, when one transpose or a swap makes it fit."""
    if len(left) != 2 or len(right) != 2:
        return None
    (p, q), (r, s) = left, right
    if p == r:
        return f"did you mean {{t0}} @ {{a1}}? That is ({q},{p}) @ ({r},{s}) -> ({q},{s})"
    if q == s:
        return f"did you mean {{a0}} @ {{t1}}? That is ({p},{q}) @ ({s},{r}) -> ({p},{r})"
    if s == p:
        return f"did you mean {{a1}} @ {{a0}}? That is ({r},{s}) @ ({p},{q}) -> ({r},{q})"
    return None
