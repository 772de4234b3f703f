"""Pieces several sub-commands share: the --lessons option and loading a library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tutor.core.library import Library, load_library


def add_lessons_option(parser: argparse.ArgumentParser) -> None:
    """``--lessons DIR``: use a teacher's folder instead of the bundled lessons."""
    parser.add_argument(
        "--lessons",
        metavar="DIR",
        type=Path,
        default=None,
        help="a folder of lesson files to use instead of the bundled lessons",
    )


def library_from(args: argparse.Namespace) -> Library:
    """Load the library named by ``--lessons``, warning about files that failed."""
    library = load_library(args.lessons)
    if library.problems:
        broken = sorted({str(problem.path) for problem in library.problems})
        print(
            f"tutor: {len(broken)} lesson file(s) could not be loaded; "
            f"run 'tutor check' for details: {', '.join(broken)}",
            file=sys.stderr,
        )
    return library
