"""The line of keys at the foot of a screen, drawn as one widget.

Textual's ``Footer`` builds a widget per key and composes itself a second time as
soon as the screen's bindings are known (and again whenever focus moves), which on
the lesson screen cost about 30 ms before the first paint. What a learner needs from
it is one line of text: the keys that work here, dimmed when they do nothing, each
clickable (a browser under ``tutor serve`` has a mouse). This draws that line and
redraws it, without any layout, when the bindings change.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.screen import Screen
from textual.widget import Widget


class KeyHint(NamedTuple):
    """One key as the bar shows it."""

    key: str
    """What pressing it sends (the binding's first key)."""
    display: str
    """How the key is written, e.g. ``?`` or ``^p``."""
    description: str
    enabled: bool


class KeyBar(Widget):
    """The keys that work on this screen; clicking one presses it."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--disabled"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-bar--disabled { text-style: dim; }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hints: list[KeyHint] = []
        self.palette: KeyHint | None = None
        #: Where each hint was drawn last: (first cell, end cell, key).
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """Read the screen's active bindings again; repaint only if the line changed."""
        if screen is not self.screen:
            return
        hints, palette = self.read_hints(screen)
        if hints != self.hints or palette != self.palette:
            self.hints, self.palette = hints, palette
            self.refresh()

    def read_hints(self, screen: Screen) -> tuple[list[KeyHint], KeyHint | None]:
        """The shown keys, one per action (the first key bound to it), and the palette's."""
        active = screen.active_bindings
        hints: list[KeyHint] = []
        actions: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            display = self.app.get_key_display(binding)
            hints.append(KeyHint(binding.key, display, binding.description, enabled))
        palette: KeyHint | None = None
        palette_key = self.app.COMMAND_PALETTE_BINDING
        if self.app.ENABLE_COMMAND_PALETTE and palette_key in active:
            _node, binding, enabled, _tooltip = active[palette_key]
            display = self.app.get_key_display(binding)
            palette = KeyHint(binding.key, display, binding.description, enabled)
        return hints, palette

    def render(self) -> RenderResult:
        styles = (
            self.get_component_rich_style("key-bar--key", partial=True),
            self.get_component_rich_style("key-bar--description", partial=True),
            self.get_component_rich_style("key-bar--disabled", partial=True),
        )
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str]] = []
        for hint in self.hints:
            start = line.cell_len
            self._append(line, hint, *styles)
            spans.append((start, line.cell_len, hint.key))
        tail = Text(no_wrap=True, end="")
        if self.palette is not None:
            # The palette's key keeps its place at the right, as in Textual's footer.
            self._append(tail, self.palette, *styles)
        room = max(0, self.size.width - tail.cell_len)
        # Keys that do not fit are left out whole, never cut in the middle.
        spans = [span for span in spans if span[1] <= room]
        line.truncate(spans[-1][1] if spans else 0)
        line.truncate(room, pad=True)
        if self.palette is not None:
            spans.append((room, room + tail.cell_len, self.palette.key))
            line.append_text(tail)
        self._spans = spans
        return line

    @staticmethod
    def _append(
        line: Text, hint: KeyHint, key_style: Style, description_style: Style, disabled: Style
    ) -> None:
        start = len(line)
        line.append(f" {hint.display} ", key_style)
        if hint.description:
            line.append(f"{hint.description} ", description_style)
        if not hint.enabled:
            line.stylize(disabled, start)

    def key_at(self, x: int) -> str | None:
        """The key drawn at cell ``x`` of the bar, if any."""
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_click(self, event: events.Click) -> None:
        key = self.key_at(event.x)
        if key is not None:
            event.stop()
            self.app.simulate_key(key)
