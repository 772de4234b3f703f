"""Pieces several sub-commands share: the lesson options, loading a library, a seed option."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tutor.core.library import Library, load_library
from tutor.core.safe_text import clean_line
from tutor.core.seeding import MAX_SEED


def add_lessons_option(parser: argparse.ArgumentParser) -> None:
    """``--lessons DIR``: use a teacher's folder instead of the bundled lessons."""
    parser.add_argument(
        "--lessons",
        metavar="DIR",
        type=Path,
        default=None,
        help="a folder of lesson files to use instead of the bundled lessons",
    )


def add_lesson_arguments(parser: argparse.ArgumentParser) -> None:
    """``LESSON`` and ``--lessons DIR``: one lesson, by number or id, from the chosen folder."""
    parser.add_argument("lesson", metavar="LESSON", help="a lesson number or id")
    add_lessons_option(parser)


def library_from(args: argparse.Namespace) -> Library:
    """Load the library named by ``--lessons``, warning about files that failed."""
    library = load_library(args.lessons)
    if library.problems:
        broken = sorted({clean_line(str(problem.path)) for problem in library.problems})
        print(
            f"tutor: {len(broken)} lesson file(s) could not be loaded; "
            f"run 'tutor check' for details: {', '.join(broken)}",
            file=sys.stderr,
        )
    return library


def seed_option(text: str) -> int:
    """An argparse type: a seed is a whole number from 0 to 2⁶³ − 1, in plain digits.

    Every command that draws random numbers (the app, trace, grade, shot, serve) reads
    its seed the same way, and a bad one exits 2 with the reason before anything is drawn.
    """
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 0 to 2⁶³ − 1")
    return int(text)
