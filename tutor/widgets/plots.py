"""Charts drawn as Rich Text, and the ``PlotView`` that shows a lesson's ``plot`` block.

No plotting library is needed: a braille grid gives 2×4 dots per character cell,
enough for a function and its slope or a loss curve, and the gradient-per-layer
picture is a bar chart on a log scale. Every chart prints its numbers (axis ends,
each bar's value, the first, last, smallest and largest loss) so it reads the same
without colour, on a projector or in a screen reader.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import RenderableType
from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from tutor.core.errors import TutorError
from tutor.core.expression import Cancelled
from tutor.core.lesson import Block, Lesson
from tutor.core.plots import (
    FunctionPlot,
    GradientDepthPlot,
    PlotData,
    plot_budget,
    plot_data,
)
from tutor.core.safe_text import clean_line, literal
from tutor.rendering.matrices import format_value

#: Character cells across a chart's plotting area (each holds two braille dot columns).
CHART_WIDTH = 56
#: Braille dots per cell: 2 across, 4 down; bit of each dot in the Unicode block.
_DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_BRAILLE = 0x2800
#: Fill characters for the bars of each activation, so bars differ without colour.
_BAR_FILLS = ("█", "▓", "▒", "░")
_BAR_STYLES = ("bold red", "bold cyan", "bold yellow", "bold green")
_PARTIAL_BLOCKS = " ▏▎▍▌▋▊▉"


def _number(value: float) -> str:
    """A compact label: 3 significant digits, exponent only where it is needed."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.3g}"
    return f"{value:.2e}"


# -- braille line charts ---------------------------------------------------------------


def braille_lines(
    values: np.ndarray, low: float, high: float, width: int, height: int
) -> list[str]:
    """A line through ``values`` (left to right) on a ``width``×``height`` braille grid.

    Each dot column takes the value interpolated at its place, and consecutive columns
    are joined by a vertical run of dots, so steep parts and jumps (ReLU's step) stay
    connected. Non-finite values leave a gap.
    """
    columns, rows = width * 2, height * 4
    cells = [[0] * width for _ in range(height)]
    data = np.asarray(values, dtype=float)
    places = np.linspace(0, len(data) - 1, columns)
    with np.errstate(invalid="ignore"):
        sampled = np.interp(places, np.arange(len(data)), data)
    # Interpolation would smear a gap into its neighbours' columns; keep it a gap.
    sampled[~np.isfinite(data[np.round(places).astype(int)])] = np.nan
    span = high - low
    previous: int | None = None
    for column, value in enumerate(sampled.tolist()):
        if not math.isfinite(value):
            previous = None
            continue
        row = rows - 1 - round((value - low) / span * (rows - 1))
        row = min(max(row, 0), rows - 1)
        start, stop = (row, row) if previous is None else sorted((previous, row))
        for dot_row in range(start, stop + 1):
            cells[dot_row // 4][column // 2] |= _DOT_BITS[dot_row % 4][column % 2]
        previous = row
    return ["".join(chr(_BRAILLE + bits) if bits else " " for bits in line) for line in cells]


def line_chart(
    values: Sequence[float] | np.ndarray,
    *,
    x_low: float,
    x_high: float,
    label: str,
    width: int = CHART_WIDTH,
    height: int = 8,
    style: str = "bold",
    x_name: str = "x",
) -> Text:
    """One labelled braille chart: y range on the left, x range and zero underneath."""
    data = np.asarray(values, dtype=float)
    finite = data[np.isfinite(data)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high - low <= 1e-12 * max(1.0, abs(low), abs(high)):
        # A flat line: widen the range by enough to survive rounding at 1e21 as at 0.
        pad = max(1.0, abs(high) * 0.1)
        low, high = low - pad, high + pad
    lines = braille_lines(data, low, high, width, height)
    labels = [""] * height
    labels[0], labels[-1] = _number(high), _number(low)
    if low < 0 < high:
        zero_row = round((high - 0.0) / (high - low) * (height - 1))
        if 0 < zero_row < height - 1:
            labels[zero_row] = "0"
    pad = max(len(text) for text in labels)
    chart = Text(f"{label}\n", style="bold")
    for text, line in zip(labels, lines, strict=True):
        chart.append(f"{text:>{pad}} ┤", style="dim")
        chart.append(line, style=style)
        chart.append("\n")
    chart.append(" " * pad + " └" + "─" * width + "\n", style="dim")
    chart.append_text(_x_axis(x_low, x_high, width, pad + 2, x_name))
    return chart


def _x_axis(low: float, high: float, width: int, indent: int, name: str) -> Text:
    """The x labels under a chart: both ends, and 0 where it falls inside."""
    row = [" "] * (width + 2)
    marks = [(0, _number(low)), (width - 1, _number(high))]
    if low < 0 < high:
        marks.insert(1, (round(-low / (high - low) * (width - 1)), "0"))
    for position, text in marks:
        start = min(max(position - len(text) // 2, 0), len(row) - len(text))
        if all(cell == " " for cell in row[max(start - 1, 0) : start + len(text) + 1]):
            row[start : start + len(text)] = text
    return Text(" " * indent + "".join(row).rstrip() + f"  ({name})", style="dim")


def function_chart(plot: FunctionPlot, width: int = CHART_WIDTH) -> Text:
    """f above f′ on the same x axis, each with its own y scale."""
    low, high = float(plot.x[0]), float(plot.x[-1])
    chart = Text()
    if plot.title:
        chart.append(f"{clean_line(plot.title)}\n\n", style="bold underline")
    chart.append_text(
        line_chart(
            plot.y,
            x_low=low,
            x_high=high,
            label=f"f(x) = {clean_line(plot.expr)}",
            width=width,
            style="bold cyan",
        )
    )
    chart.append("\n\n")
    chart.append_text(
        line_chart(
            plot.slope,
            x_low=low,
            x_high=high,
            label="f′(x), its slope",
            width=width,
            style="bold magenta",
        )
    )
    return chart


def loss_curve_text(
    losses: Sequence[float], *, width: int = CHART_WIDTH, height: int = 6, first_epoch: int = 0
) -> Text:
    """The loss against the epoch, with first, last, smallest and largest printed.

    Args:
        losses: Δ at the start and after each epoch (``train``'s list).
        first_epoch: the epoch number of ``losses[0]``, when the curve continues a run.
    """
    values = np.asarray(losses, dtype=float)
    last_epoch = first_epoch + len(values) - 1
    chart = line_chart(
        values,
        x_low=first_epoch,
        x_high=last_epoch,
        label="Δ, the loss",
        width=width,
        height=height,
        style="bold green",
        x_name="epoch",
    )
    chart.append("\n")
    chart.append_text(loss_summary(values, first_epoch))
    return chart


def loss_summary(values: np.ndarray, first_epoch: int = 0) -> Text:
    """The numbers a loss curve stands for, in words."""
    text = Text()
    text.append(f"first {format_value(values[0]).strip()} (epoch {first_epoch})   ")
    text.append(f"last {format_value(values[-1]).strip()} (epoch {first_epoch + len(values) - 1})")
    finite = np.isfinite(values)
    if finite.any():
        smallest = int(np.nanargmin(np.where(finite, values, np.nan)))
        largest = int(np.nanargmax(np.where(finite, values, np.nan)))
        text.append(
            f"\nmin {format_value(values[smallest]).strip()} (epoch {first_epoch + smallest})   "
        )
        text.append(f"max {format_value(values[largest]).strip()} (epoch {first_epoch + largest})")
    if not finite.all():
        broken = int(np.argmin(finite))
        text.append(
            f"\nthe loss overflowed at epoch {first_epoch + broken}: the learning rate "
            "is too large for this network",
            style="bold",
        )
    return text


# -- gradient size against depth -------------------------------------------------------


def gradient_depth_chart(plot: GradientDepthPlot, width: int = 40) -> Text:
    """‖∂Δ/∂W_k‖ per layer, one bar per activation, on a log10 scale with the values."""
    values = [v for norms in plot.norms.values() for v in norms if math.isfinite(v) and v > 0]
    # Strictly below the smallest norm, so even the smallest one has a bar to see.
    low = math.ceil(math.log10(min(values))) - 1 if values else -1
    high = math.ceil(math.log10(max(values))) if values else 0
    high = max(high, low + 1)
    names = {act: clean_line(act) for act in plot.norms}
    name_width = max((len(name) for name in names.values()), default=4)
    chart = Text()
    if plot.title:
        chart.append(f"{clean_line(plot.title)}\n\n", style="bold underline")
    chart.append(
        f"‖∂Δ/∂W_k‖ for {plot.depth} layers of {plot.width} neurons (same He-initialised "
        "start for each activation, linear output)\n"
        "bar length on a log scale (powers of ten above), the value at the right\n",
        style="bold",
    )
    chart.append_text(_decade_ruler(low, high, width, indent=9 + name_width + 2))
    for layer in range(plot.depth):
        for index, (act, norms) in enumerate(plot.norms.items()):
            head = f"W{layer + 1}" if index == 0 else ""
            chart.append(f"\n{head:<8} {names[act]:<{name_width}}  ")
            value = norms[layer]
            chart.append(
                _log_bar(value, low, high, width, _BAR_FILLS[index % len(_BAR_FILLS)]),
                style=_BAR_STYLES[index % len(_BAR_STYLES)],
            )
            chart.append(f" {_number(value)}")
    for act, norms in plot.norms.items():
        if norms and norms[-1] > 0 and math.isfinite(norms[0] / norms[-1]):
            ratio = norms[0] / norms[-1]
            chart.append(
                f"\n{names[act]}: ‖∂Δ/∂W1‖ / ‖∂Δ/∂W{plot.depth}‖ = {_number(ratio)}",
                style="italic",
            )
    return chart


def _decade_ruler(low: int, high: int, width: int, indent: int) -> Text:
    """Tick labels 1e-07, 1e-06, ... over the bars' columns."""
    row = [" "] * (width + 8)
    last_end = -2
    for power in range(low, high + 1):
        position = round((power - low) / (high - low) * width)
        label = f"1e{power:+03d}"
        if position > last_end + 1:
            row[position : position + len(label)] = label
            last_end = position + len(label)
    return Text(" " * indent + "".join(row).rstrip(), style="dim")


def _log_bar(value: float, low: int, high: int, width: int, fill: str) -> str:
    """A bar whose length is log10(value) on [low, high], in eighths of a cell."""
    if not math.isfinite(value) or value <= 0:
        return " " * width
    fraction = (math.log10(value) - low) / (high - low)
    eighths = round(min(max(fraction, 0.0), 1.0) * width * 8)
    whole, part = divmod(eighths, 8)
    partial = _PARTIAL_BLOCKS[part] if part and fill == "█" else ("" if not part else fill)
    bar = fill * whole + partial
    return f"{bar:<{width}}"


# -- any plot --------------------------------------------------------------------------


def plot_renderable(data: PlotData) -> Text:
    """The chart for any plot's data."""
    if isinstance(data, FunctionPlot):
        return function_chart(data)
    if isinstance(data, GradientDepthPlot):
        return gradient_depth_chart(data)
    title = literal(f"{data.title}\n\n", "bold underline") if data.title else Text()
    spec = data.spec
    title.append(
        f"{len(data.losses) - 1} epochs of layers {','.join(map(str, spec.layers))}, "
        f"{clean_line(','.join(spec.activations))}, μ = {spec.lr:g}\n",
        style="italic",
    )
    return title + loss_curve_text(data.losses)


class PlotView(Static):
    """A lesson's ``plot`` block: computed in a worker, then drawn once as Rich Text."""

    DEFAULT_CSS = """
    PlotView { height: auto; border: round $secondary; padding: 0 1; margin: 0 0 1 0; }
    PlotView.-error { border: round $error; }
    """

    @dataclass
    class Computed(Message):
        """The plot's numbers and chart are ready (or its options were wrong)."""

        plot: PlotView
        chart: RenderableType
        data: PlotData | None = None
        error: str | None = None

    def __init__(self, block: Block, **kwargs) -> None:
        super().__init__("computing the plot…", **kwargs)
        self.block = block
        self.options = dict(block.data or {})
        self.data: PlotData | None = None
        # Text: a str title is read as markup, and the kind is the lesson's own word.
        self.border_title = literal(f"plot: {self.options.get('kind', '?')}", line=True)

    def on_mount(self) -> None:
        refusal = self.lesson_refusal()
        if refusal is not None:
            self.post_message(self.Computed(self, literal(refusal), error=refusal))
            return
        self.compute_plot()

    def lesson_refusal(self) -> str | None:
        """Why the lesson's budget leaves nothing for this plot, if it does not.

        The lesson is its screen's (a plot shown anywhere else has only its own limits).
        """
        from tutor.core.lesson_run import plot_refusals

        lesson = getattr(self.screen, "lesson", None)
        if not isinstance(lesson, Lesson):
            return None
        return plot_refusals(lesson).get(self.block.line)

    @work(thread=True, exclusive=True, group="plot")
    def compute_plot(self) -> None:
        """Sample, train or back-propagate off the event loop; the chart comes back whole.

        The plot's budget stops it, between epochs, when the widget goes away.
        """
        worker = get_current_worker()
        budget = plot_budget()
        budget.cancelled = lambda: worker.is_cancelled
        try:
            data = plot_data(self.options, budget=budget)
        except TutorError as error:
            self.post_message(self.Computed(self, literal(error.message), error=error.message))
            return
        except Cancelled:
            return
        self.post_message(self.Computed(self, plot_renderable(data), data))

    @on(Computed)
    def show_chart(self, event: Computed) -> None:
        event.stop()
        self.data = event.data
        self.set_class(event.error is not None, "-error")
        self.update(event.chart)
