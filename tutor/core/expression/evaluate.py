"""The numeric pass: run a checked plan with NumPy and record every step.

``evaluate`` parses (cached), runs the static pass (its plan cached too, see
``plan_cache``), then computes. Floating point trouble (overflow, division by
zero, the log of a negative number) is raised inside ``np.errstate`` and
reported as an error of kind "math", never left behind as a silent inf or nan.

Each evaluation has one ``Budget``: the static pass refuses a plan that needs too
much before anything runs, and while it runs every operation is charged the bytes
NumPy really allocated and its multiply-adds, and the time is checked, so a parent
budget (a lesson's, a scratchpad's) and a cancel flag act between operations.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tutor.core.expression.budget import Budget
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
from tutor.core.expression.trace import STEP_VALUE_LIMIT, Step, Trace


def evaluate(
    source: str, env: Environment, *, strict: bool = False, budget: Budget | None = None
) -> Trace:
    """Evaluate one expression in ``env`` and trace every operation.

    Args:
        source: the expression, on one line.
        env: the names it may use; only its generator changes (``randn`` & co draw).
        strict: refuse element-wise operations that broadcast an array (for
            quizzes, where a stretched operand hides a wrong answer).
        budget: a budget this evaluation's own is charged against too (a lesson's,
            or one with a cancel flag); the evaluation's own limits apply either way.

    Raises:
        ExpressionError: refused before computing ("syntax", "forbidden",
            "unknown-name", "limit"), or failed ("shape", "math"; "limit" when a
            parent budget runs out). A shape error carries the steps computed before
            the mismatch.
        Cancelled: the budget's cancel flag was set.
    """
    return evaluate_text(source, env, strict=strict, budget=budget)


def evaluate_text(
    source: str,
    env: Environment,
    *,
    strict: bool = False,
    start: int = 0,
    line: str | None = None,
    budget: Budget | None = None,
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
    unit = Budget() if budget is None else budget.open()
    try:
        if kept is None:
            scope = RecordingScope(env)
            compiler = Compiler(scope, full, strict=strict)
            try:
                root = compiler.compile_node(tree)
            except ExpressionError as error:
                if error.kind == "shape" and compiler.plan:
                    error.steps = _steps_before(compiler, env, full, unit)
                raise
            compiler.check_cost()
            plan = compiler.plan
            PLANS.keep(key, scope, plan, root)
        else:
            plan, root = kept
        steps, values = execute(plan, env, full, unit, keep=root.slot)
        value = values[root.slot]
        assert value is not None  # kept: it is the result
        if not value.flags.writeable:  # a stored value, or a view of one: hand out a copy
            value = value.copy()
            unit.charge(value.nbytes, 0)
        return Trace(stripped, tuple(steps), value)
    finally:
        unit.close()


def _steps_before(compiler: Compiler, env: Environment, source: str, budget: Budget) -> tuple:
    """The steps a shape error interrupted, when computing them fits the budget."""
    try:
        compiler.check_cost()
    except ExpressionError:
        return ()  # too costly to show how far it got: the mismatch is reported alone
    return tuple(execute(compiler.plan, env, source, budget)[0])


def execute(
    plan: list[Instruction],
    env: Environment,
    source: str,
    budget: Budget | None = None,
    *,
    keep: int | None = None,
) -> tuple[list[Step], list[np.ndarray | None]]:
    """Run the instructions in order; return the steps and the instructions' values.

    Each instruction is charged to ``budget`` (a fresh one when None): what it makes
    before it runs, or, for one that may be a view, what NumPy really allocated. A
    value is let go after the last instruction that reads it (its slot becomes None),
    except the slot ``keep``; a step keeps its value only when it is small enough to
    show (``STEP_VALUE_LIMIT``), so memory holds what is still needed, not every
    intermediate of a long expression.
    """
    budget = Budget() if budget is None else budget
    last_use = list(range(len(plan)))
    for index, instruction in enumerate(plan):
        for slot in instruction.inputs:
            last_use[slot] = index
    values: list[np.ndarray | None] = []
    steps: list[Step] = []
    with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
        for index, instruction in enumerate(plan):
            args = tuple(map(values.__getitem__, instruction.inputs))
            if not instruction.view and (instruction.nbytes or instruction.work):
                _charge(budget, instruction, source, instruction.nbytes)  # (loads are free)
            try:
                value = np.asarray(instruction.run(env, args), dtype=np.float64)
            except ArithmeticError as error:
                raise _math_error(
                    instruction, source, math_detail(instruction.source, error)
                ) from None
            if instruction.view:
                shared = any(np.may_share_memory(value, arg) for arg in args)
                _charge(budget, instruction, source, 0 if shared else value.nbytes)
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
                        value if value.size <= STEP_VALUE_LIMIT else None,
                        info.broadcast,
                        info.factors,
                    )
                )
            for slot in (*instruction.inputs, index):
                if last_use[slot] == index and slot != keep:
                    values[slot] = None
            del args
    return steps, values


def _charge(budget: Budget, instruction: Instruction, source: str, nbytes: int) -> None:
    """Charge one instruction, a passed limit reported at the instruction's column."""
    try:
        budget.charge(nbytes, instruction.work, instruction.source)
    except ExpressionError as error:
        raise ExpressionError(
            error.kind,
            instruction.context + error.detail,
            column=instruction.column,
            source=source,
        ) from None


def _math_error(instruction: Instruction, source: str, detail: str) -> ExpressionError:
    return ExpressionError(
        "math", instruction.context + detail, column=instruction.column, source=source
    )


def plan_cost(source: str, shapes: Mapping[str, Shape]) -> tuple[int, int]:
    """(multiply-adds, bytes of arrays) ``source`` needs over names of these shapes.

    The static pass alone, as ``infer_shapes``: nothing is computed.

    Raises:
        ExpressionError: as ``infer_shapes``, and kind "limit" for an expression that
            needs more than one evaluation may.
    """
    stripped = source.strip()
    offset = len(source) - len(source.lstrip())
    tree = parse_expression(stripped, frozenset(), offset, source)
    compiler = Compiler(ShapeScope(shapes), source)
    compiler.compile_node(tree)
    compiler.check_cost()
    return compiler.work, compiler.bytes


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
    compiler.check_cost()
    return [(ins.source, ins.shape) for ins in compiler.plan if ins.step is not None]
