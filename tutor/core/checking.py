"""``tutor check``: everything that can be wrong with a folder of lessons.

Checks run from the cheapest to the dearest: the file's structure (the parser),
each block's keys, then running every live block, then proving each quiz. Every
problem is a ``Problem`` with the file and line, so an author can jump to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from tutor.core.blocks import block_problems
from tutor.core.lesson import Lesson, Problem, Prose
from tutor.core.library import Library, load_library
from tutor.core.mathtext import find_raw_latex

#: A check of a parsed lesson: yields the problems it finds.
LessonCheck = Callable[[Lesson], Iterable[Problem]]


def structure_problems(lesson: Lesson) -> Iterable[Problem]:
    """Each live block's keys."""
    for block in lesson.blocks:
        for line, message in block_problems(block):
            yield Problem(lesson.path, line, message)


def math_problems(lesson: Lesson) -> Iterable[Problem]:
    """Math a terminal would show as raw LaTeX: unknown commands, unpaired dollars."""
    texts = [
        (part.text, part.line)
        for section in lesson.sections
        for part in section.parts
        if isinstance(part, Prose)
    ]
    for block in lesson.quizzes:
        data = block.data or {}
        for key in ("prompt", "fix_prompt", "solution", "explain"):
            if isinstance(data.get(key), str):
                texts.append((data[key], block.line))
        texts += [(str(hint), block.line) for hint in data.get("hints") or []]
        texts += [(str(choice), block.line) for choice in data.get("choices") or []]
    for text, first_line in texts:
        for line, _column, found in find_raw_latex(text):
            what = f"raw LaTeX {found}" if found.startswith("\\") else f"unpaired {found}"
            yield Problem(
                lesson.path,
                first_line + line - 1,
                f"{what}: not shown as math (see the Math section of lessons/README.md)",
            )


def compute_problems(lesson: Lesson) -> Iterable[Problem]:
    """Every compute block runs, in order, without an error."""
    from tutor.core.lesson_run import run_lesson

    for failure in run_lesson(lesson).failures:
        error = failure.error
        assert error is not None
        yield Problem(
            lesson.path,
            failure.error_line or failure.block.line,
            f"compute block fails: {error.message}",
        )


def quiz_proofs(lesson: Lesson) -> Iterable[Problem]:
    """Every quiz runs on its draws and every gradient answer passes finite differences."""
    from tutor.core.quiz.proving import quiz_problems

    return quiz_problems(lesson)


def runnable_block_problems(lesson: Lesson) -> Iterable[Problem]:
    """Epoch and plot blocks name a network (and a plot) the engine accepts."""
    from tutor.core.errors import TutorError
    from tutor.core.plots import plot_data, spec_from_options

    for block in lesson.blocks:
        if block.data is None or block.kind not in ("epoch", "plot"):
            continue
        try:
            if block.kind == "epoch":
                spec_from_options(block.data)
            else:
                plot_data(block.data)
        except TutorError as error:
            yield Problem(lesson.path, block.line, f"{block.kind} block: {error.message}")


def lesson_checks() -> list[LessonCheck]:
    """The checks ``tutor check`` runs on each lesson that parsed, in order."""
    return [
        structure_problems,
        math_problems,
        compute_problems,
        runnable_block_problems,
        quiz_proofs,
    ]


def check_library(library: Library) -> list[Problem]:
    """All problems of a loaded library, sorted by file and line."""
    problems = list(library.problems)
    for lesson in library.lessons:
        found = [problem for check in lesson_checks() for problem in check(lesson)]
        problems.extend(found)
    return sorted(problems, key=lambda p: (str(p.path), p.line))


def check_folders(folders: list[Path] | None) -> tuple[int, list[Problem]]:
    """(number of lesson files seen, problems) over the given folders or the bundled ones."""
    libraries = [load_library(folder) for folder in (folders or [None])]
    seen = sum(len(lib.lessons) + len({p.path for p in lib.problems}) for lib in libraries)
    return seen, [problem for lib in libraries for problem in check_library(lib)]
