"""The Playground: turn a knob, and training starts again from the same seed, live.

The learner changes the learning rate, an activation, a width, the depth, the
initialisation, the loss or the seed, and presses Space: the loss curve and each
layer's gradient norm grow epoch by epoch, the weights change colour, and a loss that
diverges or a gradient that vanishes is named with the lesson that explains it.

Training runs in a ``@work(thread=True, exclusive=True)`` worker over
``tutor.core.training.training_epochs``; for each epoch the worker also draws the
curve, the bars and the heat maps into screen lines (``prepare_lines``) and posts
them, so the event loop only swaps lines into fixed-size views: no NumPy and no
layout per frame. Small networks train faster than anyone can watch, so the worker
shows at most one epoch per ``FRAME_SECONDS``; a big one shows each epoch as it comes.

Pausing stops the worker and keeps the last record; Space resumes from it, and the
numbers are those of an uninterrupted run. Every knob restarts from epoch 0 with the
same seed, so two settings are compared on the same data and starting weights.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from tutor.core import playground as knobs
from tutor.core.errors import TutorError, UsageError
from tutor.core.network import NetworkSpec
from tutor.core.training import (
    DEFAULT_PLAY_EPOCHS,
    MAX_PLAY_EPOCHS,
    TrainingEpoch,
    TrainingNote,
    check_run,
    training_epochs,
)
from tutor.widgets.key_bar import KeyBar
from tutor.widgets.matrix_grid import PreparedLines, PreparedView, prepare_lines
from tutor.widgets.playground_views import (
    gradient_bars,
    knob_text,
    network_text,
    notes_text,
    weight_maps,
)
from tutor.widgets.plots import _number as chart_number
from tutor.widgets.plots import line_chart

if TYPE_CHECKING:
    from tutor.core.library import Library

#: Seconds an epoch stays on screen at least while training (30 frames a second).
FRAME_SECONDS = 1 / 30


@dataclass(frozen=True)
class PlaygroundFrame:
    """One epoch drawn: the three pictures as screen lines, ready to swap in."""

    curve: PreparedLines
    grads: PreparedLines
    weights: PreparedLines


@dataclass(frozen=True)
class ViewSizes:
    """The cells each picture has (read on the event loop, used by the worker)."""

    curve: tuple[int, int]
    grads: tuple[int, int]
    weights: tuple[int, int]


def loss_picture(losses: list[float], width: int, height: int) -> Text:
    """The loss against the epoch (``plots.line_chart``), and its numbers in one line."""
    chart_height = max(height - 4, 2)
    values = np.asarray(losses, dtype=float)
    finite = values[np.isfinite(values)]
    # The y labels ("2.67e+305 ┤") on the left, the axis name ("  (epoch)") on the right.
    ends = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    margins = max(len(chart_number(end)) for end in ends) + 2 + len("  (epoch)")
    chart = line_chart(
        values,
        x_low=0,
        x_high=max(len(values) - 1, 1),
        label="Δ, the loss",
        width=max(width - margins, 10),
        height=chart_height,
        style="bold green",
        x_name="epoch",
    )
    summary = f"Δ {_short(values[0])} → {_short(values[-1])} at epoch {len(values) - 1}"
    lowest = f", min {_short(float(finite.min()))}" if finite.size else ""
    chart.append("\n" + summary + (lowest if len(summary + lowest) <= width else ""))
    return chart


def _short(value: float) -> str:
    if not np.isfinite(value):
        return str(value)
    return f"{value:.4g}" if 1e-3 <= abs(value) < 1e5 or value == 0 else f"{value:.2e}"


def draw_frame(
    record: TrainingEpoch, losses: list[float], selected: int, sizes: ViewSizes
) -> PlaygroundFrame:
    """The curve, the gradient bars and the heat maps of one epoch (heavy: in the worker)."""
    curve = loss_picture(losses, *sizes.curve)
    grads = gradient_bars(record.grad_norms, selected, *sizes.grads)
    weights = weight_maps(record.weights, selected, *sizes.weights)
    return PlaygroundFrame(
        curve=prepare_lines(curve, sizes.curve[0]),
        grads=prepare_lines(grads, sizes.grads[0]),
        weights=prepare_lines(weights, sizes.weights[0]),
    )


class PlaygroundScreen(Screen[None]):
    """Knobs, a live loss curve, gradient norms per layer and the weights as heat maps."""

    DEFAULT_CSS = """
    PlaygroundScreen { layout: vertical; overflow: hidden hidden; }
    PlaygroundScreen > Static { padding: 0 1; overflow: hidden hidden; }
    PlaygroundScreen #play-knobs { height: 2; }
    PlaygroundScreen #play-network { height: 1; color: $text-muted; }
    PlaygroundScreen #play-status { height: 1; background: $boost; }
    PlaygroundScreen #play-middle { height: 1fr; }
    PlaygroundScreen #play-curve { width: 1fr; padding: 0 1; }
    PlaygroundScreen #play-grads { width: 36; padding: 0 1 0 0; }
    PlaygroundScreen #play-notes { height: 4; }
    PlaygroundScreen #play-notes.-alarm { color: $text-error; }
    PlaygroundScreen #play-weights { height: 6; padding: 0 1; }
    """

    BINDINGS = [
        Binding("space", "toggle_run", "Run/pause", tooltip="Train epoch after epoch, or pause"),
        Binding("r", "restart", "Restart", tooltip="Back to epoch 0: the same seed and weights"),
        Binding(
            "o",
            "open_lesson",
            "Open lesson",
            tooltip="Read the lesson that explains the newest note",
        ),
        Binding("escape", "back", "Back", tooltip="Leave the playground"),
        # The knobs are listed on screen beside the values they change (no room here).
        Binding("right_square_bracket", "rate(1)", "μ up", key_display="]", show=False),
        Binding("left_square_bracket", "rate(-1)", "μ down", key_display="[", show=False),
        Binding("right", "select(1)", "Next layer", key_display="→", show=False),
        Binding("left", "select(-1)", "Previous layer", key_display="←", show=False),
        Binding("a", "activation", "Next activation of the layer", show=False),
        Binding("plus,equals_sign", "width(1)", "Wider layer", key_display="+", show=False),
        Binding("minus", "width(-1)", "Narrower layer", key_display="-", show=False),
        Binding("d", "depth(1)", "One more layer", show=False),
        Binding("D,shift+d", "depth(-1)", "One layer fewer", key_display="D", show=False),
        Binding("i", "init", "Next initialisation", show=False),
        Binding(
            "greater_than_sign", "init_scale(1)", "Larger init scale", key_display=">", show=False
        ),
        Binding(
            "less_than_sign", "init_scale(-1)", "Smaller init scale", key_display="<", show=False
        ),
        Binding("l", "loss", "Next loss", show=False),
        Binding("s", "seed", "Next seed", show=False),
    ]

    selected: reactive[int] = reactive(1, init=False, repaint=False)
    """The weight layer the layer knobs (activation, width) turn, 1-based."""

    @dataclass
    class EpochTrained(Message):
        """The worker trained (or, after a knob, computed) one epoch and drew it."""

        generation: int
        record: TrainingEpoch
        losses: tuple[float, ...]
        notes: tuple[TrainingNote, ...]
        frame: PlaygroundFrame

    @dataclass
    class TrainingEnded(Message):
        """The worker stopped by itself: the target epoch reached, or the loss overflowed."""

        generation: int

    @dataclass
    class TrainingRefused(Message):
        """The settings cannot be trained (too costly a run): the reason, for the status."""

        generation: int
        message: str

    def __init__(self, spec: NetworkSpec, *, epochs: int = DEFAULT_PLAY_EPOCHS) -> None:
        """The playground for ``spec``, training ``epochs`` epochs per press of Space."""
        super().__init__()
        self.spec = spec.validate()
        #: Epochs one run trains; Space at the end trains this many more.
        self.epochs = epochs
        #: The epoch a running worker trains to.
        self.target = epochs
        #: Seconds each epoch stays on screen at least (tests set 0).
        self.frame_seconds = FRAME_SECONDS
        self.running = False
        #: The newest record, the loss of every epoch so far, and every note so far.
        self.record: TrainingEpoch | None = None
        self.losses: tuple[float, ...] = ()
        self.notes: tuple[TrainingNote, ...] = ()
        #: A refusal or a knob's complaint, shown in the status line until the next change.
        self.problem = ""
        #: Bumped by every restart, so a frame from a stopped worker is recognised.
        self.generation = 0
        self._stop = threading.Event()
        self._sizes = ViewSizes((40, 8), (34, 8), (76, 6))
        self.lesson_numbers: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="play-knobs")
        yield Static(id="play-network")
        yield Static(id="play-status")
        with Horizontal(id="play-middle"):
            yield PreparedView(id="play-curve")
            yield PreparedView(id="play-grads")
        yield Static(id="play-notes")
        yield PreparedView(id="play-weights")
        yield KeyBar()

    def on_mount(self) -> None:
        library: Library | None = getattr(self.app, "library", None)
        if library is not None:
            self.lesson_numbers = {
                lesson.id: number for number, lesson in enumerate(library.lessons, 1)
            }
        self._show_settings()
        self._show_status()
        self._show_notes()
        # After the first layout, so the worker draws for the views' real sizes.
        self.call_after_refresh(self.restart, False)

    # -- running ------------------------------------------------------------------------

    def restart(self, run: bool) -> None:
        """Epoch 0 of the current settings (the seeded start); with ``run``, train on."""
        self._stop_worker()
        self.record, self.losses, self.notes = None, (), ()
        self.target = self.epochs
        self._start(run, resume=None)

    def _start(self, run: bool, resume: TrainingEpoch | None) -> None:
        self.generation += 1
        self._stop = threading.Event()
        self.running = run
        self._measure()
        target = self.target if run else 0
        self.train(self.spec, target, resume, self.losses, self.notes, self.generation, self._stop)
        self._show_status()
        self.refresh_bindings()

    def _stop_worker(self) -> None:
        self._stop.set()
        self.generation += 1
        self.running = False

    @work(thread=True, exclusive=True, group="playground")
    def train(
        self,
        spec: NetworkSpec,
        target: int,
        resume: TrainingEpoch | None,
        losses: tuple[float, ...],
        notes: tuple[TrainingNote, ...],
        generation: int,
        stop: threading.Event,
    ) -> None:
        """Train to epoch ``target`` (from ``resume``, or from epoch 0), drawing each epoch.

        Runs in a thread: everything it reads from the screen (the chosen layer, the
        views' sizes) is a plain value swapped whole, and everything it produces
        goes back as a message.
        """
        history, seen = list(losses), list(notes)
        try:
            for record in training_epochs(spec, target, resume=resume):
                started = time.monotonic()
                if stop.is_set():
                    return
                history.append(record.loss)
                seen.extend(record.notes)
                frame = draw_frame(record, history, self.selected, self._sizes)
                if stop.is_set():
                    return
                self.post_message(
                    self.EpochTrained(generation, record, tuple(history), tuple(seen), frame)
                )
                if record.number < target and record.finite:
                    stop.wait(max(self.frame_seconds - (time.monotonic() - started), 0.0))
        except TutorError as error:
            self.post_message(self.TrainingRefused(generation, error.message))
            return
        if not stop.is_set():
            self.post_message(self.TrainingEnded(generation))

    @on(EpochTrained)
    def show_epoch(self, event: EpochTrained) -> None:
        """Swap the epoch's pictures in: three views repainted, no layout."""
        if event.generation != self.generation:
            return
        self.record, self.losses, self.notes = event.record, event.losses, event.notes
        if not event.record.finite:
            self.running = False
        self._show_frame(event.frame)
        self._show_status()
        if event.record.notes:
            self._show_notes()
            self.refresh_bindings()

    @on(TrainingEnded)
    def training_ended(self, event: TrainingEnded) -> None:
        if event.generation == self.generation:
            self.running = False
            self._show_status()

    @on(TrainingRefused)
    def training_refused(self, event: TrainingRefused) -> None:
        if event.generation == self.generation:
            self.running = False
            self.problem = event.message
            self._show_status()

    def _show_frame(self, frame: PlaygroundFrame) -> None:
        with self.app.batch_update():
            self.query_one("#play-curve", PreparedView).show(frame.curve)
            self.query_one("#play-grads", PreparedView).show(frame.grads)
            self.query_one("#play-weights", PreparedView).show(frame.weights)

    def _measure(self) -> None:
        """The views' sizes now, for the worker's next drawing."""

        def size(selector: str, fallback: tuple[int, int]) -> tuple[int, int]:
            region = self.query_one(selector).content_size
            return (region.width, region.height) if region.area else fallback

        self._sizes = ViewSizes(
            size("#play-curve", self._sizes.curve),
            size("#play-grads", self._sizes.grads),
            size("#play-weights", self._sizes.weights),
        )

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._show_settings)
        self.call_after_refresh(self._redraw)

    def _redraw(self) -> None:
        """Draw the shown epoch again (sizes or the chosen layer changed) unless training is."""
        self._measure()
        if self.record is not None and not self.running:
            self.draw(self.record, self.losses, self.selected, self._sizes, self.generation)

    @work(thread=True, exclusive=True, group="playground-draw")
    def draw(
        self,
        record: TrainingEpoch,
        losses: tuple[float, ...],
        selected: int,
        sizes: ViewSizes,
        generation: int,
    ) -> None:
        """Only drawing, no training: the record holds every number."""
        frame = draw_frame(record, list(losses), selected, sizes)
        self.post_message(self.EpochTrained(generation, record, losses, self.notes, frame))

    # -- what the screen says ----------------------------------------------------------------

    def _show_settings(self) -> None:
        width = max(self.size.width - 2, 20) if self.size.width else 78
        self.query_one("#play-knobs", Static).update(knob_text(self.spec, self.selected))
        self.query_one("#play-network", Static).update(
            network_text(self.spec, self.selected, width)
        )

    def _show_status(self) -> None:
        text = Text(no_wrap=True, overflow="crop")
        record = self.record
        if self.problem:
            text.append(self.problem, style="bold")
        elif record is None:
            text.append("computing epoch 0…")
        elif not record.finite:
            text.append(f"■ stopped at epoch {record.number}: the loss is {record.loss}", "bold")
            text.append(" · r or a knob starts again")
        else:
            if self.running:
                text.append(f"▶ training · epoch {record.number} of {self.target}", "bold")
            elif record.number == 0:
                text.append(f"⏸ epoch 0 · Space trains {self.epochs} epochs", "bold")
            elif record.number >= self.target:
                more = min(self.epochs, MAX_PLAY_EPOCHS - record.number)
                text.append(f"■ done: epoch {record.number}", "bold")
                text.append(f" · Space trains {more} more" if more > 0 else " · r restarts")
            else:
                text.append(f"⏸ paused at epoch {record.number} of {self.target}", "bold")
            text.append(f" · Δ = {_short(record.loss)}")
        self.query_one("#play-status", Static).update(text, layout=False)

    def _show_notes(self) -> None:
        notes = self.query_one("#play-notes", Static)
        shown = self.notes[-1:]
        text = notes_text(shown, self.lesson_numbers)
        if len(self.notes) > 1:
            earlier = len(self.notes) - 1
            text.append(f" (+{earlier} earlier note{'s' if earlier > 1 else ''})", style="dim")
        notes.update(text, layout=False)
        notes.set_class(bool(self.notes), "-alarm")

    def watch_selected(self, selected: int) -> None:
        self._show_settings()
        self._redraw()

    def validate_selected(self, selected: int) -> int:
        return max(1, min(selected, self.spec.depth))

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_lesson":
            return True if self._note_lesson() is not None else None
        return True

    def action_toggle_run(self) -> None:
        """Run from where training stands (on past the end, by ``epochs`` more), or pause."""
        if self.running:
            self._stop_worker()
            self._show_status()
            return
        record = self.record
        if record is None or not record.finite:
            self.restart(True)
            return
        if record.number >= self.target:
            if record.number >= MAX_PLAY_EPOCHS:
                self.problem = f"{MAX_PLAY_EPOCHS} epochs is as far as one run goes; r restarts"
                self._show_status()
                return
            self.target = min(record.number + self.epochs, MAX_PLAY_EPOCHS)
        self.problem = ""
        self._start(True, resume=record)

    def action_restart(self) -> None:
        self.problem = ""
        self.restart(self.running)

    def _turn(self, change: Callable[[NetworkSpec], NetworkSpec]) -> None:
        """Apply a knob: the new settings from epoch 0 (still running if it was), or why not."""
        try:
            spec = check_run(change(self.spec), self.epochs)
        except TutorError as error:
            self.problem = error.message
            self._show_status()
            return
        self.problem = ""
        self.spec = spec
        self.set_reactive(PlaygroundScreen.selected, min(self.selected, spec.depth))
        self._show_settings()
        self.restart(self.running)
        self._show_notes()

    def action_rate(self, direction: int) -> None:
        self._turn(lambda spec: knobs.step_rate(spec, direction))

    def action_init_scale(self, direction: int) -> None:
        self._turn(lambda spec: knobs.step_init_scale(spec, direction))

    def action_activation(self) -> None:
        self._turn(lambda spec: knobs.cycle_activation(spec, self.selected))

    def action_width(self, direction: int) -> None:
        self._turn(lambda spec: knobs.step_width(spec, self.selected, direction))

    def action_depth(self, direction: int) -> None:
        self._turn(knobs.deeper if direction > 0 else knobs.shallower)

    def action_init(self) -> None:
        self._turn(knobs.cycle_init)

    def action_loss(self) -> None:
        self._turn(knobs.cycle_loss)

    def action_seed(self) -> None:
        self._turn(knobs.next_seed)

    def action_select(self, direction: int) -> None:
        self.selected += direction

    def _note_lesson(self) -> str | None:
        """The newest note's lesson, if the open library has it."""
        if self.notes and self.notes[-1].lesson in self.lesson_numbers:
            return self.notes[-1].lesson
        return None

    def action_open_lesson(self) -> None:
        lesson = self._note_lesson()
        opener = getattr(self.app, "open_lesson", None)
        if lesson is None or opener is None:
            return
        self._stop_worker()
        self.dismiss()
        opener(lesson)

    def action_back(self) -> None:
        self._stop_worker()
        self.dismiss()

    def on_unmount(self) -> None:
        self._stop.set()


def open_playground(app: App, spec: NetworkSpec, epochs: int = DEFAULT_PLAY_EPOCHS) -> None:
    """Show the playground above whatever the app shows (a too-small notice stays on top)."""
    from tutor.screens.too_small import TooSmallScreen

    covered = isinstance(app.screen, TooSmallScreen)
    if covered:
        app.pop_screen()
    app.push_screen(PlaygroundScreen(spec, epochs=epochs))
    if covered:
        app.push_screen(TooSmallScreen())


def open_playground_with(app: App, options: Mapping[str, Any] | None = None) -> None:
    """The playground for a lesson block's settings (or the article's network, without).

    ``options`` are an ``epoch`` block's (or a ``loss-curve`` plot's) YAML: the network
    keys ``spec_from_options`` reads, and ``epochs``. Settings that cannot train are
    named in a notice instead.
    """
    from tutor.core.plots import spec_from_options

    options = dict(options or {})
    try:
        spec = spec_from_options(options)
        epochs = options.get("epochs", DEFAULT_PLAY_EPOCHS)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise UsageError(f"epochs must be a whole number of at least 1, not {epochs!r}")
        check_run(spec, epochs)
    except TutorError as error:
        app.notify(error.message, title="The playground cannot train this", severity="error")
        return
    open_playground(app, spec, epochs)
