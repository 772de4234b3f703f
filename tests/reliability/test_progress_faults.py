"""Progress faults as the learner meets them: in the app and on the command line, tutor
keeps running, says plainly what happened and where the kept file is, and loses nothing."""

from __future__ import annotations

import errno
import json
from pathlib import Path

from tutor.core import progress as progress_module
from tutor.core.progress import SCHEMA_VERSION, Progress, ProgressStore
from tutor.screens.lesson import LessonScreen

SIZE = (110, 36)


async def settle(app, pilot) -> None:
    """Let workers finish and their messages land (no sleeping)."""
    await app.workers.wait_for_complete()
    await pilot.pause()


def notifications(app) -> list[str]:
    """Every notification the app has shown, as text."""
    return [str(note.message) for note in app._notifications]


def good_progress_with_backup(home: Path) -> None:
    progress = Progress(last_lesson="good-two")
    progress.open_lesson("good-two", 0)
    ProgressStore(home).save(progress)
    ProgressStore(home).load()  # writes the backup, as every successful start does


# -- a damaged file ------------------------------------------------------------------------


async def test_app_with_a_damaged_file_restores_the_backup_and_says_where(
    make_app, tutor_home: Path
) -> None:
    good_progress_with_backup(tutor_home)
    (tutor_home / "progress.json").write_text('{"schema": 1, "positions": {"x": "y"')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "good-two"
        (kept,) = tutor_home.glob("progress.corrupt-*.json")
        shown = notifications(app)
        assert any("could not be read" in note and str(kept) in note for note in shown)
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
    assert kept.read_text() == '{"schema": 1, "positions": {"x": "y"'
    saved = ProgressStore(tutor_home).load()
    assert set(saved.opened) == {"good-one", "good-two"}


def test_list_tells_about_a_damaged_file_on_the_command_line(
    tutor_cli, tutor_home: Path, good_folder: Path
) -> None:
    good_progress_with_backup(tutor_home)
    (tutor_home / "progress.json").write_bytes(b"\x00\xff garbage")
    result = tutor_cli("list", "--lessons", str(good_folder))
    assert result.returncode == 0, result.stderr
    (kept,) = tutor_home.glob("progress.corrupt-*.json")
    assert "tutor: your progress file could not be read" in result.stderr
    assert str(kept) in result.stderr and "restored the last good backup" in result.stderr
    assert "good-two  started" in result.stdout  # the backup's progress is what is listed
    assert "Traceback" not in result.stdout + result.stderr


# -- a newer tutor's file ------------------------------------------------------------------------


async def test_app_with_a_newer_file_runs_without_saving(make_app, tutor_home: Path) -> None:
    newer = json.dumps({"schema": SCHEMA_VERSION + 1, "last_lesson": "good-two", "extra": [1]})
    (tutor_home / "progress.json").write_text(newer)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.screen.lesson.id == "good-two"
        assert any("newer tutor" in note for note in notifications(app))
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.press("q")
    assert (tutor_home / "progress.json").read_text() == newer


def test_list_tells_about_a_newer_file(tutor_cli, tutor_home: Path, good_folder: Path) -> None:
    (tutor_home / "progress.json").write_text(json.dumps({"schema": SCHEMA_VERSION + 3}))
    result = tutor_cli("list", "--lessons", str(good_folder))
    assert result.returncode == 0
    assert "written by a newer tutor" in result.stderr and "will not save" in result.stderr


# -- folders that cannot be written or do not exist ------------------------------------------------


async def test_app_in_a_read_only_folder_runs_and_says_so_once(
    make_app, tutor_home: Path, monkeypatch
) -> None:
    def refuse(path: Path, data: dict) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(progress_module, "atomic_write_json", refuse)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert app.screen.lesson.id == "good-two"  # still reading, moving, answering
        shown = [note for note in notifications(app) if "cannot save progress" in note]
        assert len(shown) == 1 and "Permission denied" in shown[0]
    assert not (tutor_home / "progress.json").exists()


async def test_app_where_no_folder_can_be_made_still_runs(make_app, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the data folder should be")
    app = make_app(store=ProgressStore(blocker / "tutor"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        assert isinstance(app.screen, LessonScreen) and app.screen.section_index == 1
        assert any("cannot save progress" in note for note in notifications(app))


def test_cli_where_no_folder_can_be_made_still_lists(tutor_cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = tutor_cli("list", env={"TUTOR_HOME": str(blocker / "tutor")})
    assert result.returncode == 0 and "arrays-and-shapes" in result.stdout
    assert "Traceback" not in result.stderr


async def test_a_missing_data_folder_is_created_on_the_first_save(make_app, tmp_path: Path) -> None:
    home = tmp_path / "not" / "yet" / "there"
    app = make_app(store=ProgressStore(home))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        assert notifications(app) == []
    assert ProgressStore(home).load().positions == {"good-one": 1}


# -- another tutor on the same progress --------------------------------------------------------


async def test_app_merges_what_another_tutor_saved_and_says_so(make_app, tutor_home: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        other = ProgressStore(tutor_home)  # a second tutor, in another terminal
        elsewhere = other.load()
        elsewhere.record_answer("good-two", "far-away", correct=True)
        other.save(elsewhere)
        await pilot.press("n")  # this app saves its move
        await settle(app, pilot)
        assert any("another tutor (pid" in note for note in notifications(app))
        assert app.progress.quiz("good-two", "far-away").passed
    saved = ProgressStore(tutor_home).load()
    assert saved.quiz("good-two", "far-away").passed and saved.positions["good-one"] == 1


# -- Ctrl+C -----------------------------------------------------------------------------------


async def test_ctrl_c_saves_and_exits_cleanly(make_app, tutor_home: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # A change the app has not saved yet: Ctrl+C must save it on the way out.
        app.progress.record_answer("good-one", "pick", correct=True)
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0
    saved = ProgressStore(tutor_home).load()
    assert saved.quiz("good-one", "pick").passed


async def test_ctrl_c_on_the_too_small_screen_and_in_a_dialog_still_saves(
    make_app, tutor_home: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("g")  # the go-to-lesson dialog is open
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        app.progress.open_lesson("good-two", 0)
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0
    assert ProgressStore(tutor_home).load().last_lesson == "good-two"


async def test_app_retries_a_failed_save_at_the_next_change_and_says_it_worked(
    make_app, tutor_home: Path, monkeypatch
) -> None:
    """A save refused once (a full disk, say) is not the end of saving for the session."""
    real_write = progress_module.atomic_write_json
    refusals = {"left": 0}  # armed once the app has started

    def write_once_refused(path: Path, data: dict) -> None:
        if path.name == "progress.json" and refusals["left"]:
            refusals["left"] -= 1
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_write(path, data)

    monkeypatch.setattr(progress_module, "atomic_write_json", write_once_refused)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        refusals["left"] = 1
        await pilot.press("n")  # this change's save: refused
        await settle(app, pilot)
        assert app.store.unsaved and not app.store.read_only
        await pilot.press("right_square_bracket")  # the next change: saved
        await settle(app, pilot)
        assert not app.store.unsaved
        shown = notifications(app)
        assert sum("cannot save progress" in note for note in shown) == 1
        assert any("No space left on device" in note for note in shown)
        assert any("saved again" in note and "nothing was lost" in note for note in shown)
    saved = json.loads((tutor_home / "progress.json").read_text())
    assert saved["positions"]["good-one"] == 1 and saved["last_lesson"] == "good-two"
