"""``tutor list``: the lessons in order, with the learner's status.

Titles, quiz ids and file names are printed through ``tutor.core.safe_text``, so a
lesson's control characters never reach the terminal.
"""

from __future__ import annotations

import argparse
import sys

from tutor.cli.common import add_lessons_option, library_from
from tutor.core.library import Library
from tutor.core.progress import Progress, ProgressStore
from tutor.core.safe_text import clean, clean_line


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "list",
        help="list the lessons in order with your progress",
        description="List the lessons: number, id, title, and your status (new, started or done).",
    )
    add_lessons_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    library = library_from(args)
    store = ProgressStore.default()
    progress = store.load()
    for notice in store.notices:
        print(f"tutor: {clean(notice)}", file=sys.stderr)
    if not library.lessons:
        print(clean_line(f"no lessons in {library.folder}"))
        return 1
    width = max(len(clean_line(lesson.id)) for lesson in library.lessons)
    for number, lesson in enumerate(library.lessons, 1):
        status = progress.status(lesson.id)
        lesson_id, title = clean_line(lesson.id), clean_line(lesson.title)
        print(f"{number:>3}  {lesson_id:<{width}}  {status:<7}  {title}")
    print_review(library, progress)
    return 0


def print_review(library: Library, progress: Progress) -> None:
    """The questions the learner missed and has not passed since, to go back to."""
    known = {lesson.id: lesson for lesson in library.lessons}
    missed = [
        (known[lesson_id], quiz_id)
        for lesson_id, quiz_id in progress.missed()
        if lesson_id in known and known[lesson_id].quiz(quiz_id) is not None
    ]
    if not missed:
        return
    print("\nTo review (missed, not yet passed):")
    for lesson, quiz_id in missed:
        attempts = progress.quiz(lesson.id, quiz_id).attempts
        state = progress.quiz_state(lesson.id, quiz_id)
        seen = "solution seen, " if state == "solution seen" else ""
        print(
            f"  lesson {library.number_of(lesson)} {lesson.id}: {clean_line(quiz_id)} "
            f"({seen}{attempts} attempt{'s' if attempts != 1 else ''})"
        )
