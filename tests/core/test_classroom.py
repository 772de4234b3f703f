"""The class records: schema and migrations, join codes, concurrency, crashes, damage, privacy.

Every test has its own TUTOR_HOME (``tests/conftest.py``), so each starts with no
class database at all.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tutor.core import class_db, join_codes
from tutor.core.class_db import ClassDatabaseError, database_path, open_database
from tutor.core.classroom import ClassBook, ClassProgressStore, ClassroomError
from tutor.core.errors import UsageError

FORK = multiprocessing.get_context("fork")


def make_class(names: list[str]) -> dict[str, str]:
    with ClassBook.open() as book:
        book.new_class("7B")
        return dict(book.add_students("7B", names))


def signed_in(book: ClassBook, name: str, code: str) -> ClassProgressStore:
    result = book.sign_in("7B", name, code)
    assert result.student is not None, result.message
    return book.store_for(result.student)


# -- schema and migrations ------------------------------------------------------------


def test_a_new_database_has_the_schema_version_wal_and_foreign_keys() -> None:
    connection = open_database()
    assert connection.execute("PRAGMA user_version").fetchone()[0] == class_db.SCHEMA_VERSION
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"classes", "students", "attempts", "help_seen", "quiz_records"} <= tables
    connection.close()
    assert database_path().parent == Path(os.environ["TUTOR_HOME"])


def test_a_migration_runs_once_and_keeps_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    make_class(["Ada"])
    step = "ALTER TABLE students ADD COLUMN nickname TEXT; UPDATE students SET nickname = 'A'"
    monkeypatch.setattr(class_db, "MIGRATIONS", [class_db.SCHEMA_V1, step])
    monkeypatch.setattr(class_db, "SCHEMA_VERSION", 2)
    for _ in range(2):  # the second open finds version 2 and does nothing
        connection = open_database()
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2
        assert connection.execute("SELECT name, nickname FROM students").fetchall() == [
            ("Ada", "A")
        ]
        connection.close()


def test_a_failing_migration_leaves_the_database_as_it_was(monkeypatch) -> None:
    make_class(["Ada"])
    broken = "CREATE TABLE extra (x); CREATE TABLE nonsense ((("
    monkeypatch.setattr(class_db, "MIGRATIONS", [class_db.SCHEMA_V1, broken])
    monkeypatch.setattr(class_db, "SCHEMA_VERSION", 2)
    with pytest.raises(ClassDatabaseError, match="cannot use the class database"):
        open_database()
    with sqlite3.connect(database_path()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "extra" not in tables, "the half-done migration was rolled back"


def test_a_newer_database_is_refused_and_left_untouched() -> None:
    make_class(["Ada"])
    with sqlite3.connect(database_path()) as db:
        db.execute("PRAGMA user_version = 99")
    before = database_path().read_bytes()
    with pytest.raises(ClassDatabaseError, match="newer tutor"):
        ClassBook.open()
    assert database_path().read_bytes() == before


# -- join codes ----------------------------------------------------------------------


def test_codes_are_stored_only_as_salted_hashes() -> None:
    codes = make_class([f"Student {n}" for n in range(12)])
    assert len(set(codes.values())) == 12
    raw = b"".join(path.read_bytes() for path in database_path().parent.glob("classes.sqlite3*"))
    for code in codes.values():
        assert len(join_codes.normalise_code(code)) == join_codes.CODE_LENGTH
        for form in (code, join_codes.normalise_code(code), code.lower()):
            assert form.encode() not in raw, f"{form} is in the database file"
    with sqlite3.connect(database_path()) as db:
        salts = [row[0] for row in db.execute("SELECT code_salt FROM students")]
    assert len(set(salts)) == 12, "every code has its own salt"


def test_a_code_matches_however_it_is_typed_and_nothing_else_does() -> None:
    stored = join_codes.hash_code("K7P-Q4M")
    for typed in ("K7P-Q4M", "k7pq4m", " k7p q4m "):
        assert join_codes.code_matches(typed, stored)
    for typed in ("K7P-Q4N", "", "K7PQ4MK"):
        assert not join_codes.code_matches(typed, stored)
    damaged_row = join_codes.CodeHash("scrypt:1099511627776:8:1", stored.salt, stored.digest)
    assert not join_codes.code_matches("K7P-Q4M", damaged_row), "absurd costs are refused"


def test_a_name_is_locked_after_too_many_wrong_codes_and_unlocked_by_time_or_new_codes() -> None:
    codes = make_class(["Ada", "Bo"])
    now = [1000.0]
    with ClassBook.open() as book:
        for n in range(join_codes.NAME_TRIES - 1):
            result = book.sign_in("7B", "Ada", f"WRONG{n}", clock=lambda: now[0])
            assert not result.locked and result.student is None
        result = book.sign_in("7B", "Ada", "WRONG", clock=lambda: now[0])
        assert result.locked and "Ask your teacher" in result.message
        # Locked: the right code is not even looked at.
        assert book.sign_in("7B", "Ada", codes["Ada"], clock=lambda: now[0]).locked
        assert book.sign_in("7B", "Bo", codes["Bo"], clock=lambda: now[0]).student is not None
        now[0] += join_codes.NAME_LOCK_SECONDS + 1
        assert book.sign_in("7B", "Ada", codes["Ada"], clock=lambda: now[0]).student is not None
        for _ in range(join_codes.NAME_TRIES):
            book.sign_in("7B", "Ada", "WRONG", clock=lambda: now[0])
        new_code = dict(book.reissue_codes("7B", ["Ada"]))["Ada"]
        assert book.sign_in("7B", "Ada", new_code, clock=lambda: now[0]).student is not None
        assert book.sign_in("7B", "Ada", codes["Ada"]).student is None, "the old code is gone"
        assert book.sign_in("7B", "Bo", codes["Bo"]).student is not None, "Bo's is unchanged"


def test_an_unknown_name_and_a_wrong_code_get_the_same_answer() -> None:
    codes = make_class(["Ada"])
    with ClassBook.open() as book:
        unknown = book.sign_in("7B", "Zed", codes["Ada"])
        wrong = book.sign_in("7B", "Ada", "AAA-AAA")
    assert unknown.student is None and wrong.student is None
    assert unknown.message == wrong.message


def test_names_are_checked_before_anything_is_written() -> None:
    make_class(["Ada"])
    with ClassBook.open() as book:
        with pytest.raises(UsageError, match="control"):
            book.add_students("7B", ["Bo", "Evil\x1b[2J"])
        with pytest.raises(ClassroomError, match="already in the class"):
            book.add_students("7B", ["Cy", "ADA"])
        with pytest.raises(UsageError, match="named twice"):
            book.add_students("7B", ["Dee", "dee"])
        assert [row.name for row in book.students("7B")] == ["Ada"]
        with pytest.raises(ClassroomError, match="no class named"):
            book.add_students("8C", ["Bo"])


# -- writing at once, crashing, damage --------------------------------------------------


def _answer_many(name: str, code: str, quiz: str, count: int, ready) -> None:
    ready.wait()
    with ClassBook.open() as book:
        store = signed_in(book, name, code)
        progress = store.load()
        for n in range(count):
            store.note_attempt("forward-pass", quiz, f"answer {n}", "values", False)
            progress.record_answer("forward-pass", quiz, False)
            if not store.save(progress):
                os._exit(3)
    os._exit(0)


def test_thirty_processes_answering_at_once_lose_nothing() -> None:
    """Ten students, each signed in from three processes (three browsers), all at once."""
    names = [f"Student {n}" for n in range(10)]
    codes = make_class(names)
    ready = FORK.Event()
    workers = [
        FORK.Process(target=_answer_many, args=(name, codes[name], "q", 5, ready))
        for name in names
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    ready.set()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0] * 30
    with sqlite3.connect(database_path()) as db:
        logged = dict(
            db.execute(
                "SELECT s.name, COUNT(*) FROM attempts a JOIN students s ON s.id = a.student_id "
                "GROUP BY s.name"
            ).fetchall()
        )
        counted = dict(
            db.execute(
                "SELECT s.name, q.attempts FROM quiz_records q JOIN students s "
                "ON s.id = q.student_id"
            ).fetchall()
        )
    assert logged == {name: 15 for name in names}
    assert counted == {name: 15 for name in names}, "three browsers' counts add up"


def _killed_mid_save(code: str, pipe) -> None:
    with ClassBook.open() as book:
        store = signed_in(book, "Ada", code)
        progress = store.load()
        for n in range(3):
            store.note_attempt("forward-pass", "q", f"committed {n}", "values", False)
            progress.record_answer("forward-pass", "q", False)
            assert store.save(progress)
            pipe.send(n + 1)
        original = ClassProgressStore._write_queued

        def stall(self, db):
            original(self, db)
            pipe.send("inside the transaction")
            time.sleep(60)

        ClassProgressStore._write_queued = stall
        store.note_attempt("forward-pass", "q", "never committed", "values", False)
        progress.record_answer("forward-pass", "q", False)
        store.save(progress)


def test_a_process_killed_mid_transaction_loses_no_committed_attempt() -> None:
    codes = make_class(["Ada"])
    parent_end, child_end = FORK.Pipe()
    child = FORK.Process(target=_killed_mid_save, args=(codes["Ada"], child_end))
    child.start()
    said = [parent_end.recv() for _ in range(4)]
    assert said == [1, 2, 3, "inside the transaction"]
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    assert child.exitcode == -signal.SIGKILL
    with ClassBook.open() as book:  # opens (and checks) the database the kill left
        student = book.find_student("7B", "Ada")
        record = book.export_student(student)
        assert [a["answer"] for a in record["attempts"]] == [f"committed {n}" for n in range(3)]
        assert record["progress"]["quizzes"]["forward-pass"]["q"]["attempts"] == 3
        # The killed writer's lock died with it: a new save goes through at once.
        store = book.store_for(student)
        progress = store.load()
        progress.open_lesson("the-loss", 1)
        assert store.save(progress)


def test_a_database_that_is_not_one_is_kept_aside_and_reported_never_reset() -> None:
    make_class(["Ada"])
    path = database_path()
    for companion in path.parent.glob("classes.sqlite3-*"):
        companion.unlink()
    path.write_bytes(b"this is not a database at all" * 200)
    before = path.read_bytes()
    for _ in range(2):
        with pytest.raises(ClassDatabaseError, match="is damaged") as caught:
            ClassBook.open()
    copies = list(path.parent.glob("classes.damaged-*.sqlite3"))
    assert len(copies) == 1, "opening it again keeps no second copy"
    assert copies[0].read_bytes() == before
    assert str(copies[0]) in caught.value.message
    assert path.read_bytes() == before, "the damaged file itself is left as it was"


def test_a_database_with_a_damaged_page_is_kept_aside_and_reported() -> None:
    make_class([f"Student {n}" for n in range(40)])
    path = database_path()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 3
    with open(path, "r+b") as file:
        file.seek(page * 2)  # the third page: a table's b-tree
        file.write(bytes(range(256)) * (page // 256))
    with pytest.raises(ClassDatabaseError, match="is damaged"):
        ClassBook.open()
    assert list(path.parent.glob("classes.damaged-*.sqlite3"))


def test_a_save_that_cannot_get_the_lock_keeps_its_work_for_the_next(monkeypatch) -> None:
    codes = make_class(["Ada"])
    monkeypatch.setattr(class_db, "BUSY_SECONDS", 0.05)
    with ClassBook.open() as book:
        store = signed_in(book, "Ada", codes["Ada"])
        progress = store.load()
        blocker = sqlite3.connect(database_path(), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        store.note_attempt("forward-pass", "q", "first", "values", False)
        progress.record_answer("forward-pass", "q", False)
        assert not store.save(progress)
        assert store.unsaved and "tries again" in store.notices[-1]
        blocker.execute("ROLLBACK")
        blocker.close()
        store.note_attempt("forward-pass", "q", "second", "correct", True)
        progress.record_answer("forward-pass", "q", True)
        assert store.save(progress)
        assert not store.unsaved
        record = book.export_student(store.student)
    assert [a["answer"] for a in record["attempts"]] == ["first", "second"]
    assert record["progress"]["quizzes"]["forward-pass"]["q"]["attempts"] == 2


# -- two browsers, privacy ---------------------------------------------------------------


def test_one_student_in_two_browsers_latest_wins_and_nothing_is_lost() -> None:
    codes = make_class(["Ada"])
    with ClassBook.open() as first_book, ClassBook.open() as second_book:
        first = signed_in(first_book, "Ada", codes["Ada"])
        second = signed_in(second_book, "Ada", codes["Ada"])
        mine, theirs = first.load(), second.load()
        mine.open_lesson("forward-pass", 2)
        first.note_attempt("forward-pass", "q1", "A", "values", False)
        mine.record_answer("forward-pass", "q1", False)
        assert first.save(mine)
        theirs.open_lesson("forward-pass", 4)  # the later move
        second.note_attempt("forward-pass", "q1", "B", "correct", True)
        theirs.record_answer("forward-pass", "q1", True)
        theirs.reach_end("forward-pass")
        assert second.save(theirs)
        assert theirs.positions["forward-pass"] == 4
        assert theirs.quizzes["forward-pass"]["q1"].attempts == 2, "both attempts counted"
        assert first.save(mine)  # the first browser catches up on its next save
        assert mine.positions["forward-pass"] == 4 and "forward-pass" in mine.reached_end
        assert mine.quizzes["forward-pass"]["q1"].passed
        record = first_book.export_student(first.student)
    assert [a["answer"] for a in record["attempts"]] == ["A", "B"]


def test_a_student_store_reads_and_writes_only_that_student() -> None:
    codes = make_class(["Ada", "Bo"])
    with ClassBook.open() as book:
        ada = signed_in(book, "Ada", codes["Ada"])
        bo = signed_in(book, "Bo", codes["Bo"])
        theirs = bo.load()
        theirs.open_lesson("secret-lesson", 3)
        bo.note_attempt("secret-lesson", "q", "Bo's answer", "values", False)
        theirs.record_answer("secret-lesson", "q", False)
        assert bo.save(theirs)
        mine = ada.load()
        assert mine.to_json() == type(mine)().to_json(), "Ada sees nothing of Bo's"
        mine.open_lesson("forward-pass", 1)
        assert ada.save(mine)
        assert "secret-lesson" not in mine.opened
        assert bo.load().positions == {"secret-lesson": 3}, "Ada's save left Bo's alone"
        assert "Bo's answer" not in str(book.export_student(ada.student))
        # Bo's name with Ada's code is no way in.
        assert book.sign_in("7B", "Bo", codes["Ada"]).student is None
    public = {name for name in vars(ClassProgressStore) if not name.startswith("_")}
    assert public <= {
        "load",
        "save",
        "reset",
        "note_attempt",
        "note_help",
        "unsaved",
        "read_only",
        "failed_saves",
    }


def test_deleting_a_student_removes_every_record_and_stops_their_saves() -> None:
    codes = make_class(["Ada", "Bo"])
    with ClassBook.open() as book:
        ada = signed_in(book, "Ada", codes["Ada"])
        progress = ada.load()
        ada.note_attempt("forward-pass", "q", "A", "values", False)
        ada.note_help("forward-pass", "q", "hint", 1)
        progress.record_answer("forward-pass", "q", False)
        assert ada.save(progress)
        book.delete_student(book.find_student("7B", "Ada"))
        progress.open_lesson("the-loss")
        assert not ada.save(progress)
        assert "removed" in ada.notices[-1]
    with sqlite3.connect(database_path()) as db:
        for table in ("attempts", "help_seen", "quiz_records", "lesson_records"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
        assert db.execute("SELECT name FROM students").fetchall() == [("Bo",)]
