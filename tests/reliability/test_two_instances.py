"""Two tutors on one progress folder at once: both keep saving, neither loses anything.

tutor merges on save under a lock (see ``tutor.core.progress``): each save re-reads
the file, merges what the other session saved since, and writes. Two processes
answering quizzes as fast as they can, on the same quiz and on their own, must end
with every answer of both counted exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tutor.core.progress import Progress, ProgressStore

ROUNDS = 40

LEARNER = r"""
import sys
from pathlib import Path
from tutor.core.progress import ProgressStore

folder, name, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = ProgressStore(folder)
progress = store.load()
sys.stdin.readline()  # start together
for number in range(rounds):
    progress.record_answer("shared", "q", correct=False)
    progress.record_answer(f"lesson-{name}", f"q{number}", correct=True)
    progress.open_lesson(f"lesson-{name}", number)
    assert store.save(progress), store.notices
print("\n".join(store.notices))
"""


def test_two_processes_saving_at_once_lose_nothing(tmp_path: Path) -> None:
    learners = [
        subprocess.Popen(
            [sys.executable, "-c", LEARNER, str(tmp_path), name, str(ROUNDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for learner in learners:
        learner.stdin.write("go\n")  # type: ignore[union-attr]
        learner.stdin.flush()  # type: ignore[union-attr]
    outputs = [learner.communicate(timeout=60) for learner in learners]
    for learner, (_out, err) in zip(learners, outputs, strict=True):
        assert learner.returncode == 0, err
    final = ProgressStore(tmp_path).load()
    assert final.quiz("shared", "q").attempts == 2 * ROUNDS  # every attempt of both counted
    for name in ("a", "b"):
        records = final.quizzes[f"lesson-{name}"]
        assert sorted(records) == sorted(f"q{n}" for n in range(ROUNDS))
        assert all(record.attempts == 1 and record.passed for record in records.values())
        assert final.positions[f"lesson-{name}"] == ROUNDS - 1
    assert not list(tmp_path.glob("progress.corrupt-*"))


def test_a_naive_second_writer_would_have_lost_answers(tmp_path: Path) -> None:
    """The hazard the merge removes: a plain write of a stale copy drops the other's news."""
    first, second = ProgressStore(tmp_path), ProgressStore(tmp_path)
    mine, theirs = first.load(), second.load()
    mine.record_answer("a", "q", correct=True)
    first.save(mine)
    theirs.open_lesson("b")
    stale = json.loads(json.dumps(theirs.to_json()))  # what a store without merging writes
    assert "a" not in stale["quizzes"]
    second.save(theirs)
    assert ProgressStore(tmp_path).load().quiz("a", "q").passed
    assert theirs.quiz("a", "q").passed  # and the second window now shows it too


def test_the_second_session_is_told_plainly(tmp_path: Path) -> None:
    first, second = ProgressStore(tmp_path), ProgressStore(tmp_path)
    mine, theirs = first.load(), second.load()
    first.save(mine)
    second.save(theirs)
    second.save(theirs)
    (notice,) = second.notices
    assert notice.startswith("another tutor (pid ")
    assert str(tmp_path / "progress.json") in notice and "merged" in notice
    assert first.notices == []
    assert Progress.from_json(json.loads((tmp_path / "progress.json").read_text())) == theirs
