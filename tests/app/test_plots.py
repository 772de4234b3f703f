"""Charts drawn as Rich Text, read on a plain console, and the PlotView in a running app."""

from __future__ import annotations

import io
import re

import numpy as np
from rich.console import Console
from textual.app import App, ComposeResult

from tutor.core.lesson import Block
from tutor.core.plots import GradientDepthPlot, function_samples
from tutor.widgets.plots import (
    PlotView,
    braille_lines,
    gradient_depth_chart,
    line_chart,
    loss_curve_text,
)


def plain(renderable, width: int = 100) -> str:
    """What a renderable reads as without colour on a fixed-width console."""
    console = Console(file=io.StringIO(), width=width, no_color=True, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def dots(cell: str) -> int:
    """The braille dot bits of one character (0 for a blank)."""
    return ord(cell) - 0x2800 if cell != " " else 0


# -- braille charts ------------------------------------------------------------------------------


def test_a_rising_line_starts_bottom_left_and_ends_top_right() -> None:
    lines = braille_lines(np.linspace(0, 1, 50), 0.0, 1.0, width=10, height=3)
    assert len(lines) == 3 and all(len(line) == 10 for line in lines)
    assert dots(lines[-1][0]) & 0x40  # lowest dot of the first column
    assert dots(lines[0][-1]) & 0x08  # highest dot of the last column
    assert lines[0][0] == " " and lines[-1][-1] == " "


def test_a_jump_is_joined_by_a_vertical_run_of_dots() -> None:
    step = np.array([0.0] * 10 + [1.0] * 10)
    lines = braille_lines(step, 0.0, 1.0, width=5, height=2)
    jump_column = [line[2] for line in lines]
    assert all(cell != " " for cell in jump_column)


def test_non_finite_values_leave_a_gap() -> None:
    values = np.array([0.0, np.nan, np.nan, np.nan, np.nan, 1.0])
    (line,) = braille_lines(values, 0.0, 1.0, width=3, height=1)
    assert dots(line[0]) == 0x40, "only the lowest left dot: the value 0"
    assert line[1] == " "
    assert dots(line[2]) == 0x08, "1 drawn alone in the top right dot, not joined to 0"


def test_function_chart_labels_both_curves_and_the_axes() -> None:
    text = plain(
        line_chart(
            function_samples("relu(x)", -3, 3).slope, x_low=-3, x_high=3, label="f′(x)", width=40
        )
    )
    assert "f′(x)" in text
    assert "1 ┤" in text and "0 ┤" in text
    assert "-3" in text and "3" in text and "(x)" in text


def test_relu_function_plot_reads_without_colour() -> None:
    from tutor.widgets.plots import function_chart

    text = plain(function_chart(function_samples("relu(x)", -3, 3)))
    assert "f(x) = relu(x)" in text and "f′(x), its slope" in text
    assert text.count("└") == 2


# -- gradient size per layer ---------------------------------------------------------------------


def test_gradient_depth_chart_prints_every_norm_beside_its_bar() -> None:
    plot = GradientDepthPlot(
        depth=3, width=4, norms={"sigmoid": (1e-6, 1e-3, 1.0), "relu": (2.0, 3.0, 4.0)}
    )
    text = plain(gradient_depth_chart(plot, width=30))
    rows = [line for line in text.splitlines() if re.match(r"(W\d+ +| +)(sigmoid|relu) ", line)]
    assert len(rows) == 6
    assert rows[0].startswith("W1") and "1.00e-06" in rows[0]
    assert "0.001" in rows[2] and rows[4].rstrip().endswith(" 1")
    bar = lambda row: row.count("█") + row.count("▓")  # noqa: E731
    assert bar(rows[0]) < bar(rows[2]) < bar(rows[4]), "longer bars for larger norms"
    assert "1e-07" in text and "1e+01" in text, "the log scale is labelled, below the least"
    assert "sigmoid: ‖∂Δ/∂W1‖ / ‖∂Δ/∂W3‖ = 1.00e-06" in text


def test_a_zero_norm_draws_no_bar_but_still_prints() -> None:
    plot = GradientDepthPlot(depth=2, width=2, norms={"relu": (0.0, 1.0)})
    rows = [
        line
        for line in plain(gradient_depth_chart(plot)).splitlines()
        if re.match(r"(W\d+ +| +)relu ", line)
    ]
    assert rows[0].split("relu")[1].strip() == "0"


# -- loss curves -------------------------------------------------------------------------------


def test_loss_curve_prints_first_last_min_and_max() -> None:
    text = plain(loss_curve_text([4.0, 3.0, 2.5, 2.75], first_epoch=0))
    assert "first +4 (epoch 0)" in text and "last +2.750 (epoch 3)" in text
    assert "min +2.500 (epoch 2)" in text and "max +4 (epoch 0)" in text


def test_an_overflowing_loss_is_reported_in_words() -> None:
    text = plain(loss_curve_text([1.0, 10.0, float("inf")]))
    assert "overflowed at epoch 2" in text


# -- the widget ---------------------------------------------------------------------------------


class PlotHost(App[None]):
    def __init__(self, data: dict) -> None:
        super().__init__()
        self.block = Block(kind="plot", line=3, body="", body_line=4, data=data)

    def compose(self) -> ComposeResult:
        yield PlotView(self.block)


async def test_plot_view_computes_in_a_worker_and_shows_the_chart() -> None:
    app = PlotHost({"kind": "gradient-depth", "acts": ["sigmoid", "relu"], "depth": 4, "width": 5})
    async with app.run_test(size=(100, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        view = app.query_one(PlotView)
        assert view.data is not None and list(view.data.norms) == ["sigmoid", "relu"]
        text = str(view.content)
        assert "W4" in text and "sigmoid" in text and not view.has_class("-error")


async def test_plot_view_shows_a_bad_expression_as_a_message() -> None:
    app = PlotHost({"kind": "function", "expr": "x.__class__"})
    async with app.run_test(size=(100, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        view = app.query_one(PlotView)
        assert view.has_class("-error") and view.data is None
        assert "cannot be drawn" in str(view.content)
