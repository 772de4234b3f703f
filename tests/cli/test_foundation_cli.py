"""The command line's foundation: help, list, check and lesson lookup, via a subprocess."""

from __future__ import annotations

from pathlib import Path

from tutor.cli import COMMANDS

GOOD = "---\nid: {id}\ntitle: {title}\norder: {order}\nsummary: s\n---\n\nSome text.\n"


def make_folder(root: Path) -> Path:
    folder = root / "pack"
    folder.mkdir()
    (folder / "01.md").write_text(GOOD.format(id="intro", title="Intro", order=1))
    (folder / "02.md").write_text(GOOD.format(id="shapes", title="Shapes", order=2))
    return folder


def test_help_lists_every_sub_command(tutor_cli) -> None:
    result = tutor_cli("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert f"    {name} " in result.stdout, name


def test_each_sub_command_has_help(tutor_cli) -> None:
    for name in COMMANDS:
        result = tutor_cli(name, "--help")
        assert result.returncode == 0 and result.stdout.startswith(f"usage: tutor {name}"), name


def test_list_bundled_lessons_numbered(tutor_cli) -> None:
    result = tutor_cli("list")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0].split()
    assert first[0] == "1" and first[2] == "new"


def test_list_shows_status_from_saved_progress(tutor_cli, tmp_path: Path, tutor_home) -> None:
    from tutor.core.progress import Progress, ProgressStore

    progress = Progress()
    progress.open_lesson("shapes")
    progress.finish_lesson("intro")
    ProgressStore(tutor_home).save(progress)
    result = tutor_cli("list", "--lessons", str(make_folder(tmp_path)))
    assert [line.split()[:3] for line in result.stdout.splitlines()] == [
        ["1", "intro", "done"],
        ["2", "shapes", "started"],
    ]


def test_check_bundled_lessons_is_clean(tutor_cli) -> None:
    result = tutor_cli("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout


def test_check_broken_folder_prints_path_line_and_exits_1(tutor_cli, tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    (folder / "03.md").write_text("# no front matter\n")
    (folder / "04.md").write_text(GOOD.format(id="x", title="X", order=4) + "```qiz\n1\n```\n")
    result = tutor_cli("check", str(folder))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{folder / '03.md'}:1: missing front matter")
    assert lines[1].startswith(f"{folder / '04.md'}:9: unknown block type 'qiz'")
    assert lines[-1] == "2 problem(s) in 2 of 4 lesson file(s)"
    assert "Traceback" not in result.stderr


def test_check_empty_or_missing_folder(tutor_cli, tmp_path: Path) -> None:
    empty = tutor_cli("check", str(tmp_path))
    assert empty.returncode == 1 and "no lesson files" in empty.stderr
    missing = tutor_cli("check", str(tmp_path / "absent"))
    assert missing.returncode == 2 and "not a folder of lessons" in missing.stderr


def test_unknown_lesson_for_the_app_is_a_clear_error(tutor_cli, tmp_path: Path) -> None:
    result = tutor_cli("nope", "--lessons", str(make_folder(tmp_path)))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"tutor: no lesson 'nope' in {tmp_path / 'pack'}; lessons: intro, shapes"
    )


def test_bad_option_is_one_line_and_exit_2(tutor_cli) -> None:
    result = tutor_cli("list", "--bogus")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tutor list: error: unrecognized arguments: --bogus (see 'tutor list --help')"
    ]


def test_list_shows_missed_questions_to_review(tutor_cli, tutor_home) -> None:
    from tutor.core.library import load_library
    from tutor.core.progress import Progress, ProgressStore

    library = load_library()
    lesson = next(item for item in library.lessons if item.quizzes)
    first, second = (block.quiz_id for block in lesson.quizzes[:2])
    progress = Progress()
    progress.record_answer(lesson.id, first, correct=False)
    progress.record_answer(lesson.id, first, correct=False)
    progress.record_answer(lesson.id, second, correct=False)
    progress.record_answer(lesson.id, second, correct=True)
    progress.record_answer("gone-lesson", "q", correct=False)
    ProgressStore(tutor_home).save(progress)
    lines = tutor_cli("list").stdout.splitlines()
    review = lines[lines.index("To review (missed, not yet passed):") + 1 :]
    number = library.number_of(lesson)
    assert review == [f"  lesson {number} {lesson.id}: {first} (2 attempts)"]
