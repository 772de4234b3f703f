"""Loading a folder of lessons: order, lookup, and one broken file not hiding the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.errors import UsageError
from tutor.core.library import load_library
from tutor.core.paths import bundled_lessons_dir


def lesson(lesson_id: str, order: int, title: str = "T") -> str:
    return f"---\nid: {lesson_id}\ntitle: {title}\norder: {order}\nsummary: s\n---\n\ntext\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "b.md").write_text(lesson("second", 2))
    (tmp_path / "a.md").write_text(lesson("first", 1))
    (tmp_path / "c.md").write_text(lesson("third", 3))
    (tmp_path / "README.md").write_text("# not a lesson\n")
    return tmp_path


def test_lessons_are_ordered_by_order_not_file_name(folder: Path) -> None:
    library = load_library(folder)
    assert [item.id for item in library.lessons] == ["first", "second", "third"]
    assert library.problems == ()


def test_find_by_number_and_id(folder: Path) -> None:
    library = load_library(folder)
    assert library.find("2").id == "second"
    assert library.find("third").id == "third"
    assert library.number_of(library.find("third")) == 3


@pytest.mark.parametrize(
    "key, message",
    [
        ("9", "no lesson number 9: there are 3 lessons"),
        ("0", "no lesson number 0"),
        ("nope", "no lesson 'nope'"),
    ],
)
def test_find_unknown_lesson_is_a_usage_error(folder: Path, key: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load_library(folder).find(key)


def test_a_broken_file_is_reported_and_the_others_still_load(folder: Path) -> None:
    (folder / "d.md").write_text("no front matter\n")
    library = load_library(folder)
    assert [item.id for item in library.lessons] == ["first", "second", "third"]
    assert [(p.path.name, p.line) for p in library.problems] == [("d.md", 1)]


def test_duplicate_lesson_ids_across_files(folder: Path) -> None:
    (folder / "z.md").write_text(lesson("first", 9))
    problems = load_library(folder).problems
    assert [str(p) for p in problems] == [
        f"{folder / 'z.md'}:2: duplicate lesson id 'first' (also in a.md)"
    ]


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder of lessons"):
        load_library(tmp_path / "absent")


def test_bundled_lessons_are_found() -> None:
    assert bundled_lessons_dir().is_dir()
    assert (bundled_lessons_dir() / "README.md").is_file()


@pytest.mark.parametrize(
    "failure", [RecursionError("too deep"), MemoryError(), ValueError("digits"), OverflowError()]
)
def test_a_failure_no_check_foresaw_stays_with_its_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    """Whatever one file raises while it is read, the folder still lists the others."""
    from tutor.core import library as library_module

    real = library_module.parse_lesson

    def parse(path: Path):
        if path.name == "b.md":
            raise failure
        return real(path)

    monkeypatch.setattr(library_module, "parse_lesson", parse)
    library = load_library(folder)
    assert [lesson.id for lesson in library.lessons] == ["first", "third"]
    (problem,) = library.problems
    assert str(problem).startswith(f"{folder / 'b.md'}:1: cannot be read as a lesson: ")


def test_a_folder_with_deep_yaml_and_a_huge_number_lists_the_rest(folder: Path) -> None:
    deep = "tags: " + "[" * 100_000 + "]" * 100_000 + "\n---"
    (folder / "d.md").write_text(
        lesson("deep", 4).replace("summary: s\n---", "summary: s\n" + deep)
    )
    (folder / "e.md").write_text(lesson("huge", 5).replace("order: 5", "order: " + "5" * 5000))
    library = load_library(folder)
    assert [lesson.id for lesson in library.lessons] == ["first", "second", "third"]
    found = sorted((problem.path.name, problem.line) for problem in library.problems)
    assert found == [("d.md", 6), ("e.md", 4)]
