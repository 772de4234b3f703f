"""``tutor show LESSON``: a lesson as plain text, every live block computed.

Everything printed is Rich ``Text`` made by ``tutor.core.safe_text``: a lesson's
markup-like brackets print as they are, and its control characters never reach the
terminal (escape sequences show as ``\\x1b[...``, bidi overrides are dropped).

For screen readers, piping and printed handouts: the prose with its Markdown drawn
as text (no ``**`` or backticks) and its math in Unicode, each compute block with its
shape chain and values, each quiz as a question (a shape quiz's ``{n}`` filled with
the dimensions the app shows first), and each epoch block as the ``tutor epoch``
command that runs the very same network. It uses the same lesson run as the app, so
both show the same numbers.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
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
    with console.capture() as captured:
        for renderable in lesson_renderables(lesson, run_lesson(lesson)):
            # Not cropped: a command too long for the width still prints whole.
            console.print(renderable, crop=False)
    # Prose is drawn padded to the width, as in the app; a text for a screen reader or
    # a handout has no trailing blanks.
    for line in captured.get().splitlines():
        sys.stdout.write(_TRAILING_BLANKS.sub(r"\1", line) + "\n")
    return 0


#: Blanks at the end of a line, before any closing colour codes (which are kept).
_TRAILING_BLANKS = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$")


def lesson_renderables(lesson: Lesson, lesson_run: LessonRun) -> list[RenderableType]:
    """The lesson, top to bottom, as things a Rich console prints."""
    from tutor.core.mathtext import render_math

    out: list[RenderableType] = [
        literal(lesson.title.upper(), "bold", line=True),
        literal(lesson.summary, "italic"),
    ]
    if lesson.objectives:
        out.append(literal("You will:\n" + "\n".join(f"  - {o}" for o in lesson.objectives)))
    from tutor.rendering.prose import prose_renderable

    for section in lesson.sections:
        if section.title:
            out.append(Text(f"\n== {clean_line(render_math(section.title))} ==", style="bold"))
        for part in section.parts:  # a Pause only paces the app's reveal: nothing to print
            if isinstance(part, Prose):
                # The lesson's Markdown drawn as text, as the app draws it.
                out.append(prose_renderable(render_math(part.text)))
                out.append(Text())
            elif isinstance(part, Block):
                out.append(block_renderable(part, lesson_run, lesson))
    return out


def block_renderable(
    block: Block, lesson_run: LessonRun, lesson: Lesson | None = None
) -> RenderableType:
    """A live block in print: computed, asked, or described."""
    from tutor.rendering.traces import block_run_renderable

    if block.kind == "compute":
        result = lesson_run.result(block)
        if result is None:
            return Text("[compute block not run]")
        return block_run_renderable(result, heat=False)
    data = block.data or {}
    if block.kind == "quiz":
        return quiz_text(data, quiz_prompt(block, lesson))
    if block.kind == "epoch":
        command = epoch_command(data)
        if command is None:
            return Text("[Epoch animation: its settings are not valid; 'tutor check' says why.]\n")
        return Group(
            Text("[Epoch animation. The same epoch, step by step, as text:]", style="italic"),
            # On a line of its own and never wrapped, so it can be copied and run.
            Text(f"  {command}", style="bold", no_wrap=True, overflow="ignore"),
            Text(),
        )
    kind, expr = option_text(data.get("kind", "")), option_text(data.get("expr", ""))
    return Text(f"[Plot: {kind} {expr}]\n", style="italic")


def epoch_command(options: dict) -> str | None:
    """The ``tutor epoch`` command that runs exactly an epoch block's network.

    Every setting is spelled out (layers, activations, loss, rate, seed, start), read
    from the validated network, so the printed epoch is the animated one; None when
    the block's settings are not a valid network.
    """
    from tutor.core.errors import TutorError
    from tutor.core.plots import spec_from_options

    try:
        spec = spec_from_options(options)
    except TutorError:
        return None
    command = (
        f"tutor epoch --layers {','.join(map(str, spec.layers))} "
        f"--act {','.join(spec.activations)} --loss {spec.loss} --lr {spec.lr!r} "
        f"--seed {spec.seed}"
    )
    # The start of the weights, where the block changes it from the command's default.
    if spec.init != "uniform":
        command += f" --init {spec.init}"
    if spec.init_scale != 1:
        command += f" --init-scale {spec.init_scale!r}"
    return command


def quiz_prompt(block: Block, lesson: Lesson | None) -> str | None:
    """A quiz's prompt as the app shows it first: a shape quiz's ``{n}`` filled in."""
    if lesson is None:
        return None
    from tutor.core.quiz import QuizFormatError, format_prompt, quiz_spec, shape_dims

    try:
        spec = quiz_spec(block, lesson)
    except QuizFormatError:
        return None
    if spec.kind != "shape":
        # Graded on several draws, as in the app: the sizes are named by letter.
        return format_prompt(spec.prompt, {name: name for name, *_ in spec.dims})  # type: ignore[misc]
    return format_prompt(spec.prompt, shape_dims(spec, lesson.seed, 0))


def quiz_text(data: dict, prompt: str | None = None) -> Text:
    """A quiz as a printed question, with its options if it has any."""
    from tutor.core.mathtext import render_math

    kind = data.get("kind", "quiz")
    heading = f"QUESTION ({option_text(kind)}, {option_text(data.get('id', ''))}): "
    text = Text(heading, style="bold")
    asked = prompt if prompt is not None else as_text(data.get("prompt", ""))
    text.append(clean(render_math(asked)) + "\n")
    if kind == "bug":
        for number, line in enumerate(as_text(data.get("code", "")).splitlines(), 1):
            text.append(f"  {number:>2} | {clean_line(line)}\n")
    choices = data.get("choices") or []
    for number, choice in enumerate(choices if isinstance(choices, list) else [choices], 1):
        text.append(f"  {number}. {clean_line(render_math(as_text(choice)))}\n")
    return text
