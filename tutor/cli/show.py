"""``tutor show LESSON``: a lesson as plain text, every live block computed.

Everything printed is Rich ``Text`` made by ``tutor.core.safe_text``: a lesson's
markup-like brackets print as they are, and its control characters never reach the
terminal (escape sequences show as ``\\x1b[...``, bidi overrides are dropped).

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
from tutor.core.safe_text import as_text, clean, clean_line, literal, option_text

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
        literal(lesson.title.upper(), "bold", line=True),
        literal(lesson.summary, "italic"),
    ]
    if lesson.objectives:
        out.append(literal("You will:\n" + "\n".join(f"  - {o}" for o in lesson.objectives)))
    for section in lesson.sections:
        if section.title:
            out.append(Text(f"\n== {clean_line(render_math(section.title))} ==", style="bold"))
        for part in section.parts:  # a Pause only paces the app's reveal: nothing to print
            if isinstance(part, Prose):
                out.append(literal(render_math(part.text) + "\n"))
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
        layers = option_text(data.get("layers", []))
        return Text(
            f"[Epoch animation: layers {layers}, activations "
            f"{option_text(data.get('act', []))}. Run 'tutor epoch --layers {layers}' "
            "to print its steps.]\n",
            style="italic",
        )
    kind, expr = option_text(data.get("kind", "")), option_text(data.get("expr", ""))
    return Text(f"[Plot: {kind} {expr}]\n", style="italic")


def quiz_text(data: dict) -> Text:
    """A quiz as a printed question, with its options if it has any."""
    from tutor.core.mathtext import render_math

    kind = data.get("kind", "quiz")
    heading = f"QUESTION ({option_text(kind)}, {option_text(data.get('id', ''))}): "
    text = Text(heading, style="bold")
    text.append(clean(render_math(as_text(data.get("prompt", "")))) + "\n")
    if kind == "bug":
        for number, line in enumerate(as_text(data.get("code", "")).splitlines(), 1):
            text.append(f"  {number:>2} | {clean_line(line)}\n")
    choices = data.get("choices") or []
    for number, choice in enumerate(choices if isinstance(choices, list) else [choices], 1):
        text.append(f"  {number}. {clean_line(render_math(as_text(choice)))}\n")
    return text
