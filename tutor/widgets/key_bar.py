"""The line of keys at the foot of a screen, drawn as one widget.

Textual's ``Footer`` builds a widget per key and composes itself a second time as
soon as the screen's bindings are known (and again whenever focus moves), which on
the lesson screen cost about 30 ms before the first paint. What a learner needs from
it is one line of text: the keys that work here, dimmed when they do nothing, each
clickable, lit and explained (its tooltip) under the mouse (a browser under
``tutor serve`` has one). This draws that line and redraws it, without any layout,
when the bindings change.

On a narrow screen the keys that do not fit are left out whole; the help key (which
lists every key) and the command palette's keep their place at the right.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.screen import Screen
from textual.widget import Widget

#: Actions whose keys stay on the bar however narrow it is, at its right end.
PINNED_ACTIONS = ("app.help", "help")


class KeyHint(NamedTuple):
    """One key as the bar shows it."""

    key: str
    """What pressing it sends (the binding's first key)."""
    display: str
    """How the key is written, e.g. ``?`` or ``^p``."""
    description: str
    enabled: bool
    tooltip: str = ""


class KeyBar(Widget):
    """The keys that work on this screen; clicking one presses it."""

    ALLOW_SELECT = False

    COMPONENT_CLASSES = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--disabled",
        "key-bar--hover",
    }

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
        .key-bar--hover { background: $block-hover-background; }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hints: list[KeyHint] = []
        #: Shown at the right end whatever the width: help, then the palette.
        self.pinned: list[KeyHint] = []
        #: The hint under the mouse, if any.
        self.hover: KeyHint | None = None
        #: Where each hint was drawn last: (first cell, end cell, hint).
        self._spans: list[tuple[int, int, KeyHint]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """Read the screen's active bindings again; repaint only if the line changed."""
        if screen is not self.screen:
            return
        hints, pinned = self.read_hints(screen)
        if hints != self.hints or pinned != self.pinned:
            self.hints, self.pinned = hints, pinned
            self.refresh()

    def read_hints(self, screen: Screen) -> tuple[list[KeyHint], list[KeyHint]]:
        """The shown keys, one per action (the first key bound to it), and the pinned."""
        active = screen.active_bindings
        hints: list[KeyHint] = []
        pinned: list[KeyHint] = []
        actions: set[str] = set()
        for _node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            hint = KeyHint(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                enabled,
                tooltip or binding.tooltip,
            )
            (pinned if binding.action in PINNED_ACTIONS else hints).append(hint)
        palette_key = self.app.COMMAND_PALETTE_BINDING
        if self.app.ENABLE_COMMAND_PALETTE and palette_key in active:
            _node, binding, enabled, tooltip = active[palette_key]
            display = self.app.get_key_display(binding)
            tip = tooltip or binding.tooltip or "Search lessons, sections and commands"
            pinned.append(KeyHint(binding.key, display, binding.description, enabled, tip))
        return hints, pinned

    # -- drawing ----------------------------------------------------------------------

    def render(self) -> RenderResult:
        styles = {
            name: self.get_component_rich_style(f"key-bar--{name}", partial=True)
            for name in ("key", "description", "disabled", "hover")
        }
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, KeyHint]] = []
        for hint in self.hints:
            start = line.cell_len
            self._append(line, hint, styles)
            spans.append((start, line.cell_len, hint))
        tail = Text(no_wrap=True, end="")
        tail_spans: list[tuple[int, int, KeyHint]] = []
        for hint in self.pinned:
            start = tail.cell_len
            self._append(tail, hint, styles)
            tail_spans.append((start, tail.cell_len, hint))
        room = max(0, self.size.width - tail.cell_len)
        # Keys that do not fit are left out whole, never cut in the middle.
        spans = [span for span in spans if span[1] <= room]
        line.truncate(spans[-1][1] if spans else 0)
        line.truncate(room, pad=True)
        line.append_text(tail)
        spans += [(room + start, room + end, hint) for start, end, hint in tail_spans]
        self._spans = spans
        return line

    def _append(self, line: Text, hint: KeyHint, styles: dict[str, Style]) -> None:
        start = len(line)
        line.append(f" {hint.display} ", styles["key"])
        if hint.description:
            line.append(f"{hint.description} ", styles["description"])
        if not hint.enabled:
            line.stylize(styles["disabled"], start)
        if hint == self.hover:
            line.stylize(styles["hover"], start)

    # -- the mouse --------------------------------------------------------------------------

    def hint_at(self, x: int) -> KeyHint | None:
        """The hint drawn at cell ``x`` of the bar, if any."""
        return next((hint for start, end, hint in self._spans if start <= x < end), None)

    def key_at(self, x: int) -> str | None:
        """The key drawn at cell ``x`` of the bar, if any."""
        hint = self.hint_at(x)
        return hint.key if hint else None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self.hint_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, hint: KeyHint | None) -> None:
        if hint == self.hover:
            return
        self.hover = hint
        self.tooltip = (hint.tooltip or None) if hint else None
        self.styles.pointer = "pointer" if hint else "default"
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        hint = self.hint_at(event.x)
        if hint is None:
            return
        event.stop()
        if hint.enabled:
            self.app.simulate_key(hint.key)
        else:
            self.app.bell()
