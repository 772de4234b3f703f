"""Signing in to a class: a student's name and join code, before the first lesson.

The screen dismisses with the student's ``ClassProgressStore`` once the class
database accepts the code, or with None if the student leaves. Guessing is slowed
at two levels: this screen waits a little longer after each wrong code and refuses
any more after ``SESSION_TRIES`` of them (a reload costs a whole new session), and
the database locks a name after ``NAME_TRIES`` wrong codes in a row from anywhere.

The check runs in a worker: scrypt takes tens of milliseconds, which thirty students
signing in at once would otherwise add to everyone's typing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from tutor.core.classroom import ClassBook, ClassProgressStore, SignInResult
from tutor.core.errors import TutorError
from tutor.core.join_codes import SESSION_TRIES, wrong_code_delay
from tutor.core.safe_text import literal
from tutor.widgets.form_field import FormField

#: How the screen waits after a wrong code; tests replace it to see the wait asked for.
pause = asyncio.sleep
#: What the empty fields show: which field the cursor is in reads at a glance on a
#: projector, and a field that is ready again after a wrong code shows it.
NAME_PLACEHOLDER = "first and last name"
CODE_PLACEHOLDER = "the code on your slip"


class SignInScreen(Screen[ClassProgressStore | None]):
    """Name and join code; dismisses with the signed-in student's store."""

    BINDINGS = [Binding("escape", "leave", "Leave", tooltip="Close tutor without signing in")]

    @dataclass
    class Refused(Message):
        """A sign-in was refused (tests and the app can watch for it)."""

        message: str
        wrong_so_far: int

    def __init__(self, class_name: str, database: Path | None = None) -> None:
        super().__init__()
        self.class_name = class_name
        self.database = database
        self.book: ClassBook | None = None
        #: Wrong codes typed in this session.
        self.wrong = 0
        #: True once this session may try no more (too many wrong codes, or no database).
        self.closed = False
        #: The open database went to the student's store (which keeps it open).
        self.handed_over = False

    def compose(self) -> ComposeResult:
        with Vertical(id="sign-in"):
            yield Static(literal(f"Sign in to the class {self.class_name}"), id="sign-in-title")
            yield Label("Your name, as on the sheet from your teacher:")
            yield FormField(
                id="sign-in-name", max_length=60, placeholder=NAME_PLACEHOLDER, then="#sign-in-code"
            )
            yield Label("Your join code (for example K7P-Q4M):")
            yield FormField(
                id="sign-in-code", password=True, max_length=20, placeholder=CODE_PLACEHOLDER
            )
            yield Button("Sign in (Enter)", id="sign-in-button", variant="primary")
            yield Static(id="sign-in-message")

    def on_mount(self) -> None:
        try:
            self.book = ClassBook.open(self.database, create=False)
            self.book.class_id(self.class_name)
        except TutorError as error:
            self._close(f"This class cannot be opened: {error.message}")
            return
        self.query_one("#sign-in-name", Input).focus()

    def on_unmount(self) -> None:
        if self.book is not None and not self.handed_over:
            self.book.close()

    @on(Input.Submitted, "#sign-in-code")
    @on(Button.Pressed, "#sign-in-button")
    def submitted(self) -> None:
        name = self.query_one("#sign-in-name", Input).value.strip()
        code = self.query_one("#sign-in-code", Input).value
        if self.closed or self.book is None:
            return
        if not name or not code.strip():
            self.say("Type both your name and your join code.")
            return
        self._set_enabled(False)
        self.say("Checking…")
        self.check(name, code)

    @work(exclusive=True, group="sign-in")
    async def check(self, name: str, code: str) -> None:
        assert self.book is not None
        book = self.book
        try:
            result = await asyncio.to_thread(book.sign_in, self.class_name, name, code)
        except TutorError as error:
            self._close(f"Signing in failed: {error.message}")
            return
        if result.student is not None:
            self.handed_over = True
            self.dismiss(book.store_for(result.student))
            return
        await self._refused(result)

    async def _refused(self, result: SignInResult) -> None:
        self.wrong += 1
        self.query_one("#sign-in-code", Input).value = ""
        self.post_message(self.Refused(result.message, self.wrong))
        if self.wrong >= SESSION_TRIES:
            self._close(
                f"{result.message} That was {self.wrong} wrong codes: this page takes no "
                "more. Ask your teacher for your code."
            )
            return
        left = SESSION_TRIES - self.wrong
        self.say(f"{result.message} ({left} {'tries' if left != 1 else 'try'} left here.)")
        await pause(wrong_code_delay(self.wrong))
        self._set_enabled(True)
        self.query_one("#sign-in-code", Input).focus()

    def say(self, message: str) -> None:
        self.query_one("#sign-in-message", Static).update(literal(message))

    def _close(self, message: str) -> None:
        self.closed = True
        self._set_enabled(False)
        self.say(message)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            self.query_one("#sign-in-name", Input),
            self.query_one("#sign-in-code", Input),
            self.query_one("#sign-in-button", Button),
        ):
            widget.disabled = not enabled or self.closed

    def action_leave(self) -> None:
        self.dismiss(None)
