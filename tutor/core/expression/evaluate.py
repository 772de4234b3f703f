"""The numeric pass: run a checked plan with NumPy and record every step.

``evaluate`` parses (cached), runs the static pass (its plan cached too, see
``plan_cache``), then computes. Floating point trouble (overflow, division by
zero, the log of a negative number) is raised inside ``np.errstate`` and
reported as an error of kind "math", never left behind as a silent inf or nan.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tutor.core.expression.environment import Environment
from tutor.core.expression.errors import ExpressionError
from tutor.core.expression.language import parse_expression
from tutor.core.expression.plan import (
    ERRSTATE,
    Compiler,
    Instruction,
    ShapeScope,
    math_detail,
)
from tutor.core.expression.plan_cache import PLANS, RecordingScope
from tutor.core.expression.shapes import Shape, format_shape
from tutor.core.expression.trace import Step, Trace


def evaluate(source: str, env: Environment, *, strict: bool = False) -> Trace:
    """Evaluate one expression in ``env`` and trace every operation.

    Args:
        source: the expression, on one line.
        env: the names it may use; only its generator changes (``randn`` & co draw).
        strict: refuse element-wise operations that broadcast an array (for
            quizzes, where a stretched operand hides a wrong answer).

    Raises:
        ExpressionError: refused before computing ("syntax", "forbidden",
            "unknown-name", "limit"), or failed ("shape", "math"). A shape error
            carries the steps computed before the mismatch.
    """
    return evaluate_text(source, env, strict=strict)


def evaluate_text(
    source: str, env: Environment, *, strict: bool = False, start: int = 0, line: str | None = None
) -> Trace:
    """``evaluate`` on ``source[start:]``, with errors pointing into ``line``.

    ``run_block`` uses this to evaluate the right-hand side of ``A = ...`` with
    columns that count from the start of the line.
    """
    full = source if line is None else line
    body = source[start:]
    stripped = body.strip()
    offset = start + len(body) - len(body.lstrip())
    functions = frozenset(env.functions)
    tree = parse_expression(stripped, functions, offset, full)
    key = (stripped, functions, offset, full, strict)
    kept = PLANS.find(key, env)
    if kept is None:
        scope = RecordingScope(env)
        compiler = Compiler(scope, full, strict=strict)
        try:
            root = compiler.compile_node(tree)
        except ExpressionError as error:
            if error.kind == "shape" and compiler.plan:
                error.steps = tuple(execute(compiler.plan, env, full)[0])
            raise
        plan = compiler.plan
        PLANS.keep(key, scope, plan, root)
    else:
        plan, root = kept
    steps, values = execute(plan, env, full)
    value = values[root.slot]
    if not value.flags.writeable:  # a stored value, or a view of one: hand out a copy
        value = value.copy()
    return Trace(stripped, tuple(steps), value)


def execute(
    plan: list[Instruction], env: Environment, source: str
) -> tuple[list[Step], list[np.ndarray]]:
    """Run the instructions in order; return the steps and every instruction's value."""
    values: list[np.ndarray] = []
    steps: list[Step] = []
    with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
        for instruction in plan:
            args = tuple(map(values.__getitem__, instruction.inputs))
            try:
                value = np.asarray(instruction.run(env, args), dtype=np.float64)
            except ArithmeticError as error:
                raise _math_error(
                    instruction, source, math_detail(instruction.source, error)
                ) from None
            if value.shape != instruction.shape:  # the static pass and NumPy disagree: a bug
                raise AssertionError(
                    f"{instruction.source}: planned {format_shape(instruction.shape)}, "
                    f"computed {format_shape(value.shape)}"
                )
            # An instruction without inputs loads a stored value (finite, see as_value),
            # a literal (refused when not finite) or makes zeros, ones or random draws:
            # only what is computed from inputs needs looking at.
            if instruction.inputs and value.size and not np.isfinite(value).all():
                detail = f"{instruction.source} gives a value that is not finite (inf or nan)"
                raise _math_error(instruction, source, detail)
            values.append(value)
            info = instruction.step
            if info is not None:
                steps.append(
                    Step(
                        instruction.source,
                        info.op,
                        info.operand_shapes,
                        instruction.shape,
                        value,
                        info.broadcast,
                        info.factors,
                    )
                )
    return steps, values


def _math_error(instruction: Instruction, source: str, detail: str) -> ExpressionError:
    return ExpressionError(
        "math", instruction.context + detail, column=instruction.column, source=source
    )


def infer_shapes(source: str, shapes: Mapping[str, Shape]) -> list[tuple[str, Shape]]:
    """The static pass alone: each operation's text and result shape, in order.

    Names are known only by their shapes, so arguments that shapes depend on
    (``randn(3, 4)``, ``sum(A, 0)``) must be written as numbers.

    Raises:
        ExpressionError: kind "shape" on a mismatch; a refused kind for input
            the language does not accept.
    """
    stripped = source.strip()
    offset = len(source) - len(source.lstrip())
    tree = parse_expression(stripped, frozenset(), offset, source)
    compiler = Compiler(ShapeScope(shapes), source)
    compiler.compile_node(tree)
    return [(ins.source, ins.shape) for ins in compiler.plan if ins.step is not None]
