"""What the Playground draws, as Rich Text: its knobs, the network, the gradients, the weights.

Every function here is pure (settings and numbers in, Text out), so the training
worker can draw a frame off the event loop and the screen only swaps it in. The loss
curve is ``tutor.widgets.plots``'s own braille chart; the gradient bars reuse its log
bars; the weights are heat maps coloured by ``tutor.rendering.matrices``'s heat
scale. As everywhere in tutor, colour is never the only carrier: each weight cell
prints its sign and a digit for its size, each bar prints its value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rich.text import Text

from tutor.core.network import NetworkSpec
from tutor.core.safe_text import clean_line
from tutor.core.training import VANISHING_NORM, TrainingNote
from tutor.rendering.matrices import heat_style
from tutor.widgets.plots import _decade_ruler, _log_bar

#: Characters of a heat-map cell: its sign, its digit, a space.
_CELL = 3
#: Columns and rows at most in one heat map (a sample of a bigger matrix).
MAP_COLS = 6
MAP_ROWS = 4


def _number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    return f"{value:.3g}" if 1e-3 <= abs(value) < 1e4 else f"{value:.1e}"


def knob_text(spec: NetworkSpec, selected: int) -> Text:
    """Two lines: every setting beside the key that turns it, the chosen layer's knobs second.

    These keys are not in the key bar (there is no room at 80 columns): here each sits
    next to the value it changes, which is where a learner looks for it.
    """

    def knob(line: Text, key: str, name: str, value: str) -> None:
        if line.cell_len:
            line.append("  ")
        line.append(key, style="bold reverse")
        line.append(f" {name} ")
        line.append(value, style="bold")

    first, second = Text(no_wrap=True, overflow="crop"), Text(no_wrap=True, overflow="crop")
    knob(first, "[ ]", "μ", f"{spec.lr:g}")
    knob(first, "i", "init", spec.init)
    knob(first, "< >", "scale", f"{spec.init_scale:g}")
    knob(first, "l", "loss", spec.loss)
    knob(first, "s", "seed", str(spec.seed))
    knob(second, "← →", "layer", f"W{selected} of {spec.depth}")
    knob(second, "a", "act", clean_line(spec.activations[selected - 1]))
    width_value = str(spec.layers[selected + 1])
    knob(second, "- +", "width", width_value if selected < spec.depth else f"{width_value} (Y)")
    knob(second, "d D", "depth", str(spec.depth))
    return Text("\n").join([first, second])


def network_text(spec: NetworkSpec, selected: int, width: int) -> Text:
    """The layers in a row, ``X (10,3) → W1 relu → 4 → ... → Ŷ (10,1)``, the chosen one marked.

    A deep network does not fit in a line: the row is cut to a window that holds the
    chosen layer, with ``…`` where layers are left out.
    """
    pieces: list[tuple[str, bool]] = []
    for k, activation in enumerate(spec.activations, 1):
        label = f"W{k} {clean_line(activation)} → {spec.layers[k + 1]}"
        pieces.append((f"▶{label}" if k == selected else f" {label}", k == selected))
    head = f"X ({spec.samples},{spec.layers[1]}) →"
    tail = f" = Ŷ ({spec.samples},{spec.layers[-1]})"
    first, last = 0, len(pieces)

    def length(start: int, stop: int) -> int:
        inner = sum(len(text) + 1 for text, _ in pieces[start:stop])
        return len(head) + inner + len(tail) + 2 * 2

    while length(first, last) > width and last - first > 1:
        # Drop the layer farthest from the chosen one.
        if selected - 1 - first >= last - selected:
            first += 1
        else:
            last -= 1
    text = Text(no_wrap=True, overflow="crop")
    text.append(head, style="dim")
    if first > 0:
        text.append(" …")
    for piece, chosen in pieces[first:last]:
        text.append(" ")
        text.append(piece, style="bold reverse" if chosen else "")
    if last < len(pieces):
        text.append(" …")
    text.append(tail, style="dim")
    return text


def gradient_bars(norms: Sequence[float], selected: int, width: int, height: int) -> Text:
    """‖∂Δ/∂W_k‖ per layer as bars on a log scale, W1 at the top, with each value.

    A vanishing gradient is a bar that shrinks towards the input layer; the values are
    printed, and one below ``VANISHING_NORM`` is flagged in words. If there are more
    layers than lines, a window around the chosen layer is shown.
    """
    rows = max(height - 2, 1)
    start = min(max(selected - 1 - rows // 2, 0), max(len(norms) - rows, 0))
    stop = min(start + rows, len(norms))
    title = "‖∂Δ/∂W_k‖, log scale"
    if (start, stop) != (0, len(norms)):
        title += f", W{start + 1}–W{stop} of {len(norms)}"
    text = Text(f"{title}\n", style="bold", no_wrap=True, overflow="crop")
    finite = [v for v in norms if math.isfinite(v) and v > 0]
    low = math.floor(math.log10(min(finite))) if finite else -1
    high = math.ceil(math.log10(max(finite))) if finite else 0
    high = max(high, low + 1)
    label_width = len(f"▶W{len(norms)}") + 1
    value_width = 9
    bar_width = max(width - label_width - value_width - 1, 4)
    text.append_text(_decade_ruler(low, high, bar_width, indent=label_width))
    for k in range(start + 1, stop + 1):
        value = norms[k - 1]
        mark = "▶" if k == selected else " "
        text.append(f"\n{mark}W{k}".ljust(label_width + 1), style="bold" if mark != " " else "")
        text.append(_log_bar(value, low, high, bar_width, "█"), style="bold cyan")
        flag = " !" if math.isfinite(value) and value < VANISHING_NORM else ""
        text.append(f" {_number(value)}{flag}")
    return text


def _sampled(count: int, most: int) -> list[int]:
    """Up to ``most`` indices spread evenly over ``range(count)``, first and last included."""
    if count <= most:
        return list(range(count))
    return sorted({round(i) for i in np.linspace(0, count - 1, most)})


def weight_map(name: str, weights: np.ndarray, chosen: bool) -> list[Text]:
    """One weight matrix as a small heat map, one Text a line.

    Each cell is its sign and a digit 0–9 for its size against the matrix's largest
    weight (printed in the header), on the heat colour; a big matrix shows an even
    sample of its rows and columns, and says so.
    """
    rows, cols = weights.shape
    row_index, col_index = _sampled(rows, MAP_ROWS), _sampled(cols, MAP_COLS)
    grid = weights[np.ix_(row_index, col_index)]
    finite = weights[np.isfinite(weights)]
    scale = float(np.max(np.abs(finite))) if finite.size else 0.0
    sampled = " sampled" if (len(row_index), len(col_index)) != (rows, cols) else ""
    header = Text(f"{'▶' if chosen else ' '}W{name} ({rows},{cols})", style="bold")
    header.append(f"{sampled} |w|≤{_number(scale)}", style="dim")
    lines = [header]
    for row in grid:
        line = Text(" ")
        for value in row.tolist():
            line.append(_cell(value, scale), style=heat_style(value, scale))
            line.append(" ")
        lines.append(line)
    return lines


def _cell(value: float, scale: float) -> str:
    if not math.isfinite(value):
        return "!!"
    digit = min(round(9 * abs(value) / scale), 9) if scale > 0 else 0
    sign = "−" if value < 0 else "+"
    return f"{sign}{digit}"


def weight_maps(weights: Sequence[np.ndarray], selected: int, width: int, height: int) -> Text:
    """The weight matrices side by side, from a window that holds the chosen layer."""
    maps = [weight_map(str(k), w, k == selected) for k, w in enumerate(weights, 1)]
    widths = [max(line.cell_len for line in lines) + 2 for lines in maps]
    first, last = selected - 1, selected
    while True:
        grown = False
        if last < len(maps) and sum(widths[first : last + 1]) <= width:
            last += 1
            grown = True
        if first > 0 and sum(widths[first - 1 : last]) <= width:
            first -= 1
            grown = True
        if not grown:
            break
    shown = maps[first:last]
    tall = min(max(len(lines) for lines in shown), height)
    rows = [Text(no_wrap=True, overflow="crop") for _ in range(tall)]
    for lines, cell_width in zip(shown, widths[first:last], strict=True):
        for number, row in enumerate(rows):
            cell = lines[number].copy() if number < len(lines) else Text()
            cell.align("left", cell_width)
            row.append_text(cell)
    legend = "sign and size 0–9 of each weight"
    if (first, last) != (0, len(maps)):
        legend += f" · W{first + 1}–W{last} of {len(maps)}, ← → for more"
    if tall < height:
        rows.append(Text(legend, style="dim italic", no_wrap=True, overflow="crop"))
    return Text("\n").join(rows)


def notes_text(notes: Sequence[TrainingNote], library_numbers: dict[str, int]) -> Text:
    """What training has shown so far, newest first, each naming the lesson to read.

    ``library_numbers`` maps a lesson id to its number in the open library, so the
    note can say "lesson 6" and ``o`` can open it.
    """
    if not notes:
        return Text("Nothing unusual so far: the loss is finite and every gradient is moving.")
    text = Text()
    for index, note in enumerate(reversed(notes)):
        if index:
            text.append("\n")
        label = {"diverged": "DIVERGED", "overflow": "OVERFLOW"}.get(note.kind, note.kind.upper())
        text.append(f"{label}: ", style="bold")
        text.append(note.text)
        number = library_numbers.get(note.lesson)
        where = f"lesson {number}, {note.lesson}" if number else f"lesson {note.lesson}"
        text.append(f" → {where}" + (" (o opens it)" if number and index == 0 else ""))
    return text
