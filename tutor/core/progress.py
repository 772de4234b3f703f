"""The learner's progress: what they opened, finished and answered, kept safe.

Progress is one JSON file in the data folder. It is written atomically after every
change (a temporary file in the same folder, flushed and fsynced, then
``os.replace`` and an fsync of the folder), so a crash at any moment leaves either
the old file or the new one. A file that is not JSON at all is never overwritten
unseen: its bytes are kept as ``progress.corrupt-<time>.json`` and the last good
backup is restored. A file with a few bad entries (a position that is text, a quiz
record that is a number) keeps every good entry: only the bad ones are set aside,
the file as it was is kept beside it, and the learner is told once. A file from a
newer tutor is left alone and the session runs read-only, and so is anything at
the file's path that is not a regular file (a named pipe would hang a read).

A save that fails (a full disk, a folder made read-only for a while) is reported
once and tried again at the next change; when one succeeds again, that is said too.
A ``progress.json`` that is a symlink is written through: its target is replaced
atomically and the link stays.

Two tutors open on the same progress (two terminals, a terminal and a browser)
both keep saving: every save re-reads the file under a lock and merges what the
other saved since (see ``merge_progress``), so neither silently undoes the other.
We chose a merge over a lock that makes the second window read-only because a
learner who answers quizzes in a read-only window would lose them, which is what
this module exists to prevent.
"""

from __future__ import annotations

import contextlib
import errno
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

from tutor.core.files import FileTooLarge, NotRegularFile, read_regular_file, writable_target
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
#: Counts (attempts) and places (a section number) beyond this are damage, not use.
MAX_COUNT = 1_000_000_000
#: How many set-aside entries a notice names before it says "and N more".
NOTICE_ENTRIES = 3

LessonStatus = str  # "new" | "started" | "done"
#: A quiz's state as the review list shows it.
QuizState = str  # "passed" | "solution seen" | "tried" | "new"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class QuizRecord:
    """One quiz's record: attempts, whether passed, whether the solution was shown, when.

    ``revealed`` is kept apart from ``passed`` because an answer typed after the
    solution was on screen proves nothing: such a quiz stays on the review list.
    """

    attempts: int = 0
    passed: bool = False
    revealed: bool = False
    last: str = ""

    @property
    def state(self) -> QuizState:
        """One word for the review list: passed, solution seen, tried or new."""
        if self.passed:
            return "passed"
        if self.revealed:
            return "solution seen"
        if self.attempts:
            return "tried"
        return "new"

    def to_json(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "passed": self.passed,
            "revealed": self.revealed,
            "last": self.last,
        }

    @classmethod
    def from_json(cls, data: Any) -> QuizRecord:
        """Build from a parsed record, leaving out (and forgetting) any bad field."""
        return _Salvage().record(data, "a quiz record") or cls()


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
        """Done means both: the end was reached, and every quiz in the lesson was passed."""
        records = self.quizzes.get(lesson_id, {})
        passed = all(records.get(quiz_id, QuizRecord()).passed for quiz_id in quiz_ids)
        return lesson_id in self.reached_end and passed

    def finish_lesson(self, lesson_id: str) -> None:
        self.opened.setdefault(lesson_id, _now())
        self.finished.setdefault(lesson_id, _now())

    def quiz(self, lesson_id: str, quiz_id: str) -> QuizRecord:
        """The record of one quiz, created empty when first asked for."""
        return self.quizzes.setdefault(lesson_id, {}).setdefault(quiz_id, QuizRecord())

    def record_answer(
        self, lesson_id: str, quiz_id: str, correct: bool, *, after_solution: bool = False
    ) -> QuizRecord:
        """Count one graded answer.

        Args:
            correct: whether the answer was graded correct.
            after_solution: the solution was on screen when it was typed. Then the
                attempt counts but the quiz is not passed by it (copying the shown
                answer proves nothing); it is recorded as "solution seen" instead.
        """
        record = self.quiz(lesson_id, quiz_id)
        record.attempts += 1
        if after_solution:
            record.revealed = True
        else:
            record.passed = record.passed or correct
        record.last = _now()
        return record

    def reveal(self, lesson_id: str, quiz_id: str) -> QuizRecord:
        """The solution was shown: the quiz stays on the review list until passed."""
        record = self.quiz(lesson_id, quiz_id)
        record.revealed = True
        record.last = _now()
        return record

    def quiz_state(self, lesson_id: str, quiz_id: str) -> QuizState:
        """passed, solution seen, tried or new (without creating a record)."""
        record = self.quizzes.get(lesson_id, {}).get(quiz_id)
        return record.state if record is not None else "new"

    def missed(self) -> list[tuple[str, str]]:
        """(lesson id, quiz id) of every quiz tried or whose solution was seen, not passed."""
        return [
            (lesson_id, quiz_id)
            for lesson_id, records in self.quizzes.items()
            for quiz_id, record in records.items()
            if (record.attempts or record.revealed) and not record.passed
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
        """Build from a parsed file, keeping every valid entry and dropping the rest."""
        return read_progress(data)[0]

    def replace_with(self, other: Progress) -> None:
        """Take ``other``'s contents in place, so every holder of this object sees them."""
        for item in fields(self):
            setattr(self, item.name, getattr(other, item.name))


def read_progress(data: Any) -> tuple[Progress, list[str]]:
    """A parsed progress file, entry by entry: the progress of every valid entry, and
    one description (``where: why``) of each entry that was left out.

    One bad entry costs only itself: a position that is text does not take the
    quizzes with it, which is what a learner who edited the file by hand expects.
    """
    salvage = _Salvage()
    return salvage.progress(data), salvage.set_aside


# -- reading the JSON field by field --------------------------------------------------------


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Salvage:
    """Reads a parsed file, keeping what is valid and naming what is not."""

    def __init__(self) -> None:
        self.set_aside: list[str] = []

    def reject(self, where: str, why: str) -> None:
        self.set_aside.append(f"{where}: {why}")

    def progress(self, data: Any) -> Progress:
        if not isinstance(data, dict):
            self.reject("the file", f"not a JSON object: {_short(data)}")
            return Progress()
        if "schema" in data:
            _schema_or_reject(data, self)
        last = data.get("last_lesson")
        if last is not None and not isinstance(last, str):
            self.reject("last_lesson", f"not text: {_short(last)}")
            last = None
        positions = {
            key: value
            for key, value in self.mapping(data.get("positions"), "positions").items()
            if self.count(value, f"positions.{key}", allow_negative=True)
        }
        quizzes: dict[str, dict[str, QuizRecord]] = {}
        for lesson, records in self.mapping(data.get("quizzes"), "quizzes").items():
            kept = {
                quiz: record
                for quiz, value in self.mapping(records, f"quizzes.{lesson}").items()
                if (record := self.record(value, f"quizzes.{lesson}.{quiz}")) is not None
            }
            if kept:
                quizzes[lesson] = kept
        return Progress(
            last_lesson=last,
            positions=positions,
            opened=self.times(data, "opened"),
            finished=self.times(data, "finished"),
            reached_end=self.times(data, "reached_end"),
            quizzes=quizzes,
        )

    def record(self, value: Any, where: str) -> QuizRecord | None:
        """A quiz record with its valid fields (defaults for bad ones); None if not one."""
        if not isinstance(value, dict):
            self.reject(where, f"not a JSON object: {_short(value)}")
            return None
        record = QuizRecord()
        attempts = value.get("attempts", 0)
        if self.count(attempts, f"{where}.attempts"):
            record.attempts = attempts
        for flag in ("passed", "revealed"):
            setting = value.get(flag, False)
            if isinstance(setting, bool):
                setattr(record, flag, setting)
            else:
                self.reject(f"{where}.{flag}", f"not true or false: {_short(setting)}")
        last = value.get("last", "")
        if isinstance(last, str):
            record.last = last
        else:
            self.reject(f"{where}.last", f"not text: {_short(last)}")
        return record

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.reject(where, f"not a JSON object: {_short(value)}")
            return {}
        return value

    def count(self, value: Any, where: str, *, allow_negative: bool = False) -> bool:
        """Is ``value`` a whole number in range? (Rejects it, with why, when not.)"""
        if isinstance(value, bool) or not isinstance(value, int):
            self.reject(where, f"not a whole number: {_short(value)}")
            return False
        low = -MAX_COUNT if allow_negative else 0
        if not low <= value <= MAX_COUNT:
            self.reject(where, f"out of range: {_short(value)}")
            return False
        return True

    def times(self, data: dict[str, Any], key: str) -> dict[str, str]:
        kept = {}
        for name, value in self.mapping(data.get(key), key).items():
            if isinstance(value, str):
                kept[name] = value
            else:
                self.reject(f"{key}.{name}", f"not text: {_short(value)}")
        return kept


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
    """The progress file exists but holds nothing we can read as progress.

    ``raw`` is its bytes, to keep aside, or None when it was too large to read.
    """

    def __init__(self, reason: str, raw: bytes | None) -> None:
        super().__init__(reason)
        self.raw = raw


@dataclass
class _FileRead:
    """A progress file as read: its bytes, its JSON, and what could be made of it."""

    raw: bytes
    data: dict[str, Any]
    #: None for a newer tutor's file, which is never interpreted here.
    progress: Progress | None
    #: ``where: why`` of every entry left out.
    set_aside: list[str]


@dataclass
class ProgressStore:
    """Loads and saves a Progress in a folder, and says what happened on the way.

    ``notices`` collects the plain-language messages a learner must see (a damaged
    file or entries set aside, a read-only folder, a newer tutor's file, another
    tutor saving to the same progress, saves failing and working again); the app
    shows them in a panel and the command line prints them.

    ``read_only`` is a decision (a newer tutor's file, something that is not a file
    at the path, a browser session): nothing is written. A save that merely failed
    is not that: ``failed_saves`` counts the failures since the last good save, and
    the next change tries again.
    """

    folder: Path
    read_only: bool = False
    notices: list[str] = field(default_factory=list)
    #: Saves that failed since the last one that worked (0: saving works).
    failed_saves: int = 0
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

    @property
    def unsaved(self) -> bool:
        """True while the latest changes are not on disk (the last save failed)."""
        return self.failed_saves > 0

    # -- loading ----------------------------------------------------------------------

    def load(self) -> Progress:
        """The saved progress, or a fresh one; never raises for a bad file or folder."""
        try:
            with self._locked(LOAD_LOCK_WAIT_SECONDS) as locked:
                if locked:  # no other tutor is saving, so no temp file is in use
                    self._clear_stale_temp_files()
                return self._load_file()
        except NotRegularFile as error:
            self.read_only = True
            self.notices.append(
                f"{self.path} is {error.kind}, not a regular file; tutor neither reads "
                "nor replaces it, so this session will not save progress. Move it away "
                "and tutor will save again."
            )
            return Progress()
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
            read = self._read_file()
        except _Unreadable as error:
            return self._recover(error)
        if read.progress is None:
            return self._newer(read.data)
        self._synced = read.data
        if read.set_aside:
            return self._heal(read, read.progress)
        self._write_backup(read.data)
        return read.progress

    def _read_file(self) -> _FileRead:
        """The file read and interpreted entry by entry.

        Raises ``_Unreadable`` for a file that is not progress at all. An OSError (a
        permission, a folder or a pipe in the way) propagates: such a file is not
        damaged, only out of reach, and must not be moved or written over.
        """
        try:
            raw = read_regular_file(self.path, MAX_PROGRESS_BYTES)
        except FileTooLarge as error:
            reason = f"it is {error.size:,} bytes, far more than progress ever takes"
            raise _Unreadable(reason, None) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError too
            raise _Unreadable(str(error) or type(error).__name__, raw) from None
        if not isinstance(data, dict):
            raise _Unreadable("it is not a JSON object", raw)
        schema = data.get("schema", 0)
        if _whole_number(schema) and schema > SCHEMA_VERSION:
            return _FileRead(raw, data, None, [])
        progress, set_aside = read_progress(data)
        return _FileRead(raw, data, progress, set_aside)

    def _newer(self, data: dict[str, Any]) -> Progress:
        """A newer tutor's file: read what we can, never write it."""
        self.read_only = True
        self.notices.append(
            f"{self.path} was written by a newer tutor (schema {data.get('schema')}); "
            "it is left untouched and this session will not save progress."
        )
        return Progress.from_json(data)

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

    def _recover(self, error: _Unreadable) -> Progress:
        """Keep a file that is not progress at all aside and fall back on the backup."""
        damaged = self._keep_aside(error.raw)
        if damaged is not None:
            kept = f"it was kept as {damaged}"
        else:  # no copy could be kept, so it must not be written over either
            self.read_only = True
            kept = f"it was left as it is at {self.path} and this session will not save"
        restored = self._read_backup()
        what = "restored the last good backup" if restored else "started afresh"
        self.notices.append(
            f"your progress file could not be read ({error}); {kept}, and tutor {what}."
        )
        progress = restored or Progress()
        self._save_locked(progress, merge=False)
        return progress

    def _heal(self, read: _FileRead, progress: Progress) -> Progress:
        """Set aside the bad entries of a file, keep the rest, and say so once."""
        damaged = self._keep_aside(read.raw)
        entries = _describe(read.set_aside)
        if damaged is None:
            self.read_only = True
            self.notices.append(
                f"some entries of {self.path} could not be read ({entries}); tutor uses "
                "the rest, but could not keep a copy of the file, so it is left as it is "
                "and this session will not save progress."
            )
            return progress
        count = len(read.set_aside)
        self.notices.append(
            f"{count} {'entry' if count == 1 else 'entries'} of your progress file could "
            f"not be read and {'was' if count == 1 else 'were'} set aside ({entries}); "
            f"everything else was kept, and the file as it was is kept as {damaged}."
        )
        self._save_locked(progress, merge=False)
        return progress

    def _keep_aside(self, raw: bytes | None) -> Path | None:
        """Keep the file's bytes as ``progress.corrupt-<time>.json``; None if we cannot.

        The bytes read are copied rather than the file moved, so a symlinked file
        keeps its link (the repaired progress is written through it). A file too large
        to have been read is moved instead.
        """
        stamp = time.strftime("%Y%m%d-%H%M%S")
        try:
            if raw is None:
                damaged = _unused_path(self.folder, "progress.corrupt", stamp)
                os.replace(self.path, damaged)
                return damaged
            return _keep_copy(self.folder, "progress.corrupt", stamp, raw)
        except OSError:
            return None

    def _read_backup(self) -> Progress | None:
        """The backup, if it is wholly good: a backup with a bad entry is not trusted."""
        try:
            data = json.loads(read_regular_file(self.backup_path, MAX_PROGRESS_BYTES))
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(data, dict) or not _whole_number(schema := data.get("schema", 0)):
            return None
        if schema > SCHEMA_VERSION:
            return None
        progress, set_aside = read_progress(data)
        return None if set_aside else progress

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
        matches what was saved. A failed save is tried again by the next call.
        """
        if self.read_only:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._locked():
                return self._save_locked(progress)
        except OSError as error:
            self._save_failed(error)
            return False

    def _save_locked(self, progress: Progress, *, merge: bool = True) -> bool:
        """Write ``progress`` (merged with the file unless ``merge`` is False)."""
        if self.read_only:
            return False
        try:
            merged = self._merge_with_file(progress) if merge else progress
            if merged is None:
                return False
            data = {**merged.to_json(), "writer": {"pid": os.getpid(), "session": self._session}}
            atomic_write_json(self.path, data)
        except OSError as error:
            self._save_failed(error)
            return False
        # A copy: to_json hands out the live dicts, and the base must not move with them.
        self._synced = json.loads(json.dumps(data))
        if merged is not progress:
            progress.replace_with(merged)
        self._save_worked()
        return True

    def _merge_with_file(self, progress: Progress) -> Progress | None:
        """``progress`` merged with the file if another tutor changed it; None: do not save."""
        if not self.path.exists():
            return progress
        try:
            read = self._read_file()
        except _Unreadable as error:
            damaged = self._keep_aside(error.raw)
            if damaged is None:
                raise OSError(
                    errno.EIO, f"{self.path} was damaged and no copy of it could be kept"
                ) from None
            self.notices.append(
                f"your progress file was damaged while tutor was open ({error}); it was "
                f"kept as {damaged} and this session's progress was saved in its place."
            )
            return progress
        if read.progress is None:
            self.read_only = True
            self.notices.append(
                f"{self.path} was replaced by a newer tutor (schema {read.data.get('schema')}) "
                "while this one was open; it is left untouched and this session will not "
                "save progress."
            )
            return None
        if read.data == self._synced:
            return progress
        if read.set_aside:
            damaged = self._keep_aside(read.raw)
            if damaged is None:
                raise OSError(errno.EIO, f"no copy of {self.path} could be kept")
            self.notices.append(
                f"entries of your progress file changed while tutor was open could not be "
                f"read and were set aside ({_describe(read.set_aside)}); the file as it was "
                f"is kept as {damaged}."
            )
        base = Progress.from_json(self._synced) if self._synced else Progress()
        self._tell_about_other_writer(read.data)
        return merge_progress(base, progress, read.progress)

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

    def _save_failed(self, error: OSError) -> None:
        """Say once that saving fails; the next change tries again."""
        self.failed_saves += 1
        if self.failed_saves == 1:
            self.notices.append(
                f"cannot save progress in {self.folder} ({error.strerror or error}); tutor "
                "keeps running and tries again at your next change. If this goes on, set "
                "TUTOR_HOME to a folder you can write to."
            )

    def _save_worked(self) -> None:
        if self.failed_saves:
            failed = self.failed_saves
            self.failed_saves = 0
            self.notices.append(
                f"progress is saved again in {self.folder} (after {failed} failed "
                f"save{'s' if failed != 1 else ''}); nothing was lost."
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
                stamp = time.strftime("%Y%m%d-%H%M%S")
                if self.path.is_symlink():  # keep the link: copy its target, then write through
                    raw = read_regular_file(self.path, MAX_PROGRESS_BYTES)
                    _keep_copy(self.folder, "progress.reset", stamp, raw)
                elif self.path.exists():
                    os.replace(self.path, _unused_path(self.folder, "progress.reset", stamp))
                self._synced = None
                self._save_locked(fresh, merge=False)  # the old file is kept, not merged
        except OSError as error:
            self._save_failed(error)
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


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _schema_or_reject(data: dict[str, Any], salvage: _Salvage) -> None:
    """A schema version that is not a whole number is set aside like any bad entry."""
    if not _whole_number(data.get("schema")):
        salvage.reject("schema", f"not a whole number: {_short(data.get('schema'))}")


def _describe(set_aside: list[str]) -> str:
    """The first few set-aside entries, for a one-line notice."""
    shown = "; ".join(set_aside[:NOTICE_ENTRIES])
    more = len(set_aside) - NOTICE_ENTRIES
    return shown + (f"; and {more} more" if more > 0 else "")


def _unused_path(folder: Path, stem: str, stamp: str) -> Path:
    """``stem-stamp.json``, or ``stem-stamp-2.json``... so no kept file is ever replaced."""
    candidate = folder / f"{stem}-{stamp}.json"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{stamp}-{number}.json"
        number += 1
    return candidate


def _keep_copy(folder: Path, stem: str, stamp: str, raw: bytes) -> Path:
    """Write ``raw`` to a new ``stem-stamp[-n].json`` (never an existing file), durably."""
    number = 1
    while True:
        suffix = "" if number == 1 else f"-{number}"
        candidate = folder / f"{stem}-{stamp}{suffix}.json"
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            number += 1
            continue
        try:
            with os.fdopen(fd, "wb") as copy:
                copy.write(raw)
                copy.flush()
                os.fsync(copy.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                candidate.unlink()
            raise
        return candidate


def atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file.

    The steps, in order: write a temp file in the same folder, flush and fsync it,
    ``os.replace`` it onto the file, fsync the folder (so the rename itself survives
    a power cut). A symlink is written through (its target is replaced); a path that
    holds a pipe or a device is refused with ``NotRegularFile``.
    """
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    target = writable_target(path)
    handle, temp_name = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as temp:
            temp.write(text)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_folder(target.parent)


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
