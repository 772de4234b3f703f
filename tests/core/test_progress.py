"""The progress store: atomic saves, damaged files kept, newer files left alone."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tutor.core.progress import SCHEMA_VERSION, Progress, ProgressStore


def test_fresh_store_gives_empty_progress(tmp_path: Path) -> None:
    progress = ProgressStore(tmp_path).load()
    assert progress.last_lesson is None and progress.status("x") == "new"


def test_round_trip(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    progress = store.load()
    progress.open_lesson("shapes", position=2)
    progress.record_answer("shapes", "q1", correct=False)
    progress.record_answer("shapes", "q1", correct=True)
    progress.finish_lesson("shapes")
    assert store.save(progress)
    again = ProgressStore(tmp_path).load()
    assert again.last_lesson == "shapes" and again.positions == {"shapes": 2}
    assert again.status("shapes") == "done"
    record = again.quiz("shapes", "q1")
    assert (record.attempts, record.passed) == (2, True)


def test_missed_lists_unpassed_questions(tmp_path: Path) -> None:
    progress = Progress()
    progress.record_answer("a", "q1", correct=False)
    progress.record_answer("a", "q2", correct=True)
    assert progress.missed() == [("a", "q1")]


def test_save_leaves_no_temp_files(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    store.save(Progress(last_lesson="a"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json"]


def test_stale_temp_files_are_cleared_at_load(tmp_path: Path) -> None:
    (tmp_path / ".progress-abc.tmp").write_text("half a file")
    ProgressStore(tmp_path).load()
    assert not (tmp_path / ".progress-abc.tmp").exists()


def test_corrupt_file_is_kept_and_backup_restored(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    store.save(Progress(last_lesson="good"))
    ProgressStore(tmp_path).load()  # a successful load writes the backup
    (tmp_path / "progress.json").write_text("{ not json")
    second = ProgressStore(tmp_path)
    progress = second.load()
    assert progress.last_lesson == "good"
    kept = list(tmp_path.glob("progress.corrupt-*.json"))
    assert len(kept) == 1 and kept[0].read_text() == "{ not json"
    assert "could not be read" in second.notices[0] and str(kept[0]) in second.notices[0]


def test_newer_schema_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"schema": SCHEMA_VERSION + 1, "last_lesson": "x"}))
    store = ProgressStore(tmp_path)
    progress = store.load()
    progress.open_lesson("other")
    assert store.save(progress) is False
    assert json.loads(path.read_text())["last_lesson"] == "x"
    assert "newer tutor" in store.notices[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write a read-only folder")
def test_read_only_folder_gives_a_notice(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        store = ProgressStore(tmp_path / "sub")
        assert store.save(Progress()) is False
        assert "cannot save progress" in store.notices[0]
    finally:
        tmp_path.chmod(0o700)


def test_unwritable_location_gives_a_notice(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    store = ProgressStore(blocker / "data")
    assert store.save(Progress()) is False
    assert "cannot save progress" in store.notices[0]


def test_reset_keeps_the_old_file(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    store.save(Progress(last_lesson="a"))
    fresh = store.reset(store.load())
    assert fresh.last_lesson is None
    assert list(tmp_path.glob("progress.reset-*.json"))


def test_lesson_is_complete_only_at_the_end_with_every_quiz_passed() -> None:
    progress = Progress()
    progress.record_answer("a", "q1", correct=True)
    assert not progress.is_complete("a", ["q1", "q2"])
    progress.reach_end("a")
    assert not progress.is_complete("a", ["q1", "q2"])
    progress.record_answer("a", "q2", correct=True)
    assert progress.is_complete("a", ["q1", "q2"])
    assert Progress(reached_end={"b": "t"}).is_complete("b", [])
