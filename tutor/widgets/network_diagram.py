"""The network as a chain of boxes with their shapes: X → W1 → W2 → Ŷ → Δ.

The box of the layer the current step works on has a heavy frame (a cue that needs
no colour), and the arrows point backwards during the backward pass, so the picture
says where the computation is and which way it flows. A network too long for the
width keeps its ends and the neighbourhood of the current layer, with ``…`` between.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from tutor.core.network import NetworkSpec
from tutor.widgets.matrix_grid import PreparedView

_LIGHT = "╭─╮│╰╯"
_HEAVY = "┏━┓┃┗┛"
_CONNECTOR_WIDTH = 4
_GAP = "  …  "


@dataclass(frozen=True)
class _Box:
    """One box: what it is (its two text lines) and whether it is the current one."""

    top: str
    bottom: str
    current: bool

    @property
    def width(self) -> int:
        return max(len(self.top), len(self.bottom)) + 4

    def lines(self) -> list[tuple[str, str]]:
        """Four (text, style) lines, framed heavy if current."""
        tl, h, tr, v, bl, br = _HEAVY if self.current else _LIGHT
        inner = self.width - 4
        style = "bold reverse" if self.current else ""
        return [
            (f"{tl}{h * (inner + 2)}{tr}", "bold" if self.current else "dim"),
            (f"{v} {self.top:<{inner}} {v}", style),
            (f"{v} {self.bottom:<{inner}} {v}", style),
            (f"{bl}{h * (inner + 2)}{br}", "bold" if self.current else "dim"),
        ]


def _shape(rows: int, cols: int) -> str:
    return f"({rows},{cols})"


def _boxes(spec: NetworkSpec, current: str | None) -> list[_Box]:
    """X, each weight layer, Ŷ and the loss; ``current`` is "X", "W3", "Ŷ" or "Δ"."""
    boxes = [_Box("X", _shape(spec.samples, spec.layers[1]), current == "X")]
    for k, (shape, act) in enumerate(zip(spec.weight_shapes(), spec.activations, strict=True), 1):
        boxes.append(_Box(f"W{k} {_shape(*shape)}", f"f{k}: {act}", current == f"W{k}"))
    boxes.append(_Box("Ŷ", _shape(spec.samples, spec.layers[-1]), current == "Ŷ"))
    boxes.append(_Box("Δ", spec.loss, current == "Δ"))
    return boxes


def _visible(boxes: list[_Box], width: int) -> list[_Box | None]:
    """The boxes that fit, None standing for an elided run; the current one always shows."""

    def total(items: list[_Box | None]) -> int:
        return sum(b.width if b else len(_GAP) for b in items) + _CONNECTOR_WIDTH * len(items)

    if total(list(boxes)) <= width:
        return list(boxes)
    centre = next((i for i, b in enumerate(boxes) if b.current), 0)
    keep = {0, len(boxes) - 2, len(boxes) - 1, centre}
    radius = 0
    while True:
        wider = keep | {centre - radius - 1, centre + radius + 1}
        wider = {i for i in wider if 0 <= i < len(boxes)}
        if wider == keep or total(_with_gaps(boxes, wider)) > width:
            break
        keep, radius = wider, radius + 1
    return _with_gaps(boxes, keep)


def _with_gaps(boxes: list[_Box], keep: set[int]) -> list[_Box | None]:
    items: list[_Box | None] = []
    for index, item in enumerate(boxes):
        if index in keep:
            items.append(item)
        elif items and items[-1] is not None:
            items.append(None)
    return items


def network_diagram_text(
    spec: NetworkSpec, current: str | None = None, *, width: int = 120, backward: bool = False
) -> Text:
    """The chain of boxes, four lines tall, with the ``current`` box framed heavy.

    Args:
        spec: the network drawn.
        current: "X", "W1".."WL", "Ŷ" or "Δ" (None: no box is current).
        width: cells available; longer chains are elided around the current box.
        backward: draw the arrows right to left, as the error flows in backpropagation.
    """
    items = _visible(_boxes(spec, current), width)
    arrow = " ◀──" if backward else " ──▶"
    rows = [Text(no_wrap=True, overflow="crop") for _ in range(4)]
    for index, item in enumerate(items):
        if index:
            for number, row in enumerate(rows):
                row.append(arrow if number == 1 else " " * _CONNECTOR_WIDTH, style="bold")
        if item is None:
            for number, row in enumerate(rows):
                row.append(_GAP if number == 1 else " " * len(_GAP), style="dim")
            continue
        for row, (text, style) in zip(rows, item.lines(), strict=True):
            row.append(text, style=style)
    return Text("\n", no_wrap=True, overflow="crop").join(rows)


class NetworkDiagram(PreparedView):
    """The chain of boxes; four lines tall whatever the network, so a swap needs no layout."""

    DEFAULT_CSS = """
    NetworkDiagram { height: 4; width: 1fr; overflow: hidden hidden; }
    """
