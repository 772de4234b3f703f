"""tutor in class mode: a student signs in, and their work goes to the class records.

``ClassApp`` is ``TutorApp`` with a door in front and a richer store behind. Until
a student signs in it holds a read-only store, so nothing (not even quitting) writes
to the machine's own progress file; once signed in, the student's
``ClassProgressStore`` takes its place and the app's one progress code path saves to
the class database. The handlers here only add what the progress model has no room
for (the answer typed and its verdict, hints and solutions seen) before
``TutorApp``'s handler of the same message records and saves: Textual calls each
class's handler in turn, so none of them calls ``super()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tutor.app import TutorApp
from tutor.core.classroom import ClassProgressStore
from tutor.core.library import Library
from tutor.core.paths import data_dir
from tutor.core.progress import ProgressStore
from tutor.core.safe_text import clean_line
from tutor.screens.sign_in import SignInScreen
from tutor.settings import Settings
from tutor.widgets.quiz import QuizCard


class SessionSettings(Settings):
    """A student's theme lasts their session: the machine's saved choice is the teacher's."""

    def save(self) -> None:
        return None


class ClassApp(TutorApp):
    """A student's session in a class: sign in, then lessons saved to the class records."""

    def __init__(
        self, library: Library, class_name: str, *, database: Path | None = None, **options: Any
    ) -> None:
        super().__init__(library, store=ProgressStore(data_dir(), read_only=True), **options)
        self.class_name = class_name
        self.database = database
        self.settings = SessionSettings(self.settings.theme, self.settings.notice)
        self.title = clean_line(f"tutor · {class_name}")
        #: No palette before sign-in: its lessons, playground and reset would open the
        #: app past the door, with work that goes nowhere. ``signed_in`` turns it on.
        self.use_command_palette = False

    @property
    def class_store(self) -> ClassProgressStore | None:
        """The signed-in student's store (None before sign-in)."""
        return self.store if isinstance(self.store, ClassProgressStore) else None

    def start_lessons(self) -> None:
        if self.class_store is None:
            self.push_screen(SignInScreen(self.class_name, self.database), self.signed_in)
            return
        super().start_lessons()

    def signed_in(self, store: ClassProgressStore | None) -> None:
        if store is None:
            self.exit()
            return
        self.store = store  # type: ignore[assignment]  # ProgressStore's interface
        self.sub_title = clean_line(store.student.name)
        self.learner_label = clean_line(f"{store.student.name} · {self.class_name}")
        self.use_command_palette = True
        super().start_lessons()

    def open_lesson(self, lesson_id: str, section: int | None = None) -> None:
        """Lessons open only to a signed-in student (whatever asks: a key, a command)."""
        if self.class_store is None:
            return
        super().open_lesson(lesson_id, section)

    def on_quiz_card_graded(self, event: QuizCard.Graded) -> None:
        if store := self.class_store:
            store.note_attempt(
                event.lesson_id,
                event.quiz_id,
                event.answer,
                event.verdict,
                event.correct,
                after_solution=event.after_solution,
            )

    def on_quiz_card_revealed(self, event: QuizCard.Revealed) -> None:
        if store := self.class_store:
            store.note_help(event.lesson_id, event.quiz_id, "solution")

    def on_quiz_card_hint_shown(self, event: QuizCard.HintShown) -> None:
        if store := self.class_store:
            store.note_help(event.lesson_id, event.quiz_id, "hint", event.number)
            self.save_progress()
