"""``tutor class``: make a class, add students, hand out codes, read the gradebook, watch live.

The records live in the class database in the data folder (``tutor.core.class_db``),
on the teacher's machine only. Names, answers and lesson ids in the output come from
people and files, so they are printed through ``safe_text``, and a gradebook CSV
never starts a cell with a spreadsheet formula.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sqlite3
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from tutor.cli.common import add_lessons_option, library_from
from tutor.core.class_db import ClassDatabaseError
from tutor.core.class_report import ClassReport, LessonCell, build_report
from tutor.core.classroom import ClassBook
from tutor.core.errors import TutorError, UsageError
from tutor.core.files import read_regular_file
from tutor.core.library import Library
from tutor.core.safe_text import clean_line, json_text

#: A roster is a list of names: anything larger is not one.
MAX_ROSTER_BYTES = 1_000_000
#: A roster's first row is a header (and skipped) when its first cell is one of these.
ROSTER_HEADERS = ("name", "student", "students", "names")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "class",
        help="run a class: students sign in with a code, the teacher sees their progress",
        description=(
            "Make a class, add students (each gets a join code), and see how they do. The "
            "records stay on this machine, in tutor's data folder (TUTOR_HOME overrides it). "
            "Serve it with 'tutor serve --class NAME'."
        ),
    )
    commands = parser.add_subparsers(dest="class_command", metavar="ACTION", required=True)

    new = commands.add_parser("new", help="make a class", description="Make a new, empty class.")
    new.add_argument("name", metavar="NAME")
    new.set_defaults(func=run_new)

    listing = commands.add_parser("list", help="the classes, or one class's students")
    listing.add_argument("name", metavar="NAME", nargs="?")
    listing.set_defaults(func=run_list)

    add = commands.add_parser(
        "add",
        help="add students and print their join codes (shown once)",
        description="Add students to a class; each gets a join code, printed only now.",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("students", metavar="STUDENT", nargs="*")
    add.add_argument(
        "--csv", metavar="ROSTER", type=Path, help="a CSV file whose first column is the names"
    )
    add.set_defaults(func=run_add)

    codes = commands.add_parser(
        "codes",
        help="issue new join codes and print a sheet to hand out",
        description=(
            "Print a sheet of join codes to cut up and hand out. Only a hash of each code "
            "is kept, so the codes are issued anew: earlier codes stop working. Name "
            "students to re-issue only theirs (a lost slip)."
        ),
    )
    codes.add_argument("name", metavar="NAME")
    codes.add_argument("students", metavar="STUDENT", nargs="*")
    codes.set_defaults(func=run_codes)

    report = commands.add_parser(
        "report",
        help="students x lessons, and the most-missed questions",
        description="The gradebook: each student's lessons (done, started, quizzes passed, "
        "attempts), when they were last seen, and the questions most often missed.",
    )
    report.add_argument("name", metavar="NAME")
    form = report.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_true", help="one row per student, for a spreadsheet")
    form.add_argument("--json", action="store_true", help="everything, as JSON")
    add_lessons_option(report)
    report.set_defaults(func=run_report)

    export = commands.add_parser(
        "export", help="everything kept about one student, as JSON (to give it to them)"
    )
    export.add_argument("name", metavar="NAME")
    export.add_argument("student", metavar="STUDENT")
    export.set_defaults(func=run_export)

    delete = commands.add_parser("delete", help="delete one student and all their records")
    delete.add_argument("name", metavar="NAME")
    delete.add_argument("student", metavar="STUDENT")
    delete.add_argument("--yes", action="store_true", help="do not ask first")
    delete.set_defaults(func=run_delete)

    watch = commands.add_parser(
        "watch",
        help="a live view of the class: who is where, who is stuck",
        description="A full-screen live view for the projector: each student's lesson and "
        "section, and the quiz they are stuck on. Updates every few seconds; q quits.",
    )
    watch.add_argument("name", metavar="NAME")
    add_lessons_option(watch)
    watch.set_defaults(func=run_watch)


@contextmanager
def class_book(*, create: bool = False) -> Iterator[ClassBook]:
    """The class database for one command; an SQLite failure becomes one clear line."""
    book = ClassBook.open(create=create)
    try:
        yield book
    except sqlite3.Error as error:
        raise ClassDatabaseError(f"the class database {book.path} failed: {error}") from None
    finally:
        book.close()


def run_new(args: argparse.Namespace) -> int:
    with class_book(create=True) as book:
        name = book.new_class(args.name)
    shown = clean_line(name)
    print(f"Made the class {shown!r}. Add students: tutor class add {_quoted(name)} NAME ...")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with class_book() as book:
        if args.name is None:
            for name in book.class_names():
                count = len(book.students(name))
                print(f"{clean_line(name)}  ({count} student{'s' if count != 1 else ''})")
            return 0
        for row in book.students(args.name):
            locked = "  (locked: too many wrong codes)" if row.locked else ""
            print(f"{clean_line(row.name)}  last seen {_when(row.last_seen)}{locked}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    names = list(args.students)
    if args.csv is not None:
        names += read_roster(args.csv)
    if not names:
        raise UsageError("name at least one student, or give --csv ROSTER")
    with class_book() as book:
        issued = book.add_students(args.name, names)
    print("Join codes (shown only now: keep this, or print a sheet with 'tutor class codes'):")
    print_codes(issued)
    return 0


def read_roster(path: Path) -> list[str]:
    """The names in a roster's first column (a header row is skipped, blank rows too)."""
    try:
        raw = read_regular_file(path, MAX_ROSTER_BYTES)
    except OSError as error:
        raise UsageError(f"{path}: cannot read the roster: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not UTF-8 text (byte {error.start})") from None
    names = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), 1):
        first = row[0].strip() if row else ""
        if not first or (line == 1 and first.casefold() in ROSTER_HEADERS):
            continue
        names.append(first)
    if not names:
        raise UsageError(f"{path}: no names in the first column")
    return names


def run_codes(args: argparse.Namespace) -> int:
    with class_book() as book:
        _, class_name = book.class_id(args.name)
        issued = book.reissue_codes(args.name, args.students)
    if not issued:
        raise TutorError(
            f"the class {class_name!r} has no students yet: 'tutor class add' adds them"
        )
    which = "these students'" if args.students else "every"
    print(
        f"tutor: new join codes were issued; {which} earlier code no longer works",
        file=sys.stderr,
    )
    rule = "-" * 60
    print(f"tutor · class {clean_line(class_name)} · join codes of {datetime.now():%Y-%m-%d}")
    for name, code in issued:
        print(rule)
        print(f"{clean_line(name):<44}{code:>16}")
        print("  Open the page your teacher shows, then type your name and this code.")
    print(rule)
    return 0


def print_codes(issued: list[tuple[str, str]]) -> None:
    width = max(len(clean_line(name)) for name, _ in issued)
    for name, code in issued:
        print(f"  {clean_line(name):<{width}}  {code}")


def run_report(args: argparse.Namespace) -> int:
    library = library_from(args)
    with class_book() as book:
        report = build_report(book, args.name, library)
    if args.json:
        print(json_text(json.dumps(report.to_json(), indent=1, ensure_ascii=False)))
    elif args.csv:
        sys.stdout.write(_csv_text(report.to_csv()))
    else:
        print_report(report)
    return 0


def print_report(report: ClassReport) -> None:
    """The gradebook as a table: one column per lesson, numbered as in 'tutor list'."""
    students = report.students
    print(
        f"Class {clean_line(report.class_name)}: {len(students)} student"
        f"{'s' if len(students) != 1 else ''}, {len(report.lessons)} lessons"
    )
    if students:
        width = max(7, *(len(clean_line(line.name)) for line in students))
        lesson_columns = "".join(f"{number:>5}" for number in range(1, len(report.lessons) + 1))
        print(f"{'student':<{width}}  {'last seen':<16}  done  passed  tries{lesson_columns}")
        for line in students:
            total = sum(cell.quizzes for cell in line.lessons.values())
            cells = "".join(f"{_cell(line.lessons[lesson]):>5}" for lesson, _ in report.lessons)
            print(
                f"{clean_line(line.name):<{width}}  {_when(line.last_seen):<16}  "
                f"{line.lessons_done:>4}  {f'{line.quizzes_passed}/{total}':>6}  "
                f"{line.attempts:>5}{cells}"
            )
        print("A lesson's column: ✓ done, 1/3 started (quizzes passed of 3), · started, blank new.")
    numbered = [f"{n} {clean_line(lesson)}" for n, (lesson, _) in enumerate(report.lessons, 1)]
    print(
        textwrap.fill(
            "Lessons: " + "; ".join(numbered),
            width=100,
            subsequent_indent="  ",
            break_on_hyphens=False,
        )
    )
    if not report.most_missed:
        print("No question has been missed yet.")
        return
    print("Most missed questions:")
    for missed in report.most_missed:
        common = ", ".join(
            f"{clean_line(answer)!r} x{count}" for answer, count in missed.common_wrong
        )
        print(
            f"  {clean_line(missed.lesson)} · {clean_line(missed.quiz)}: "
            f"{missed.students_missed} student{'s' if missed.students_missed != 1 else ''} wrong "
            f"({missed.wrong_attempts} wrong attempt{'s' if missed.wrong_attempts != 1 else ''}), "
            f"{missed.not_passed} not passed yet; wrong answers: {common}"
        )


def _cell(cell: LessonCell) -> str:
    if cell.status == "done":
        return "✓"
    if cell.status == "started":
        return f"{cell.quizzes_passed}/{cell.quizzes}" if cell.quizzes else "·"
    return ""


def _csv_text(text: str) -> str:
    """A CSV's cells with control characters made inert (a name is learner text)."""
    return "\n".join(clean_line(line) for line in text.split("\n"))


def run_export(args: argparse.Namespace) -> int:
    with class_book() as book:
        data = book.export_student(book.find_student(args.name, args.student))
    print(json_text(json.dumps(data, indent=1, ensure_ascii=False)))
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with class_book() as book:
        student = book.find_student(args.name, args.student)
        who = f"{clean_line(student.name)} of {clean_line(student.class_name)}"
        if not args.yes:
            if not sys.stdin.isatty():
                raise UsageError(f"deleting {who} cannot be undone: pass --yes to confirm")
            answer = input(f"Delete every record of {who}? This cannot be undone [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("Nothing deleted.")
                return 1
        book.delete_student(student)
    print(f"Deleted {who} and all their records.")
    return 0


def run_watch(args: argparse.Namespace) -> int:
    library = library_from(args)
    with class_book() as book:
        _, class_name = book.class_id(args.name)  # a wrong name fails here, before the screen
    from tutor.screens.class_watch import ClassWatchApp

    ClassWatchApp(class_name, library).run()
    return 0


def _quoted(name: str) -> str:
    return f'"{clean_line(name)}"' if " " in name else clean_line(name)


def _when(stamp: str | None) -> str:
    return stamp.replace("T", " ")[:16] if stamp else "never"


def open_class_app(library: Library, args: argparse.Namespace, options: dict[str, Any]) -> None:
    """``tutor --class NAME``: the app with a sign-in first, saving to the class records."""
    if args.no_save:
        raise UsageError("--class keeps each student's work, so it cannot go with --no-save")
    with class_book() as book:
        _, class_name = book.class_id(args.classroom)  # a wrong name fails before the app
    from tutor.class_app import ClassApp

    ClassApp(library, class_name, **options).run()
