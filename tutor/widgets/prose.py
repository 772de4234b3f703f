"""Lesson prose: Markdown with its math shown in Unicode, in one widget per run of text.

A single Static holding Rich's Markdown costs one widget where Textual's Markdown
widget makes one per paragraph; lessons open faster and scroll lighter for it.
"""

from __future__ import annotations

from rich.markdown import Markdown
from textual.widgets import Static

from tutor.core.mathtext import render_math


class ProseView(Static):
    """A run of lesson prose between live blocks."""

    DEFAULT_CSS = """
    ProseView { height: auto; margin: 0 0 1 0; }
    """

    def __init__(self, markdown: str, **kwargs) -> None:
        self.markdown = markdown
        super().__init__(Markdown(render_math(markdown), code_theme="ansi_dark"), **kwargs)
