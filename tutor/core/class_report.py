"""What the teacher sees of a class: the gradebook report and the live view's rows.

Both are read from the class database and the lesson library, and both are plain
data (no printing, no Textual): ``tutor class report`` prints or serialises a
``ClassReport``, and ``tutor class watch`` redraws its table from ``watch_rows``.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from tutor.core.classroom import ClassBook, read_progress
from tutor.core.library import Library

#: How many of the most-missed questions a report names.
MOST_MISSED = 10
#: How many different wrong answers to a question the report quotes.
COMMON_WRONG = 3
#: Wrong attempts at one quiz, not passed since, that the live view calls stuck.
STUCK_AFTER = 2
#: A student seen (a save) this recently counts as in the lesson now.
ACTIVE_SECONDS = 300.0


@dataclass
class LessonCell:
    """One student in one lesson: status, quizzes passed of how many, attempts."""

    status: str
    quizzes_passed: int
    quizzes: int
    attempts: int


@dataclass
class StudentLine:
    """One student's row of the gradebook."""

    name: str
    last_seen: str | None
    lessons: dict[str, LessonCell]

    @property
    def lessons_done(self) -> int:
        return sum(cell.status == "done" for cell in self.lessons.values())

    @property
    def quizzes_passed(self) -> int:
        return sum(cell.quizzes_passed for cell in self.lessons.values())

    @property
    def attempts(self) -> int:
        return sum(cell.attempts for cell in self.lessons.values())


@dataclass
class MissedQuestion:
    """A quiz many students got wrong: how many, how often, and with what."""

    lesson: str
    quiz: str
    students_missed: int
    wrong_attempts: int
    not_passed: int
    #: (answer, how many times) for the most common wrong answers.
    common_wrong: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class ClassReport:
    """Students × lessons, and the questions most often missed."""

    class_name: str
    #: (lesson id, title) in course order; lessons only the records know come last.
    lessons: list[tuple[str, str]]
    students: list[StudentLine]
    most_missed: list[MissedQuestion]

    def to_json(self) -> dict[str, Any]:
        return {
            "class": self.class_name,
            "lessons": [{"id": lesson, "title": title} for lesson, title in self.lessons],
            "students": [
                {
                    "name": line.name,
                    "last_seen": line.last_seen,
                    "lessons_done": line.lessons_done,
                    "quizzes_passed": line.quizzes_passed,
                    "attempts": line.attempts,
                    "lessons": {lesson: asdict(cell) for lesson, cell in line.lessons.items()},
                }
                for line in self.students
            ],
            "most_missed": [
                {**asdict(missed), "common_wrong": [list(pair) for pair in missed.common_wrong]}
                for missed in self.most_missed
            ],
        }

    def to_csv(self) -> str:
        """One row per student, for a spreadsheet gradebook (formula-like cells made text)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        header = ["student", "last seen", "lessons done", "quizzes passed", "attempts"]
        for lesson, _ in self.lessons:
            header += [f"{lesson} status", f"{lesson} quizzes passed", f"{lesson} attempts"]
        writer.writerow([spreadsheet_safe(cell) for cell in header])
        for line in self.students:
            row: list[object] = [
                line.name,
                line.last_seen or "",
                line.lessons_done,
                line.quizzes_passed,
                line.attempts,
            ]
            for lesson, _ in self.lessons:
                cell = line.lessons[lesson]
                row += [cell.status, f"{cell.quizzes_passed}/{cell.quizzes}", cell.attempts]
            writer.writerow([spreadsheet_safe(value) for value in row])
        return out.getvalue()


def spreadsheet_safe(value: object) -> object:
    """A cell a spreadsheet will not run: text starting ``= + - @`` gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def build_report(book: ClassBook, class_name: str, library: Library) -> ClassReport:
    class_id, stored_name = book.class_id(class_name)
    db = book.connection
    quiz_ids = {
        lesson.id: [block.quiz_id for block in lesson.quizzes if block.quiz_id]
        for lesson in library.lessons
    }
    lessons = [(lesson.id, lesson.title) for lesson in library.lessons]
    students = db.execute(
        "SELECT id, name, last_seen FROM students WHERE class_id = ? ORDER BY name", (class_id,)
    ).fetchall()
    progresses = [(name, seen, read_progress(db, sid)) for sid, name, seen in students]
    known = {lesson for lesson, _ in lessons}
    extra = sorted(
        {
            lesson
            for _, _, progress in progresses
            for lesson in progress.opened.keys() | progress.quizzes.keys()
        }
        - known
    )
    lessons += [(lesson, lesson) for lesson in extra]
    lines = []
    for name, seen, progress in progresses:
        cells = {}
        for lesson, _ in lessons:
            records = progress.quizzes.get(lesson, {})
            ids = quiz_ids.get(lesson) or sorted(records)
            cells[lesson] = LessonCell(
                status=progress.status(lesson),
                quizzes_passed=sum(records[q].passed for q in ids if q in records),
                quizzes=len(ids),
                attempts=sum(record.attempts for record in records.values()),
            )
        lines.append(StudentLine(name, seen, cells))
    return ClassReport(stored_name, lessons, lines, most_missed(db, class_id))


def most_missed(db: sqlite3.Connection, class_id: int) -> list[MissedQuestion]:
    """The quizzes most students answered wrong at least once, most first."""
    rows = db.execute(
        "SELECT a.lesson, a.quiz, COUNT(DISTINCT a.student_id), COUNT(*) FROM attempts a "
        "JOIN students s ON s.id = a.student_id WHERE s.class_id = ? AND a.correct = 0 "
        "GROUP BY a.lesson, a.quiz ORDER BY 3 DESC, 4 DESC, a.lesson, a.quiz LIMIT ?",
        (class_id, MOST_MISSED),
    ).fetchall()
    missed = []
    for lesson, quiz, students, wrong in rows:
        (not_passed,) = db.execute(
            "SELECT COUNT(DISTINCT a.student_id) FROM attempts a JOIN students s "
            "ON s.id = a.student_id WHERE s.class_id = ? AND a.lesson = ? AND a.quiz = ? "
            "AND NOT EXISTS (SELECT 1 FROM quiz_records q WHERE q.student_id = a.student_id "
            "AND q.lesson = a.lesson AND q.quiz = a.quiz AND q.passed)",
            (class_id, lesson, quiz),
        ).fetchone()
        common = db.execute(
            "SELECT a.answer, COUNT(*) FROM attempts a JOIN students s ON s.id = a.student_id "
            "WHERE s.class_id = ? AND a.lesson = ? AND a.quiz = ? AND a.correct = 0 "
            "GROUP BY a.answer ORDER BY 2 DESC, a.answer LIMIT ?",
            (class_id, lesson, quiz, COMMON_WRONG),
        ).fetchall()
        missed.append(
            MissedQuestion(lesson, quiz, students, wrong, not_passed, [tuple(c) for c in common])
        )
    return missed


# -- the live view ------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchRow:
    """One student as the live view shows them."""

    name: str
    #: "4 · The forward pass", or "" before their first lesson.
    lesson: str
    #: "3/7 · The loss", or "".
    section: str
    #: "3× dw2" (three wrong tries) or "solution: dw2" (it was shown), or "" if not stuck.
    stuck: str
    #: Seconds since their last save; None if never seen.
    seen_ago: float | None

    @property
    def active(self) -> bool:
        return self.seen_ago is not None and self.seen_ago <= ACTIVE_SECONDS


def watch_rows(
    book: ClassBook, class_name: str, library: Library, now: datetime | None = None
) -> list[WatchRow]:
    """Every student: where they are, what they are stuck on; stuck first, then active."""
    class_id, _ = book.class_id(class_name)
    now = now or datetime.now(UTC)
    db = book.connection
    rows = []
    for student_id, name, last_seen in db.execute(
        "SELECT id, name, last_seen FROM students WHERE class_id = ? ORDER BY name", (class_id,)
    ).fetchall():
        progress = read_progress(db, student_id)
        lesson_text, section_text, stuck = "", "", ""
        lesson_id = progress.last_lesson
        lesson = next((item for item in library.lessons if item.id == lesson_id), None)
        if lesson is not None:
            number = library.number_of(lesson)
            lesson_text = f"{number} · {lesson.title}"
            index = min(max(progress.positions.get(lesson.id, 0), 0), len(lesson.sections) - 1)
            if lesson.sections:
                title = lesson.sections[index].title or "Introduction"
                section_text = f"{index + 1}/{len(lesson.sections)} · {title}"
        elif lesson_id:
            lesson_text = lesson_id
        if lesson_id:
            stuck = _stuck_on(progress.quizzes.get(lesson_id, {}))
        rows.append(WatchRow(name, lesson_text, section_text, stuck, _ago(last_seen, now)))
    return sorted(rows, key=lambda row: (not row.stuck, not row.active, row.name.casefold()))


def _stuck_on(records: dict[str, Any]) -> str:
    """The latest quiz of the lesson tried ``STUCK_AFTER`` times or more without a pass."""
    stuck = [
        (record.last, quiz, record)
        for quiz, record in records.items()
        if not record.passed and (record.attempts >= STUCK_AFTER or record.revealed)
    ]
    if not stuck:
        return ""
    _, quiz, record = max(stuck)
    if record.revealed:
        return f"solution: {quiz}"
    return f"{record.attempts}× {quiz}"


def _ago(stamp: str | None, now: datetime) -> float | None:
    if not stamp:
        return None
    try:
        then = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return max(0.0, (now - then).total_seconds())


def ago_text(seconds: float | None) -> str:
    """ "now", "3 min", "2 h", "never": how long ago, short enough for a projected table."""
    if seconds is None:
        return "never"
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"
