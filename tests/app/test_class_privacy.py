"""Before a student signs in, nothing in the app opens a lesson: not the palette, not a command.

The command palette lists lessons, the playground and "Reset progress"; opened on the
sign-in screen it would take a student past the door into lessons whose work is saved
nowhere. It stays shut until a student has signed in.
"""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette

from tutor.class_app import ClassApp
from tutor.core.classroom import ClassBook
from tutor.core.library import load_library
from tutor.screens.lesson import LessonScreen
from tutor.screens.sign_in import SignInScreen


async def test_no_palette_and_no_lesson_before_sign_in(lesson_folder: Path) -> None:
    with ClassBook.open() as book:
        book.new_class("7B")
        codes = dict(book.add_students("7B", ["Ada"]))
    app = ClassApp(load_library(lesson_folder), "7B")
    app.animation_level = "none"
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert not CommandPalette.is_open(app)
        app.open_lesson(app.library.lessons[0].id)  # what the palette's entries call
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        await pilot.press(*"Ada", "enter")
        await pilot.pause()
        await pilot.press(*codes["Ada"], "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert CommandPalette.is_open(app), "a signed-in student has the palette"
