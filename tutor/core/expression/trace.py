"""What an evaluation leaves behind: every operation, its shapes, and its value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.core.expression import render
from tutor.core.expression.shapes import Shape

#: A step keeps its value up to this many numbers (a 100x100 matrix); a bigger one is
#: shown by its shape only, so a trace does not hold every intermediate of a long
#: expression over large arrays.
STEP_VALUE_LIMIT = 10_000


@dataclass(frozen=True, eq=False)
class Step:
    """One operation of an expression, as it was computed.

    Attributes:
        source: the sub-expression's text, e.g. ``X @ W1``.
        op: ``@``, ``+``, ``*``, ``.T``, ``tanh``, a user function's name, ...
        operand_shapes: the shapes of the array operands, in order.
        shape: the result's shape.
        value: the result; None when it has more than ``STEP_VALUE_LIMIT`` numbers.
        broadcast: an element-wise op that stretched an array operand to a
            bigger shape (stretching a single number does not count).
        factors: for ``@``, the shapes of every factor of the product chain it
            completes (``(10,3),(3,4),(4,1)`` for ``X @ W1 @ W2``); else empty.
    """

    source: str
    op: str
    operand_shapes: tuple[Shape, ...]
    shape: Shape
    value: np.ndarray | None
    broadcast: bool
    factors: tuple[Shape, ...] = ()


@dataclass(frozen=True, eq=False)
class Trace:
    """An evaluated expression: its steps in the order computed, and the result."""

    source: str
    steps: tuple[Step, ...]
    value: np.ndarray

    @property
    def shape(self) -> Shape:
        """The result's shape."""
        return tuple(self.value.shape)

    def chain(self) -> str | None:
        """``X @ W1 @ W2   (10,3)(3,4)(4,1) -> (10,1)`` when the expression is a product."""
        if not self.steps or self.steps[-1].op != "@":
            return None
        return render.chain_line(self.steps[-1])

    def lines(self) -> list[str]:
        """One line per step, sources aligned, chains in the article's style."""
        return render.step_lines(self.steps)
