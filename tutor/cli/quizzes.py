"""``tutor quizzes``: every quiz of the lessons, for teachers and scripts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tutor.cli.common import add_lessons_option, library_from
from tutor.core.lesson import Lesson
from tutor.core.quiz import QuizFormatError, QuizSpec, quiz_spec
from tutor.core.safe_text import clean_line, json_text


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "quizzes",
        help="list every quiz (with --answers, the reference answers too)",
        description="List every quiz of the lessons: lesson id, quiz id, kind and prompt. "
        "With --answers, also the reference answer (as 'tutor grade' accepts it) and, for "
        "formula and bug quizzes, the names an answer may use. Shape prompts show their "
        "dimensions as {name}: they are drawn afresh on every attempt.",
    )
    add_lessons_option(parser)
    parser.add_argument(
        "--answers", action="store_true", help="include reference answers and allowed names"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list of quizzes")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    library = library_from(args)
    rows = [
        quiz_row(lesson, spec, answers=args.answers)
        for lesson in library.lessons
        for spec in _specs(lesson)
    ]
    if args.json:
        print(json_text(json.dumps(rows, indent=2, ensure_ascii=False)))
    else:
        _print_table(rows, answers=args.answers)
    return 0


def quiz_row(lesson: Lesson, spec: QuizSpec, *, answers: bool) -> dict[str, Any]:
    """One quiz as a JSON object (the keys ``tutor quizzes --json`` promises)."""
    row: dict[str, Any] = {
        "lesson": lesson.id,
        "quiz_id": spec.id,
        "id": spec.id,
        "kind": spec.kind,
        "prompt": spec.prompt,
        "line": spec.line,
        "attempts": spec.attempts,
    }
    if spec.kind == "choice":
        row["choices"] = list(spec.choices)
        row["multiple"] = spec.multiple
    if spec.kind == "shape":
        row["dims"] = {name: [low, high] for name, low, high in spec.dims}
    if spec.kind == "bug":
        row["code"] = spec.code
        row["fix_prompt"] = spec.fix_prompt
    if answers:
        row["answer"] = spec.answer
        if spec.is_formula:
            row["names"] = list(spec.names) if spec.names is not None else None
        if spec.kind == "bug":
            row["bug_line"] = spec.bug_line
    return row


def _specs(lesson: Lesson) -> list[QuizSpec]:
    """The lesson's quizzes that can be read; a broken one is for 'tutor check' to report."""
    specs = []
    for block in lesson.quizzes:
        try:
            specs.append(quiz_spec(block))
        except QuizFormatError:
            continue
    return specs


def _print_table(rows: list[dict[str, Any]], *, answers: bool) -> None:
    if not rows:
        print("no quizzes")
        return
    # Lesson text, printed on one line each with its control characters made inert.
    lesson_width = max(len(clean_line(row["lesson"])) for row in rows)
    id_width = max(len(clean_line(row["id"])) for row in rows)
    for row in rows:
        prompt = " ".join(clean_line(row["prompt"]).split())
        if len(prompt) > 72:
            prompt = prompt[:71] + "…"
        lesson, quiz_id = clean_line(row["lesson"]), clean_line(row["id"])
        print(f"{lesson:<{lesson_width}}  {quiz_id:<{id_width}}  {row['kind']:<7}  {prompt}")
        if answers:
            names = row.get("names")
            using = f"   (using {', '.join(names)})" if names else ""
            answer = clean_line(str(row["answer"]))
            print(f"{'':<{lesson_width}}  {'':<{id_width}}  answer:  {answer}{using}")
