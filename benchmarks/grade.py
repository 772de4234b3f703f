"""Child process: how long grading one formula answer takes, in process.

Usage: ``python benchmarks/grade.py [--runs N]``.

Grading is what the quiz card does in its worker when a learner presses Enter:
``tutor.core.quiz.grade`` draws the quiz's dimensions and runs its ``setup`` on every
random draw, evaluates the reference and the answer on each, and compares them. The
quiz timed is the one of the bundled lessons whose grading is slowest (so the figure
is the worst case a learner meets), answered with its reference answer, which is
evaluated on every draw (a wrong answer can stop at the first draw). Imports and a
few warm-up gradings come first and are not timed.

Prints one JSON line: ``grade_ms`` (every timed grading) and ``quiz`` (which one).
"""

from __future__ import annotations

import argparse
import statistics
import time

from _headless import report

WARMUP = 3
PROBE_RUNS = 5


def formula_quizzes():
    """(lesson, quiz id, reference answer) for every formula quiz of the bundled lessons."""
    from tutor.core.library import load_library
    from tutor.core.quiz import quiz_spec

    for lesson in load_library(None).lessons:
        for block in lesson.quizzes:
            spec = quiz_spec(block)
            if spec.kind == "formula":
                yield lesson, spec.id, spec.answer


def time_grading(lesson, quiz_id: str, answer: str, runs: int) -> list[float]:
    from tutor.core.quiz import grade

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = grade(lesson, quiz_id, answer)
        samples.append((time.perf_counter() - start) * 1000)
        if not result.correct:
            raise SystemExit(f"{quiz_id}: its reference answer graded {result.verdict}")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    quizzes = list(formula_quizzes())
    for lesson, quiz_id, answer in quizzes:
        time_grading(lesson, quiz_id, answer, WARMUP)
    slowest = max(quizzes, key=lambda q: statistics.median(time_grading(*q, PROBE_RUNS)))
    lesson, quiz_id, answer = slowest
    samples = time_grading(lesson, quiz_id, answer, args.runs)
    report(grade_ms=samples, quiz=f"{lesson.id}/{quiz_id}", quizzes=len(quizzes))


if __name__ == "__main__":
    main()
