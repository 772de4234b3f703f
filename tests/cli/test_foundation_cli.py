"""The command line's foundation: help, list, check and lesson lookup, via a subprocess."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tutor.cli import COMMANDS
from tutor.core.library import load_library

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


# -- tutor show: the lesson as clean plain text ------------------------------------------

SHOW_LESSONS = [lesson.id for lesson in load_library().lessons]
#: Markdown left raw: a bold or italic run opening at a word, a code span in backticks.
RAW_MARKDOWN = re.compile(r"(^|[\s(])(\*\*|__)\S|(^|[\s(])`[^`\s][^`]*`")
#: A dimension template left unfilled: {n}, {m}.
UNFILLED = re.compile(r"\{[a-z]\w*\}")


@pytest.mark.parametrize("lesson_id", SHOW_LESSONS)
def test_show_prints_every_bundled_lesson_as_clean_text(tutor_main, monkeypatch, lesson_id) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, err = tutor_main("show", lesson_id, "--width", "100")
    assert code == 0, err
    assert "\x1b[" not in out
    for number, line in enumerate(out.splitlines(), 1):
        # Compute blocks quote code (x**2 is code): only prose lines are read here.
        if line.startswith(("›", "  ")) and "(" in line:
            continue
        assert not RAW_MARKDOWN.search(line), f"{lesson_id}:{number}: {line}"
        assert not UNFILLED.search(line), f"{lesson_id}:{number}: {line}"
        assert line == line.rstrip(), f"{lesson_id}:{number}: trailing blanks"


def test_show_fills_a_shape_quizs_dimensions_as_the_app_first_draws_them(tutor_main) -> None:
    from tutor.core.quiz import format_prompt, quiz_spec, shape_dims

    lesson = load_library().find("capstone-epoch")
    block = next(b for b in lesson.quizzes if (b.data or {}).get("kind") == "shape")
    spec = quiz_spec(block, lesson)
    dims = shape_dims(spec, lesson.seed, 0)
    code, out, _ = tutor_main("show", "capstone-epoch", "--width", "400")
    assert code == 0
    expected = format_prompt(" ".join(spec.prompt.split()), dims)
    assert expected in " ".join(out.split())


def test_every_epoch_command_show_prints_runs_the_blocks_own_network(tutor_main) -> None:
    """Each printed ``tutor epoch`` line runs (exit 0) and gives the block's very epoch."""
    from tutor.core.epoch import run_epoch
    from tutor.core.plots import spec_from_options

    checked = 0
    for lesson in load_library().lessons:
        blocks = [block for block in lesson.blocks if block.kind == "epoch"]
        if not blocks:
            continue
        code, out, _ = tutor_main("show", lesson.id)
        commands = [line.strip() for line in out.splitlines() if "tutor epoch " in line]
        commands = [line for line in commands if line.startswith("tutor epoch ")]
        assert len(commands) == len(blocks), lesson.id
        for command, block in zip(commands, blocks, strict=True):
            code, printed, err = tutor_main(*shlex.split(command)[1:], "--json")
            assert code == 0, (command, err)
            expected = run_epoch(spec_from_options(block.data or {}))
            assert json.loads(printed)["loss_after"] == pytest.approx(expected.loss_after)
            assert json.loads(printed)["spec"]["activations"] == list(expected.spec.activations)
            checked += 1
    assert checked >= 2
