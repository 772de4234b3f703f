"""``tutor shot LESSON --out FILE.svg``: what the screen shows at a lesson's step, as SVG.

A teacher makes handouts (or slides for another tool) from the same screens the class
sees. The app runs headless at a fixed size, opens the lesson at a section, presses
the advance key ``--step`` times, waits for every computation to finish, and saves
Textual's SVG screenshot. Nothing of the learner's progress is read or written.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.cli.app_options import add_seed_option, add_theme_option
from tutor.cli.common import add_lessons_option, library_from
from tutor.core.errors import TutorError, UsageError

if TYPE_CHECKING:
    from tutor.app import TutorApp
    from tutor.core.lesson import Lesson
    from tutor.core.library import Library

DEFAULT_SIZE = (120, 40)
MAX_SIZE = (400, 200)
#: How often the pilot waits for workers to finish and their messages to land: a
#: computation can mount widgets (plots) that start computations of their own.
SETTLE_ROUNDS = 3
_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "shot",
        help="save a lesson's screen as an SVG handout",
        description=(
            "Open LESSON headless, step it, and save what the screen shows as SVG "
            "(Textual's screenshot). --step N presses the advance key N times: presenting "
            "(--present), each shows the next operation, reveal or section; reading, each "
            "opens the next section. Exit 1 if the file cannot be written."
        ),
    )
    parser.add_argument("lesson", metavar="LESSON", help="a lesson number or id")
    parser.add_argument(
        "--out", metavar="FILE.svg", type=Path, required=True, help="where to write the SVG"
    )
    parser.add_argument(
        "--section",
        metavar="N",
        type=_whole(1),
        default=1,
        help="open at section N, counted from 1 (default: 1)",
    )
    parser.add_argument(
        "--step",
        metavar="N",
        type=_whole(0),
        default=0,
        help="press the advance key N times after opening (default: 0)",
    )
    parser.add_argument(
        "--present", action="store_true", help="the presenter's screen, as a projector shows it"
    )
    parser.add_argument(
        "--size",
        metavar="COLSxROWS",
        type=screen_size,
        default=DEFAULT_SIZE,
        help=f"the terminal size to draw (default: {DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]})",
    )
    add_lessons_option(parser)
    add_seed_option(parser)
    add_theme_option(parser)
    parser.set_defaults(func=run)


def _whole(low: int):
    """An argparse type for a whole number of at least ``low``."""

    def parse(text: str) -> int:
        if not text.strip().isdigit() or int(text) < low:
            raise argparse.ArgumentTypeError(f"N must be a whole number from {low}, not {text!r}")
        return int(text)

    return parse


def screen_size(text: str) -> tuple[int, int]:
    """An argparse type: ``120x40`` -> (120, 40), within what tutor can lay out."""
    from tutor.screens.too_small import MIN_HEIGHT, MIN_WIDTH

    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"size must be COLSxROWS like 120x40, not {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (MIN_WIDTH <= width <= MAX_SIZE[0] and MIN_HEIGHT <= height <= MAX_SIZE[1]):
        raise argparse.ArgumentTypeError(
            f"size must be from {MIN_WIDTH}x{MIN_HEIGHT} to {MAX_SIZE[0]}x{MAX_SIZE[1]}, not {text}"
        )
    return width, height


def run(args: argparse.Namespace) -> int:
    library = library_from(args)
    lesson = library.find(args.lesson)
    if args.section > len(lesson.sections):
        raise UsageError(
            f"--section {args.section}: '{lesson.id}' has {len(lesson.sections)} sections"
        )
    out: Path = args.out.expanduser()
    if not out.parent.is_dir():
        raise TutorError(f"cannot write {out}: the folder {out.parent} does not exist")
    svg = asyncio.run(
        lesson_svg(
            library,
            lesson,
            section=args.section - 1,
            steps=args.step,
            presenting=args.present,
            size=args.size,
            seed=args.seed,
            theme=args.theme,
        )
    )
    try:
        out.write_text(svg, encoding="utf-8")
    except OSError as error:
        raise TutorError(f"cannot write {out}: {error.strerror or error}") from None
    print(f"Saved {out}")
    return 0


async def lesson_svg(
    library: Library,
    lesson: Lesson,
    *,
    section: int = 0,
    steps: int = 0,
    presenting: bool = False,
    size: tuple[int, int] = DEFAULT_SIZE,
    seed: int | None = None,
    theme: str | None = None,
) -> str:
    """The SVG of ``lesson`` at ``section`` (0-based) after ``steps`` advances.

    Toasts are left out (a handout is the lesson, not a notice about it), and so is
    the learner's progress: the app starts from none and saves none.
    """
    from tutor.app import TutorApp

    app = TutorApp(
        library,
        start_lesson=lesson.id,
        presenting=presenting,
        seed=seed,
        start_section=section,
        theme=theme,
        keep_progress=False,
    )
    app.animation_level = "none"
    async with app.run_test(size=size, notifications=False) as pilot:
        await _settle(app, pilot)
        for _ in range(steps):
            _advance(app)
            await _settle(app, pilot)
        return app.export_screenshot(title=app.screenshot_title())


def _advance(app: TutorApp) -> None:
    """What one press of Page Down does, without the end-of-lesson notice."""
    from tutor.screens.lesson import LessonScreen
    from tutor.screens.presenter import PresenterScreen

    screen = app.screen
    if isinstance(screen, PresenterScreen):
        screen.advance()
    elif isinstance(screen, LessonScreen):
        screen.section_index = min(screen.section_index + 1, len(screen.lesson.sections) - 1)


async def _settle(app: TutorApp, pilot) -> None:
    """Let every computation finish and the screen catch up with it."""
    for _ in range(SETTLE_ROUNDS):
        await app.workers.wait_for_complete()
        await pilot.pause()
