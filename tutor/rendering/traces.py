"""Shape traces, block results and evaluator errors as Rich text.

Each piece quotes lesson or learner source (a statement, a sub-expression, a name in
an error), so every string here goes through ``tutor.core.safe_text``: literal
``Text``, controls made inert, whether the app or ``tutor show`` prints it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.text import Text

from tutor.core.expression import ExpressionError, StatementResult, Step, Trace, format_shape
from tutor.core.expression.render import shapes_text
from tutor.core.lesson_run import BlockRun
from tutor.core.safe_text import clean, clean_line, literal
from tutor.rendering.matrices import matrix_text

#: What each kind of evaluator error is called where a learner reads it.
ERROR_TITLES = {
    "syntax": "Syntax error",
    "forbidden": "Not allowed",
    "unknown-name": "Unknown name",
    "limit": "Too big",
    "shape": "Shape mismatch",
    "math": "Numerical problem",
}


class StepLines:
    """One line per operation with its shapes, that reads at any width.

    A line that fits is printed as the trace writes it (sources aligned, shapes in a
    column); one that does not loses the alignment, and if it still does not fit it is
    printed as two, the source and then its shapes indented under it, instead of
    breaking the shapes at a space mid-chain.
    """

    def __init__(self, steps: Sequence[Step], lines: Sequence[str]) -> None:
        self.steps = list(steps)
        self.lines = ["  " + clean_line(line) for line in lines]
        #: The lines as one plain text (what a test or a screen reader reads).
        self.plain = "\n".join(self.lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        for step, line in zip(self.steps, self.lines, strict=True):
            source, shapes = clean_line(step.source), clean_line(shapes_text(step))
            unaligned = f"  {source}   {shapes}"
            if cell_len(line) <= width:
                yield Text(line, style="cyan", no_wrap=True)
            elif cell_len(unaligned) <= width:
                yield Text(unaligned, style="cyan", no_wrap=True)
            else:
                yield Text(f"  {source}", style="cyan")
                yield Text(f"      {shapes}", style="cyan")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(line) for line in self.lines), default=0)
        return Measurement(min(widest, 20), widest)


def step_lines(trace: Trace, upto: int | None = None) -> StepLines:
    """One line per operation with its shapes; the first ``upto`` only, if given."""
    lines = trace.lines()
    count = len(lines) if upto is None else upto
    return StepLines(trace.steps[:count], lines[:count])


def statement_renderable(
    statement: StatementResult,
    *,
    upto: int | None = None,
    heat: bool = True,
    values: bool = True,
) -> RenderableType:
    """A statement: its source, its shape steps, then the value it produced.

    With ``values=False`` the value is summed up by its name and shape alone: stepping
    through a block, the statements already done shrink to one line each, so the one
    being revealed stays on screen.
    """
    head = literal("› " + statement.text, "bold")
    if statement.trace is None:
        return head
    parts: list[RenderableType] = [head]
    steps = step_lines(statement.trace, upto)
    if steps.plain:
        parts.append(steps)
    complete = upto is None or upto >= len(statement.trace.lines())
    if complete:
        name = clean_line(statement.target or "=")
        if values:
            parts.append(matrix_text(statement.trace.value, name=name, heat=heat))
        else:
            shape = format_shape(statement.trace.value.shape)
            parts.append(Text(f"{name} {shape}", style="bold dim"))
    return Group(*parts)


def error_renderable(error: ExpressionError) -> Text:
    """An evaluator error: its kind, its message and, where known, a caret."""
    title = ERROR_TITLES.get(error.kind, "Error")
    # The title on a line of its own: the message often names the kind again.
    text = Text()
    text.append(title, style="bold red")
    text.append("\n" + clean(error.message))
    caret = error.caret()
    if caret:
        text.append("\n" + clean(caret), style="yellow")
    return text


def statement_steps(statement: StatementResult) -> int:
    """How many reveal steps a statement takes: one per operation, at least one."""
    return max(len(statement.trace.lines()) if statement.trace else 0, 1)


def operation_count(run: BlockRun) -> int:
    """How many steps a learner can step through in a block (an error is one more)."""
    return sum(statement_steps(s) for s in run.statements) + (1 if run.error else 0)


def block_run_renderable(
    run: BlockRun, *, upto: int | None = None, heat: bool = True
) -> RenderableType:
    """A compute block's statements; only the first ``upto`` steps when stepping.

    A statement whose steps are all revealed shows its value too, and keeps showing
    it while the next ones are revealed (a class looks back at what was just shown;
    the block scrolls to keep its newest line in view); the statement being stepped
    through shows the operations so far and not yet a value.
    """
    remaining = operation_count(run) if upto is None else upto
    parts: list[RenderableType] = []
    for statement in run.statements:
        if remaining <= 0:
            break
        total = statement_steps(statement)
        shown = min(total, remaining)
        partial = None if shown == total else shown
        remaining -= shown
        parts.append(statement_renderable(statement, upto=partial, heat=heat))
    if run.error is not None and remaining > 0:
        parts.append(error_renderable(run.error))
    return Group(*parts)


def trace_summary(trace: Trace) -> Text:
    """The article-style chain if there is one, else the result's shape."""
    chain = trace.chain()
    return literal(chain if chain else f"-> {format_shape(trace.value.shape)}")
