"""``tutor class watch``: the teacher's live view, read from the class records.

Students' work is written through their own ``ClassProgressStore``, exactly as a
signed-in session writes it, and the view must show it: who is where, who is stuck.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from tutor.core.class_db import database_path
from tutor.core.classroom import ClassBook
from tutor.core.library import load_library
from tutor.screens.class_watch import ClassWatchApp, ClassWatchScreen

SIZE = (80, 24)


def write_class() -> None:
    """7B: Ada reading lesson one's second section, Bo stuck on a quiz, Cy not yet seen."""
    with ClassBook.open() as book:
        book.new_class("7B")
        book.add_students("7B", ["Ada", "Bo", "Cy"])
        ada = book.store_for(book.find_student("7B", "Ada"))
        progress = ada.load()
        progress.open_lesson("one", 1)
        assert ada.save(progress)
        bo = book.store_for(book.find_student("7B", "Bo"))
        progress = bo.load()
        progress.open_lesson("two", 0)
        for answer in ("A", "A.T", "2 * A"):
            progress.record_answer("two", "shape-of-a", False)
            bo.note_attempt("two", "shape-of-a", answer, "shape", False)
        assert bo.save(progress)


def table_text(app: ClassWatchApp) -> list[list[str]]:
    table = app.screen.query_one("#watch-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def header_text(app: ClassWatchApp) -> str:
    return str(app.screen.query_one("#watch-header", Static).content)


async def settle(app: ClassWatchApp, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_view_shows_who_is_where_and_who_is_stuck_and_follows_changes(
    lesson_folder: Path,
) -> None:
    write_class()
    app = ClassWatchApp("7b", load_library(lesson_folder))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ClassWatchScreen)
        rows = table_text(app)
        assert [row[0] for row in rows] == ["Bo", "Ada", "Cy"], "stuck, then active, then idle"
        assert rows[0][1].startswith("2 · Lesson Two")
        assert rows[0][3] == "⚠ 3× shape-of-a"
        assert rows[1][1].startswith("1 · Lesson One")
        assert rows[1][2] == "2/3 · Products"
        assert rows[1][3] == ""
        assert rows[2][1:] == ["not started", "", "", "never"]
        assert "2 of 3 active" in header_text(app) and "1 stuck" in header_text(app)

        # Ada moves on and misses a quiz twice: the next read shows it.
        with ClassBook.open() as book:
            ada = book.store_for(book.find_student("7B", "Ada"))
            progress = ada.load()
            progress.open_lesson("one", 2)
            for _ in range(2):
                progress.record_answer("one", "dw1", False)
            assert ada.save(progress)
        await pilot.press("r")
        await settle(app, pilot)
        rows = table_text(app)
        assert [row[0] for row in rows] == ["Ada", "Bo", "Cy"]
        assert rows[0][2] == "3/3 · Broken"
        assert rows[0][3] == "⚠ 2× dw1"
        assert "2 stuck" in header_text(app)


async def test_a_missing_class_database_is_said_in_the_view(lesson_folder: Path) -> None:
    app = ClassWatchApp("7B", load_library(lesson_folder))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        status = str(app.screen.query_one("#watch-status", Static).content)
        assert "there are no classes yet" in status
        assert table_text(app) == []


@pytest.fixture
def fixed_time(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Noon UTC, shown in UTC, and every student's last save a known time before it."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    write_class()
    with sqlite3.connect(database_path()) as db:
        db.execute("UPDATE students SET last_seen = '2030-01-07T11:58:30+00:00' WHERE name='Ada'")
        db.execute("UPDATE students SET last_seen = '2030-01-07T11:45:00+00:00' WHERE name='Bo'")
    yield datetime(2030, 1, 7, 12, 0, 0, tzinfo=UTC)
    monkeypatch.undo()
    time.tzset()


def test_watch_snapshot_at_80x24(snap_compare, lesson_folder: Path, fixed_time) -> None:
    """At 80x24: the header "Class 7B · 1 of 3 active · 1 stuck · updated 12:00:00"; a
    table with Student, Lesson, Section, Stuck on and Seen; Bo first with "2 · Lesson
    Two", "1/1 · Only section", "⚠ 3× shape-of-a", "15 min"; then Ada on "1 ·
    Lesson One", "2/3 · Products", seen "1 min"; then Cy, "not started", "never"; the
    footer with r Refresh and q Quit."""
    app = ClassWatchApp("7B", load_library(lesson_folder), clock=lambda: fixed_time)

    async def read(pilot) -> None:
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=read)
