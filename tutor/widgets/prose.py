"""Lesson prose: Markdown with its math shown in Unicode, in one widget per run of text.

A single Static per run of prose costs one widget where Textual's Markdown widget
makes one per paragraph, and ``tutor.rendering.prose`` draws it the way Rich's
Markdown does without importing markdown-it and Pygments: lessons open faster and
scroll lighter for both.
"""

from __future__ import annotations

from textual.widgets import Static

from tutor.core.mathtext import render_math
from tutor.rendering.prose import prose_renderable


class ProseView(Static):
    """A run of lesson prose between live blocks."""

    DEFAULT_CSS = """
    ProseView { height: auto; margin: 0 0 1 0; }
    """

    def __init__(self, markdown: str, **kwargs) -> None:
        self.markdown = markdown
        super().__init__(prose_renderable(render_math(markdown)), **kwargs)
