"""SIGKILL at random moments while progress is being saved: the file on disk is always
the old complete version or the new one, never a torn, empty or missing file.

A child process saves two versions in turn as fast as it can; the parent kills it
at a seeded random moment, checks the file, and starts the next child. Each version
is a few hundred kilobytes so that a save takes long enough for many kills to land
inside one (the temp files those kills leave prove it), and the next store to load
the folder clears them away.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tutor.core.progress import Progress, ProgressStore, atomic_write_json

#: Kills per way of saving; together they are the "kills survived" of the README.
KILLS = {"atomic_write_json": 50, "ProgressStore.save": 25}


# The child's program; it builds the same two versions as ``version`` below.
CHILD = r"""
import json, sys
from pathlib import Path
from tutor.core.progress import Progress, ProgressStore, atomic_write_json

def version(name):
    positions = {f"lesson-{i:05d}": (i * 7 + len(name)) % 97 for i in range(6000)}
    return Progress(last_lesson=name, positions=positions)

folder, mode = Path(sys.argv[1]), sys.argv[2]
versions = [version("old"), version("new")]
store = ProgressStore(folder)
if mode == "ProgressStore.save":
    store.load()
print("saving", flush=True)
count = 1  # the file starts as "old": the first save already changes it
while True:
    progress = versions[count % 2]
    if mode == "atomic_write_json":
        atomic_write_json(folder / "progress.json", progress.to_json())
    else:
        store.save(progress)
    count += 1
"""


def version(name: str) -> Progress:
    """The same two versions the child writes (kept in step with CHILD above)."""
    positions = {f"lesson-{i:05d}": (i * 7 + len(name)) % 97 for i in range(6000)}
    return Progress(last_lesson=name, positions=positions)


def start_saver(folder: Path, mode: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()  # blocks until the child is in its saving loop
    assert line == "saving\n", child.stderr.read() if child.stderr else line
    return child


def time_one_save(folder: Path, mode: str) -> float:
    """Seconds one save of a version takes here (the median of a few)."""
    folder.mkdir()
    store = ProgressStore(folder)
    times = []
    for name in ("old", "new", "old", "new", "old"):
        started = time.perf_counter()
        if mode == "atomic_write_json":
            atomic_write_json(folder / "progress.json", version(name).to_json())
        else:
            store.save(version(name))
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def comparable(data: dict) -> dict:
    """The file's data without the store's writer stamp (pid and session)."""
    return {key: value for key, value in data.items() if key != "writer"}


@pytest.mark.parametrize("mode", KILLS)
def test_sigkill_while_saving_never_leaves_a_broken_file(tmp_path: Path, mode: str) -> None:
    versions = [comparable(version(name).to_json()) for name in ("old", "new")]
    atomic_write_json(tmp_path / "progress.json", versions[0])  # never missing, from the start
    rng = random.Random(f"kill-{mode}")
    one_save = time_one_save(tmp_path / "timing", mode)
    seen = set()
    torn = 0  # kills that landed inside a save: a temp file was left behind
    for _ in range(KILLS[mode]):
        child = start_saver(tmp_path, mode)
        # The random moment itself, not a wait for anything: within the first few saves,
        # scaled to this machine's speed so that kills land before, inside and between them.
        time.sleep(rng.uniform(0.0, 4 * one_save))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]
        assert child.returncode == -signal.SIGKILL
        data = comparable(json.loads((tmp_path / "progress.json").read_text(encoding="utf-8")))
        assert data in versions
        seen.add(data["last_lesson"])
        torn += bool(list(tmp_path.glob(".progress-*.tmp")))
        store = ProgressStore(tmp_path)
        loaded = store.load()  # clears the temp files, keeps the file as it is
        assert store.notices == [] and loaded.last_lesson in ("old", "new")
        assert not list(tmp_path.glob(".progress-*.tmp"))
        assert not list(tmp_path.glob("progress.corrupt-*"))
    assert seen == {"old", "new"}, "every kill landed at the same point: the test saw one version"
    assert torn > 0, "no kill landed inside a save, so the test proved nothing"
