"""A teacher's classes: students, their join codes, signing in, and each student's records.

``ClassBook`` is the teacher's side (make a class, add students, re-issue codes,
export or delete a student) and the door (``sign_in``). ``ClassProgressStore`` is a
signed-in student's side: the same ``load``/``save``/``reset`` and ``notices`` the
app uses with the single-user ``ProgressStore``, over the same core ``Progress``
model, so the app keeps one code path. It also keeps what a progress file does not:
every graded answer with its verdict and time, and every hint and solution seen.

A store is bound to one student's id, which only ``sign_in`` (a right code) or the
teacher's own commands hand out, and every query it runs names that id: there is no
call through which one student reads another's records.

Two browsers of one student both save: each save re-reads the student's records
inside its write transaction and merges what the other saved since (the same
``merge_progress`` the progress file uses), so the latest move wins for a place in
a lesson and nothing recorded on either side is lost.
"""

from __future__ import annotations

import json
import sqlite3
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor.core import join_codes
from tutor.core.class_db import (
    ClassDatabaseError,
    damaged,
    database_path,
    is_damage,
    open_database,
    transaction,
)
from tutor.core.errors import TutorError, UsageError
from tutor.core.progress import Progress, QuizRecord, merge_progress

#: A name longer than this is not a person's name (and would break every table).
MAX_NAME_LENGTH = 60
#: Students one class may hold: far beyond a class, far below what hurts a report.
MAX_STUDENTS = 500


class ClassroomError(TutorError):
    """A class or student that does not exist, or a name that cannot be used."""


def now_text() -> str:
    """Now, as every record in the class database writes it (UTC, to the second)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def clean_name(text: str, what: str) -> str:
    """A class or student name as stored: NFC, single spaces, no control characters.

    Raises:
        UsageError: empty, too long, or holding a control or formatting character
            (which would make a name on the sheet differ from the one typed).
    """
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise UsageError(f"a {what} name cannot be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise UsageError(f"the {what} name {name[:20]!r}… is longer than {MAX_NAME_LENGTH}")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UsageError(f"the {what} name {name!r} holds a control or formatting character")
    return name


@dataclass(frozen=True)
class Student:
    """A student of a class, as the database knows them (never with their code)."""

    id: int
    class_name: str
    name: str


@dataclass(frozen=True)
class SignInResult:
    """What the door said: the student, or why not (and whether the name is locked)."""

    student: Student | None
    message: str = ""
    locked: bool = False


@dataclass(frozen=True)
class StudentRow:
    """One line of a class list."""

    name: str
    created: str
    last_seen: str | None
    locked: bool


class ClassBook:
    """The class database, opened: classes, students and the door.

    One connection, used by one thread at a time (the app's event loop, or one
    worker); ``check_same_thread`` is off so that thread may be a worker.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = True) -> ClassBook:
        path = path or database_path()
        return cls(open_database(path, create=create), path)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> ClassBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- classes --------------------------------------------------------------------

    def new_class(self, name: str) -> str:
        name = clean_name(name, "class")
        with self._writing(), transaction(self.connection) as db:
            if row := db.execute("SELECT name FROM classes WHERE name = ?", (name,)).fetchone():
                raise ClassroomError(f"there is already a class named {row[0]!r}")
            db.execute("INSERT INTO classes (name, created) VALUES (?, ?)", (name, now_text()))
        return name

    def class_names(self) -> list[str]:
        rows = self.connection.execute("SELECT name FROM classes ORDER BY name").fetchall()
        return [row[0] for row in rows]

    def class_id(self, name: str) -> tuple[int, str]:
        """The class's id and its name as stored; ClassroomError naming the fix if none."""
        row = self.connection.execute(
            "SELECT id, name FROM classes WHERE name = ?", (" ".join(name.split()),)
        ).fetchone()
        if row is None:
            known = ", ".join(self.class_names()) or "none yet"
            raise ClassroomError(
                f"no class named {name!r} (classes: {known}); 'tutor class new NAME' makes one"
            )
        return row[0], row[1]

    # -- students -------------------------------------------------------------------

    def add_students(self, class_name: str, names: Iterable[str]) -> list[tuple[str, str]]:
        """Add students, all or none; (name, join code) for each, the codes shown once."""
        class_id, _ = self.class_id(class_name)
        cleaned = [clean_name(name, "student") for name in names]
        seen: set[str] = set()
        for name in cleaned:
            if name.casefold() in seen:
                raise UsageError(f"the student {name!r} is named twice")
            seen.add(name.casefold())
        existing = {row.name.casefold() for row in self.students(class_name)}
        if clash := [name for name in cleaned if name.casefold() in existing]:
            raise ClassroomError(f"already in the class: {', '.join(clash)}")
        if len(existing) + len(cleaned) > MAX_STUDENTS:
            raise ClassroomError(f"a class holds at most {MAX_STUDENTS} students")
        issued = [(name, join_codes.new_code()) for name in cleaned]
        hashes = [join_codes.hash_code(code) for _, code in issued]  # slow: outside the lock
        with self._writing(), transaction(self.connection) as db:
            for (name, _), code_hash in zip(issued, hashes, strict=True):
                db.execute(
                    "INSERT INTO students (class_id, name, code_method, code_salt, code_hash, "
                    "created) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        class_id,
                        name,
                        code_hash.method,
                        code_hash.salt,
                        code_hash.digest,
                        now_text(),
                    ),
                )
        return issued

    def reissue_codes(self, class_name: str, names: Iterable[str] = ()) -> list[tuple[str, str]]:
        """New codes for the named students, or all (their old codes stop working; locks lift)."""
        class_id, _ = self.class_id(class_name)
        wanted = [self.find_student(class_name, name).name for name in names]
        issued = [(name, join_codes.new_code()) for name in wanted] or [
            (row.name, join_codes.new_code()) for row in self.students(class_name)
        ]
        hashes = [join_codes.hash_code(code) for _, code in issued]
        with self._writing(), transaction(self.connection) as db:
            for (name, _), code_hash in zip(issued, hashes, strict=True):
                db.execute(
                    "UPDATE students SET code_method = ?, code_salt = ?, code_hash = ?, "
                    "wrong_codes = 0, locked_until = 0 WHERE class_id = ? AND name = ?",
                    (code_hash.method, code_hash.salt, code_hash.digest, class_id, name),
                )
        return issued

    def students(self, class_name: str) -> list[StudentRow]:
        class_id, _ = self.class_id(class_name)
        rows = self.connection.execute(
            "SELECT name, created, last_seen, locked_until FROM students WHERE class_id = ? "
            "ORDER BY name",
            (class_id,),
        ).fetchall()
        now = time.time()
        return [StudentRow(name, created, seen, until > now) for name, created, seen, until in rows]

    def find_student(self, class_name: str, name: str) -> Student:
        """A student by name, for the teacher's commands (export, delete), never the door."""
        class_id, stored_class = self.class_id(class_name)
        row = self.connection.execute(
            "SELECT id, name FROM students WHERE class_id = ? AND name = ?",
            (class_id, " ".join(unicodedata.normalize("NFC", name).split())),
        ).fetchone()
        if row is None:
            raise ClassroomError(f"no student named {name!r} in the class {stored_class!r}")
        return Student(row[0], stored_class, row[1])

    def delete_student(self, student: Student) -> None:
        """Remove a student and every record of theirs (attempts, hints, progress)."""
        with self._writing(), transaction(self.connection) as db:
            db.execute("DELETE FROM students WHERE id = ?", (student.id,))

    def export_student(self, student: Student) -> dict[str, Any]:
        """Everything kept about one student, as JSON-ready data (their code excepted)."""
        db = self.connection
        created, last_seen = db.execute(
            "SELECT created, last_seen FROM students WHERE id = ?", (student.id,)
        ).fetchone()
        attempts = db.execute(
            "SELECT lesson, quiz, answer, verdict, correct, after_solution, at FROM attempts "
            "WHERE student_id = ? ORDER BY id",
            (student.id,),
        ).fetchall()
        help_seen = db.execute(
            "SELECT lesson, quiz, kind, number, at FROM help_seen WHERE student_id = ? ORDER BY id",
            (student.id,),
        ).fetchall()
        return {
            "class": student.class_name,
            "student": student.name,
            "created": created,
            "last_seen": last_seen,
            "progress": read_progress(db, student.id).to_json(),
            "attempts": [
                {
                    "lesson": lesson,
                    "quiz": quiz,
                    "answer": answer,
                    "verdict": verdict,
                    "correct": bool(correct),
                    "after_solution": bool(after),
                    "at": at,
                }
                for lesson, quiz, answer, verdict, correct, after, at in attempts
            ],
            "help_seen": [
                {"lesson": lesson, "quiz": quiz, "kind": kind, "number": number, "at": at}
                for lesson, quiz, kind, number, at in help_seen
            ],
        }

    # -- the door -------------------------------------------------------------------

    def sign_in(
        self, class_name: str, name: str, code: str, *, clock: Any = time.time
    ) -> SignInResult:
        """Check a name and code; count a wrong code against the name, lock it after too many.

        A locked name is refused without its code being looked at, so guessing on
        through the lock learns nothing. An unknown name costs the same hash as a
        known one, so the time taken does not say which names exist.
        """
        class_id, stored_class = self.class_id(class_name)
        key = " ".join(unicodedata.normalize("NFC", name).split())
        row = self.connection.execute(
            "SELECT id, name, code_method, code_salt, code_hash, locked_until FROM students "
            "WHERE class_id = ? AND name = ?",
            (class_id, key),
        ).fetchone()
        now = clock()
        if row is None:
            join_codes.code_matches(code, join_codes.no_such_code())
            return SignInResult(None, NO_MATCH)
        student_id, stored_name, method, salt, digest, locked_until = row
        if locked_until > now:
            return SignInResult(None, _locked_message(locked_until - now), locked=True)
        if join_codes.code_matches(code, join_codes.CodeHash(method, salt, digest)):
            with self._writing(), transaction(self.connection) as db:
                db.execute(
                    "UPDATE students SET wrong_codes = 0, last_seen = ? WHERE id = ?",
                    (now_text(), student_id),
                )
            return SignInResult(Student(student_id, stored_class, stored_name))
        with self._writing(), transaction(self.connection) as db:
            db.execute(
                "UPDATE students SET wrong_codes = wrong_codes + 1 WHERE id = ?", (student_id,)
            )
            (wrong,) = db.execute(
                "SELECT wrong_codes FROM students WHERE id = ?", (student_id,)
            ).fetchone()
            if wrong >= join_codes.NAME_TRIES:
                until = now + join_codes.NAME_LOCK_SECONDS
                db.execute(
                    "UPDATE students SET wrong_codes = 0, locked_until = ? WHERE id = ?",
                    (until, student_id),
                )
                return SignInResult(None, _locked_message(until - now), locked=True)
        return SignInResult(None, NO_MATCH)

    def store_for(self, student: Student) -> ClassProgressStore:
        return ClassProgressStore(self, student)

    def _writing(self) -> _WriteErrors:
        return _WriteErrors(self.path)


#: Said for a wrong code and for an unknown name alike.
NO_MATCH = "That name and join code do not match: check both on the sheet from your teacher."


def _locked_message(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return (
        f"Too many wrong codes for this name: it is locked for {minutes} more "
        f"minute{'s' if minutes != 1 else ''}. Ask your teacher."
    )


class _WriteErrors:
    """Turns an SQLite failure in a teacher's command into one clear ClassDatabaseError."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, _tb: object) -> None:
        if isinstance(error, sqlite3.Error):
            if is_damage(error):
                raise damaged(self.path, str(error)) from None
            raise ClassDatabaseError(f"cannot write to {self.path}: {error}") from None


# -- one student's progress, as rows -----------------------------------------------------


def read_progress(db: sqlite3.Connection, student_id: int) -> Progress:
    """The core Progress of one student, from their rows and no one else's."""
    progress = Progress()
    row = db.execute("SELECT last_lesson FROM students WHERE id = ?", (student_id,)).fetchone()
    progress.last_lesson = row[0] if row else None
    for lesson, position, opened, reached_end, finished in db.execute(
        "SELECT lesson, position, opened, reached_end, finished FROM lesson_records "
        "WHERE student_id = ? ORDER BY lesson",
        (student_id,),
    ):
        for value, target in (
            (position, progress.positions),
            (opened, progress.opened),
            (reached_end, progress.reached_end),
            (finished, progress.finished),
        ):
            if value is not None:
                target[lesson] = value
    for lesson, quiz, attempts, passed, revealed, last in db.execute(
        "SELECT lesson, quiz, attempts, passed, revealed, last FROM quiz_records "
        "WHERE student_id = ? ORDER BY lesson, quiz",
        (student_id,),
    ):
        progress.quizzes.setdefault(lesson, {})[quiz] = QuizRecord(
            attempts, bool(passed), bool(revealed), last
        )
    return progress


def write_progress(db: sqlite3.Connection, student_id: int, progress: Progress) -> None:
    """Replace one student's lesson and quiz rows with ``progress`` (inside a transaction)."""
    db.execute(
        "UPDATE students SET last_lesson = ?, last_seen = ? WHERE id = ?",
        (progress.last_lesson, now_text(), student_id),
    )
    db.execute("DELETE FROM lesson_records WHERE student_id = ?", (student_id,))
    lessons = (
        progress.positions.keys()
        | progress.opened.keys()
        | progress.reached_end.keys()
        | progress.finished.keys()
    )
    db.executemany(
        "INSERT INTO lesson_records (student_id, lesson, position, opened, reached_end, "
        "finished) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                student_id,
                lesson,
                progress.positions.get(lesson),
                progress.opened.get(lesson),
                progress.reached_end.get(lesson),
                progress.finished.get(lesson),
            )
            for lesson in sorted(lessons)
        ],
    )
    db.execute("DELETE FROM quiz_records WHERE student_id = ?", (student_id,))
    db.executemany(
        "INSERT INTO quiz_records (student_id, lesson, quiz, attempts, passed, revealed, last) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (student_id, lesson, quiz, rec.attempts, rec.passed, rec.revealed, rec.last)
            for lesson, records in progress.quizzes.items()
            for quiz, rec in records.items()
        ],
    )


@dataclass
class ClassProgressStore:
    """A signed-in student's progress in the class database: ``ProgressStore``'s interface.

    ``note_attempt`` and ``note_help`` queue what the progress model has no room for
    (the answer typed, its verdict; a hint or the solution seen); the next ``save``
    writes them in the same transaction as the progress, so an attempt is counted
    and logged together or not at all. A save that fails keeps the queue and is
    tried again at the next change, as with the progress file.
    """

    book: ClassBook
    student: Student
    read_only: bool = False
    notices: list[str] = field(default_factory=list)
    failed_saves: int = 0
    #: The student's records as this store last read or wrote them: the merge base.
    _synced: dict[str, Any] | None = field(default=None, repr=False)
    _attempts: list[tuple[str, str, str, str, bool, bool, str]] = field(
        default_factory=list, repr=False
    )
    _help: list[tuple[str, str, str, int, str]] = field(default_factory=list, repr=False)

    @property
    def unsaved(self) -> bool:
        return self.failed_saves > 0 or bool(self._attempts or self._help)

    def load(self) -> Progress:
        """The student's progress; a fresh one (with a notice) if it cannot be read."""
        try:
            progress = read_progress(self.book.connection, self.student.id)
        except sqlite3.Error as error:
            self.read_only = True
            self.notices.append(
                f"cannot read your class records ({error}); tutor keeps running, but this "
                "session will not save. Tell your teacher."
            )
            return Progress()
        self._synced = _snapshot(progress)
        return progress

    def note_attempt(
        self,
        lesson_id: str,
        quiz_id: str,
        answer: str,
        verdict: str,
        correct: bool,
        *,
        after_solution: bool = False,
    ) -> None:
        self._attempts.append(
            (lesson_id, quiz_id, answer, verdict, correct, after_solution, now_text())
        )

    def note_help(self, lesson_id: str, quiz_id: str, kind: str, number: int = 0) -> None:
        """A hint (its number) or the solution (``kind="solution"``) was shown."""
        self._help.append((lesson_id, quiz_id, kind, number, now_text()))

    def save(self, progress: Progress) -> bool:
        """Merge with the student's records as they are now and write, all in one transaction."""
        if self.read_only:
            return False
        student_id = self.student.id
        try:
            with transaction(self.book.connection) as db:
                if not db.execute("SELECT 1 FROM students WHERE id = ?", (student_id,)).fetchone():
                    self.read_only = True
                    self.notices.append(
                        "your records were removed from the class by your teacher; this "
                        "session will not save any more."
                    )
                    return False
                merged = self._merged(db, progress)
                write_progress(db, student_id, merged)
                self._write_queued(db)
        except sqlite3.Error as error:
            self._save_failed(error)
            return False
        self._synced = _snapshot(merged)
        self._attempts.clear()
        self._help.clear()
        if merged is not progress:
            progress.replace_with(merged)
        if self.failed_saves:
            self.failed_saves = 0
            self.notices.append("your class records are saved again; nothing was lost.")
        return True

    def _merged(self, db: sqlite3.Connection, progress: Progress) -> Progress:
        theirs = read_progress(db, self.student.id)
        if _snapshot(theirs) == self._synced:
            return progress
        base = Progress.from_json(self._synced) if self._synced is not None else Progress()
        return merge_progress(base, progress, theirs)

    def _write_queued(self, db: sqlite3.Connection) -> None:
        db.executemany(
            "INSERT INTO attempts (student_id, lesson, quiz, answer, verdict, correct, "
            "after_solution, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(self.student.id, *attempt) for attempt in self._attempts],
        )
        db.executemany(
            "INSERT INTO help_seen (student_id, lesson, quiz, kind, number, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(self.student.id, *seen) for seen in self._help],
        )

    def _save_failed(self, error: sqlite3.Error) -> None:
        self.failed_saves += 1
        if self.failed_saves == 1:
            self.notices.append(
                f"cannot save to the class records just now ({error}); tutor keeps your "
                "work and tries again at your next change."
            )

    def reset(self, progress: Progress) -> Progress:
        """Start the lessons afresh; the attempts already logged stay in the teacher's records."""
        fresh = Progress()
        if self.read_only:
            return fresh
        try:
            with transaction(self.book.connection) as db:
                write_progress(db, self.student.id, fresh)
                self._write_queued(db)
        except sqlite3.Error as error:
            self._save_failed(error)
            return fresh
        self._attempts.clear()
        self._help.clear()
        self._synced = _snapshot(fresh)
        return fresh


def _snapshot(progress: Progress) -> dict[str, Any]:
    """A deep copy of the progress as data: a merge base that does not move with it."""
    return json.loads(json.dumps(progress.to_json()))
