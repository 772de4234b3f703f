"""A folder of lessons: loaded, ordered, and looked up by number or id."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from tutor.core.errors import UsageError
from tutor.core.lesson import Lesson, LessonError, Problem, parse_lesson
from tutor.core.paths import bundled_lessons_dir


@dataclass(frozen=True)
class Library:
    """The lessons of one folder, in order, and the files that failed to parse."""

    folder: Path
    lessons: tuple[Lesson, ...]
    problems: tuple[Problem, ...]

    def find(self, key: str) -> Lesson:
        """The lesson numbered ``key`` (1-based, as ``tutor list`` shows) or with that id."""
        key = key.strip()
        if key.isdigit():
            number = int(key)
            if 1 <= number <= len(self.lessons):
                return self.lessons[number - 1]
            raise UsageError(
                f"no lesson number {number}: there are {len(self.lessons)} "
                f"lessons in {self.folder} (see 'tutor list')"
            )
        for lesson in self.lessons:
            if lesson.id == key:
                return lesson
        known = ", ".join(lesson.id for lesson in self.lessons) or "none"
        raise UsageError(f"no lesson '{key}' in {self.folder}; lessons: {known}")

    def number_of(self, lesson: Lesson) -> int:
        """The 1-based number ``tutor list`` shows for a lesson."""
        return next(i for i, item in enumerate(self.lessons, 1) if item.id == lesson.id)


def lesson_files(folder: Path) -> list[Path]:
    """The lesson files of a folder: every ``*.md`` but its README."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder of lessons")
    return sorted(path for path in folder.glob("*.md") if path.name.lower() != "readme.md")


def load_library(folder: Path | None = None) -> Library:
    """Load every lesson in ``folder`` (default: the bundled lessons).

    A file that fails to parse is left out of ``lessons`` and its problems are kept,
    so one broken lesson never hides the others (not even one that exhausts a limit
    the parser does not check for itself).
    """
    folder = (folder or bundled_lessons_dir()).expanduser()
    lessons: list[Lesson] = []
    problems: list[Problem] = []
    for path in lesson_files(folder):
        try:
            lessons.append(parse_lesson(path))
        except LessonError as error:
            problems.extend(error.problems)
        except _ONE_FILES_FAILURES as error:
            # The parser reports what it knows of with a line; anything else that goes
            # wrong in one file (a limit no check foresaw) is still that file's alone.
            problems.append(Problem(path, 1, f"cannot be read as a lesson: {_reason(error)}"))
    problems.extend(_duplicate_ids(lessons))
    lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return Library(folder, tuple(lessons), tuple(problems))


#: What reading one hostile file could raise beyond LessonError: never the folder's end.
_ONE_FILES_FAILURES = (RecursionError, MemoryError, ValueError, OverflowError, yaml.YAMLError)


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return (text[:150] + "...") if len(text) > 150 else text or type(error).__name__


def _duplicate_ids(lessons: list[Lesson]) -> list[Problem]:
    first: dict[str, Lesson] = {}
    problems = []
    for lesson in sorted(lessons, key=lambda item: item.path.name):
        if lesson.id in first:
            problems.append(
                Problem(
                    lesson.path,
                    2,
                    f"duplicate lesson id '{lesson.id}' (also in {first[lesson.id].path.name})",
                )
            )
        else:
            first[lesson.id] = lesson
    return problems
