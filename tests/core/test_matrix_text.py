"""Matrices as text: the heat scale and colours, cheap enough for a 1000×784 input."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console

from tutor.rendering.matrices import heat_style, matrix_text


def plain(text) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(text)
    return console.file.getvalue()


@pytest.mark.parametrize(
    "values",
    [[[1.0, -3.0], [2.0, 0.0]], [[-0.5, 0.25]], [[7.0]], [[-2.0, 1e-9]]],
)
def test_cells_are_coloured_against_the_largest_magnitude(values) -> None:
    array = np.array(values)
    scale = float(np.max(np.abs(array)))
    text = matrix_text(array)
    styles = [span.style for span in text.spans if span.style != "bold"]
    expected = [heat_style(float(v), scale) for v in array.ravel()]
    assert [str(s) for s in styles] == [str(s) for s in expected]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_value_that_is_not_finite_turns_the_colour_off(bad: float) -> None:
    text = matrix_text(np.array([[1.0, bad], [2.0, 3.0]]))
    assert all(str(span.style) in ("bold", "none") for span in text.spans)


def test_equal_colours_are_one_shared_style() -> None:
    assert heat_style(0.5, 1.0) is heat_style(0.5, 1.0)
    assert heat_style(0.5, 1.0) is not heat_style(-0.5, 1.0)


def test_a_large_matrix_keeps_its_corners_and_shape() -> None:
    array = np.arange(1000 * 784, dtype=float).reshape(1000, 784)
    shown = plain(matrix_text(array, name="X", max_rows=4, max_cols=4))
    assert shown.startswith("X (1000,784)")
    assert "⋮" in shown and "…" in shown
    assert "+783" in shown  # the last column of the first row is still there
