"""A matrix as text: every value readable with its sign, colour only as a second cue.

A diverging heat colour (blue for negative, red for positive, stronger for larger
magnitudes) helps the eye, but the numbers and their signs carry the meaning, so a
learner with ``NO_COLOR`` or a monochrome projector loses nothing.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from rich.style import Style
from rich.text import Text

from tutor.core.expression import format_shape
from tutor.core.safe_text import clean_line

#: Rows and columns shown before a matrix is elided with its shape.
MAX_ROWS = 8
MAX_COLS = 8

_NEGATIVE = (59, 130, 246)
_POSITIVE = (239, 68, 68)


def format_value(value: float, width: int = 8) -> str:
    """A number in at most ``width`` characters, always with its sign."""
    if not np.isfinite(value):
        return f"{value!s:>{width}}"
    magnitude = abs(value)
    if magnitude != 0 and (magnitude >= 1e5 or magnitude < 1e-3):
        text = f"{value:+.1e}"
    elif float(value).is_integer() and magnitude < 1e5:
        text = f"{value:+.0f}"
    else:
        text = f"{value:+.3f}"
    return f"{text:>{width}}"


def scalar_text(value: float) -> str:
    """A single number with six significant digits and its sign: +3.74555, -1.2e-07."""
    if not np.isfinite(value):
        return str(value)
    return f"{value:+.6g}"


def loss_texts(before: float, after: float) -> tuple[str, str, str]:
    """Δ before, Δ after and their change, with decimals enough to see the change.

    At three decimals a loss of 3.7456 that falls by 0.0004 reads the same before and
    after; here the change always has three significant digits, and before and after
    as many decimals as it does.
    """
    change = after - before
    decimals = 3
    if np.isfinite(change) and change != 0:
        decimals = min(max(3, 2 - math.floor(math.log10(abs(change)))), 12)
    if not (np.isfinite(before) and np.isfinite(after)):
        return str(before), str(after), str(change)
    return f"{before:.{decimals}f}", f"{after:.{decimals}f}", f"{change:+.{decimals}f}"


def heat_style(value: float, scale: float) -> Style:
    """A background whose hue says the sign and whose strength says the size."""
    if scale <= 0 or not np.isfinite(value):
        return Style()
    strength = min(abs(value) / scale, 1.0)
    red, green, blue = _POSITIVE if value > 0 else _NEGATIVE
    mix = 0.15 + 0.55 * strength
    return _heat((int(red * mix), int(green * mix), int(blue * mix)))


@lru_cache(maxsize=1024)
def _heat(rgb: tuple[int, int, int]) -> Style:
    """One shared Style per colour: a frame of the epoch holds hundreds of cells, and
    every frame is kept, so equal cells share one object instead of each owning one."""
    return Style(bgcolor=f"rgb({rgb[0]},{rgb[1]},{rgb[2]})", color="white")


def _rows_and_cols(shape: tuple[int, ...], max_rows: int, max_cols: int) -> tuple[list, list]:
    rows, cols = shape
    row_index = (
        list(range(rows))
        if rows <= max_rows
        else [*range(max_rows // 2), None, *range(rows - max_rows // 2, rows)]
    )
    col_index = (
        list(range(cols))
        if cols <= max_cols
        else [*range(max_cols // 2), None, *range(cols - max_cols // 2, cols)]
    )
    return row_index, col_index


def matrix_text(
    array: np.ndarray,
    *,
    name: str | None = None,
    heat: bool = True,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLS,
    marked: np.ndarray | None = None,
) -> Text:
    """A matrix, vector or scalar as a Text block headed by its name and shape.

    Large matrices keep their corners and elide the middle with ``⋮`` and ``…``, so
    the shape is never lost and nothing scrolls off screen. ``marked`` (a boolean
    array of the same shape) puts a ``*`` after the cells it flags, e.g. the weights
    an update changed, so the mark survives without colour.
    """
    values = np.asarray(array, dtype=float)
    header = f"{clean_line(name)} " if name else ""  # a name the lesson chose
    text = Text(f"{header}{format_shape(values.shape)}\n", style="bold")
    if values.ndim == 0:
        # One number (a loss): six significant digits, so a small change shows.
        text.append(scalar_text(float(values)))
        return text
    grid = values.reshape(1, -1) if values.ndim == 1 else values.reshape(values.shape[0], -1)
    flags = None if marked is None else np.asarray(marked).reshape(grid.shape)
    scale = _magnitude(grid)
    rows, cols = _rows_and_cols(grid.shape, max_rows, max_cols)
    for row in rows:
        text.append(" ")
        for col in cols:
            text.append_text(_cell(grid, flags, row, col, scale, heat))
        text.append("\n")
    text.rstrip()
    return text


def _magnitude(grid: np.ndarray) -> float:
    """The largest absolute value (the heat scale); 0 if empty or anything is not finite.

    Read from the minimum and the maximum, which NaN and ±inf both reach, instead of
    ``abs(grid)``: that would copy a 1000×784 input to find one number.
    """
    if not grid.size:
        return 0.0
    low, high = float(grid.min()), float(grid.max())
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0
    return max(abs(low), abs(high))


def _cell(grid: np.ndarray, flags, row, col, scale: float, heat: bool) -> Text:
    if row is None:
        return Text(f"{'⋮':>8} ")
    if col is None:
        return Text(f"{'…':>8} ")
    value = float(grid[row, col])
    mark = "*" if flags is not None and flags[row, col] else " "
    style = heat_style(value, scale) if heat else Style()
    return Text(format_value(value), style=style) + Text(mark)
