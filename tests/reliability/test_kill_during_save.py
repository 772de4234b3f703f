"""SIGKILL at every step of a save: the file on disk is always the old complete version
or the new one, never a torn, empty or missing file.

Killing at a random moment proves little when the moment falls between saves (it did
in 2 of 8 runs of an earlier version of this test). Here the child stops itself at a
chosen step of ``atomic_write_json`` (it wraps the call that step makes, says where it
is on stdout, and waits), and the parent, having read that line, kills it with
SIGKILL. So every step is hit on every run, in the same way:

    created  the temp file exists, empty
    half     half the new text is written (and flushed to the OS)
    written  all of it is written, not yet fsynced
    fsynced  the temp file is fsynced, not yet renamed
    renamed  the rename is done, the folder not yet fsynced
    done     the folder is fsynced too

Before the rename the old version must be on disk, from it on the new one; and the
next tutor to load the folder clears the temp file a kill left and says nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.core.progress import Progress, ProgressStore, atomic_write_json

#: The steps, in the order a save passes them; the new version is on disk from "renamed".
STEPS = ("created", "half", "written", "fsynced", "renamed", "done")
MODES = ("atomic_write_json", "ProgressStore.save")

# The child: builds the same two versions as ``version`` below, arms a stop at one step
# and saves the new version once. ``stop`` prints the step and blocks until killed.
CHILD = r"""
import os, sys, tempfile, threading
from pathlib import Path
from tutor.core import progress as progress_module
from tutor.core.progress import Progress, ProgressStore, atomic_write_json

def version(name):
    positions = {f"lesson-{i:04d}": (i * 7 + len(name)) % 97 for i in range(400)}
    return Progress(last_lesson=name, positions=positions)

folder, mode, step = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
store = ProgressStore(folder)
if mode == "ProgressStore.save":
    store.load()

def stop(where):
    if where == step:
        print(where, flush=True)
        threading.Event().wait()  # until SIGKILL

real_mkstemp, real_fdopen = tempfile.mkstemp, os.fdopen
real_fsync, real_replace = os.fsync, os.replace

def mkstemp(*args, **kwargs):
    handle, name = real_mkstemp(*args, **kwargs)
    stop("created")
    return handle, name

class HalfThenStop:
    def __init__(self, handle):
        self.handle = handle
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)
    def write(self, text):
        middle = len(text) // 2
        self.handle.write(text[:middle])
        self.handle.flush()
        stop("half")
        return self.handle.write(text[middle:])
    def flush(self):
        self.handle.flush()
        stop("written")
    def fileno(self):
        return self.handle.fileno()

def fdopen(fd, *args, **kwargs):
    return HalfThenStop(real_fdopen(fd, *args, **kwargs))

def fsync(fd):
    real_fsync(fd)
    import stat
    stop("done" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsynced")

def replace(source, target):
    real_replace(source, target)
    if Path(target).name == "progress.json":
        stop("renamed")

tempfile.mkstemp, os.fdopen, os.fsync, os.replace = mkstemp, fdopen, fsync, replace
if mode == "atomic_write_json":
    atomic_write_json(folder / "progress.json", version("new").to_json())
else:
    store.save(version("new"))
print("finished without stopping", flush=True)
"""


def version(name: str) -> Progress:
    """The same two versions the child builds (kept in step with CHILD above)."""
    positions = {f"lesson-{i:04d}": (i * 7 + len(name)) % 97 for i in range(400)}
    return Progress(last_lesson=name, positions=positions)


def comparable(data: dict) -> dict:
    """The file's data without the store's writer stamp (pid and session)."""
    return {key: value for key, value in data.items() if key != "writer"}


def kill_at(folder: Path, mode: str, step: str) -> None:
    """Run a saving child until it reports ``step``, then SIGKILL it there."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), mode, step],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stderr is not None
        reached = child.stdout.readline()  # the barrier: blocks until the child is there
        if reached != f"{step}\n":
            child.kill()
            raise AssertionError(f"the child did not stop at {step}: {reached!r}")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("step", STEPS)
def test_sigkill_at_each_step_leaves_the_old_or_the_new_file(
    tmp_path: Path, mode: str, step: str
) -> None:
    old, new = (comparable(version(name).to_json()) for name in ("old", "new"))
    atomic_write_json(tmp_path / "progress.json", old)
    kill_at(tmp_path, mode, step)
    data = comparable(json.loads((tmp_path / "progress.json").read_text(encoding="utf-8")))
    expected = new if STEPS.index(step) >= STEPS.index("renamed") else old
    assert data == expected
    left = list(tmp_path.glob(".progress-*.tmp"))
    assert bool(left) == (STEPS.index(step) < STEPS.index("renamed"))
    store = ProgressStore(tmp_path)
    loaded = store.load()  # clears the temp file, keeps the file as it is
    assert store.notices == [] and loaded.last_lesson == expected["last_lesson"]
    assert not list(tmp_path.glob(".progress-*.tmp"))
    assert not list(tmp_path.glob("progress.corrupt-*"))


def test_the_child_saves_completely_when_no_step_stops_it(tmp_path: Path) -> None:
    """The wrapped calls themselves change nothing: unstopped, the new version is saved."""
    atomic_write_json(tmp_path / "progress.json", comparable(version("old").to_json()))
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), "ProgressStore.save", "never"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout == "finished without stopping\n", result.stderr
    saved = comparable(json.loads((tmp_path / "progress.json").read_text(encoding="utf-8")))
    assert saved == comparable(version("new").to_json())
