"""Class mode in the app: the sign-in screen, its guards, and where the work is saved.

The wait after a wrong code is the module's ``pause``; the tests replace it with one
that records what was asked and returns at once, so no test really waits.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Static

from tests.app.waiting import until
from tutor.class_app import ClassApp
from tutor.core import join_codes
from tutor.core.class_db import database_path
from tutor.core.classroom import ClassBook, ClassProgressStore
from tutor.core.library import load_library
from tutor.screens import sign_in
from tutor.screens.lesson import LessonScreen
from tutor.screens.sign_in import SignInScreen
from tutor.widgets.quiz import QuizCard

SIZE = (100, 40)


@pytest.fixture
def codes() -> dict[str, str]:
    """A class '7B' with two students; their join codes by name."""
    with ClassBook.open() as book:
        book.new_class("7B")
        return dict(book.add_students("7B", ["Ada Lovelace", "Bo"]))


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the sign-in screen asked for, in order (none really happens)."""
    asked: list[float] = []

    async def no_wait(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr(sign_in, "pause", no_wait)
    return asked


def make(folder: Path) -> ClassApp:
    app = ClassApp(load_library(folder), "7B")
    app.animation_level = "none"
    return app


async def sign_in_as(app: ClassApp, pilot, name: str, code: str) -> None:
    screen = app.screen
    assert isinstance(screen, SignInScreen)
    screen.query_one("#sign-in-name", Input).value = name
    code_field = screen.query_one("#sign-in-code", Input)
    code_field.value = code
    code_field.focus()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


def message(app: ClassApp) -> str:
    return str(app.screen.query_one("#sign-in-message", Static).content)


async def test_a_student_signs_in_and_their_work_goes_to_the_class_records(
    lesson_folder: Path, codes: dict[str, str], tutor_home: Path, waits: list[float]
) -> None:
    app = make(lesson_folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen), "the lessons wait for a sign-in"
        # Case, spaces and the dash do not matter.
        code = codes["Ada Lovelace"].lower().replace("-", " ")
        await sign_in_as(app, pilot, "ada  lovelace", code)
        assert isinstance(app.screen, LessonScreen)
        assert isinstance(app.store, ClassProgressStore)
        assert app.store.student.name == "Ada Lovelace"
        assert app.sub_title == "Ada Lovelace"
        # Shown on screen, not only in a title bar the terminal may not have: the name
        # as the records know it (not as typed) and the class.
        shown = app.screen.query_one("#learner", Static).render()
        assert str(shown) == "Ada Lovelace · 7B"
        await pilot.press("n")
        await pilot.pause()
    assert waits == []
    assert not (tutor_home / "progress.json").exists(), "class mode never writes progress.json"
    with sqlite3.connect(database_path()) as db:
        row = db.execute(
            "SELECT s.last_lesson, l.position FROM students s JOIN lesson_records l "
            "ON l.student_id = s.id WHERE s.name = 'Ada Lovelace'"
        ).fetchone()
    assert row == ("one", 1)


async def test_a_wrong_code_is_refused_after_a_growing_wait_and_a_session_gets_five(
    lesson_folder: Path, codes: dict[str, str], waits: list[float], monkeypatch
) -> None:
    checks: list[str] = []
    real_sign_in = ClassBook.sign_in

    def counted(self, class_name, name, code, **kwargs):
        checks.append(code)
        return real_sign_in(self, class_name, name, code, **kwargs)

    monkeypatch.setattr(ClassBook, "sign_in", counted)
    app = make(lesson_folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await sign_in_as(app, pilot, "Bo", "AAA-AAA")
        assert "do not match" in message(app)
        assert "4 tries left" in message(app)
        assert waits == [join_codes.FIRST_DELAY_SECONDS]
        assert app.screen.query_one("#sign-in-code", Input).value == "", "the guess is cleared"
        for guess in ("AAA-AAB", "AAA-AAC", "AAA-AAD", "AAA-AAE"):
            await sign_in_as(app, pilot, "Nobody", guess)
        assert waits == [2.0, 4.0, 6.0, 8.0], "each wait is longer; the last refusal waits not"
        assert "takes no more" in message(app)
        assert app.screen.query_one("#sign-in-code", Input).disabled
        # Even the right code is not looked at any more in this session.
        await sign_in_as(app, pilot, "Bo", codes["Bo"])
        assert isinstance(app.screen, SignInScreen)
        assert len(checks) == join_codes.SESSION_TRIES


async def test_a_guessing_loop_locks_the_name_even_against_the_right_code(
    lesson_folder: Path, codes: dict[str, str], waits: list[float]
) -> None:
    with ClassBook.open() as book:  # another browser (or a script) guessed five times
        for guess in range(join_codes.NAME_TRIES):
            result = book.sign_in("7B", "Bo", f"ZZZ-ZZ{guess + 2}")
        assert result.locked
    app = make(lesson_folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await sign_in_as(app, pilot, "Bo", codes["Bo"])
        assert isinstance(app.screen, SignInScreen)
        assert "locked" in message(app)


async def test_answers_hints_and_solutions_are_logged_with_what_was_typed(
    tmp_path: Path, quiz_lesson_text: str, codes: dict[str, str], waits: list[float]
) -> None:
    folder = tmp_path / "quiz-lessons"
    folder.mkdir()
    (folder / "quizzes.md").write_text(quiz_lesson_text)
    app = make(folder)
    async with app.run_test(size=(110, 60)) as pilot:
        await pilot.pause()
        await sign_in_as(app, pilot, "Bo", codes["Bo"])
        card = next(c for c in app.screen.query(QuizCard) if c.spec and c.spec.id == "dw2")
        card.action_hint()
        await pilot.pause()
        for typed in ("(X @ W1).T @ Yt", "2 * Yt.T @ X @ W1"):
            field = card.query_one("#quiz-answer", Input)
            field.value = typed
            field.focus()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert card.revealed, "two wrong answers use up dw2's attempts"
    with ClassBook.open() as book:
        record = book.export_student(book.find_student("7B", "Bo"))
    attempts = [(a["quiz"], a["answer"], a["verdict"], a["correct"]) for a in record["attempts"]]
    assert attempts == [
        ("dw2", "(X @ W1).T @ Yt", "factor", False),
        ("dw2", "2 * Yt.T @ X @ W1", "transposed", False),
    ]
    assert [(h["kind"], h["number"]) for h in record["help_seen"]] == [
        ("hint", 1),
        ("solution", 0),
    ]
    assert record["progress"]["quizzes"]["quizzes"]["dw2"]["attempts"] == 2
    assert record["progress"]["quizzes"]["quizzes"]["dw2"]["revealed"] is True


async def test_leaving_the_sign_in_closes_the_app_and_saves_nothing(
    lesson_folder: Path, codes: dict[str, str], tutor_home: Path
) -> None:
    app = make(lesson_folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 0
    assert not (tutor_home / "progress.json").exists()


async def test_an_unknown_class_is_said_on_the_screen_not_raised(
    lesson_folder: Path, codes: dict[str, str]
) -> None:
    app = ClassApp(load_library(lesson_folder), "9Z")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "no class named '9Z'" in message(app)
        assert app.screen.query_one("#sign-in-name", Input).disabled


async def test_keys_typed_straight_after_enter_go_to_the_next_field(
    lesson_folder: Path, codes: dict[str, str], waits: list[float]
) -> None:
    """A whole sign-in arrives before the app has handled any of it, as a loaded
    server delivers a fast typist's keys: none lands in the field just left."""
    app = make(lesson_folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        typed = ["B", "o", "enter", *codes["Bo"], "enter"]
        for key in typed:
            character = "\r" if key == "enter" else key
            app.post_message(events.Key(key, character))
        await until(
            app,
            pilot,
            lambda: isinstance(app.screen, LessonScreen) or bool(message_or_none(app)),
            "the first lesson, or a sign-in message",
        )
        assert isinstance(app.screen, LessonScreen), message_or_none(app)
        assert app.store.student.name == "Bo"


def message_or_none(app: ClassApp) -> str:
    screen = app.screen
    return message(app) if isinstance(screen, SignInScreen) else ""
