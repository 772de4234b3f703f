"""Steps as text, in the article's style: ``X @ W1 @ W2   (10,3)(3,4)(4,1) -> (10,1)``.

Plain text only, so the command line, the app and a quiz's feedback can all
use it, with colour or without.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tutor.core.expression.shapes import format_shape

if TYPE_CHECKING:
    from tutor.core.expression.trace import Step

#: Sources longer than this are not padded to line the shapes up.
_ALIGN_LIMIT = 40
_GAP = "   "
_INFIX = frozenset({"+", "-", "*", "/", "@", "**"})


def chain_line(step: Step) -> str:
    """A product chain: the text, every factor's shape, and the result's."""
    factors = "".join(format_shape(shape) for shape in step.factors)
    return f"{step.source}{_GAP}{factors} -> {format_shape(step.shape)}"


def shapes_text(step: Step) -> str:
    """The shapes part of a step's line: ``(10,3) @ (3,4) -> (10,4)``."""
    result = format_shape(step.shape)
    shapes = [format_shape(shape) for shape in step.operand_shapes]
    if step.op == "@" and len(step.factors) > 2:
        text = f"{''.join(format_shape(shape) for shape in step.factors)} -> {result}"
    elif step.op in _INFIX and len(shapes) == 2:
        text = f"{shapes[0]} {step.op} {shapes[1]} -> {result}"
    elif step.op == "**" and len(shapes) == 1:
        exponent = step.source.rsplit("**", 1)[-1].strip()
        text = f"{shapes[0]}**{exponent} -> {result}"
    elif step.op == "-" and len(shapes) == 1:
        text = f"-{shapes[0]} -> {result}"
    elif step.op == "einsum":  # the subscripts are in the source: the shapes, in order
        text = f"{','.join(shapes)} -> {result}"
    elif step.op == ".T":
        text = f"{shapes[0]}.T -> {result}"
    elif shapes:
        text = f"{step.op} {', '.join(shapes)} -> {result}"
    else:
        text = f"{step.op} -> {result}"
    if step.broadcast:
        stretched = [s for s in step.operand_shapes if s and s != step.shape]
        text += "   broadcast " + ", ".join(
            f"{format_shape(shape)} -> {result}" for shape in stretched
        )
    return text


def step_lines(steps: Sequence[Step]) -> list[str]:
    """Every step as ``source   shapes``, the shapes lined up where sources are short."""
    width = max((len(step.source) for step in steps if len(step.source) <= _ALIGN_LIMIT), default=0)
    return [f"{step.source.ljust(width)}{_GAP}{shapes_text(step)}" for step in steps]
