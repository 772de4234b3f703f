"""``tutor check``: validate lesson files, running and proving everything in them."""

from __future__ import annotations

import argparse
from pathlib import Path

from tutor.core.checking import Note, check_folders
from tutor.core.errors import TutorError
from tutor.core.safe_text import clean


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check",
        help="validate lesson files (default: the bundled lessons)",
        description="Validate lesson files: front matter, blocks and quizzes; run every "
        "live block and prove every gradient quiz with finite differences. Prints "
        "'path:line: message' for each problem; exits 1 if there is any, 0 if none.",
    )
    parser.add_argument(
        "folders", nargs="*", type=Path, metavar="DIR", help="folders of lessons to check"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print notes: what was left unchecked on purpose, and why",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    seen, found = check_folders(args.folders, notes=args.verbose)
    problems = [problem for problem in found if not isinstance(problem, Note)]
    for note in found:
        if isinstance(note, Note):
            print(clean(f"{note.path}:{note.line}: note: {note.message}"))
    if not seen:
        raise TutorError(
            "no lesson files (*.md) to check in "
            + ", ".join(str(folder) for folder in args.folders)
        )
    for problem in problems:
        print(clean(str(problem)))  # it may quote the lesson: no control reaches the terminal
    files = len({problem.path for problem in problems})
    if problems:
        print(f"{len(problems)} problem(s) in {files} of {seen} lesson file(s)")
        return 1
    print(f"{seen} lesson file(s) checked, no problems")
    return 0
