"""The class database file: opening it safely, its schema, and what to do when it is bad.

Every class a teacher makes lives in one SQLite file in the data folder
(``classes.sqlite3``). SQLite, not JSON files, because thirty students answer at
once: each write is a transaction (``BEGIN IMMEDIATE``), the journal is a write-ahead
log so readers never wait for writers, writers queue for up to ``BUSY_SECONDS``
rather than fail, and ``synchronous=FULL`` makes a commit survive a power cut, let
alone a killed server.

The schema's version is ``PRAGMA user_version``; ``MIGRATIONS[n]`` takes a database
from version n to n+1 inside one transaction, so a migration that fails leaves the
file as it was. A file from a newer tutor is refused, never downgraded.

A file SQLite cannot read, or whose quick check finds damage, is never reset: it is
copied aside (with its write-ahead log) as ``classes.damaged-<hash>.sqlite3`` and
the teacher is told where, and what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from tutor.core.errors import TutorError
from tutor.core.paths import data_dir

DATABASE_FILE = "classes.sqlite3"
#: How long a writer waits for another's transaction before giving up.
BUSY_SECONDS = 30.0
#: SQLite's result codes for a file that is damaged or not a database at all.
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26

SCHEMA_V1 = """
CREATE TABLE classes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created TEXT NOT NULL
);
CREATE TABLE students (
    id INTEGER PRIMARY KEY,
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE NOCASE,
    code_method TEXT NOT NULL,
    code_salt BLOB NOT NULL,
    code_hash BLOB NOT NULL,
    created TEXT NOT NULL,
    last_seen TEXT,
    last_lesson TEXT,
    wrong_codes INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    UNIQUE (class_id, name)
);
CREATE TABLE lesson_records (
    student_id INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    lesson TEXT NOT NULL,
    position INTEGER,
    opened TEXT,
    reached_end TEXT,
    finished TEXT,
    PRIMARY KEY (student_id, lesson)
);
CREATE TABLE quiz_records (
    student_id INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    lesson TEXT NOT NULL,
    quiz TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    passed INTEGER NOT NULL DEFAULT 0,
    revealed INTEGER NOT NULL DEFAULT 0,
    last TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (student_id, lesson, quiz)
);
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    student_id INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    lesson TEXT NOT NULL,
    quiz TEXT NOT NULL,
    answer TEXT NOT NULL,
    verdict TEXT NOT NULL,
    correct INTEGER NOT NULL,
    after_solution INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL
);
CREATE INDEX attempts_by_student ON attempts (student_id, lesson, quiz);
CREATE TABLE help_seen (
    id INTEGER PRIMARY KEY,
    student_id INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    lesson TEXT NOT NULL,
    quiz TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('hint', 'solution')),
    number INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL
);
CREATE INDEX help_seen_by_student ON help_seen (student_id);
"""

#: ``MIGRATIONS[n]`` takes the schema from version n to n + 1.
MIGRATIONS: list[str] = [SCHEMA_V1]
SCHEMA_VERSION = len(MIGRATIONS)


class ClassDatabaseError(TutorError):
    """The class database cannot be used as it is (damaged, newer, out of reach)."""


class _Damaged(sqlite3.DatabaseError):
    """SQLite opened the file, but its own check found it damaged."""


def database_path() -> Path:
    """Where the classes are kept: the learner data folder (``TUTOR_HOME`` in tests)."""
    return data_dir() / DATABASE_FILE


def open_database(path: Path | None = None, *, create: bool = True) -> sqlite3.Connection:
    """A connection to the class database, checked and migrated to ``SCHEMA_VERSION``.

    Raises:
        ClassDatabaseError: the file is damaged (a copy is kept first), is from a
            newer tutor, does not exist and ``create`` is False, or cannot be opened.
    """
    path = path or database_path()
    if not path.exists() and not create:
        raise ClassDatabaseError(
            f"there are no classes yet ({path} does not exist); make one with "
            "'tutor class new NAME'"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as error:
        raise ClassDatabaseError(f"cannot open the class database {path}: {error}") from None
    try:
        _configure(connection)
        _check_intact(connection)
        _migrate(connection, path)
    except sqlite3.Error as error:
        connection.close()
        if is_damage(error):
            raise damaged(path, str(error)) from None
        raise ClassDatabaseError(f"cannot use the class database {path}: {error}") from None
    except BaseException:
        connection.close()
        raise
    return connection


def is_damage(error: sqlite3.Error) -> bool:
    """Is this error the file's fault (not a lock held too long, a full disk, a permission)?"""
    if isinstance(error, _Damaged):
        return True
    return getattr(error, "sqlite_errorcode", None) in (SQLITE_CORRUPT, SQLITE_NOTADB)


def _configure(connection: sqlite3.Connection) -> None:
    connection.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
    connection.execute("PRAGMA foreign_keys = ON")
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"the journal cannot be switched to WAL (it is {mode})")
    connection.execute("PRAGMA synchronous = FULL")


def _check_intact(connection: sqlite3.Connection) -> None:
    """SQLite's quick check: the file's pages and indexes hold together."""
    problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        raise _Damaged("; ".join(str(problem) for problem in problems))


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ClassDatabaseError(
            f"{path} was written by a newer tutor (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); it is left untouched: use that tutor"
        )
    while version < SCHEMA_VERSION:
        with transaction(connection):
            # Read again under the write lock: another process may have migrated it.
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                break
            for statement in _statements(MIGRATIONS[version]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
        version += 1


def _statements(script: str) -> list[str]:
    """A script's statements, one by one: ``executescript`` would commit our transaction."""
    return [part.strip() for part in script.split(";") if part.strip()]


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction: taken at once (``BEGIN IMMEDIATE``), committed or rolled back whole."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def damaged(path: Path, reason: str) -> ClassDatabaseError:
    """Keep a copy of a damaged database and say so; the file itself is left in place."""
    try:
        kept = keep_damaged_copy(path)
    except OSError as error:
        return ClassDatabaseError(
            f"the class database {path} is damaged ({reason}) and no copy of it could be "
            f"kept ({error.strerror or error}); it was left as it is, untouched"
        )
    return ClassDatabaseError(
        f"the class database {path} is damaged ({reason}); it was left untouched and a "
        f"copy kept as {kept}. Restore a backup of the file, or move it away to start "
        "afresh (the copy keeps what could still be recovered)"
    )


def keep_damaged_copy(path: Path) -> Path:
    """Copy the file (and its write-ahead log) to a name made from its contents.

    Named by a hash of the bytes, so opening the same damaged file again keeps no
    second copy, and a file damaged differently never overwrites an earlier copy.
    """
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    kept = path.with_name(f"classes.damaged-{digest}.sqlite3")
    if not kept.exists():
        shutil.copy2(path, kept)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            shutil.copy2(companion, kept.with_name(kept.name + suffix))
    return kept
