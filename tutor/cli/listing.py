"""``tutor list``: the lessons in order, with the learner's status."""

from __future__ import annotations

import argparse
import sys

from tutor.cli.common import add_lessons_option, library_from
from tutor.core.progress import ProgressStore


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
        print(f"tutor: {notice}", file=sys.stderr)
    if not library.lessons:
        print(f"no lessons in {library.folder}")
        return 1
    width = max(len(lesson.id) for lesson in library.lessons)
    for number, lesson in enumerate(library.lessons, 1):
        status = progress.status(lesson.id)
        print(f"{number:>3}  {lesson.id:<{width}}  {status:<7}  {lesson.title}")
    return 0
