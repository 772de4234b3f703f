"""The learner's progress: what they opened, finished and answered, kept safe.

Progress is one JSON file in the data folder. It is written atomically after every
change (a temporary file in the same folder, flushed and fsynced, then
``os.replace`` and an fsync of the folder), so a crash at any moment leaves either
the old file or the new one. A file that cannot be read is never overwritten: it
is moved aside as ``progress.corrupt-<time>.json`` and the last good backup is
restored. A file from a newer tutor is left alone and the session runs read-only.

Two tutors open on the same progress (two terminals, a terminal and a browser)
both keep saving: every save re-reads the file under a lock and merges what the
other saved since (see ``merge_progress``), so neither silently undoes the other.
We chose a merge over a lock that makes the second window read-only because a
learner who answers quizzes in a read-only window would lose them, which is what
this module exists to prevent.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor.core.lock import LOCK_WAIT_SECONDS, folder_lock
from tutor.core.paths import data_dir

SCHEMA_VERSION = 1
PROGRESS_FILE = "progress.json"
BACKUP_FILE = "progress.backup.json"
LOCK_FILE = "progress.lock"
#: Loading only needs the lock to clear stale temp files, so it waits briefly for it.
LOAD_LOCK_WAIT_SECONDS = 0.5
#: A real progress file is a few kilobytes; anything this big is not one of ours.
MAX_PROGRESS_BYTES = 16_000_000

LessonStatus = str  # "new" | "started" | "done"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class QuizRecord:
    """One quiz's record: attempts, whether passed, best score and when."""

    attempts: int = 0
    passed: bool = False
    revealed: bool = False
    last: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "passed": self.passed,
            "revealed": self.revealed,
            "last": self.last,
        }

    @classmethod
    def from_json(cls, data: Any) -> QuizRecord:
        """Build from a parsed record; raises ValueError/TypeError on a malformed one."""
        if not isinstance(data, dict):
            raise TypeError(f"a quiz record is not a JSON object: {_short(data)}")
        return cls(
            attempts=_whole(data.get("attempts", 0), "attempts"),
            passed=_flag(data.get("passed", False), "passed"),
            revealed=_flag(data.get("revealed", False), "revealed"),
            last=_text(data.get("last", ""), "last"),
        )


@dataclass
class Progress:
    """Everything tutor remembers about a learner."""

    last_lesson: str | None = None
    positions: dict[str, int] = field(default_factory=dict)
    opened: dict[str, str] = field(default_factory=dict)
    finished: dict[str, str] = field(default_factory=dict)
    reached_end: dict[str, str] = field(default_factory=dict)
    quizzes: dict[str, dict[str, QuizRecord]] = field(default_factory=dict)

    def status(self, lesson_id: str) -> LessonStatus:
        """new, started or done, as ``tutor list`` shows it."""
        if lesson_id in self.finished:
            return "done"
        if lesson_id in self.opened:
            return "started"
        return "new"

    def open_lesson(self, lesson_id: str, position: int | None = None) -> None:
        self.last_lesson = lesson_id
        self.opened.setdefault(lesson_id, _now())
        if position is not None:
            self.positions[lesson_id] = position

    def reach_end(self, lesson_id: str) -> None:
        """The learner has been on the lesson's last section."""
        self.reached_end.setdefault(lesson_id, _now())

    def is_complete(self, lesson_id: str, quiz_ids: list[str]) -> bool:
        """Done means: the end was reached and every quiz in the lesson was passed."""
        records = self.quizzes.get(lesson_id, {})
        passed = all(records.get(quiz_id, QuizRecord()).passed for quiz_id in quiz_ids)
        return lesson_id in self.reached_end and passed

    def finish_lesson(self, lesson_id: str) -> None:
        self.opened.setdefault(lesson_id, _now())
        self.finished.setdefault(lesson_id, _now())

    def quiz(self, lesson_id: str, quiz_id: str) -> QuizRecord:
        """The record of one quiz, created empty when first asked for."""
        return self.quizzes.setdefault(lesson_id, {}).setdefault(quiz_id, QuizRecord())

    def record_answer(self, lesson_id: str, quiz_id: str, correct: bool) -> QuizRecord:
        record = self.quiz(lesson_id, quiz_id)
        record.attempts += 1
        record.passed = record.passed or correct
        record.last = _now()
        return record

    def missed(self) -> list[tuple[str, str]]:
        """(lesson id, quiz id) of every question answered wrongly and not yet passed."""
        return [
            (lesson_id, quiz_id)
            for lesson_id, records in self.quizzes.items()
            for quiz_id, record in records.items()
            if record.attempts and not record.passed
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "last_lesson": self.last_lesson,
            "positions": self.positions,
            "opened": self.opened,
            "finished": self.finished,
            "reached_end": self.reached_end,
            "quizzes": {
                lesson: {quiz: record.to_json() for quiz, record in records.items()}
                for lesson, records in self.quizzes.items()
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> Progress:
        """Build from a parsed file; raises ValueError/TypeError on a malformed one.

        Strict on purpose: a field of the wrong type means the file was damaged or
        edited by hand, and such a file is kept aside rather than half-trusted.
        """
        if not isinstance(data, dict):
            raise TypeError("progress is not a JSON object")
        last = data.get("last_lesson")
        if last is not None and not isinstance(last, str):
            raise TypeError(f"'last_lesson' is not text: {_short(last)}")
        quizzes = {
            str(lesson): {
                str(quiz): QuizRecord.from_json(record)
                for quiz, record in _object(records, f"quizzes of {lesson}").items()
            }
            for lesson, records in _object(data.get("quizzes"), "quizzes").items()
        }
        return cls(
            last_lesson=last,
            positions={
                str(k): _whole(v, "a position", allow_negative=True)
                for k, v in _object(data.get("positions"), "positions").items()
            },
            opened=_times(data, "opened"),
            finished=_times(data, "finished"),
            reached_end=_times(data, "reached_end"),
            quizzes=quizzes,
        )

    def replace_with(self, other: Progress) -> None:
        """Take ``other``'s contents in place, so every holder of this object sees them."""
        for item in fields(self):
            setattr(self, item.name, getattr(other, item.name))


# -- strict readers of the JSON fields ------------------------------------------------


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _object(value: Any, what: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"'{what}' is not a JSON object: {_short(value)}")
    return value


def _whole(value: Any, what: str, *, allow_negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} is not a whole number: {_short(value)}")
    if value < 0 and not allow_negative:
        raise ValueError(f"{what} is negative: {value}")
    return value


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"'{what}' is not true or false: {_short(value)}")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"'{what}' is not text: {_short(value)}")
    return value


def _times(data: dict[str, Any], key: str) -> dict[str, str]:
    return {str(k): _text(v, key) for k, v in _object(data.get(key), key).items()}


# -- merging two sessions' progress ----------------------------------------------------


def merge_progress(base: Progress, ours: Progress, theirs: Progress) -> Progress:
    """What both of two sessions know, given what they last agreed on.

    ``base`` is the file as this session last read or wrote it, ``ours`` this
    session's progress now, ``theirs`` the file now (another session saved since).
    Nothing either side recorded is dropped: lessons opened or finished are a union
    (keeping the earlier time), attempts add up what each side did since ``base``,
    a quiz passed or a solution revealed on either side stays so, and for a place
    in a lesson (or the last lesson) the side that moved since ``base`` wins.
    """
    last = ours.last_lesson if ours.last_lesson != base.last_lesson else theirs.last_lesson
    quizzes: dict[str, dict[str, QuizRecord]] = {}
    for lesson in theirs.quizzes.keys() | ours.quizzes.keys():
        mine, other = ours.quizzes.get(lesson, {}), theirs.quizzes.get(lesson, {})
        before = base.quizzes.get(lesson, {})
        quizzes[lesson] = {
            quiz: _merge_record(
                before.get(quiz, QuizRecord()),
                mine.get(quiz, QuizRecord()),
                other.get(quiz, QuizRecord()),
            )
            for quiz in sorted(other.keys() | mine.keys())
        }
    return Progress(
        last_lesson=last or theirs.last_lesson,
        positions=_merge_moved(base.positions, ours.positions, theirs.positions),
        opened=_merge_earliest(ours.opened, theirs.opened),
        finished=_merge_earliest(ours.finished, theirs.finished),
        reached_end=_merge_earliest(ours.reached_end, theirs.reached_end),
        quizzes=dict(sorted(quizzes.items())),
    )


def _merge_record(base: QuizRecord, ours: QuizRecord, theirs: QuizRecord) -> QuizRecord:
    ours_since = max(0, ours.attempts - base.attempts)
    return QuizRecord(
        attempts=max(ours.attempts, theirs.attempts + ours_since),
        passed=ours.passed or theirs.passed,
        revealed=ours.revealed or theirs.revealed,
        last=max(ours.last, theirs.last),
    )


def _merge_moved(
    base: dict[str, int], ours: dict[str, int], theirs: dict[str, int]
) -> dict[str, int]:
    merged = dict(theirs)
    for key, value in ours.items():
        if key not in theirs or value != base.get(key):
            merged[key] = value
    return merged


def _merge_earliest(ours: dict[str, str], theirs: dict[str, str]) -> dict[str, str]:
    merged = dict(theirs)
    for key, value in ours.items():
        merged[key] = min(value, merged.get(key, value))
    return merged


# -- the store ------------------------------------------------------------------------------


class _Unreadable(Exception):
    """The progress file exists but is not a progress file we can trust."""


@dataclass
class ProgressStore:
    """Loads and saves a Progress in a folder, and says what happened on the way.

    ``notices`` collects the plain-language messages a learner must see (a damaged
    file moved aside, a read-only folder, a newer tutor's file, another tutor saving
    to the same progress); the app shows them in a panel and the command line
    prints them.
    """

    folder: Path
    read_only: bool = False
    notices: list[str] = field(default_factory=list)
    #: The file's contents as this session last read or wrote them: the merge base.
    _synced: dict[str, Any] | None = field(default=None, repr=False)
    _session: str = field(default_factory=lambda: uuid.uuid4().hex, repr=False)
    _told_about_others: bool = field(default=False, repr=False)
    _lock_depth: int = field(default=0, repr=False)

    @classmethod
    def default(cls) -> ProgressStore:
        return cls(data_dir())

    @property
    def path(self) -> Path:
        return self.folder / PROGRESS_FILE

    @property
    def backup_path(self) -> Path:
        return self.folder / BACKUP_FILE

    @property
    def lock_path(self) -> Path:
        return self.folder / LOCK_FILE

    # -- loading ----------------------------------------------------------------------

    def load(self) -> Progress:
        """The saved progress, or a fresh one; never raises for a bad file or folder."""
        try:
            with self._locked(LOAD_LOCK_WAIT_SECONDS) as locked:
                if locked:  # no other tutor is saving, so no temp file is in use
                    self._clear_stale_temp_files()
                return self._load_file()
        except OSError as error:
            self.read_only = True
            self.notices.append(
                f"cannot read {self.path} ({error.strerror or error}); "
                "tutor keeps running, but this session will not save progress."
            )
            return Progress()

    def _load_file(self) -> Progress:
        if not self.path.exists():
            return self._restore_missing()
        try:
            data, progress = self._read_file()
        except _Unreadable as error:
            return self._recover(str(error))
        if progress is None:
            return self._newer(data)
        self._synced = data
        self._write_backup(data)
        return progress

    def _read_file(self) -> tuple[dict[str, Any], Progress | None]:
        """The file parsed, and its progress (None for a newer tutor's file).

        Raises ``_Unreadable`` for a file that is not progress we can trust. An
        OSError (a permission, a folder in the way) propagates: such a file is not
        damaged, only out of reach, and must not be moved.
        """
        size = self.path.stat().st_size
        if size > MAX_PROGRESS_BYTES:
            raise _Unreadable(f"it is {size:,} bytes, far more than progress ever takes")
        raw = self.path.read_bytes()
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise TypeError("it is not a JSON object")
            if _schema(data) > SCHEMA_VERSION:
                return data, None
            return data, Progress.from_json(data)
        except (ValueError, TypeError, RecursionError) as error:  # UnicodeDecodeError too
            raise _Unreadable(str(error) or type(error).__name__) from None

    def _newer(self, data: dict[str, Any]) -> Progress:
        """A newer tutor's file: read what we can, never write it."""
        self.read_only = True
        self.notices.append(
            f"{self.path} was written by a newer tutor (schema {_schema(data)}); "
            "it is left untouched and this session will not save progress."
        )
        try:
            return Progress.from_json(data)
        except (ValueError, TypeError):
            return Progress()

    def _restore_missing(self) -> Progress:
        """No progress file: a first run, or a file lost while a backup survived."""
        restored = self._read_backup()
        if restored is None:
            return Progress()
        self.notices.append(
            f"your progress file {self.path} was missing; tutor restored the last good "
            f"backup ({self.backup_path})."
        )
        self._save_locked(restored)
        return restored

    def _recover(self, reason: str) -> Progress:
        """Move a damaged file aside and fall back on the last good backup."""
        damaged = _unused_path(self.folder, "progress.corrupt", time.strftime("%Y%m%d-%H%M%S"))
        try:
            os.replace(self.path, damaged)
            kept = f"it was kept as {damaged}"
        except OSError:  # it cannot be moved, so it must not be written over either
            self.read_only = True
            kept = f"it was left as it is at {self.path} and this session will not save"
        restored = self._read_backup()
        what = "restored the last good backup" if restored else "started afresh"
        self.notices.append(
            f"your progress file could not be read ({reason}); {kept}, and tutor {what}."
        )
        progress = restored or Progress()
        self._save_locked(progress)
        return progress

    def _read_backup(self) -> Progress | None:
        try:
            data = json.loads(self.backup_path.read_text(encoding="utf-8"))
            if _schema(data) > SCHEMA_VERSION:
                return None
            return Progress.from_json(data)
        except (OSError, ValueError, TypeError, RecursionError, AttributeError):
            return None

    def _write_backup(self, data: dict[str, Any]) -> None:
        if self.read_only:
            return
        with contextlib.suppress(OSError):
            atomic_write_json(self.backup_path, data)

    def _clear_stale_temp_files(self) -> None:
        """Temp files left by a save that was killed half-way are of no use."""
        with contextlib.suppress(OSError):
            for stale in self.folder.glob(".progress-*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()

    # -- saving ------------------------------------------------------------------------

    def save(self, progress: Progress) -> bool:
        """Merge with what is on disk and write atomically; False (with a notice) if not.

        When another tutor saved since this one last read or wrote the file,
        ``progress`` is updated in place with the merge, so what the learner sees
        matches what was saved.
        """
        if self.read_only:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._locked():
                return self._save_locked(progress)
        except OSError as error:
            self._cannot_save(error)
            return False

    def _save_locked(self, progress: Progress) -> bool:
        if self.read_only:
            return False
        merged = self._merge_with_file(progress)
        if merged is None:
            return False
        data = {**merged.to_json(), "writer": {"pid": os.getpid(), "session": self._session}}
        try:
            atomic_write_json(self.path, data)
        except OSError as error:
            self._cannot_save(error)
            return False
        # A copy: to_json hands out the live dicts, and the base must not move with them.
        self._synced = json.loads(json.dumps(data))
        if merged is not progress:
            progress.replace_with(merged)
        return True

    def _merge_with_file(self, progress: Progress) -> Progress | None:
        """``progress`` merged with the file if another tutor changed it; None: do not save."""
        if not self.path.exists():
            return progress
        try:
            data, theirs = self._read_file()
        except _Unreadable as error:
            damaged = _unused_path(self.folder, "progress.corrupt", time.strftime("%Y%m%d-%H%M%S"))
            os.replace(self.path, damaged)
            self.notices.append(
                f"your progress file was damaged while tutor was open ({error}); it was "
                f"kept as {damaged} and this session's progress was saved in its place."
            )
            return progress
        if theirs is None:
            self.read_only = True
            self.notices.append(
                f"{self.path} was replaced by a newer tutor (schema {_schema(data)}) while "
                "this one was open; it is left untouched and this session will not save "
                "progress."
            )
            return None
        if data == self._synced:
            return progress
        base = Progress.from_json(self._synced) if self._synced else Progress()
        self._tell_about_other_writer(data)
        return merge_progress(base, progress, theirs)

    def _tell_about_other_writer(self, data: dict[str, Any]) -> None:
        writer = data.get("writer")
        if self._told_about_others or not isinstance(writer, dict):
            return
        if writer.get("session") == self._session:
            return
        self._told_about_others = True
        pid = writer.get("pid")
        who = f"another tutor (pid {pid})" if isinstance(pid, int) else "another tutor"
        self.notices.append(
            f"{who} also saved progress to {self.path} while this one was open; "
            "both sessions' progress was merged, so neither loses anything."
        )

    def _cannot_save(self, error: OSError) -> None:
        self.read_only = True
        self.notices.append(
            f"cannot save progress in {self.folder} ({error.strerror or error}); tutor keeps "
            "running, but this session's progress will not be kept. Set TUTOR_HOME to a "
            "folder you can write to."
        )

    def reset(self, progress: Progress) -> Progress:
        """Start afresh; the old file is kept beside the new one, not deleted.

        Another tutor still open on the same progress merges its own records back
        on its next save: a reset never takes away what another window is showing.
        """
        fresh = Progress()
        if self.read_only:
            return fresh
        try:
            with self._locked():
                if self.path.exists():
                    stamp = time.strftime("%Y%m%d-%H%M%S")
                    os.replace(self.path, _unused_path(self.folder, "progress.reset", stamp))
                self._synced = None
                self._save_locked(fresh)
        except OSError as error:
            self._cannot_save(error)
        return fresh

    @contextlib.contextmanager
    def _locked(self, timeout: float = LOCK_WAIT_SECONDS) -> Iterator[bool]:
        """The folder lock, taken once however deeply load and save nest."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield True
            finally:
                self._lock_depth -= 1
            return
        with folder_lock(self.lock_path, timeout) as locked:
            self._lock_depth = 1
            try:
                yield locked
            finally:
                self._lock_depth = 0


def _schema(data: dict[str, Any]) -> int:
    """The file's schema version; ValueError/TypeError when it is not a whole number."""
    value = data.get("schema", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"its schema version is not a whole number: {_short(value)}")
    return value


def _unused_path(folder: Path, stem: str, stamp: str) -> Path:
    """``stem-stamp.json``, or ``stem-stamp-2.json``... so no kept file is ever replaced."""
    candidate = folder / f"{stem}-{stamp}.json"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{stamp}-{number}.json"
        number += 1
    return candidate


def atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file."""
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    handle, temp_name = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as temp:
            temp.write(text)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
