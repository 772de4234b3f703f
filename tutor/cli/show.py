"""``tutor show LESSON``: a lesson as plain text, every live block computed.

For screen readers, piping and printed handouts: the prose with its math in
Unicode, each compute block with its shape chain and values, and each quiz as a
question. It uses the same lesson run as the app, so both show the same numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.text import Text

from tutor.cli.common import add_lesson_arguments, library_from
from tutor.core.lesson import Block, Lesson, Prose

if TYPE_CHECKING:
    from tutor.core.lesson_run import LessonRun


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "show",
        help="print a lesson as plain text, with every block computed",
        description="Print a lesson as text: prose with math in Unicode, each compute block "
        "evaluated with its shapes, quizzes as questions. For screen readers, pipes and "
        "handouts.",
    )
    add_lesson_arguments(parser)
    parser.add_argument(
        "--width",
        type=int,
        default=None,
        help="wrap at this many columns (default: the terminal's, or 100)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tutor.core.lesson_run import run_lesson

    lesson = library_from(args).find(args.lesson)
    width = args.width or (None if sys.stdout.isatty() else 100)
    # NO_COLOR asks for plain text: Rich drops colours for it but keeps bold and italic.
    plain = bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"
    console = Console(
        width=width, highlight=False, soft_wrap=False, color_system=None if plain else "auto"
    )
    for renderable in lesson_renderables(lesson, run_lesson(lesson)):
        console.print(renderable)
    return 0


def lesson_renderables(lesson: Lesson, lesson_run: LessonRun) -> list[RenderableType]:
    """The lesson, top to bottom, as things a Rich console prints."""
    from tutor.core.mathtext import render_math

    out: list[RenderableType] = [
        Text(lesson.title.upper(), style="bold"),
        Text(lesson.summary, style="italic"),
    ]
    if lesson.objectives:
        out.append(Text("You will:\n" + "\n".join(f"  - {o}" for o in lesson.objectives)))
    for section in lesson.sections:
        if section.title:
            out.append(Text(f"\n== {render_math(section.title)} ==", style="bold"))
        for part in section.parts:  # a Pause only paces the app's reveal: nothing to print
            if isinstance(part, Prose):
                out.append(Text(render_math(part.text) + "\n"))
            elif isinstance(part, Block):
                out.append(block_renderable(part, lesson_run))
    return out


def block_renderable(block: Block, lesson_run: LessonRun) -> RenderableType:
    """A live block in print: computed, asked, or described."""
    from tutor.rendering.traces import block_run_renderable

    if block.kind == "compute":
        result = lesson_run.result(block)
        if result is None:
            return Text("[compute block not run]")
        return block_run_renderable(result, heat=False)
    data = block.data or {}
    if block.kind == "quiz":
        return quiz_text(data)
    if block.kind == "epoch":
        layers = ",".join(str(n) for n in data.get("layers", []))
        return Text(
            f"[Epoch animation: layers {layers}, activations "
            f"{','.join(data.get('act', []))}. Run 'tutor epoch --layers {layers}' "
            "to print its steps.]\n",
            style="italic",
        )
    return Text(f"[Plot: {data.get('kind', '')} {data.get('expr', '')}]\n", style="italic")


def quiz_text(data: dict) -> Text:
    """A quiz as a printed question, with its options if it has any."""
    from tutor.core.mathtext import render_math

    kind = data.get("kind", "quiz")
    text = Text(f"QUESTION ({kind}, {data.get('id', '')}): ", style="bold")
    text.append(render_math(str(data.get("prompt", ""))) + "\n")
    if kind == "bug":
        for number, line in enumerate(str(data.get("code", "")).splitlines(), 1):
            text.append(f"  {number:>2} | {line}\n")
    for number, choice in enumerate(data.get("choices") or [], 1):
        text.append(f"  {number}. {render_math(str(choice))}\n")
    return text
