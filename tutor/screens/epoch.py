"""The epoch animation: one gradient-descent epoch, a step at a time.

All the maths is done before the first frame: ``run_epoch`` records every step's
operands and result, and a worker thread turns each step into a prepared frame
(formula, shapes, the matrices side by side, the diagram, the step strip), each
already rendered to screen lines. A frame is then a swap of those lines into
fixed-size widgets, so playing a 1000×784 network costs what a 10×3 one does, and
the event loop never runs NumPy or lays the screen out again.

Pushed with ``app.push_screen(EpochScreen(spec))``; escape pops it. It posts nothing
the app has to handle (its two messages are for itself, from its workers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import get_current_worker

from tutor.core.epoch import Epoch, EpochStep, run_epoch
from tutor.core.network import Network, NetworkSpec
from tutor.core.safe_text import literal
from tutor.rendering.matrices import loss_texts
from tutor.screens.pacing import repaced, set_playing
from tutor.widgets.key_bar import KeyBar
from tutor.widgets.matrix_grid import (
    MatrixGrid,
    MatrixTerm,
    PreparedLines,
    PreparedView,
    equation_bands,
    prepare_lines,
    stacked,
)
from tutor.widgets.network_diagram import network_diagram_text
from tutor.widgets.plots import loss_curve_text

#: Seconds per step that + and - move between.
SPEEDS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
DEFAULT_SPEED = 1.0
#: Epochs that m runs at a time.
MORE_EPOCHS = 20
#: Intermediate pictures of the weights moving from old to new in an update step.
TWEEN_FRACTIONS = (0.25, 0.5, 0.75)
TWEEN_SECONDS = 0.08
#: Weights with more entries than this settle at once: elided to their corners, their
#: travel shows little, and its pictures would cost a large network memory.
TWEEN_MAX_ENTRIES = 1024
#: Lines around the matrices: status, loss, the step strip (2), the formula's frame (2)
#: and its lines, the shapes (2), the settings and the footer.
_CHROME_LINES = 10
#: Most rows a matrix shows, however tall the screen (more would only slow the frames).
MAX_SHOWN_ROWS = 24
_SHAPE = re.compile(r"\([\d,]*\)")


@dataclass(frozen=True)
class EpochFrame:
    """Everything one step shows, rendered ahead of time so a frame is only a swap."""

    step: EpochStep
    #: "step 5 of 13 · loss: Ỹ", for the status line.
    title: Text
    formula: PreparedLines
    shapes: PreparedLines
    #: The step's matrices, its result first: "H = G · W2ᵀ ∗ f1′(A)".
    matrices: PreparedLines
    diagram: PreparedLines
    step_list: PreparedLines
    #: What the scrolling part shows: the matrices, then the diagram.
    body: PreparedLines = PreparedLines("", ())
    #: An update step's body with the new weights part of the way from old to new
    #: (empty for other steps).
    tween: tuple[PreparedLines, ...] = ()


# -- preparing frames (runs in a worker thread) -----------------------------------------


def step_label(step: EpochStep) -> str:
    """How a step is listed: "forward: A"."""
    return f"{step.phase}: {step.name}"


def _operators(step: EpochStep) -> list[str]:
    """What follows the result and stands between the operands, read from ``step.shapes``.

    The engine writes a product as juxtaposed shapes and element-wise operations with
    their sign, so the same string says how to draw the row. The result comes first,
    as in the formula: "=" when it is the operands so combined, "←" when a function
    (an activation, a loss, which the formula above names) makes it from them.
    """
    left = step.shapes.split(" -> ")[0]
    joins = _SHAPE.split(left)[1:-1]
    if step.phase == "update" and step.layer is not None:
        between = ["+ μ·"]
    else:
        between = [join.strip() or "·" for join in joins]
    combined = len(step.operands) > 1 and np.ndim(step.result) > 0
    return ["=" if combined else "←", *between]


def _terms(step: EpochStep, result: np.ndarray | None = None) -> list[MatrixTerm]:
    """The result, then the operands; an update marks the weights that moved."""
    terms = [MatrixTerm(name, array) for name, array in step.operands]
    value = step.result if result is None else result
    if step.phase == "update" and step.layer is not None:
        old = step.operands[0][1]
        terms[0] = MatrixTerm(f"{step.name} old", old)
        moved = np.asarray(value) != np.asarray(old)
        return [MatrixTerm(f"{step.name} new", value, marked=moved, result=True), *terms]
    return [MatrixTerm(step.name, value, result=True), *terms]


def _diagram_focus(step: EpochStep) -> str:
    """The diagram box a step belongs to."""
    if step.layer is not None:
        return f"W{step.layer}"
    return "Ŷ" if step.name == "Ỹ" else "Δ"


def step_strip(steps: tuple[EpochStep, ...], current: int, width: int, lines: int = 2) -> Text:
    """Every step's name grouped by phase, the current one marked ``▶`` and reversed.

    A deep network has about six steps a layer, more than fit, so the strip is cut
    into lines of ``width`` and the ``lines`` around the current step are shown.
    """
    rows: list[Text] = [Text()]
    current_row = 0
    for index, step in enumerate(steps):
        pieces = []
        if index == 0 or steps[index - 1].phase != step.phase:
            pieces.append((f"{'  ' if index else ''}{step.phase}:", "italic"))
        if index == current:
            pieces.append((f" ▶{step.name}", "bold reverse"))
        else:
            pieces.append((f"  {step.name}", "dim" if index > current else ""))
        length = sum(len(piece) for piece, _ in pieces)
        if rows[-1].cell_len + length > width and rows[-1].cell_len:
            rows.append(Text())
        for piece, style in pieces:
            rows[-1].append(piece, style=style)
        if index == current:
            current_row = len(rows) - 1
    start = min(max(current_row - lines // 2, 0), max(len(rows) - lines, 0))
    return Text("\n", no_wrap=True, overflow="crop").join(rows[start : start + lines])


def shown_rows(height: int, formula_lines: int) -> int:
    """Rows a matrix may show: what the scrolling part holds under a header and a frame.

    At 80×24, with formulas of one line, that is 10, so the article's X (10,3) is
    whole; a taller screen shows more, up to ``MAX_SHOWN_ROWS``.
    """
    body = height - _CHROME_LINES - formula_lines
    return max(min(body - 3, MAX_SHOWN_ROWS), 2)


def _inner(width: int) -> int:
    """Columns inside the screen's padding."""
    return max(width - 2, 40)


def prepare_frames(epoch: Epoch, width: int, height: int) -> list[EpochFrame]:
    """One frame per step of ``epoch`` for a screen ``width`` × ``height`` cells."""
    inner = _inner(width)
    formulas = [
        prepare_lines(Text(step.formula, style="bold"), inner - 2, wrap=True)
        for step in epoch.steps
    ]
    rows = shown_rows(height, max((len(lines.strips) for lines in formulas), default=1))
    frames = []
    for index, step in enumerate(epoch.steps):
        operators = _operators(step)
        named = " ".join(f"{name} {_shape(a)}" for name, a in step.operands)
        result = f"{step.name} {_shape(step.result)}"
        if np.ndim(step.result) == 0:
            result += ", one number"
        moved = step.phase == "update" and step.layer is not None
        legend = "   (* marks the weights this update moved)" if moved else ""
        shapes = Text.assemble((step.shapes, "bold"), (f"\n{named} -> {result}{legend}", "dim"))
        matrices = prepare_lines(
            equation_bands(_terms(step), operators, width=inner, max_rows=rows), inner
        )
        diagram = prepare_lines(
            network_diagram_text(
                epoch.spec, _diagram_focus(step), width=inner, backward=step.phase == "backward"
            ),
            inner,
        )
        frames.append(
            EpochFrame(
                step=step,
                title=Text(f"step {index + 1} of {len(epoch.steps)} · {step_label(step)}"),
                formula=formulas[index],
                shapes=prepare_lines(shapes, inner),
                matrices=matrices,
                diagram=diagram,
                step_list=prepare_lines(step_strip(epoch.steps, index, inner), inner),
                body=stacked(matrices, diagram),
                tween=_tween(step, operators, inner, rows, diagram),
            )
        )
    return frames


def _tween(
    step: EpochStep, operators: list[str], width: int, rows: int, diagram: PreparedLines
) -> tuple[PreparedLines, ...]:
    """The body with the new weights part of the way there: W + t·(W_new − W)."""
    if step.phase != "update" or step.layer is None or step.result.size > TWEEN_MAX_ENTRIES:
        return ()
    old, new = step.operands[0][1], step.result
    return tuple(
        stacked(
            prepare_lines(
                equation_bands(
                    _terms(step, old + fraction * (new - old)),
                    operators,
                    width=width,
                    max_rows=rows,
                ),
                width,
            ),
            diagram,
        )
        for fraction in TWEEN_FRACTIONS
    )


def _shape(array: np.ndarray) -> str:
    return "(" + ",".join(str(n) for n in np.shape(array)) + ")"


def loss_text(epoch: Epoch, number: int) -> Text:
    """Δ before and after this epoch's update, with digits enough to see it change."""
    before, after, change = loss_texts(epoch.loss, epoch.loss_after)
    text = Text(f"Epoch {number}   ", style="bold")
    text.append("Δ before ")
    text.append(before, style="bold")
    text.append("   Δ after ")
    text.append(after, style="bold")
    text.append(f"   (change {change})")
    if not epoch.finite:
        text.append("   the numbers overflowed: use a smaller lr or init_scale", style="bold")
    return text


def describe_spec(spec: NetworkSpec) -> Text:
    """The run's settings on one line, so a class can reproduce it.

    Literal text: the settings come from a lesson's epoch block.
    """
    return literal(
        f"layers {','.join(map(str, spec.layers))} · act {','.join(spec.activations)} · "
        f"loss {spec.loss} · μ = {spec.lr:g} · seed {spec.seed}",
        line=True,
    )


# -- the screen --------------------------------------------------------------------------


class EpochScreen(Screen[None]):
    """One epoch, step by step, with play/pause, speed, restart and more epochs."""

    # Laid out for 80×24 first: the status, loss, step strip, formula and shapes stay
    # at the top; under the settings line the matrices (the result first) fill the
    # rest and scroll, with the network diagram and the loss curve below them.
    DEFAULT_CSS = """
    EpochScreen { layout: vertical; overflow: hidden hidden; }
    EpochScreen Static { height: 1; padding: 0 1; overflow: hidden hidden; }
    EpochScreen #epoch-settings { color: $text-muted; }
    EpochScreen PreparedView { padding: 0 1; }
    EpochScreen #epoch-steps { height: 2; }
    EpochScreen #epoch-formula { height: 3; border: heavy $accent; padding: 0 0; }
    EpochScreen #epoch-shapes { height: 2; }
    EpochScreen #epoch-body { height: 1fr; scrollbar-size-vertical: 1; }
    EpochScreen MatrixGrid { height: 14; }
    EpochScreen #epoch-curve { height: 11; display: none; border-top: solid $secondary; }
    EpochScreen #epoch-curve.-shown { display: block; }
    """

    BINDINGS = [
        Binding("space", "toggle_play", "Play/pause", tooltip="Step automatically at the speed"),
        Binding(
            "right,pagedown",
            "step(1)",
            "Next",
            key_display="→",
            tooltip="The next step (a clicker's page-down works too)",
        ),
        Binding(
            "left,pageup",
            "step(-1)",
            "Prev",
            key_display="←",
            tooltip="The previous step (page-up works too)",
        ),
        # The speed keys are named in the status line beside the speed, not in the footer.
        Binding(
            "plus,equals_sign",
            "speed(-1)",
            "Faster",
            key_display="+",
            show=False,
            tooltip="Fewer seconds per step",
        ),
        Binding(
            "minus",
            "speed(1)",
            "Slower",
            key_display="-",
            show=False,
            tooltip="More seconds per step",
        ),
        Binding("down,j", "scroll_body(1)", "Scroll", key_display="↓↑", tooltip="Scroll a line"),
        Binding("up,k", "scroll_body(-1)", "Scroll up", show=False),
        Binding("home", "jump(0)", "First step", show=False),
        Binding("end", "jump(-1)", "Last step", show=False),
        Binding("r", "restart", "Restart", tooltip="Back to epoch 1 with the same weights"),
        Binding("s", "new_seed", "New seed", tooltip="New data and weights"),
        Binding(
            "m",
            "more_epochs",
            f"+{MORE_EPOCHS} epochs",
            tooltip=f"Train {MORE_EPOCHS} more epochs and show the loss curve",
        ),
        Binding("escape", "back", "Back", tooltip="Back to the lesson"),
    ]

    step: reactive[int] = reactive(0, init=False, repaint=False)
    """Index of the step on screen; clamped to the epoch's steps."""
    playing: reactive[bool] = reactive(False, init=False, repaint=False)
    """Whether the timer advances the step."""
    seconds_per_step: reactive[float] = reactive(DEFAULT_SPEED, init=False, repaint=False)
    """Playing speed, changed with + and -."""

    @dataclass
    class EpochPrepared(Message):
        """An epoch and its frames are ready (computed in a worker)."""

        epoch: Epoch
        frames: list[EpochFrame]
        number: int
        #: Δ at the start of every epoch so far, then after the last one (for the curve).
        losses: list[float]
        #: The terminal size the frames were drawn for.
        size: Size

    @dataclass
    class FramesResized(Message):
        """The shown epoch's frames, drawn again for a new terminal size."""

        epoch: Epoch
        frames: list[EpochFrame]
        size: Size

    def __init__(self, spec: NetworkSpec, *, autoplay: float | None = None) -> None:
        """Show ``spec``'s first epoch; with ``autoplay`` (seconds per step) play at once."""
        super().__init__()
        self.spec = spec.validate()
        self.epoch: Epoch | None = None
        self.epoch_number = 1
        self.frames: list[EpochFrame] = []
        #: Δ before each epoch of this run, then after the last: the loss curve's data.
        self.losses: list[float] = []
        self._timer: Timer | None = None
        self._tween_timer: Timer | None = None
        self._tween_frames: list[PreparedLines] = []
        self._play_when_ready = autoplay is not None
        self._frames_size = Size(0, 0)
        if autoplay is not None:
            self.set_reactive(EpochScreen.seconds_per_step, float(autoplay))

    def compose(self) -> ComposeResult:
        yield Static(id="epoch-status")
        yield Static("Computing the epoch…", id="epoch-loss")
        yield PreparedView(id="epoch-steps")
        yield PreparedView(id="epoch-formula")
        yield PreparedView(id="epoch-shapes")
        with VerticalScroll(id="epoch-body", can_focus=False):
            # The settings first, on screen at any size, so a class can rerun the demo.
            yield Static(describe_spec(self.spec), id="epoch-settings")
            yield MatrixGrid(id="epoch-matrices")
            yield Static(id="epoch-curve")
        yield KeyBar()

    def on_mount(self) -> None:
        self._timer = self.set_interval(self.seconds_per_step, self.advance, pause=True)
        self._show_status()
        self.prepare(self.spec, None, 1, [])

    # -- computing ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="epoch")
    def prepare(
        self,
        spec: NetworkSpec,
        network: Network | None,
        number: int,
        losses: list[float],
        more: int = 0,
    ) -> None:
        """Run ``more`` training epochs, then the one to show, and render its frames.

        Args:
            spec: the network.
            network: the starting weights (None: the seeded ones, as a restart wants).
            number: the number of the first epoch run here.
            losses: Δ before each earlier epoch of the run (extended here).
            more: epochs to train through, unshown, before the one displayed.
        """
        worker = get_current_worker()
        losses = list(losses)
        epoch = run_epoch(spec, network)
        for _ in range(more):
            losses.append(epoch.loss)
            epoch = run_epoch(spec, Network(epoch.X, epoch.Y, epoch.weights_after))
            if worker.is_cancelled:
                return
        size = self.app.size
        frames = prepare_frames(epoch, size.width, size.height)
        if not worker.is_cancelled:
            self.post_message(
                self.EpochPrepared(
                    epoch, frames, number + more, [*losses, epoch.loss, epoch.loss_after], size
                )
            )

    def on_resize(self, event: events.Resize) -> None:
        """Draw the frames again for the new size (in a worker); the step stays."""
        if self.epoch is not None and event.size != self._frames_size:
            self.redraw_frames(self.epoch, event.size)

    @work(thread=True, exclusive=True, group="epoch-frames")
    def redraw_frames(self, epoch: Epoch, size: Size) -> None:
        """Only rendering, no maths: the epoch's steps already hold every number."""
        frames = prepare_frames(epoch, size.width, size.height)
        if not get_current_worker().is_cancelled:
            self.post_message(self.FramesResized(epoch, frames, size))

    def _fit_frames(self) -> None:
        """Size the formula box and the matrices for these frames: once per epoch or
        resize, so that showing a frame is a swap of lines and never a layout."""
        if not self.frames:
            return
        formula = max(len(frame.formula.strips) for frame in self.frames)
        body = max(
            len(lines.strips) for frame in self.frames for lines in (frame.body, *frame.tween)
        )
        self.query_one("#epoch-formula").styles.height = formula + 2
        self.query_one(MatrixGrid).styles.height = body

    @on(FramesResized)
    def show_resized(self, event: FramesResized) -> None:
        if event.epoch is self.epoch:
            self.frames, self._frames_size = event.frames, event.size
            self._fit_frames()
            self.show_frame(self.step)
            if len(self.losses) > 2:
                self._show_curve()

    @on(EpochPrepared)
    def show_epoch(self, event: EpochPrepared) -> None:
        """Put a new epoch on screen at its first step, with its losses (and the curve)."""
        self.epoch, self.frames, self.epoch_number = event.epoch, event.frames, event.number
        self.losses, self._frames_size = event.losses, event.size
        if event.size != self.app.size:
            self.redraw_frames(event.epoch, self.app.size)
        with self.app.batch_update():
            self.query_one("#epoch-settings", Static).update(describe_spec(self.spec))
            self.query_one("#epoch-loss", Static).update(loss_text(event.epoch, event.number))
            if len(self.losses) > 2:
                self._show_curve()
            self._fit_frames()
            self.set_reactive(EpochScreen.step, 0)
            self.show_frame(0)
        if self._play_when_ready:
            self._play_when_ready = False
            self.playing = True

    def _show_curve(self) -> None:
        curve = self.query_one("#epoch-curve", Static)
        width = max(self.app.size.width - 28, 20)
        curve.update(loss_curve_text(self.losses, width=width, height=5))
        curve.add_class("-shown")

    # -- frames -----------------------------------------------------------------------------

    def validate_step(self, step: int) -> int:
        return max(0, min(step, len(self.frames) - 1))

    def watch_step(self, step: int) -> None:
        self.show_frame(step)

    def show_frame(self, index: int) -> None:
        """Swap the prepared renderables of step ``index`` into place: no maths, no layout."""
        if not self.frames:
            return
        self._stop_tween()
        frame = self.frames[index]
        self.query_one("#epoch-formula", PreparedView).show(frame.formula)
        self.query_one("#epoch-shapes", PreparedView).show(frame.shapes)
        self.query_one("#epoch-steps", PreparedView).show(frame.step_list)
        matrices = self.query_one(MatrixGrid)
        if frame.tween and self.app.animation_level != "none":
            # Let the weights visibly travel from old to new before settling.
            self._tween_frames = [*frame.tween, frame.body]
            matrices.show(self._tween_frames.pop(0))
            self._tween_timer = self.set_interval(
                TWEEN_SECONDS, self._tween_tick, repeat=len(self._tween_frames)
            )
        else:
            matrices.show(frame.body)
        self._show_status()

    def _tween_tick(self) -> None:
        if self._tween_frames:
            self.query_one(MatrixGrid).show(self._tween_frames.pop(0))

    def _stop_tween(self) -> None:
        if self._tween_timer is not None:
            self._tween_timer.stop()
            self._tween_timer = None
        self._tween_frames = []

    def _show_status(self) -> None:
        state = "▶ playing" if self.playing else "⏸ paused"
        status = Text(f"{state} · {self.seconds_per_step:g} s per step (+/- to change) · ")
        if self.frames:
            status.append_text(self.frames[self.step].title)
        else:
            status.append("computing…")
        self.query_one("#epoch-status", Static).update(status, layout=False)

    @property
    def current_step(self) -> EpochStep | None:
        """The step on screen (None while the epoch is being computed)."""
        return self.frames[self.step].step if self.frames else None

    # -- playing ------------------------------------------------------------------------------

    def advance(self) -> None:
        """One step on; playing stops at the last step. The play timer calls this."""
        if self.step < len(self.frames) - 1:
            self.step += 1
        if self.step >= len(self.frames) - 1:
            self.playing = False

    def watch_playing(self, playing: bool) -> None:
        self._timer = set_playing(self, self._timer, self.seconds_per_step, self.advance, playing)
        self._show_status()

    def watch_seconds_per_step(self, seconds: float) -> None:
        self._timer = repaced(self, self._timer, seconds, self.advance, self.playing)
        self._show_status()

    # -- actions ---------------------------------------------------------------------------------

    def action_toggle_play(self) -> None:
        if not self.frames:
            self._play_when_ready = not self._play_when_ready
            return
        if not self.playing and self.step >= len(self.frames) - 1:
            self.step = 0
        self.playing = not self.playing

    def action_scroll_body(self, lines: int) -> None:
        self.query_one("#epoch-body", VerticalScroll).scroll_relative(
            y=lines, animate=False, immediate=True
        )

    def action_step(self, delta: int) -> None:
        self.playing = False
        self.step += delta

    def action_jump(self, index: int) -> None:
        self.playing = False
        self.step = index if index >= 0 else len(self.frames) - 1

    def action_speed(self, direction: int) -> None:
        nearest = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.seconds_per_step))
        index = max(0, min(nearest + direction, len(SPEEDS) - 1))
        self.seconds_per_step = SPEEDS[index]

    def action_restart(self) -> None:
        """Epoch 1 again, from the very same starting weights (the seed makes them)."""
        self.playing = False
        self.query_one("#epoch-curve", Static).remove_class("-shown")
        self.prepare(self.spec, None, 1, [])

    def action_new_seed(self) -> None:
        """Other data and other starting weights, so a class can see a second run."""
        self.spec = replace(self.spec, seed=self.spec.seed + 1)
        self.query_one("#epoch-settings", Static).update(describe_spec(self.spec))
        self.action_restart()

    def action_more_epochs(self) -> None:
        """Train through this epoch and ``MORE_EPOCHS`` − 1 more, then show the next one."""
        if self.epoch is None:
            return
        self.playing = False
        start = Network(self.epoch.X, self.epoch.Y, self.epoch.weights_after)
        self.prepare(
            self.spec, start, self.epoch_number + 1, self.losses[:-1], more=MORE_EPOCHS - 1
        )

    def action_back(self) -> None:
        self.dismiss()
