"""The lesson list: number, status and title, status shown as a word-like mark too."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tutor.core.lesson import Lesson
from tutor.core.progress import Progress
from tutor.core.safe_text import clean_line

#: Each status has a mark that reads without colour.
STATUS_MARKS = {"done": ("✓", "green"), "started": ("•", "yellow"), "new": (" ", "")}


def lesson_label(number: int, lesson: Lesson, status: str) -> Text:
    mark, style = STATUS_MARKS[status]
    # One line per lesson: a wrapped title would read as another lesson.
    label = Text(f"{number:>2} ", no_wrap=True, overflow="ellipsis")
    label.append(mark, style=style)
    label.append(f" {clean_line(lesson.title)}")  # appended as text: never markup
    return label


class LessonList(OptionList, can_focus=False):
    """Every lesson of the library; selecting one opens it.

    Out of the Tab order (which would reach it first, as it is leftmost) and never
    focused at start, where it would take ↓ and End from the reader: ``l`` focuses it
    (``take_focus``), a click opens a lesson, and leaving gives focus up for good.
    """

    DEFAULT_CSS = """
    LessonList {
        width: 34; height: 1fr; border: none; border-right: solid $primary 30%;
        text-wrap: nowrap; text-overflow: ellipsis;
        /* The open lesson is marked whether or not the list has focus; with focus the
           highlight is the accent colour, so where ↓ goes is plain to see. */
        & > .option-list--option-highlighted {
            background: $primary 25%; color: $foreground; text-style: none;
        }
        &:focus > .option-list--option-highlighted {
            background: $accent; color: $text; text-style: bold;
        }
    }
    """

    def __init__(self, lessons: tuple[Lesson, ...], progress: Progress, **kwargs) -> None:
        self.lessons = lessons
        super().__init__(*self._options(progress), **kwargs)

    def _options(self, progress: Progress) -> list[Option]:
        return [
            Option(lesson_label(number, lesson, progress.status(lesson.id)), id=lesson.id)
            for number, lesson in enumerate(self.lessons, 1)
        ]

    def take_focus(self) -> None:
        """Focus the list until it loses focus (it is not in the Tab order)."""
        self.can_focus = True
        self.focus()

    def on_blur(self) -> None:
        self.can_focus = False

    def refresh_status(self, progress: Progress, current: str) -> None:
        """Redraw the marks after progress changed, keeping the highlight on ``current``."""
        for number, lesson in enumerate(self.lessons, 1):
            self.replace_option_prompt(
                lesson.id, lesson_label(number, lesson, progress.status(lesson.id))
            )
        self.highlight_lesson(current)

    def highlight_lesson(self, lesson_id: str) -> None:
        self.highlighted = next(
            (i for i, lesson in enumerate(self.lessons) if lesson.id == lesson_id), None
        )
