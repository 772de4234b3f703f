"""``tutor grade``: grade one answer to one quiz, as the app would."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tutor.cli.common import add_lesson_arguments, library_from, seed_option
from tutor.core.errors import UsageError
from tutor.core.quiz import Grade, find_quiz, format_prompt, grade, grade_line, shape_dims

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
        print(json.dumps(payload, ensure_ascii=False))
    else:
        if line_grade is not None:
            print(f"Line {args.line}: {line_grade.title}")
            print(line_grade.message)
        if result is not None:
            _print_grade(result, prompt)
    graded = [g for g in (line_grade, result) if g is not None]
    return 0 if all(g.correct for g in graded) else EXIT_WRONG


def _print_grade(result: Grade, prompt: str | None) -> None:
    """The verdict in words, the answer's shape trace, then the message."""
    if prompt is not None:
        print(f"Question: {' '.join(prompt.split())}")
    print(result.title)
    if result.trace is not None:
        for line in result.trace.lines():
            print(f"  {line}")
    if result.caret:
        print(result.caret)
    print(result.message)
