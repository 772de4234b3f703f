"""``tutor [LESSON]``: open the app, where the learner left off or at a lesson.

The classroom options live here too (``--present``, ``--autoplay``, ``--seed``,
``--theme``), and ``tutor shot`` and ``tutor serve`` reuse the ones they pass on.
"""

from __future__ import annotations

import argparse
import os
import sys

from tutor.cli.common import add_lessons_option, library_from, seed_option

#: The themes a teacher can pick by name (``tutor.themes.THEME_CYCLE``, without
#: importing Textual just to parse the command line).
THEME_NAMES = ("textual-dark", "tutor-light", "tutor-high-contrast")
#: Longest auto-play pace, in seconds: beyond it a class would think tutor hung.
MAX_AUTOPLAY = 3600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "lesson",
        nargs="?",
        metavar="LESSON",
        help="a lesson number or id to open (default: where you left off)",
    )
    add_lessons_option(parser)
    parser.add_argument(
        "--present",
        action="store_true",
        help="open in presenter mode: no sidebar, one reveal at a time, clicker keys (F5 toggles)",
    )
    parser.add_argument(
        "--autoplay",
        metavar="SECONDS",
        type=autoplay_seconds,
        default=None,
        help="present hands-free, one step every SECONDS (Space pauses, +/- change the pace)",
    )
    add_seed_option(parser)
    add_theme_option(parser)
    parser.add_argument(
        "--no-save",
        action="store_true",
        help="start from no progress and save none (tutor serve opens every browser this way)",
    )
    parser.add_argument(
        "--class",
        dest="classroom",
        metavar="NAME",
        default=None,
        help="class mode: a student signs in with a join code and their work is kept in "
        "the class records ('tutor class --help')",
    )


def add_seed_option(parser: argparse.ArgumentParser) -> None:
    """``--seed N``: one seed for every random draw, so a demo repeats exactly."""
    parser.add_argument(
        "--seed",
        metavar="N",
        type=seed_option,
        default=None,
        help="seed every random draw in every lesson with N (default: each lesson's own seed)",
    )


def add_theme_option(parser: argparse.ArgumentParser) -> None:
    """``--theme NAME``: a theme for this run only (the one saved with t is kept)."""
    parser.add_argument(
        "--theme",
        choices=THEME_NAMES,
        default=None,
        help="colours for this run: tutor-light and tutor-high-contrast suit a projector",
    )


def autoplay_seconds(text: str) -> float:
    """An argparse type: a pace in seconds, above 0 and at most an hour."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"SECONDS must be a number, not {text!r}") from None
    if not 0 < seconds <= MAX_AUTOPLAY:
        raise argparse.ArgumentTypeError(
            f"SECONDS must be above 0 and at most {MAX_AUTOPLAY:g}, not {text}"
        )
    return seconds


def size_from_the_terminal(environ: dict[str, str] | None = None) -> None:
    """Forget ``COLUMNS`` and ``LINES`` when a real terminal can say its own size.

    Textual asks ``shutil.get_terminal_size``, which prefers those variables to the
    terminal: a shell that exported ``COLUMNS=200`` made a lesson lay out 200 columns
    wide in an 80-column window, its right side cut off.
    """
    environ = os.environ if environ is None else environ
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            os.get_terminal_size(stream.fileno())  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            continue
        environ.pop("COLUMNS", None)
        environ.pop("LINES", None)
        return


def run(args: argparse.Namespace) -> int:
    size_from_the_terminal()
    library = library_from(args)
    lesson = library.find(args.lesson) if args.lesson else None
    options = dict(
        start_lesson=lesson.id if lesson else None,
        presenting=args.present,
        autoplay=args.autoplay,
        seed=args.seed,
        theme=args.theme,
    )
    if getattr(args, "classroom", None) is not None:
        from tutor.cli.classroom import open_class_app

        open_class_app(library, args, options)
        return 0
    from tutor.app import TutorApp

    TutorApp(library, keep_progress=not args.no_save, **options).run()  # type: ignore[arg-type]
    return 0
