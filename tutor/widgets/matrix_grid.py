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


def shown_note(shape: tuple[int, ...], max_rows: int, max_cols: int) -> str:
    """What an elided matrix leaves out, in words: "showing 4 of 10 rows" ("" if whole)."""
    if len(shape) != 2:
        return ""
    rows, cols = shape
    parts = []
    if rows > max_rows:
        parts.append(f"{2 * (max_rows // 2)} of {rows} rows")
    if cols > max_cols:
        parts.append(f"{2 * (max_cols // 2)} of {cols} columns")
    return "showing " + ", ".join(parts) if parts else ""


def framed_lines(
    term: MatrixTerm, max_rows: int, max_cols: int, heat: bool, *, note: bool = False
) -> list[Text]:
    """The matrix in a box, one Text a line, all the same width.

    The result of a step gets a heavy frame, so it stands out without colour. With
    ``note``, an elided matrix says under its box how much of it is shown.
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
    said = shown_note(term.array.shape, max_rows, max_cols) if note else ""
    if said:
        lines.append(Text(said, style="dim italic"))
    width = max(line.cell_len for line in lines)
    for line in lines:
        line.align("left", width)
    return lines


def columns_that_fit(term: MatrixTerm, width: int) -> int:
    """The most columns of ``term`` whose framed box fits ``width`` (all, if they do)."""
    cols = term.array.shape[-1] if term.array.ndim else 1
    while cols > _MIN_SHOWN and _estimated_width(term, cols) > width:
        cols -= 1
    return cols


def equation_bands(
    terms: Sequence[MatrixTerm],
    operators: Sequence[str],
    *,
    width: int,
    max_rows: int,
    heat: bool = True,
) -> Text:
    """``terms[0] op[0] terms[1] ...`` laid out in bands, as words wrap into lines.

    Every matrix is whole when it fits ``width`` by ``max_rows``; one that does not
    keeps its corners and says under its box how much is shown. A row of matrices
    wider than the screen continues in a band below instead of being cut, and an
    operator stays with the matrix before it, so no band starts with one.
    """
    blocks: list[list[Text]] = []
    for index, term in enumerate(terms):
        op = f" {operators[index]} " if index < len(operators) else ""
        room = max(width - len(op), 8)
        # An elided matrix shows its ⋮ row and a note too: two lines fewer of values;
        # and only its corners, as many as a whole one would show at most (more of a
        # 1000-row matrix tells no more, and costs every frame memory).
        tall = term.array.ndim and term.array.shape[0] > max_rows
        rows = max(min(max_rows - 2, MAX_ROWS), _MIN_SHOWN) if tall else max_rows
        cols = columns_that_fit(term, room)
        if term.array.ndim and cols < term.array.shape[-1]:
            cols = min(cols, MAX_COLS - 2)
        framed = framed_lines(term, rows, cols, heat, note=True)
        # Values wider than their 8 cells can overflow the estimate: take columns away.
        while framed[0].cell_len > room and cols > _MIN_SHOWN:
            cols -= 1
            framed = framed_lines(term, rows, cols, heat, note=True)
        if op:
            gap = Text(" " * len(op))
            framed = [
                line + (Text(op, style="bold") if number == 1 else gap)
                for number, line in enumerate(framed)
            ]
        blocks.append(framed)
    bands: list[list[list[Text]]] = [[]]
    used = 0
    for block in blocks:
        block_width = block[0].cell_len
        if bands[-1] and used + block_width > width:
            bands.append([])
            used = 0
        bands[-1].append(block)
        used += block_width
    lines: list[Text] = []
    for band in bands:
        if lines:
            lines.append(Text())
        tall = max(len(block) for block in band)
        for number in range(tall):
            row = Text(no_wrap=True, overflow="crop")
            for block in band:
                cell = block[number].copy() if number < len(block) else Text()
                cell.align("left", block[0].cell_len)
                row.append_text(cell)
            row.truncate(width)
            row.rstrip()
            lines.append(row)
    return Text("\n", no_wrap=True, overflow="crop").join(lines)


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


def prepare_lines(text: Text, width: int, *, wrap: bool = False) -> PreparedLines:
    """Render ``text`` into lines at most ``width`` cells wide (cropped, or wrapped)."""
    console = Console(
        file=io.StringIO(),
        width=max(width, 1),
        color_system="truecolor",
        force_terminal=True,
        legacy_windows=False,
    )
    options = console.options.update(width=max(width, 1), no_wrap=not wrap, overflow="crop")
    if wrap:
        text = text.copy()
        text.no_wrap = False
    lines = console.render_lines(text, options, pad=False, new_lines=False)
    return PreparedLines(text.plain, tuple(Strip(line).simplify() for line in lines))


def stacked(*parts: PreparedLines) -> PreparedLines:
    """Prepared lines one above the other, a blank line between each two."""
    strips: list[Strip] = []
    for part in parts:
        if strips:
            strips.append(Strip([]))
        strips.extend(part.strips)
    return PreparedLines("\n\n".join(part.plain for part in parts), tuple(strips))


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
