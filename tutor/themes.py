"""Themes that read well on a laptop, in a bright room and on a projector."""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="tutor-high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ff00ff",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    success="#00ff00",
    warning="#ffaa00",
    error="#ff4040",
    dark=True,
)

PROJECTOR_LIGHT = Theme(
    name="tutor-light",
    primary="#0b3d91",
    secondary="#7a1fa2",
    accent="#b3261e",
    foreground="#000000",
    background="#ffffff",
    surface="#f4f4f4",
    panel="#e6e6e6",
    success="#0a6b0a",
    warning="#8a5a00",
    error="#b00020",
    dark=False,
)

#: The themes the `t` key cycles through, in order.
THEME_CYCLE = ("textual-dark", "tutor-light", "tutor-high-contrast")
CUSTOM_THEMES = (HIGH_CONTRAST, PROJECTOR_LIGHT)
