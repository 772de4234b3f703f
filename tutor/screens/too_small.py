"""Shown instead of a broken layout when the terminal is smaller than tutor needs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH = 80
MIN_HEIGHT = 24


class TooSmallScreen(Screen[None]):
    """A plain request to enlarge the window; the app removes it when it fits again.

    A full screen rather than a modal one: the layout beneath is not drawn at all, so
    a lesson squeezed into a few cells cannot spin re-laying itself out underneath.
    """

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.show_size(self.app.size.width, self.app.size.height)

    def show_size(self, width: int, height: int) -> None:
        self.query_one("#too-small", Static).update(
            f"Make the window larger: tutor needs {MIN_WIDTH}x{MIN_HEIGHT}, "
            f"this one is {width}x{height}."
        )
