"""The learner's progress: what they opened, finished and answered, kept safe.

Progress is one JSON file in the data folder. It is written atomically after every
change (a temporary file in the same folder, flushed and fsynced, then
``os.replace`` and an fsync of the folder), so a crash at any moment leaves either
the old file or the new one. A file that cannot be read is never overwritten: it
is moved aside as ``progress.corrupt-<time>.json`` and the last good backup is
restored. A file from a newer tutor is left alone and the session runs read-only.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor.core.paths import data_dir

SCHEMA_VERSION = 1
PROGRESS_FILE = "progress.json"
BACKUP_FILE = "progress.backup.json"

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
    def from_json(cls, data: dict[str, Any]) -> QuizRecord:
        return cls(
            attempts=int(data.get("attempts", 0)),
            passed=bool(data.get("passed", False)),
            revealed=bool(data.get("revealed", False)),
            last=str(data.get("last", "")),
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
    def from_json(cls, data: dict[str, Any]) -> Progress:
        """Build from a parsed file; raises ValueError/TypeError on a malformed one."""
        if not isinstance(data, dict):
            raise TypeError("progress is not a JSON object")
        quizzes = {
            str(lesson): {str(q): QuizRecord.from_json(r) for q, r in records.items()}
            for lesson, records in dict(data.get("quizzes", {})).items()
        }
        return cls(
            last_lesson=data.get("last_lesson"),
            positions={str(k): int(v) for k, v in dict(data.get("positions", {})).items()},
            opened={str(k): str(v) for k, v in dict(data.get("opened", {})).items()},
            finished={str(k): str(v) for k, v in dict(data.get("finished", {})).items()},
            reached_end={str(k): str(v) for k, v in dict(data.get("reached_end", {})).items()},
            quizzes=quizzes,
        )


@dataclass
class ProgressStore:
    """Loads and saves a Progress in a folder, and says what happened on the way.

    ``notices`` collects the plain-language messages a learner must see (a damaged
    file moved aside, a read-only folder, a newer tutor's file); the app shows them
    in a panel and the command line prints them.
    """

    folder: Path
    read_only: bool = False
    notices: list[str] = field(default_factory=list)

    @classmethod
    def default(cls) -> ProgressStore:
        return cls(data_dir())

    @property
    def path(self) -> Path:
        return self.folder / PROGRESS_FILE

    @property
    def backup_path(self) -> Path:
        return self.folder / BACKUP_FILE

    def load(self) -> Progress:
        """The saved progress, or a fresh one; never raises for a bad file."""
        self._clear_stale_temp_files()
        if not self.path.exists():
            return Progress()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and int(data.get("schema", 0)) > SCHEMA_VERSION:
                self.read_only = True
                self.notices.append(
                    f"{self.path} was written by a newer tutor (schema {data['schema']}); "
                    "it is left untouched and this session will not save progress."
                )
                return Progress.from_json(data)
            progress = Progress.from_json(data)
        except OSError as error:
            self.read_only = True
            self.notices.append(
                f"cannot read {self.path} ({error.strerror}); this session will not save progress."
            )
            return Progress()
        except (ValueError, TypeError, AttributeError) as error:
            return self._recover(error)
        self._write_backup(data)
        return progress

    def save(self, progress: Progress) -> bool:
        """Write atomically; False (with a notice) when the folder cannot be written."""
        if self.read_only:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_json(self.path, progress.to_json())
        except OSError as error:
            self.read_only = True
            self.notices.append(
                f"cannot save progress in {self.folder} "
                f"({error.strerror or error}); it will not be kept."
            )
            return False
        return True

    def reset(self, progress: Progress) -> Progress:
        """Start afresh; the old file is kept beside the new one, not deleted."""
        if self.path.exists() and not self.read_only:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            with contextlib.suppress(OSError):
                os.replace(self.path, self.folder / f"progress.reset-{stamp}.json")
        fresh = Progress()
        self.save(fresh)
        return fresh

    def _recover(self, error: Exception) -> Progress:
        """Move a damaged file aside and fall back on the last good backup."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        damaged = self.folder / f"progress.corrupt-{stamp}.json"
        try:
            os.replace(self.path, damaged)
        except OSError:
            self.read_only = True
            damaged = self.path
        restored = self._read_backup()
        what = "restored the last good backup" if restored else "started afresh"
        self.notices.append(
            f"your progress file could not be read ({error}); it was kept as "
            f"{damaged} and tutor {what}."
        )
        progress = restored or Progress()
        self.save(progress)
        return progress

    def _read_backup(self) -> Progress | None:
        try:
            return Progress.from_json(json.loads(self.backup_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, AttributeError):
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
