"""``tutor check``: everything that can be wrong with a folder of lessons.

Checks run from the cheapest to the dearest: the file's structure (the parser),
each block's keys, then running every live block, then proving each quiz. Every
problem is a ``Problem`` with the file and line, so an author can jump to it.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from tutor.core.blocks import block_problems
from tutor.core.lesson import Lesson, Problem, Prose
from tutor.core.library import Library, load_library
from tutor.core.mathtext import find_raw_latex


class Note(Problem):
    """Not a problem: what a check left unchecked on purpose, and why (``--verbose``)."""


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
        for key in ("hints", "choices"):
            items = data.get(key)
            if isinstance(items, list):  # anything else is a structure problem, reported once
                texts += [(str(item), block.line) for item in items]
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
    from tutor.core.quiz.proving import quiz_findings

    return quiz_findings(lesson)


def runnable_block_problems(lesson: Lesson) -> Iterable[Problem]:
    """Epoch and plot blocks name a network (and a plot) the engine accepts."""
    from tutor.core.errors import TutorError
    from tutor.core.lesson_run import plot_refusals
    from tutor.core.plots import plot_data, spec_from_options

    refusals = plot_refusals(lesson)  # blocks past the lesson's budget: not computed
    for block in lesson.blocks:
        if block.data is None or block.kind not in ("epoch", "plot") or block_problems(block):
            continue  # a block with structure problems was reported by structure_problems
        if block.line in refusals:
            yield Problem(lesson.path, block.line, f"{block.kind} block: {refusals[block.line]}")
            continue
        try:
            if block.kind == "epoch":
                spec_from_options(block.data)
            else:
                plot_data(block.data)
        except TutorError as error:
            yield Problem(lesson.path, block.line, f"{block.kind} block: {error.message}")


def control_character_problems(lesson: Lesson) -> Iterable[Problem]:
    """Control characters and bidi overrides in the lesson's text, at their lines.

    The app and the command line never let them act (``tutor.core.safe_text`` shows
    them as escapes or drops them), but in a lesson they are a slip or an attack, and
    the author should see where. The file is read again (it is small, and the parser
    keeps no raw text). Characters YAML wrote as escapes (``"\\e"``, ``"\\u202e"``)
    are not in the file, so the parsed values are looked at too: those are reported
    at the first line of their block (or of the front matter).
    """
    from bisect import bisect_left

    from tutor.core.lesson import LessonError, read_lesson_text
    from tutor.core.safe_text import (
        MAX_CONTROL_REPORTS,
        describe_control,
        find_controls,
        first_control,
    )

    try:
        text = read_lesson_text(lesson.path)
    except LessonError:
        text = ""  # gone since it was parsed: its parsed values are still looked at
    found = list(find_controls(text))
    for line, column, char in found[:MAX_CONTROL_REPORTS]:
        yield Problem(lesson.path, line, describe_control(char, column))
    if len(found) > MAX_CONTROL_REPORTS:
        line = found[MAX_CONTROL_REPORTS][0]
        more = len(found) - MAX_CONTROL_REPORTS
        yield Problem(lesson.path, line, f"and {more} more line(s) with control characters")
    reported = [line for line, _column, _char in found]  # ascending
    # Each front-matter key from its line to the next key's; each YAML block whole.
    lines = text.split("\n")
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 1)
    keys = [
        (number, line.split(":", 1)[0].strip())
        for number, line in enumerate(lines[1:closing], 2)
        if line[:1].isalpha() and ":" in line
    ]
    spans = {
        key: (start, (keys[i + 1][0] if i + 1 < len(keys) else closing + 1) - 1)
        for i, (start, key) in enumerate(keys)
    }
    parts = [
        (*spans.get(str(key), (1, closing + 1)), value) for key, value in lesson.meta.items()
    ] + [
        (block.line, block.body_line + block.body.count("\n"), block.data)
        for block in lesson.blocks
        if block.data is not None
    ]
    for first, last, values in parts:
        at = bisect_left(reported, first)
        if at < len(reported) and reported[at] <= last:
            continue  # the file holds it, and it was named at its own line above
        char = first_control(values)
        if char is not None:
            yield Problem(lesson.path, first, describe_control(char) + " (a YAML escape)")


def lesson_checks() -> list[LessonCheck]:
    """The checks ``tutor check`` runs on each lesson that parsed, in order."""
    return [
        control_character_problems,
        structure_problems,
        math_problems,
        compute_problems,
        runnable_block_problems,
        quiz_proofs,
    ]


def lesson_problems(lesson: Lesson) -> list[Problem]:
    """Every check of one parsed lesson, in order."""
    return [problem for check in lesson_checks() for problem in check(lesson)]


def check_library(library: Library, *, notes: bool = False) -> list[Problem]:
    """All problems of a loaded library, sorted by file and line (with ``notes``, the
    ``Note``s of what was left unchecked on purpose too)."""
    problems = list(library.problems)
    for found in _map_lessons(lesson_problems, library.lessons):
        problems.extend(p for p in found if notes or not isinstance(p, Note))
    return sorted(problems, key=lambda p: (str(p.path), p.line))


def check_folders(folders: list[Path] | None, *, notes: bool = False) -> tuple[int, list[Problem]]:
    """(number of lesson files seen, problems) over the given folders or the bundled ones."""
    libraries = [load_library(folder) for folder in (folders or [None])]
    seen = sum(
        len({lesson.path for lesson in lib.lessons} | {problem.path for problem in lib.problems})
        for lib in libraries
    )
    return seen, [problem for lib in libraries for problem in check_library(lib, notes=notes)]


# -- sharing the lessons between processes --------------------------------------------
#
# Proving every quiz is most of what ``tutor check`` costs, and lessons are checked
# independently, so on a machine with more than one CPU the lessons are shared out
# between this process and forked copies of it: each takes the next lesson from a
# common pipe (the dearest first) until none is left, and the copies send back what
# they found. The result is the same list as checking them one by one; a lesson a
# copy could not check (an unexpected error) is checked again here, where the error
# surfaces as it would have.

_INDEX = struct.Struct("<I")


def _map_lessons(
    check: Callable[[Lesson], list[Problem]], lessons: Sequence[Lesson]
) -> list[list[Problem]]:
    """``[check(lesson) for lesson in lessons]``, shared out over forked processes."""
    workers = _worker_count(len(lessons))
    if workers < 2:
        return [check(lesson) for lesson in lessons]
    _import_what_checks_use()
    dearest_first = sorted(range(len(lessons)), key=lambda i: -_cost(lessons[i]))
    tasks, tasks_in = os.pipe()
    os.write(tasks_in, b"".join(_INDEX.pack(index) for index in dearest_first))
    os.close(tasks_in)
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int]] = []
    results: dict[int, list[Problem]] = {}
    # Objects made so far are left out of garbage collection for the duration, so the
    # collector does not write to every one of them in a copy (each write would copy
    # its memory page).
    gc.freeze()
    try:
        for _ in range(workers - 1):
            children.append(_fork_checker(check, lessons, tasks))
        for index in _take(tasks):
            results[index] = check(lessons[index])
        for pid, answers in children:
            results.update(_collect(pid, answers))
        children = []
    finally:
        gc.unfreeze()
        os.close(tasks)
        for pid, answers in children:  # only after an error here: stop the copies
            os.close(answers)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return [
        results[index] if index in results else check(lesson)
        for index, lesson in enumerate(lessons)
    ]


def _import_what_checks_use() -> None:
    """The modules the checks import when first run: imported once, before the fork."""
    import tutor.core.lesson_run  # noqa: F401
    import tutor.core.plots  # noqa: F401
    import tutor.core.quiz.proving  # noqa: F401


def _worker_count(lessons: int) -> int:
    """Processes to share ``lessons`` between: 1 where forking is unsafe or pointless.

    Only on Linux (forking a process that uses macOS frameworks is unsafe), and only
    while this process runs a single thread (a fork copies just the calling thread,
    and any lock another thread holds stays locked in the copy).
    """
    if sys.platform != "linux" or threading.active_count() > 1 or not 2 <= lessons <= 4096:
        return 1  # (4096 indices fill a quarter of a pipe's buffer: written before any read)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, lessons, _MAX_WORKERS))


_MAX_WORKERS = 8


def _cost(lesson: Lesson) -> int:
    """A rough price of checking a lesson: a gradient proof weighs most, then a formula."""
    cost = len(lesson.blocks)
    for block in lesson.quizzes:
        data = block.data if isinstance(block.data, dict) else {}
        cost += 10 if data.get("proves") else 3 if data.get("kind") in ("formula", "bug") else 1
    return cost


def _take(tasks: int) -> Iterator[int]:
    """Lesson indices from the shared pipe until it is empty (each read is atomic)."""
    while True:
        data = os.read(tasks, _INDEX.size)
        if not data:
            return
        yield _INDEX.unpack(data)[0]


def _fork_checker(
    check: Callable[[Lesson], list[Problem]], lessons: Sequence[Lesson], tasks: int
) -> tuple[int, int]:
    """Fork a copy that checks lessons from ``tasks``; (its pid, the pipe of its answers)."""
    answers, answers_in = os.pipe()
    pid = os.fork()
    if pid:
        os.close(answers_in)
        return pid, answers
    status = 0
    try:  # the copy: never returns, never runs the parent's exit handlers
        os.close(answers)
        found: list[tuple[int, list[Problem] | None]] = []
        for index in _take(tasks):
            try:
                found.append((index, check(lessons[index])))
            except BaseException:  # noqa: BLE001 - the parent checks it again and reports
                found.append((index, None))
        with os.fdopen(answers_in, "wb") as out:
            pickle.dump(found, out)
    except BaseException:  # noqa: BLE001 - whatever is missing, the parent checks itself
        status = 1
    finally:
        os._exit(status)


def _collect(pid: int, answers: int) -> dict[int, list[Problem]]:
    """What a copy found, by lesson index (lessons it could not check are left out)."""
    with os.fdopen(answers, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    try:
        found = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a copy that died mid-answer: check its lessons here
        return {}
    return {index: problems for index, problems in found if problems is not None}
