"""The progress store: atomic saves, damaged files kept, newer files left alone,
two sessions merged, and a folder that cannot be written reported, never fatal."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.core import progress as progress_module
from tutor.core.lock import folder_lock
from tutor.core.progress import (
    SCHEMA_VERSION,
    Progress,
    ProgressStore,
    QuizRecord,
    merge_progress,
)


def saved(folder: Path) -> dict:
    return json.loads((folder / "progress.json").read_text())


def good_file_with_backup(folder: Path, last_lesson: str = "good") -> None:
    """A saved progress and its backup, as after one normal session."""
    ProgressStore(folder).save(Progress(last_lesson=last_lesson))
    ProgressStore(folder).load()  # a successful load writes the backup


# -- round trip ------------------------------------------------------------------------------


def test_fresh_store_gives_empty_progress(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    progress = store.load()
    assert progress.last_lesson is None and progress.status("x") == "new"
    assert store.notices == [] and not store.read_only


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


def test_saving_twice_in_one_session_keeps_the_latest(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    progress = store.load()
    progress.open_lesson("a", position=1)
    store.save(progress)
    progress.open_lesson("a", position=4)
    store.save(progress)
    assert ProgressStore(tmp_path).load().positions == {"a": 4}


def test_missed_lists_unpassed_questions(tmp_path: Path) -> None:
    progress = Progress()
    progress.record_answer("a", "q1", correct=False)
    progress.record_answer("a", "q2", correct=True)
    assert progress.missed() == [("a", "q1")]


def test_save_leaves_no_temp_files(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    store.save(Progress(last_lesson="a"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json", "progress.lock"]


def test_missing_folder_is_created_on_save(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "a" / "b")
    assert store.load().last_lesson is None and store.notices == []
    assert store.save(Progress(last_lesson="x"))
    assert saved(tmp_path / "a" / "b")["last_lesson"] == "x"


# -- stale temp files -------------------------------------------------------------------------


def test_stale_temp_files_are_cleared_at_load(tmp_path: Path) -> None:
    (tmp_path / ".progress-abc.tmp").write_text("half a file")
    ProgressStore(tmp_path).load()
    assert not (tmp_path / ".progress-abc.tmp").exists()


def test_a_temp_file_is_left_alone_while_another_tutor_is_saving(
    tmp_path: Path, monkeypatch
) -> None:
    """The temp file may be another process's save in flight: only cleared under the lock."""
    monkeypatch.setattr(progress_module, "LOAD_LOCK_WAIT_SECONDS", 0.01)
    (tmp_path / ".progress-inflight.tmp").write_text("being written")
    with folder_lock(tmp_path / "progress.lock") as locked:
        assert locked
        store = ProgressStore(tmp_path)
        store.load()
    assert (tmp_path / ".progress-inflight.tmp").exists()


def test_the_lock_is_exclusive_and_bounded(tmp_path: Path) -> None:
    lock = tmp_path / "progress.lock"
    with folder_lock(lock) as first, folder_lock(lock, timeout=0.05) as second:
        assert first and not second
    with folder_lock(tmp_path / "progress.lock", timeout=0) as again:
        assert again


# -- damaged files -----------------------------------------------------------------------------

#: Files that are not progress at all: kept aside whole, the backup restored.
DAMAGED = {
    "not-json": b"{ not json",
    "truncated": b'{"schema": 1, "last_lesson": "a", "positions": {"a": 1',
    "empty": b"",
    "binary": bytes(range(256)),
    "array": b"[1, 2, 3]",
    "number": b"42",
    "deep-nesting": b'{"schema": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "latin-1": '{"schema": 1, "last_lesson": "café"}'.encode("latin-1"),
    "huge-number": b'{"schema": 1, "positions": {"a": ' + b"9" * 5000 + b"}}",
}

#: A good file, and what one bad entry replaces in it: (path of keys, bad value).
GOOD_ENTRIES = {
    "schema": 1,
    "last_lesson": "mine",
    "positions": {"a": 2, "b": 5},
    "opened": {"a": "2025-01-01T00:00:00+00:00", "b": "2025-01-02T00:00:00+00:00"},
    "finished": {"a": "2025-01-03T00:00:00+00:00"},
    "reached_end": {"a": "2025-01-03T00:00:00+00:00"},
    "quizzes": {
        "a": {"q1": {"attempts": 2, "passed": True, "revealed": False, "last": "t"}},
        "b": {"q2": {"attempts": 1, "passed": False, "revealed": True, "last": "t"}},
    },
}
BAD_ENTRIES = {
    "schema-text": (("schema",), "one"),
    "schema-null": (("schema",), None),
    "last-lesson-list": (("last_lesson",), ["a"]),
    "positions-list": (("positions",), [1, 2]),
    "position-text": (("positions", "b"), "x"),
    "position-infinite": (("positions", "b"), float("inf")),
    "position-nan": (("positions", "b"), float("nan")),
    "position-huge": (("positions", "b"), 10**30),
    "opened-object": (("opened", "b"), {"b": 1}),
    "quiz-not-object": (("quizzes", "b"), 5),
    "record-not-object": (("quizzes", "b", "q2"), 5),
    "attempts-negative": (("quizzes", "b", "q2", "attempts"), -1),
    "attempts-text": (("quizzes", "b", "q2", "attempts"), "1"),
    "passed-text": (("quizzes", "b", "q2", "passed"), "false"),
    "revealed-number": (("quizzes", "b", "q2", "revealed"), 1),
}


def with_bad_entry(keys: tuple[str, ...], value: object) -> dict:
    data = json.loads(json.dumps(GOOD_ENTRIES))
    holder = data
    for key in keys[:-1]:
        holder = holder[key]
    holder[keys[-1]] = value
    return data


@pytest.mark.parametrize("case", BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_one_bad_entry_costs_only_itself(tmp_path: Path, case) -> None:
    """Every good entry is kept (no roll-back to the backup), the bad one is named once,
    the file as it was is kept byte for byte, and the repaired file loads cleanly."""
    keys, value = case
    good_file_with_backup(tmp_path, "from-the-backup")
    content = json.dumps(with_bad_entry(keys, value)).encode()
    (tmp_path / "progress.json").write_bytes(content)
    store = ProgressStore(tmp_path)
    progress = store.load()
    expected, set_aside = progress_module.read_progress(with_bad_entry(keys, value))
    assert len(set_aside) == 1 and set_aside[0].startswith(".".join(keys))
    assert progress == expected
    if keys[0] != "last_lesson":
        assert progress.last_lesson == "mine"
    if keys[0] != "positions":
        assert progress.positions == {"a": 2, "b": 5}
    assert progress.positions.get("a") == 2 or keys == ("positions",)
    assert progress.finished == {"a": "2025-01-03T00:00:00+00:00"}
    assert progress.quizzes["a"]["q1"] == QuizRecord(2, True, False, "t")
    if keys[:2] != ("quizzes", "b"):
        assert progress.quizzes["b"]["q2"] == QuizRecord(1, False, True, "t")
    (kept,) = tmp_path.glob("progress.corrupt-*.json")
    assert kept.read_bytes() == content
    assert len(store.notices) == 1
    notice = store.notices[0]
    assert "1 entry" in notice and ".".join(keys) in notice and str(kept) in notice
    assert "everything else was kept" in notice
    again = ProgressStore(tmp_path)
    assert again.load() == expected and again.notices == []


def test_a_bad_field_of_a_record_keeps_the_record_s_other_fields() -> None:
    data = with_bad_entry(("quizzes", "b", "q2", "passed"), "yes")
    progress, set_aside = progress_module.read_progress(data)
    assert progress.quizzes["b"]["q2"] == QuizRecord(1, False, True, "t")
    assert set_aside == ["quizzes.b.q2.passed: not true or false: 'yes'"]


def test_many_bad_entries_are_named_briefly_in_one_notice(tmp_path: Path) -> None:
    data = dict(GOOD_ENTRIES, positions={f"l{i}": "x" for i in range(10)})
    (tmp_path / "progress.json").write_text(json.dumps(data))
    store = ProgressStore(tmp_path)
    progress = store.load()
    assert progress.last_lesson == "mine" and progress.positions == {}
    assert len(store.notices) == 1
    assert "10 entries" in store.notices[0] and "and 7 more" in store.notices[0]


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_file_is_kept_byte_for_byte_and_the_backup_restored(
    tmp_path: Path, content: bytes
) -> None:
    good_file_with_backup(tmp_path)
    (tmp_path / "progress.json").write_bytes(content)
    store = ProgressStore(tmp_path)
    progress = store.load()
    assert progress.last_lesson == "good"
    (kept,) = tmp_path.glob("progress.corrupt-*.json")
    assert kept.read_bytes() == content
    assert len(store.notices) == 1
    assert "could not be read" in store.notices[0] and str(kept) in store.notices[0]
    assert "restored the last good backup" in store.notices[0]
    assert saved(tmp_path)["last_lesson"] == "good"  # the restored progress is saved again


def test_a_damaged_file_that_cannot_be_kept_is_not_written_over(
    tmp_path: Path, monkeypatch
) -> None:
    def refuse(folder, stem, stamp, raw) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(folder))

    good_file_with_backup(tmp_path)
    (tmp_path / "progress.json").write_text("{ broken")
    monkeypatch.setattr(progress_module, "_keep_copy", refuse)
    store = ProgressStore(tmp_path)
    assert store.load().last_lesson == "good"  # the backup, read-only
    assert store.save(Progress(last_lesson="other")) is False
    assert (tmp_path / "progress.json").read_text() == "{ broken"
    assert store.read_only and "left as it is" in store.notices[0]


def test_a_damaged_file_without_a_backup_starts_afresh_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "progress.json").write_text("{ not json")
    store = ProgressStore(tmp_path)
    assert store.load().last_lesson is None
    assert "started afresh" in store.notices[0]
    assert len(list(tmp_path.glob("progress.corrupt-*.json"))) == 1


def test_a_huge_file_is_kept_aside_without_being_read(tmp_path: Path) -> None:
    good_file_with_backup(tmp_path)
    with open(tmp_path / "progress.json", "wb") as handle:
        handle.truncate(progress_module.MAX_PROGRESS_BYTES + 1)  # sparse: no real 16 MB write
    store = ProgressStore(tmp_path)
    assert store.load().last_lesson == "good"
    assert "far more than progress ever takes" in store.notices[0]


def test_two_damaged_files_in_the_same_second_are_both_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(progress_module.time, "strftime", lambda _format: "20250101-000000")
    for content in ("first damage", "second damage"):
        (tmp_path / "progress.json").write_text(content)
        ProgressStore(tmp_path).load()
    kept = sorted(tmp_path.glob("progress.corrupt-*.json"))
    assert [path.name for path in kept] == [
        "progress.corrupt-20250101-000000-2.json",
        "progress.corrupt-20250101-000000.json",
    ]
    assert sorted(path.read_text() for path in kept) == ["first damage", "second damage"]


def test_a_damaged_backup_is_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "progress.json").write_text("{ broken")
    (tmp_path / "progress.backup.json").write_text('{"schema": 1, "positions": [1]}')
    store = ProgressStore(tmp_path)
    assert store.load() == Progress()
    assert "started afresh" in store.notices[0]


def test_a_missing_file_with_a_backup_is_restored_and_reported(tmp_path: Path) -> None:
    good_file_with_backup(tmp_path, "kept")
    (tmp_path / "progress.json").unlink()
    store = ProgressStore(tmp_path)
    assert store.load().last_lesson == "kept"
    assert "was missing" in store.notices[0] and "backup" in store.notices[0]
    assert saved(tmp_path)["last_lesson"] == "kept"


def test_a_file_damaged_while_tutor_runs_is_kept_and_the_session_saved(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    progress = store.load()
    progress.open_lesson("a", 3)
    store.save(progress)
    (tmp_path / "progress.json").write_text("scribbled over")
    progress.open_lesson("b", 1)
    assert store.save(progress)
    (kept,) = tmp_path.glob("progress.corrupt-*.json")
    assert kept.read_text() == "scribbled over"
    assert saved(tmp_path)["positions"] == {"a": 3, "b": 1}
    assert "damaged while tutor was open" in store.notices[-1]


@settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    content=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        ["schema", "positions", "quizzes", "opened", "last_lesson", "a", "q"]
                    ),
                    inner,
                    max_size=5,
                )
            ),
            max_leaves=20,
        ).map(lambda value: json.dumps(value).encode()),
    )
)
def test_any_file_content_loads_or_is_kept_aside(tmp_path: Path, content: bytes) -> None:
    """Whatever the file holds: no exception, and it is either read or kept unchanged."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "progress.json").write_bytes(content)
    store = ProgressStore(folder)
    store.load()
    kept = list(folder.glob("progress.corrupt-*.json"))
    if kept:
        assert kept[0].read_bytes() == content and "could not be read" in store.notices[0]
    elif store.read_only:
        assert (folder / "progress.json").read_bytes() == content  # a newer tutor's file
    else:
        assert store.notices == []


# -- a newer tutor's file ------------------------------------------------------------------------


def test_newer_schema_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"schema": SCHEMA_VERSION + 1, "last_lesson": "x"}))
    store = ProgressStore(tmp_path)
    progress = store.load()
    assert progress.last_lesson == "x"
    progress.open_lesson("other")
    assert store.save(progress) is False
    assert json.loads(path.read_text())["last_lesson"] == "x"
    assert "newer tutor" in store.notices[0] and "will not save" in store.notices[0]


def test_a_newer_file_we_cannot_read_is_still_left_alone(tmp_path: Path) -> None:
    """A newer format may not fit ours at all: that is not damage, so it is not moved."""
    content = json.dumps({"schema": SCHEMA_VERSION + 5, "quizzes": [["a", "q", 3]]})
    (tmp_path / "progress.json").write_text(content)
    store = ProgressStore(tmp_path)
    assert store.load() == Progress()
    assert store.read_only and "newer tutor" in store.notices[0]
    assert not list(tmp_path.glob("progress.corrupt-*"))
    assert (tmp_path / "progress.json").read_text() == content
    assert not (tmp_path / "progress.backup.json").exists()


def test_a_newer_tutor_writing_during_the_session_stops_saving(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    progress = store.load()
    store.save(progress)
    newer = json.dumps({"schema": SCHEMA_VERSION + 1, "last_lesson": "from-the-future"})
    (tmp_path / "progress.json").write_text(newer)
    progress.open_lesson("a")
    assert store.save(progress) is False and store.read_only
    assert (tmp_path / "progress.json").read_text() == newer
    assert "newer tutor" in store.notices[-1]


# -- folders that cannot be written ------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write a read-only folder")
def test_read_only_folder_gives_a_notice(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        store = ProgressStore(tmp_path / "sub")
        assert store.save(Progress()) is False
        assert "cannot save progress" in store.notices[0]
    finally:
        tmp_path.chmod(0o700)


def test_a_refused_write_gives_one_notice_and_no_crash(tmp_path: Path, monkeypatch) -> None:
    """A read-only folder, as root sees it too: every write is refused with EACCES."""

    def refuse(path: Path, data: dict) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    good_file_with_backup(tmp_path)
    monkeypatch.setattr(progress_module, "atomic_write_json", refuse)
    store = ProgressStore(tmp_path)
    progress = store.load()
    assert progress.last_lesson == "good"
    progress.open_lesson("b")
    assert store.save(progress) is False and store.save(progress) is False
    assert len(store.notices) == 1
    assert "cannot save progress" in store.notices[0]
    assert "Permission denied" in store.notices[0] and "TUTOR_HOME" in store.notices[0]
    assert saved(tmp_path)["last_lesson"] == "good"


def test_an_unreadable_folder_gives_a_notice_not_an_exception(tmp_path: Path, monkeypatch) -> None:
    def refuse(self: Path) -> bool:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "exists", refuse)
    store = ProgressStore(tmp_path)
    assert store.load() == Progress()
    assert store.read_only and "cannot read" in store.notices[0]


def test_unwritable_location_gives_a_notice(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    store = ProgressStore(blocker / "data")
    assert store.load() == Progress()
    assert store.save(Progress()) is False
    assert "cannot save progress" in store.notices[0]


# -- reset -----------------------------------------------------------------------------------------


def test_reset_keeps_the_old_file(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    store.save(Progress(last_lesson="a"))
    fresh = store.reset(store.load())
    assert fresh.last_lesson is None
    (kept,) = tmp_path.glob("progress.reset-*.json")
    assert json.loads(kept.read_text())["last_lesson"] == "a"
    assert saved(tmp_path)["last_lesson"] is None


def test_two_resets_in_the_same_second_keep_both_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(progress_module.time, "strftime", lambda _format: "20250101-000000")
    store = ProgressStore(tmp_path)
    store.save(Progress(last_lesson="a"))
    store.reset(store.load())
    store.save(Progress(last_lesson="b"))
    store.reset(Progress())
    kept = sorted(tmp_path.glob("progress.reset-*.json"))
    assert sorted(json.loads(path.read_text())["last_lesson"] for path in kept) == ["a", "b"]


# -- two sessions ----------------------------------------------------------------------------------


def test_two_stores_on_one_folder_merge_instead_of_clobbering(tmp_path: Path) -> None:
    first, second = ProgressStore(tmp_path), ProgressStore(tmp_path)
    mine, theirs = first.load(), second.load()
    mine.record_answer("a", "q1", correct=False)
    first.save(mine)
    theirs.record_answer("b", "q2", correct=True)
    theirs.open_lesson("b", 2)
    second.save(theirs)
    mine.record_answer("a", "q1", correct=True)
    first.save(mine)
    on_disk = ProgressStore(tmp_path).load()
    assert on_disk.quiz("a", "q1").attempts == 2 and on_disk.quiz("a", "q1").passed
    assert on_disk.quiz("b", "q2").passed and on_disk.positions == {"b": 2}
    # Each window now shows what the other saved, and is told so once.
    assert mine.quiz("b", "q2").passed
    assert len(second.notices) == 1 and "another tutor (pid" in second.notices[0]
    assert "merged" in second.notices[0]
    assert len(first.notices) == 1


def test_an_unchanged_file_is_not_merged(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    progress = store.load()
    for position in range(3):
        progress.open_lesson("a", position)
        store.save(progress)
    assert store.notices == [] and saved(tmp_path)["positions"] == {"a": 2}


def test_merge_counts_attempts_from_both_sides() -> None:
    base = Progress(quizzes={"a": {"q": QuizRecord(attempts=2, last="2025-01-01")}})
    ours = Progress(quizzes={"a": {"q": QuizRecord(attempts=3, last="2025-01-03")}})
    theirs = Progress(quizzes={"a": {"q": QuizRecord(attempts=4, passed=True, last="2025-01-02")}})
    record = merge_progress(base, ours, theirs).quizzes["a"]["q"]
    assert record == QuizRecord(attempts=5, passed=True, revealed=False, last="2025-01-03")


def test_merge_never_drops_a_record_from_either_side() -> None:
    ours = Progress(
        opened={"a": "2025-01-02"}, finished={"a": "2025-01-03"}, reached_end={"a": "2025-01-03"}
    )
    theirs = Progress(
        opened={"a": "2025-01-01", "b": "2025-01-05"}, quizzes={"b": {"q": QuizRecord(1)}}
    )
    merged = merge_progress(Progress(), ours, theirs)
    assert merged.opened == {"a": "2025-01-01", "b": "2025-01-05"}
    assert merged.finished == {"a": "2025-01-03"} and merged.reached_end == {"a": "2025-01-03"}
    assert merged.quizzes == {"b": {"q": QuizRecord(1)}}


def test_merge_keeps_the_place_the_learner_moved() -> None:
    base = Progress(last_lesson="a", positions={"a": 1, "b": 1})
    ours = Progress(last_lesson="a", positions={"a": 5, "b": 1})  # we moved in a
    theirs = Progress(last_lesson="b", positions={"a": 1, "b": 7})  # they moved in b
    merged = merge_progress(base, ours, theirs)
    assert merged.positions == {"a": 5, "b": 7}
    assert merged.last_lesson == "b"  # we did not change lesson; they did
    ours.last_lesson = "c"
    assert merge_progress(base, ours, theirs).last_lesson == "c"


def test_lesson_is_complete_only_at_the_end_with_every_quiz_passed() -> None:
    progress = Progress()
    progress.record_answer("a", "q1", correct=True)
    assert not progress.is_complete("a", ["q1", "q2"])
    progress.reach_end("a")
    assert not progress.is_complete("a", ["q1", "q2"])
    progress.record_answer("a", "q2", correct=True)
    assert progress.is_complete("a", ["q1", "q2"])
    assert Progress(reached_end={"b": "t"}).is_complete("b", [])


def test_every_quiz_passed_without_reaching_the_end_is_not_complete() -> None:
    """The one condition alone: a guard on the quizzes only would call this done."""
    progress = Progress()
    progress.record_answer("a", "q1", correct=True)
    progress.record_answer("a", "q2", correct=True)
    progress.reach_end("other-lesson")
    assert not progress.is_complete("a", ["q1", "q2"])
    assert not Progress().is_complete("b", [])  # no quizzes, but never at the end


def test_reaching_the_end_with_a_quiz_not_passed_is_not_complete() -> None:
    """The other condition alone: a guard on the end only would call this done."""
    progress = Progress(reached_end={"a": "t"})
    progress.record_answer("a", "q1", correct=True)
    progress.record_answer("a", "q2", correct=False)
    progress.record_answer("b", "q2", correct=True)  # the same id in another lesson
    assert not progress.is_complete("a", ["q1", "q2"])
    assert not progress.is_complete("a", ["q1", "q3"])  # a quiz never answered


# -- answers after the solution was shown -----------------------------------------------------


def test_an_answer_after_the_solution_counts_but_does_not_pass() -> None:
    progress = Progress()
    progress.record_answer("a", "q", correct=False)
    progress.reveal("a", "q")
    record = progress.record_answer("a", "q", correct=True, after_solution=True)
    assert (record.attempts, record.passed, record.revealed) == (2, False, True)
    assert progress.quiz_state("a", "q") == "solution seen"
    assert progress.missed() == [("a", "q")]
    progress.reach_end("a")
    assert not progress.is_complete("a", ["q"])


def test_after_solution_marks_the_solution_seen_even_without_reveal() -> None:
    progress = Progress()
    record = progress.record_answer("a", "q", correct=True, after_solution=True)
    assert (record.attempts, record.passed, record.revealed) == (1, False, True)


def test_a_later_sitting_can_still_pass_a_quiz_whose_solution_was_seen() -> None:
    progress = Progress()
    progress.reveal("a", "q")
    progress.record_answer("a", "q", correct=True)
    assert progress.quiz("a", "q").passed and progress.quiz_state("a", "q") == "passed"
    assert progress.missed() == []


def test_a_revealed_quiz_never_answered_is_on_the_review_list() -> None:
    progress = Progress()
    progress.reveal("a", "seen")
    progress.record_answer("a", "tried", correct=False)
    progress.record_answer("a", "done", correct=True)
    assert progress.missed() == [("a", "seen"), ("a", "tried")]
    states = {quiz: progress.quiz_state("a", quiz) for quiz in ("seen", "tried", "done", "x")}
    assert states == {"seen": "solution seen", "tried": "tried", "done": "passed", "x": "new"}
    assert "x" not in progress.quizzes["a"]  # asking for a state creates no record


def test_solution_seen_survives_a_save_and_files_without_it_still_load(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path)
    progress = store.load()
    progress.record_answer("a", "q", correct=True, after_solution=True)
    store.save(progress)
    assert ProgressStore(tmp_path).load().quiz_state("a", "q") == "solution seen"
    old = {"schema": 1, "quizzes": {"a": {"q": {"attempts": 3, "passed": True}}}}
    (tmp_path / "progress.json").write_text(json.dumps(old))  # written before "revealed"
    again = ProgressStore(tmp_path)
    assert again.load().quiz("a", "q") == QuizRecord(3, True, False, "")
    assert again.notices == []


# -- the folder is fsynced after the rename -----------------------------------------------------


def test_an_atomic_save_fsyncs_the_file_then_the_folder_after_the_rename(
    tmp_path: Path, monkeypatch
) -> None:
    """Without the folder's fsync a power cut can lose the rename: observe it happen."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace
    folder_identity = (tmp_path.stat().st_dev, tmp_path.stat().st_ino)

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            assert (info.st_dev, info.st_ino) == folder_identity
            events.append(("fsync", "folder"))
        else:
            events.append(("fsync", "file"))
        real_fsync(fd)

    def replace(source, target) -> None:
        events.append(("replace", Path(target).name))
        real_replace(source, target)

    monkeypatch.setattr(progress_module.os, "fsync", fsync)
    monkeypatch.setattr(progress_module.os, "replace", replace)
    progress_module.atomic_write_json(tmp_path / "progress.json", {"a": 1})
    assert events == [("fsync", "file"), ("replace", "progress.json"), ("fsync", "folder")]
