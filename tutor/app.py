"""The Textual app (a first screen; the full app grows from here)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Markdown

from tutor.core.library import Library


class TutorApp(App[None]):
    """Shows the chosen lesson's text."""

    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, library: Library, start_lesson: str | None = None) -> None:
        super().__init__()
        self.library = library
        self.start_lesson = start_lesson

    def compose(self) -> ComposeResult:
        yield Header()
        lesson = (
            self.library.find(self.start_lesson) if self.start_lesson else self.library.lessons[0]
        )
        text = "\n\n".join(
            part.text
            for section in lesson.sections
            for part in section.parts
            if hasattr(part, "text")
        )
        yield Markdown(f"# {lesson.title}\n\n{text}")
        yield Footer()
