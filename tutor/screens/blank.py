"""A black screen, as a presenter's B key gives: the class looks at the teacher, not the slide."""

from __future__ import annotations

from textual import events
from textual.screen import Screen


class BlankScreen(Screen[None]):
    """Covers everything in black; any key or click returns to what was shown.

    The key that returns is swallowed, so pressing Page Down to come back does not
    also advance the lesson underneath.
    """

    DEFAULT_CSS = """
    BlankScreen { background: black; }
    """

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.dismiss()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.dismiss()
