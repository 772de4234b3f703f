"""``tutor check``: everything that can be wrong with a folder of lessons.

Checks run from the cheapest to the dearest: the file's structure (the parser),
each block's keys, then running every live block, then proving each quiz. Every
problem is a ``Problem`` with the file and line, so an author can jump to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from tutor.core.blocks import block_problems
from tutor.core.lesson import Lesson, Problem
from tutor.core.library import Library, load_library

#: A check of a parsed lesson: yields the problems it finds.
LessonCheck = Callable[[Lesson], Iterable[Problem]]


def structure_problems(lesson: Lesson) -> Iterable[Problem]:
    """Each live block's keys."""
    for block in lesson.blocks:
        for line, message in block_problems(block):
            yield Problem(lesson.path, line, message)


def lesson_checks() -> list[LessonCheck]:
    """The checks ``tutor check`` runs on each lesson that parsed, in order."""
    return [structure_problems]


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
