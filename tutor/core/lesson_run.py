"""Running a lesson's compute blocks, in order, in one seeded environment.

The app, ``tutor show`` and ``tutor check`` all need the same thing: every compute
block evaluated in the order a learner meets it, with names flowing from one block
to the next, and the result (or the error) of each. Doing it once here keeps the
three in agreement, and keeps NumPy out of the UI code.

A lesson is someone else's text, so it runs on a budget: all of its compute blocks,
plots and epochs together may make ``LESSON_BYTES`` of arrays and do ``LESSON_WORK``
multiply-adds, and its compute blocks may take ``LESSON_SECONDS``. The plots' and
epochs' share is known from their options before anything runs (``plot_refusals``,
the same answer in ``check``, ``show`` and the app); what it leaves is the compute
blocks', charged operation by operation. Whatever passes a limit fails with the limit
named, at its own ``path:line:``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tutor.core.errors import TutorError
from tutor.core.expression import (
    Budget,
    Environment,
    ExpressionError,
    StatementResult,
    format_bytes,
    format_work,
    run_block,
)
from tutor.core.lesson import Block, Lesson

#: A lesson's compute blocks, plots and epochs together: multiply-adds, bytes of arrays
#: made (every copy and every epoch counted), and seconds of its compute blocks.
LESSON_WORK = 1_000_000_000
LESSON_BYTES = 1_000_000_000
LESSON_SECONDS = 5.0


@dataclass(frozen=True)
class BlockRun:
    """What one compute block produced: its statements, or the error that stopped it."""

    block: Block
    statements: tuple[StatementResult, ...]
    error: ExpressionError | None = None

    @property
    def error_line(self) -> int | None:
        """The file line of the failing statement, for ``path:line:`` messages."""
        if self.error is None:
            return None
        return self.block.body_line + (self.error.line or 1) - 1


@dataclass
class LessonRun:
    """Every compute block's result, and the environment they leave for the scratchpad."""

    lesson: Lesson
    environment: Environment
    blocks: dict[int, BlockRun] = field(default_factory=dict)

    def result(self, block: Block) -> BlockRun | None:
        """The run of a compute block, keyed by its line in the file."""
        return self.blocks.get(block.line)

    @property
    def failures(self) -> list[BlockRun]:
        return [run for run in self.blocks.values() if run.error is not None]


def lesson_environment(lesson: Lesson) -> Environment:
    """A fresh environment seeded by the lesson, so every class sees the same numbers."""
    return Environment(seed=lesson.seed)


def lesson_budget() -> Budget:
    """A fresh budget with a lesson's limits, for one run of its blocks."""
    return Budget(
        "the lesson (its blocks, plots and epochs)",
        max_bytes=LESSON_BYTES,
        max_work=LESSON_WORK,
        max_seconds=LESSON_SECONDS,
    )


def run_lesson(lesson: Lesson, *, budget: Budget | None = None) -> LessonRun:
    """Run each compute block of ``lesson`` in order, within the lesson's budget.

    A failing statement stops its own block only: the learner still sees the blocks
    after it, and names they define that do not depend on the failure still work.
    The plots' and epochs' share of the budget is set aside first (``allowed_plot_costs``).
    """
    if budget is None:
        budget = lesson_budget()
        costs = allowed_plot_costs(lesson).values()
        # Within the limits by construction: plot_refusals refused the rest.
        budget.charge(sum(cost[1] for cost in costs), sum(cost[0] for cost in costs))
    environment = lesson_environment(lesson)
    run = LessonRun(lesson, environment)
    for block in lesson.blocks:
        if block.kind != "compute":
            continue
        run.blocks[block.line] = run_compute_block(block, environment, budget=budget)
    return run


def run_compute_block(
    block: Block, environment: Environment, *, budget: Budget | None = None
) -> BlockRun:
    """One block in ``environment`` (which it updates), charged to ``budget`` if given."""
    statements: list[StatementResult] = []
    try:
        statements = run_block(block.body, environment, first_line=1, budget=budget)
    except ExpressionError as error:
        return BlockRun(block, tuple(statements), error)
    return BlockRun(block, tuple(statements))


def plot_costs(lesson: Lesson) -> dict[int, tuple[int, int]]:
    """(multiply-adds, bytes) of each ``plot`` and ``epoch`` block, by line, in order.

    From the options alone: nothing is computed. A block whose options are wrong is
    left out (its own message says what is wrong when it is checked or shown).
    """
    from tutor.core.plots import block_cost

    costs: dict[int, tuple[int, int]] = {}
    for block in lesson.blocks:
        if block.kind not in ("plot", "epoch") or not isinstance(block.data, Mapping):
            continue
        try:
            costs[block.line] = block_cost(block.kind, block.data)
        except (TutorError, TypeError, ValueError, OverflowError):
            continue
    return costs


def plot_refusals(lesson: Lesson) -> dict[int, str]:
    """Why each plot or epoch block past the lesson's budget is not computed, by line.

    The blocks are counted in the order a learner meets them; one that takes the
    total past ``LESSON_WORK`` or ``LESSON_BYTES`` is refused (and not counted), so
    the ones before it still run, and so do smaller ones after it.
    """
    return _plan(lesson)[1]


def allowed_plot_costs(lesson: Lesson) -> dict[int, tuple[int, int]]:
    """The costs of the plot and epoch blocks that fit the lesson's budget, by line."""
    return _plan(lesson)[0]


def _plan(lesson: Lesson) -> tuple[dict[int, tuple[int, int]], dict[int, str]]:
    allowed: dict[int, tuple[int, int]] = {}
    refused: dict[int, str] = {}
    total_work = total_bytes = 0
    for line, (work, nbytes) in plot_costs(lesson).items():
        if total_work + work > LESSON_WORK:
            refused[line] = (
                f"this block needs {format_work(work)} multiply-adds, and with the plots and "
                f"epochs before it the lesson would need {format_work(total_work + work)}; "
                f"the limit is {format_work(LESSON_WORK)}"
            )
        elif total_bytes + nbytes > LESSON_BYTES:
            refused[line] = (
                f"this block needs {format_bytes(nbytes)} of arrays, and with the plots and "
                f"epochs before it the lesson would need {format_bytes(total_bytes + nbytes)}; "
                f"the limit is {format_bytes(LESSON_BYTES)}"
            )
        else:
            allowed[line] = (work, nbytes)
            total_work += work
            total_bytes += nbytes
    return allowed, refused
