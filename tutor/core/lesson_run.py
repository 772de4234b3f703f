"""Running a lesson's compute blocks, in order, in one seeded environment.

The app, ``tutor show`` and ``tutor check`` all need the same thing: every compute
block evaluated in the order a learner meets it, with names flowing from one block
to the next, and the result (or the error) of each. Doing it once here keeps the
three in agreement, and keeps NumPy out of the UI code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.core.expression import Environment, ExpressionError, StatementResult, run_block
from tutor.core.lesson import Block, Lesson


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


def run_lesson(lesson: Lesson) -> LessonRun:
    """Run each compute block of ``lesson`` in order.

    A failing statement stops its own block only: the learner still sees the blocks
    after it, and names they define that do not depend on the failure still work.
    """
    environment = lesson_environment(lesson)
    run = LessonRun(lesson, environment)
    for block in lesson.blocks:
        if block.kind != "compute":
            continue
        run.blocks[block.line] = run_compute_block(block, environment)
    return run


def run_compute_block(block: Block, environment: Environment) -> BlockRun:
    """One block in ``environment`` (which it updates)."""
    statements: list[StatementResult] = []
    try:
        statements = run_block(block.body, environment, first_line=1)
    except ExpressionError as error:
        return BlockRun(block, tuple(statements), error)
    return BlockRun(block, tuple(statements))
