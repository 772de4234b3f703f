"""Matrices side by side as one prepared Text, in a widget that never changes size.

An animation frame must cost the same for a 10×3 input as for a 1000×784 one, so
every matrix is elided to a few rows and columns (``matrix_text``), and a whole row
of them ("B1ᵀ · D2 = δW2") is assembled into a single ``Text`` ahead of time, in the
worker that prepares the frames, and rendered there into screen lines
(``prepare_lines``). Showing a frame is then a swap of those lines in a widget whose
size is fixed by CSS: no layout pass, no styling work on the event loop.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from tutor.rendering.matrices import MAX_COLS, MAX_ROWS, matrix_text

#: Columns a framed matrix takes beyond its text: the panel's two borders.
_FRAME_WIDTH = 2
#: Never elide below this many rows or columns (the corners plus the ellipsis).
_MIN_SHOWN = 2


@dataclass(frozen=True)
class MatrixTerm:
    """One matrix in an equation row, as the learner should read it."""

    name: str
    array: np.ndarray
    #: Cells to flag with ``*`` (the weights an update changed).
    marked: np.ndarray | None = None
    #: The matrix this step computes: drawn in a heavy frame so it stands out without colour.
    result: bool = False


_LIGHT = "╭─╮│╰╯"
_HEAVY = "┏━┓┃┗┛"


def _estimated_width(term: MatrixTerm, max_cols: int) -> int:
    """Cells a framed ``matrix_text`` takes: each value 8 wide plus its mark, one margin.

    Working it out beats rendering to measure: the fit tries several column counts for
    every matrix of every step.
    """
    cols = term.array.shape[-1] if term.array.ndim else 1
    shown = cols if cols <= max_cols else 2 * (max_cols // 2) + 1
    shape = ",".join(str(n) for n in term.array.shape)
    header = len(term.name) + len(shape) + 3
    return max(header, 1 + 9 * shown) + _FRAME_WIDTH


def fit_columns(terms: Sequence[MatrixTerm], operators: Sequence[str], width: int) -> list[int]:
    """Columns to show of each matrix so the whole row fits in ``width`` cells.

    The widest matrix gives up columns first, so small operands stay whole while a
    784-wide weight matrix is cut down to its corners.
    """
    columns = [MAX_COLS] * len(terms)
    spare = width - sum(len(op) + 2 for op in operators)
    widths = [_estimated_width(term, MAX_COLS) for term in terms]
    while sum(widths) > spare:
        widest = max(range(len(terms)), key=widths.__getitem__)
        if columns[widest] <= _MIN_SHOWN:
            break
        columns[widest] -= 2 if columns[widest] > 3 else 1
        widths[widest] = _estimated_width(terms[widest], columns[widest])
    return columns


def framed_lines(term: MatrixTerm, max_rows: int, max_cols: int, heat: bool) -> list[Text]:
    """The matrix in a box, one Text a line, all the same width.

    The result of a step gets a heavy frame, so it stands out without colour.
    """
    body = matrix_text(
        term.array,
        name=term.name,
        heat=heat,
        max_rows=max_rows,
        max_cols=max_cols,
        marked=term.marked,
    ).split("\n")
    inner = max(line.cell_len for line in body)
    tl, h, tr, v, bl, br = _HEAVY if term.result else _LIGHT
    frame = "bold" if term.result else "dim"
    lines = [Text(f"{tl}{h * inner}{tr}", style=frame)]
    for line in body:
        line.align("left", inner)
        lines.append(Text(v, style=frame) + line + Text(v, style=frame))
    lines.append(Text(f"{bl}{h * inner}{br}", style=frame))
    return lines


def equation_row(
    terms: Sequence[MatrixTerm],
    operators: Sequence[str],
    *,
    width: int,
    height: int = MAX_ROWS + 4,
    heat: bool = True,
) -> Text:
    """``terms[0] op[0] terms[1] ... = result`` laid out side by side as one Text.

    Args:
        terms: the matrices, in reading order.
        operators: one fewer than ``terms``: what stands between neighbours ("·", "=").
        width: cells available across.
        height: lines available; matrices lose rows to fit (header and frame take 3).
        heat: colour cells by sign and size (the numbers carry the meaning either way).
    """
    max_rows = max(min(MAX_ROWS, height - 3), _MIN_SHOWN)
    columns = fit_columns(terms, operators, width)
    framed = [framed_lines(term, max_rows, columns[i], heat) for i, term in enumerate(terms)]
    # Values wider than their 8 cells (+10838.251) can still overflow the estimate:
    # measure, and take columns from the widest matrix until the row fits.
    spare = width - sum(len(op) + 2 for op in operators)
    while sum(lines[0].cell_len for lines in framed) > spare:
        widest = max(range(len(terms)), key=lambda i: framed[i][0].cell_len)
        if columns[widest] <= _MIN_SHOWN:
            break
        columns[widest] -= 2 if columns[widest] > 3 else 1
        framed[widest] = framed_lines(terms[widest], max_rows, columns[widest], heat)
    blocks: list[list[Text]] = []
    for index, lines in enumerate(framed):
        blocks.append(lines)
        if index < len(operators):
            blocks.append([Text(), Text(f" {operators[index]} ", style="bold")])
    tall = max(len(block) for block in blocks)
    rows = [Text(no_wrap=True, overflow="crop") for _ in range(tall)]
    for block in blocks:
        block_width = max(line.cell_len for line in block)
        for number, row in enumerate(rows):
            cell = block[number].copy() if number < len(block) else Text()
            cell.align("left", block_width)
            row.append_text(cell)
    for row in rows:
        row.truncate(width)
        row.rstrip()
    return Text("\n", no_wrap=True, overflow="crop").join(rows)


@dataclass(frozen=True)
class PreparedLines:
    """The screen lines a Text renders to, made off the event loop.

    Converting styled Text to lines is most of what painting costs (every heat-coloured
    cell is a style), so the worker does it once per frame and showing the frame only
    hands the lines over. The Text itself is not kept, only its plain text (for tests
    and for reading the screen out): a large network's frames are lighter by a third.
    """

    plain: str
    strips: tuple[Strip, ...]


def prepare_lines(text: Text, width: int) -> PreparedLines:
    """Render ``text`` into lines at most ``width`` cells wide (cropped, never wrapped)."""
    console = Console(
        file=io.StringIO(),
        width=max(width, 1),
        color_system="truecolor",
        force_terminal=True,
        legacy_windows=False,
    )
    options = console.options.update(width=max(width, 1), no_wrap=True, overflow="crop")
    lines = console.render_lines(text, options, pad=False, new_lines=False)
    return PreparedLines(text.plain, tuple(Strip(line).simplify() for line in lines))


class PreparedView(Widget):
    """Shows ``PreparedLines``; its size comes from CSS, never from what it shows.

    Swapping content refreshes this widget's own lines and never asks the screen for a
    layout, so a frame costs the same whatever the network's size.
    """

    DEFAULT_CSS = """
    PreparedView { width: 1fr; height: 1fr; overflow: hidden hidden; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lines = PreparedLines("", ())
        # The widget's own style, looked up once per frame rather than once per line.
        self._base_style: Style | None = None

    @property
    def plain(self) -> str:
        """What is shown, as plain text (for tests and for reading it out)."""
        return self.lines.plain

    def show(self, lines: PreparedLines) -> None:
        """Swap in a prepared frame: a repaint of this widget, no layout."""
        self.lines = lines
        self.refresh()

    def notify_style_update(self) -> None:
        self._base_style = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        if self._base_style is None:
            self._base_style = self.rich_style
        width, style = self.size.width, self._base_style
        if y >= len(self.lines.strips):
            return Strip.blank(width, style)
        # Styled afresh each time rather than with ``Strip.apply_style``, which would
        # keep a styled copy of every line of every prepared frame for good.
        prepared = self.lines.strips[y]
        styled = Strip(Segment.apply_style(prepared, style), prepared.cell_length)
        return styled.crop_extend(0, width, style)


class MatrixGrid(PreparedView):
    """The current step's matrices, side by side (see ``equation_row``)."""

    DEFAULT_CSS = """
    MatrixGrid { width: 1fr; height: 1fr; overflow: hidden hidden; }
    """
