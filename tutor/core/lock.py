"""An advisory lock on the progress folder, so two tutors never interleave a save.

Saving is read, merge, write: two tutors doing that at the same moment could each
merge the other's *old* file and the second write would drop the first one's news.
An exclusive ``flock`` on ``progress.lock`` around the whole step makes it one
operation at a time. The lock is held for milliseconds, only while saving, so a
second window never waits noticeably, and the kernel releases it when a process
dies, so a crash can never leave it stuck.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

try:  # POSIX only; elsewhere saves still merge, just without the lock.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: How long a save waits for another tutor's save to finish before going ahead.
LOCK_WAIT_SECONDS = 5.0
#: Pause between two tries while another process holds the lock.
_POLL_SECONDS = 0.01
#: Never wait in ``open`` itself: a named pipe put where the lock file goes would.
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


@contextlib.contextmanager
def folder_lock(path: Path, timeout: float = LOCK_WAIT_SECONDS) -> Iterator[bool]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) for the block.

    Yields True when the lock is held. Yields False, and the caller goes ahead
    unlocked, when it cannot be had: no ``fcntl`` here, a folder that cannot be
    written (then the save itself will fail and say so), or another process that
    kept it longer than ``timeout`` (a stopped process; not saving would lose more
    than the rare interleaving the lock prevents), or something other than a regular
    file at ``path``.
    """
    if fcntl is None:
        yield False
        return
    try:
        fd = os.open(path, _OPEN_FLAGS, 0o600)
    except OSError:
        yield False
        return
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # a pipe or device put in its place
        os.close(fd)
        yield False
        return
    try:
        locked = _acquire(fd, timeout)
        try:
            yield locked
        finally:
            if locked:
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, timeout: float) -> bool:
    """Try for the lock until ``timeout``; polling keeps the wait bounded."""
    assert fcntl is not None
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS)
        except OSError:  # a file system without locks (some network mounts)
            return False
