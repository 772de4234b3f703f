"""``tutor grade``: grade one answer to one quiz, as the app would."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tutor.cli.common import add_lesson_arguments, library_from, seed_option
from tutor.core.errors import UsageError
from tutor.core.expression import format_shape
from tutor.core.lesson import Lesson
from tutor.core.quiz import (
    Grade,
    QuizSpec,
    find_quiz,
    format_prompt,
    grade,
    grade_line,
    shape_dims,
)
from tutor.core.quiz.program import ProgramGrade, grade_program
from tutor.core.safe_text import clean_line, json_text

#: The longest program read from a file or standard input.
MAX_PROGRAM_BYTES = 20_000

#: Exit status for an answer graded anything but correct.
EXIT_WRONG = 1


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "grade",
        help="grade an answer to a quiz",
        description="Grade ANSWER to quiz QUIZ_ID of LESSON (a number from 'tutor list' or an "
        "id). A formula (or a bug quiz's fix) is an expression such as '2 * (X @ W1).T @ Yt'; "
        "a shape is (3,4), 3,4 or 3x4, for the dimensions drawn with --seed (the prompt is "
        "printed with them); a choice is option numbers like 2 or 1,3; a bug quiz's line "
        "pick is --line N, with or without its fix. An answer that starts with '-' goes "
        "after '--'. Exits 0 when correct, 1 for any other verdict, 2 for an "
        "unknown lesson or quiz.",
    )
    add_lesson_arguments(parser)
    parser.add_argument("quiz_id", metavar="QUIZ_ID", help="the quiz's id ('tutor quizzes')")
    parser.add_argument(
        "answer",
        metavar="ANSWER",
        nargs="?",
        help="the answer to grade (with --line, a bug quiz's fix, which may be left out)",
    )
    parser.add_argument(
        "--file",
        type=str,
        default=None,
        metavar="FILE",
        help="a program quiz: read the program from FILE ('-' for standard input)",
    )
    parser.add_argument(
        "--line",
        type=int,
        default=None,
        metavar="N",
        help="a bug quiz: the line picked as the faulty one",
    )
    parser.add_argument(
        "--seed",
        type=seed_option,
        default=None,
        metavar="N",
        help="seed of the random draws (default: the lesson's)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print {verdict, message, expected_shape, got_shape} as JSON",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    lesson = library_from(args).find(args.lesson)
    spec = find_quiz(lesson, args.quiz_id)
    seed = lesson.seed if args.seed is None else args.seed
    if spec.is_program or args.file is not None:
        return _run_program(args, lesson, spec, seed)
    if args.line is not None and spec.kind != "bug":
        raise UsageError(f"--line is for bug quizzes; '{spec.id}' is a {spec.kind} quiz")
    if args.answer is None and args.line is None:
        raise UsageError("give the ANSWER to grade (or, for a bug quiz, --line N)")
    line_grade = grade_line(spec, args.line) if args.line is not None else None
    result = grade(lesson, spec.id, args.answer, seed=seed) if args.answer is not None else None
    prompt = None
    if spec.kind == "shape":
        prompt = format_prompt(spec.prompt, shape_dims(spec, seed, 0))
    if args.json:
        payload: dict[str, Any] = {"lesson": lesson.id, "quiz_id": spec.id, "kind": spec.kind}
        if line_grade is not None:
            payload["line"] = {"line": args.line, **line_grade.to_json()}
        payload.update((result or line_grade or Grade("invalid", "")).to_json())
        if prompt is not None:
            payload["prompt"] = prompt
        print(json_text(json.dumps(payload, ensure_ascii=False)))
    else:
        if line_grade is not None:
            print(f"Line {args.line}: {line_grade.title}")
            print(line_grade.message)
        if result is not None:
            _print_grade(result, prompt)
    graded = [g for g in (line_grade, result) if g is not None]
    return 0 if all(g.correct for g in graded) else EXIT_WRONG


def _run_program(args: argparse.Namespace, lesson: Lesson, spec: QuizSpec, seed: int) -> int:
    """Grade a whole program (``--file``), step by step."""
    if not spec.is_program:
        raise UsageError(f"--file is for program quizzes; '{spec.id}' is a {spec.kind} quiz")
    if args.file is None:
        raise UsageError(f"'{spec.id}' is a program quiz: give the program with --file FILE or -")
    if args.answer is not None or args.line is not None:
        raise UsageError("a program is read from --file; give no ANSWER or --line with it")
    result = grade_program(spec, _read_program(args.file), seed=seed)
    if args.json:
        payload = {"lesson": lesson.id, "quiz_id": spec.id, "kind": spec.kind}
        print(json.dumps({**payload, **result.to_json()}, ensure_ascii=False))
    else:
        _print_program(result)
    return 0 if result.correct else EXIT_WRONG


def _read_program(name: str) -> str:
    """The program text from a file or standard input, bounded like any answer."""
    limit = MAX_PROGRAM_BYTES
    if name == "-":
        text = sys.stdin.read(limit + 1)
    else:
        path = Path(name)
        try:
            if not path.is_file():
                raise UsageError(f"{name}: not a file")
            with path.open(encoding="utf-8") as source:
                text = source.read(limit + 1)
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"{name}: cannot read the program: {error}") from None
    if len(text) > limit:
        raise UsageError(f"{name}: the program is longer than {limit:,} characters")
    return text


def _print_program(result: ProgramGrade) -> None:
    """Every line with its shapes, each step's verdict, then the message."""
    print(result.title)
    for statement in result.statements:
        mark = "›" if statement.line == result.departs_at else " "
        shape = ""
        if statement.trace is not None:
            shape = "  " + format_shape(statement.trace.shape)
        print(f"{mark}{statement.line:>3}  {clean_line(statement.text)}{shape}")
    if result.caret:
        print(result.caret)
    for step in result.steps:
        print(f"  {step.name}: {step.verdict}")
    print(result.message)


def _print_grade(result: Grade, prompt: str | None) -> None:
    """The verdict in words, the answer's shape trace, then the message."""
    if prompt is not None:
        print(f"Question: {' '.join(clean_line(prompt).split())}")
    print(result.title)
    if result.trace is not None:
        for line in result.trace.lines():
            print(f"  {line}")
    if result.caret:
        print(result.caret)
    print(result.message)
