"""Reading a learner's or an author's file without trusting what sits at its path.

A path that should hold a lesson, progress or settings may hold anything: a named
pipe (reading it waits for a writer that never comes), a symlink to ``/dev/zero``
(reading it never ends), a folder, or a file far larger than any of ours. Checking
with ``stat`` first and reading after leaves a moment in which the file can be
swapped, so the file is opened once, without blocking, and the open descriptor is
what is checked and read: the answer comes at once, whatever the path holds.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

#: Opening a named pipe for reading waits for a writer unless told not to.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_READ_CHUNK = 1 << 16


class NotRegularFile(OSError):
    """The path holds something other than a regular file (a pipe, a device, a folder)."""

    def __init__(self, path: Path, mode: int) -> None:
        self.kind = file_kind(mode)
        super().__init__(errno.EINVAL, f"it is {self.kind}, not a regular file", str(path))


class FileTooLarge(OSError):
    """The file is larger than anything of this kind ever needs to be."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(errno.EFBIG, f"it is {size:,} bytes; at most {limit:,}", str(path))


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in a few words for a message."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISREG, "a regular file"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``.

    Symlinks are followed (a learner may keep their progress elsewhere), but what they
    lead to must be a regular file. Raises ``NotRegularFile`` or ``FileTooLarge``
    (both OSErrors), or the OSError of the open itself (missing, no permission).
    A file that grows past the cap while being read is refused the same way, so the
    memory used is bounded by ``max_bytes`` whatever happens to the file meanwhile.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path, info.st_mode)
        if info.st_size > max_bytes:
            raise FileTooLarge(path, info.st_size, max_bytes)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, _READ_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise FileTooLarge(path, total, max_bytes)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def writable_target(path: Path) -> Path:
    """Where writing ``path`` should land: the file a symlink leads to, or ``path``.

    Replacing a symlink by a regular file would cut the learner's link (progress kept
    in a synced folder, say), so a write goes to its target. A target that exists
    and is not a regular file is refused with ``NotRegularFile``: replacing a pipe or
    a device node is never what anyone meant.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, info.st_mode)
    return target
