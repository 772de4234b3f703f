"""Small modal dialogs: yes/no, and jump to a lesson by number.

What they show may quote the learner's typing or a folder's name, so it is always
given as literal text.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from tutor.core.errors import TutorError
from tutor.core.library import Library
from tutor.core.safe_text import literal


class ConfirmDialog(ModalScreen[bool]):
    """Asks a yes/no question; dismisses with the answer."""

    BINDINGS = [Binding("escape,n", "answer(False)", "No"), Binding("y", "answer(True)", "Yes")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Grid(id="confirm"):
            yield Label(literal(self.question), id="question")
            yield Button("Yes (y)", variant="error", id="yes")
            yield Button("No (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class LessonNumberDialog(ModalScreen[str | None]):
    """Asks for a lesson number or id; dismisses with the lesson's id, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        #: Keys typed after ``g`` but read before this dialog could take them.
        self._early_keys: list[events.Key] = []
        self._ready = False

    def compose(self) -> ComposeResult:
        with Vertical(id="goto"):
            yield Label(literal(f"Go to lesson (1-{len(self.library.lessons)} or an id):"))
            yield Input(id="goto-input")
            yield Label("", id="goto-error")

    def on_mount(self) -> None:
        field = self.query_one("#goto-input", Input)
        field.focus()
        for key in self._early_keys:
            field._forward_event(events.Key(key.key, key.character))
        self._early_keys.clear()
        self._ready = True

    def type_ahead(self, key: events.Key) -> None:
        """Take a key typed before this dialog was ready (see ``TutorApp._on_key``)."""
        if self._ready:
            self.query_one("#goto-input", Input)._forward_event(events.Key(key.key, key.character))
        else:
            self._early_keys.append(key)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(self.library.find(event.value).id)
        except TutorError as error:
            # The message quotes what was typed and the folder: literal text, never markup.
            self.query_one("#goto-error", Label).update(literal(error.message))

    def action_cancel(self) -> None:
        self.dismiss(None)
