"""The scratchpad: type an expression over the lesson's matrices and see its shape trace."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from tutor.core.expression import (
    Budget,
    Cancelled,
    Environment,
    ExpressionError,
    StatementResult,
    evaluate,
    run_block,
)
from tutor.core.safe_text import literal
from tutor.rendering.traces import error_renderable, statement_renderable

HISTORY_LIMIT = 200


#: Suggestions shown under the scratchpad, at most.
MAX_SUGGESTIONS = 2
#: Matrices bigger than this are not suggested (a suggestion should answer at once).
SUGGEST_MAX_ENTRIES = 100_000


def scratchpad_suggestions(environment: Environment) -> list[str]:
    """Expressions to try, made from the lesson's own matrices, each one run first.

    A product of two matrices whose shapes chain (the lesson's own ``X @ W1``), then
    a matrix's Gram product ``M.T @ M``; scalars and vectors are left out (``mu.T @
    mu`` is no product), and a candidate that does not evaluate is never offered.
    """
    matrices = [
        name
        for name in environment.names()
        if name in environment.values
        and environment.values[name].ndim == 2
        and environment.values[name].size <= SUGGEST_MAX_ENTRIES
    ]
    candidates: list[str] = []
    for left in matrices:
        rows, inner = environment.values[left].shape
        for right in matrices:
            if right != left and environment.values[right].shape[0] == inner:
                candidates.append(f"{left} @ {right}")
                break
        if candidates:
            break
    candidates += [f"{name}.T @ {name}" for name in matrices if not name.startswith("_")]
    suggestions: list[str] = []
    for candidate in candidates:
        if len(suggestions) >= MAX_SUGGESTIONS:
            break
        try:
            evaluate(candidate, environment.copy())
        except (ExpressionError, Cancelled):
            continue
        suggestions.append(candidate)
    return suggestions


def scratchpad_hint(environment: Environment) -> Text:
    """What the learner can try here, named from the lesson's own matrices."""
    names = [name for name in environment.names() if name in environment.values]
    if not names:
        return Text("Try an expression, e.g. randn(3, 2) @ ones((2, 4))", style="dim")
    shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
    text = Text(f"Names in this lesson: {shown}.", style="dim")
    suggestions = scratchpad_suggestions(environment)
    if suggestions:
        text.append("  Try " + " or ".join(suggestions), style="dim")
    return text


class Scratchpad(Vertical):
    """An input line with history, and the trace of the last thing typed."""

    DEFAULT_CSS = """
    Scratchpad { height: auto; max-height: 50%; border-top: solid $primary 40%; }
    Scratchpad #scratch-output {
        height: auto; max-height: 16; padding: 0 1;
        /* A scrollbar that comes and goes rewraps the text, which brings it back or
           takes it away again: in a narrow window that loops for ever. */
        scrollbar-gutter: stable;
    }
    Scratchpad Input { margin: 0; }
    Scratchpad Input:focus { background: $boost; }
    """

    BINDINGS = [
        Binding("up", "history(-1)", "Older", show=False),
        Binding("down", "history(1)", "Newer", show=False),
        Binding("escape", "leave", "Back to reading", key_display="Esc"),
    ]

    @dataclass
    class Evaluated(Message):
        """An expression was evaluated (or refused) in the scratchpad."""

        text: str
        result: StatementResult | None
        error: ExpressionError | None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.environment: Environment | None = None
        self.history: list[str] = []
        self._history_index = 0
        # Held by the one evaluation running; a newer one waits here for the
        # cancelled one to stop at its next operation.
        self._evaluating = threading.Lock()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="scratch-output"):
            yield Static(
                Text("Try an expression over this lesson's matrices, e.g. X @ W1", style="dim"),
                id="scratch-result",
            )
        # Compact (one line, no frame): at 80x24 every line goes to the lesson it can.
        yield Input(
            placeholder="scratchpad: an expression, then Enter  (/ focuses it)",
            id="scratch-input",
            compact=True,
        )

    def set_environment(self, environment: Environment) -> None:
        """The lesson's names, copied so the learner's assignments stay in the scratchpad."""
        self.environment = environment.copy()
        self.query_one("#scratch-result", Static).update(scratchpad_hint(self.environment))

    @on(Input.Submitted, "#scratch-input")
    def submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if not self.history or self.history[-1] != text:
            self.history = [*self.history, text][-HISTORY_LIMIT:]
        self._history_index = len(self.history)
        event.input.value = ""
        if self.environment is None:
            self.query_one("#scratch-result", Static).update(
                Text("The lesson is still computing; try again in a moment.", style="yellow")
            )
            return
        self.evaluate(text, self.environment)

    @work(thread=True, exclusive=True, group="scratchpad")
    def evaluate(self, text: str, environment: Environment) -> None:
        """Evaluate off the event loop: a big product must never freeze the screen.

        One evaluation at a time: a new Enter cancels the running worker (``exclusive``),
        whose budget stops it at its next operation, and this one starts only when it
        has (a superseded waiter gives up), so threads never pile up and the names are
        never changed by two evaluations at once.
        """
        worker = get_current_worker()
        while not self._evaluating.acquire(timeout=0.05):
            if worker.is_cancelled:
                return
        try:
            budget = Budget(
                "the scratchpad",
                max_bytes=None,
                max_work=None,
                max_seconds=None,
                cancelled=lambda: worker.is_cancelled,
            )
            (result,) = run_block(text, environment, budget=budget)[-1:] or (None,)
            message = self.Evaluated(text, result, None)
        except ExpressionError as error:
            message = self.Evaluated(text, None, error)
        except Cancelled:
            return
        finally:
            self._evaluating.release()
        if not worker.is_cancelled:
            self.post_message(message)

    def on_scratchpad_evaluated(self, event: Evaluated) -> None:
        output = self.query_one("#scratch-result", Static)
        if event.error is not None:
            output.update(Group(literal("› " + event.text, "bold"), error_renderable(event.error)))
        elif event.result is not None:
            output.update(statement_renderable(event.result))

    def action_history(self, delta: int) -> None:
        if not self.history:
            return
        self._history_index = max(0, min(len(self.history), self._history_index + delta))
        entry = self.history[self._history_index] if self._history_index < len(self.history) else ""
        field = self.query_one("#scratch-input", Input)
        field.value = entry
        field.cursor_position = len(entry)

    def action_leave(self) -> None:
        """Give the keys back to the lesson (↓ scrolls it again)."""
        self.screen.set_focus(None)

    def focus_input(self) -> None:
        # At once, not after the keys already read (``focus()`` waits its turn): what
        # was typed straight after ``/`` is the expression (see ``TutorApp._on_key``).
        self.screen.set_focus(self.query_one("#scratch-input", Input))
