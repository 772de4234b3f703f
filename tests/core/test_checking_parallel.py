"""Lessons checked in forked processes give exactly what checking them one by one gives."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tutor.core import checking
from tutor.core.checking import check_library
from tutor.core.library import load_library
from tutor.core.paths import bundled_lessons_dir

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="lessons are forked on Linux only")

HEAD = "---\nid: {id}\ntitle: {id}\norder: {order}\nsummary: s\n---\n"


def write_lessons(folder: Path) -> None:
    """A few lessons, some broken, so the lists compared are not all empty."""
    bodies = [
        "\n```compute\nX = randn(10, 3)\nW = randn(4, 1)\nX @ W\n```\n",
        "\nfine, and $\\mathbb{R}$ is raw\n",
        "\n```compute\nA = ones((2, 2))\nA @ A\n```\n",
        "\n```epoch\nlayers: [10, 3, 4, 1]\nact: [relu]\n```\n",
        "\n```compute\nQ @ Q\n```\n",
    ]
    for order, body in enumerate(bodies, 1):
        text = HEAD.format(id=f"l{order}", order=order) + body
        (folder / f"{order:02d}.md").write_text(text)


def serial(library) -> list[str]:
    found = [
        p
        for lesson in library.lessons
        for p in checking.lesson_problems(lesson)
        if not isinstance(p, checking.Note)  # check_library leaves notes out unless asked
    ]
    return sorted(str(p) for p in [*library.problems, *found])


def test_forked_and_serial_checks_agree_on_broken_lessons(tmp_path: Path, monkeypatch) -> None:
    write_lessons(tmp_path)
    library = load_library(tmp_path)
    monkeypatch.setattr(checking, "_worker_count", lambda lessons: 3)
    forked = sorted(str(p) for p in check_library(library))
    assert forked == serial(library)
    assert len(forked) == 4


def test_forked_and_serial_checks_agree_on_the_bundled_lessons(monkeypatch) -> None:
    library = load_library(bundled_lessons_dir())
    monkeypatch.setattr(checking, "_worker_count", lambda lessons: 2)
    assert [str(p) for p in check_library(library)] == serial(library)


def test_a_lesson_a_copy_fails_on_is_checked_again_here(tmp_path: Path, monkeypatch) -> None:
    """An unexpected error surfaces as in a serial check, not as a lost lesson."""
    write_lessons(tmp_path)
    library = load_library(tmp_path)
    monkeypatch.setattr(checking, "_worker_count", lambda lessons: 2)

    def broken(lesson):
        if lesson.id == "l3":
            raise RuntimeError("boom in l3")
        return []

    with pytest.raises(RuntimeError, match="boom in l3"):
        checking._map_lessons(broken, library.lessons)


def test_no_fork_while_other_threads_run(monkeypatch) -> None:
    monkeypatch.setattr(checking.threading, "active_count", lambda: 2)
    assert checking._worker_count(13) == 1


def test_results_come_back_in_lesson_order_whoever_checked_them(tmp_path: Path, monkeypatch):
    write_lessons(tmp_path)
    library = load_library(tmp_path)
    monkeypatch.setattr(checking, "_worker_count", lambda lessons: 4)
    results = checking._map_lessons(lambda lesson: [lesson.id], library.lessons)
    assert results == [[lesson.id] for lesson in library.lessons]
