"""``tutor [LESSON]``: open the app, where the learner left off or at a lesson."""

from __future__ import annotations

import argparse

from tutor.cli.common import add_lessons_option, library_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "lesson",
        nargs="?",
        metavar="LESSON",
        help="a lesson number or id to open (default: where you left off)",
    )
    add_lessons_option(parser)


def run(args: argparse.Namespace) -> int:
    library = library_from(args)
    lesson = library.find(args.lesson) if args.lesson else None
    from tutor.app import TutorApp

    TutorApp(library, start_lesson=lesson.id if lesson else None).run()
    return 0
