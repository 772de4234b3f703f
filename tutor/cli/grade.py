"""``tutor grade``: grade one answer to one quiz, as the app would."""

from __future__ import annotations

import argparse
import json

from tutor.cli.common import add_lesson_arguments, library_from, seed_option
from tutor.core.quiz import Grade, find_quiz, format_prompt, grade, shape_dims

#: Exit status for an answer graded anything but correct.
EXIT_WRONG = 1


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "grade",
        help="grade an answer to a quiz",
        description="Grade ANSWER to quiz QUIZ_ID of LESSON (a number from 'tutor list' or an "
        "id). A formula (or a bug quiz's fix) is an expression such as '2 * (X @ W1).T @ Yt'; "
        "a shape is (3,4), 3,4 or 3x4, for the dimensions drawn with --seed (the prompt is "
        "printed with them); a choice is option numbers like 2 or 1,3. An answer that starts "
        "with '-' goes after '--'. Exits 0 when correct, 1 for any other verdict, 2 for an "
        "unknown lesson or quiz.",
    )
    add_lesson_arguments(parser)
    parser.add_argument("quiz_id", metavar="QUIZ_ID", help="the quiz's id ('tutor quizzes')")
    parser.add_argument("answer", metavar="ANSWER", help="the answer to grade")
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
    result = grade(lesson, spec.id, args.answer, seed=seed)
    prompt = None
    if spec.kind == "shape":
        prompt = format_prompt(spec.prompt, shape_dims(spec, seed, 0))
    if args.json:
        payload = {**result.to_json(), "lesson": lesson.id, "quiz_id": spec.id, "kind": spec.kind}
        if prompt is not None:
            payload["prompt"] = prompt
        print(json.dumps(payload, ensure_ascii=False))
    else:
        _print_grade(result, prompt)
    return 0 if result.correct else EXIT_WRONG


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
