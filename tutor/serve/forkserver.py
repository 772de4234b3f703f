"""The fork server: tutor imported once, one forked process per browser.

Starting ``python -m tutor`` for every browser spends most of its time importing
Textual, NumPy and tutor itself (measured: about 0.5 s of CPU of the 0.7 s a
session takes to show its first lesson), and thirty students opening the page at
once queue thirty such starts on two cores. This process does the imports once,
then forks a session for each browser: the child starts with everything loaded
and shares the imported code with its siblings, copy-on-write. Each session is
still a process of its own, in a process group of its own, so a crash or a
runaway evaluation stays inside it and the whole group can be ended at once.

The web server talks to it over a ``SOCK_SEQPACKET`` socket, one JSON message a
packet: ``spawn`` (with the session's stdin and stdout pipes passed as file
descriptors) is answered by ``spawned`` with the child's pid; ``stop`` ends a
session's group (SIGTERM, then SIGKILL after ``KILL_GRACE``); ``exited`` is
sent when a child has been reaped; ``shutdown``, or the web server's end of the
socket closing, ends every session and then this process. Only this process
waits for its children, so it alone signals them, and never a pid that was
reaped and may have been reused.
"""

from __future__ import annotations

import array
import contextlib
import gc
import importlib
import json
import os
import pkgutil
import selectors
import signal
import socket
import sys
import time
import traceback
from collections.abc import Sequence
from typing import NoReturn

#: Set before Textual is imported: it reads them once, at import.
SESSION_ENVIRONMENT = {
    "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
    "TEXTUAL_FPS": "60",
    "TEXTUAL_COLOR_SYSTEM": "truecolor",
    "TERM_PROGRAM": "textual",
    # One BLAS thread a session: thirty sessions on two cores gain nothing from more.
    "OPENBLAS_NUM_THREADS": "1",
}
#: Seconds between asking a session to stop (SIGTERM) and killing it (SIGKILL).
KILL_GRACE = 0.8
#: Seconds ``shutdown`` waits for every session to be reaped before giving up on them.
SHUTDOWN_WAIT = 1.5
#: The largest control message; spawn requests are a few dozen bytes.
MESSAGE_SIZE = 4096
#: Packages imported ahead of any session, with every module in them: the app, its
#: screens and widgets, and what they draw with, so a session imports nothing of ours.
PRELOAD_PACKAGES = ("tutor.screens", "tutor.widgets", "tutor.rendering")
PRELOAD_MODULES = (
    "numpy",
    "numpy.random",
    "textual.app",
    "textual.drivers.web_driver",
    "tutor.cli",
    "tutor.cli.app_options",
    "tutor.app",
)
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no-op elsewhere).

    The web server is the fork server's parent and the fork server every session's:
    if either is killed outright, nothing it started outlives it.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def preload() -> None:
    """Import everything a session would, once, before any fork."""
    for name in PRELOAD_MODULES:
        importlib.import_module(name)
    for package_name in PRELOAD_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__, f"{package_name}."):
            importlib.import_module(module.name)


def send_message(control: socket.socket, message: dict, fds: Sequence[int] = ()) -> None:
    """One JSON packet on the control socket, with file descriptors if any."""
    data = json.dumps(message).encode()
    if fds:
        control.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        control.send(data)


def receive_message(control: socket.socket) -> tuple[dict | None, list[int]]:
    """The next packet and the descriptors it carried; ``(None, [])`` when the peer left."""
    room = socket.CMSG_SPACE(8 * array.array("i").itemsize)
    data, ancillary, _, _ = control.recvmsg(MESSAGE_SIZE, room)
    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            received = array.array("i")
            received.frombytes(payload[: len(payload) - len(payload) % received.itemsize])
            fds.extend(received)
    if not data:
        for fd in fds:
            os.close(fd)
        return None, []
    try:
        message = json.loads(data)
    except ValueError:
        message = {}
    return (message if isinstance(message, dict) else {}), fds


class ForkServer:
    """Forks sessions on request, reaps them, and ends them when asked."""

    def __init__(self, control: socket.socket, app_args: list[str]) -> None:
        self.control = control
        self.app_args = app_args
        #: Live children (not yet reaped) -> when to SIGKILL them, once asked to stop.
        self.children: dict[int, float | None] = {}
        self.selector = selectors.DefaultSelector()
        self.wake_read, self.wake_write = os.pipe()
        #: Every session's stderr: a pipe, copied to the server's console here. Were it
        #: the teacher's terminal itself, a session would take that terminal's size for
        #: its own (tutor prefers a real terminal's size to COLUMNS and ROWS).
        self.log_read, self.log_write = os.pipe()
        self.running = True
        #: When, after a shutdown began, to stop waiting for children that will not die.
        self.give_up = float("inf")

    def serve(self) -> None:
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the selector via the fd
        self.selector.register(self.control, selectors.EVENT_READ)
        self.selector.register(self.wake_read, selectors.EVENT_READ)
        self.selector.register(self.log_read, selectors.EVENT_READ)
        while self.running or (self.children and time.monotonic() < self.give_up + 1.0):
            for key, _ in self.selector.select(self._timeout()):
                if key.fileobj is self.control:
                    self._on_control()
                elif key.fileobj == self.log_read:
                    self._copy_log()
                else:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self.wake_read, 512)
            self._reap()
            self._kill_overdue()

    def _copy_log(self) -> None:
        """Pass what sessions wrote to stderr on to the server's console."""
        data = os.read(self.log_read, 65536)
        with contextlib.suppress(OSError):
            os.write(2, data)

    def _timeout(self) -> float | None:
        deadlines = [when for when in self.children.values() if when is not None]
        if not self.running:
            return 0.05
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None

    def _on_control(self) -> None:
        message, fds = receive_message(self.control)
        if message is None:
            self._stop_everything()
            return
        op = message.get("op")
        if op == "spawn" and len(fds) == 2:
            self._spawn(message, fds)
        elif op == "stop" and isinstance(message.get("pid"), int):
            self._stop(message["pid"])
        elif op == "shutdown":
            self._stop_everything()
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _spawn(self, message: dict, fds: list[int]) -> None:
        columns, rows = message.get("columns"), message.get("rows")
        if not (isinstance(columns, int) and isinstance(rows, int)):
            send_message(self.control, {"op": "spawned", "tag": message.get("tag"), "pid": None})
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self._become_session(fds, columns, rows)
        self.children[pid] = None
        send_message(self.control, {"op": "spawned", "tag": message.get("tag"), "pid": pid})

    def _become_session(self, fds: list[int], columns: int, rows: int) -> NoReturn:
        """In the child: its own process group, the session's pipes, then tutor itself."""
        code = 1
        try:
            os.setsid()
            die_with_parent()
            signal.set_wakeup_fd(-1)
            for number in (signal.SIGCHLD, signal.SIGTERM):
                signal.signal(number, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self.selector.close()
            self.control.close()
            os.close(self.wake_read)
            os.close(self.wake_write)
            os.close(self.log_read)
            stdin_fd, stdout_fd = fds
            os.dup2(stdin_fd, 0)
            os.dup2(stdout_fd, 1)
            os.dup2(self.log_write, 2)
            for fd in (stdin_fd, stdout_fd, self.log_write):
                os.close(fd)
            os.environ["COLUMNS"] = str(columns)
            os.environ["ROWS"] = str(rows)
            sys.argv = ["tutor", *self.app_args]
            from tutor.cli import main

            code = main(list(self.app_args))
        except SystemExit as leaving:
            code = leaving.code if isinstance(leaving.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)

    def _stop(self, pid: int) -> None:
        if pid in self.children and self.children[pid] is None:
            self.children[pid] = time.monotonic() + KILL_GRACE
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)

    def _stop_everything(self) -> None:
        if not self.running:
            return
        self.running = False
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(self.control)
        for pid in list(self.children):
            self._stop(pid)
        self.give_up = time.monotonic() + SHUTDOWN_WAIT

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            self.children.pop(pid, None)
            # Whatever the session left in its group (nothing, normally) goes with it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            if self.running:
                with contextlib.suppress(OSError):
                    send_message(
                        self.control,
                        {"op": "exited", "pid": pid, "code": os.waitstatus_to_exitcode(status)},
                    )

    def _kill_overdue(self) -> None:
        now = time.monotonic()
        for pid, when in list(self.children.items()):
            if when is not None and when <= now:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                # Not reaped yet: try again shortly, until waitpid reports it.
                self.children[pid] = now + 0.2


def main(argv: list[str] | None = None) -> int:
    """``python -m tutor.serve.forkserver FD [APP ARGUMENTS...]``: serve on socket FD."""
    args = sys.argv[1:] if argv is None else argv
    control = socket.socket(fileno=int(args[0]))
    die_with_parent()
    # The teacher's Ctrl+C reaches every process in the terminal's group; the web
    # server decides what it means and tells this process with ``shutdown``.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(SESSION_ENVIRONMENT)
    try:
        preload()
    except Exception as error:
        print(f"tutor: cannot prepare sessions: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    # Everything imported lives as long as the process: keep the collector from touching
    # (and so un-sharing) those objects in every child.
    gc.collect()
    gc.freeze()
    send_message(control, {"op": "ready", "pid": os.getpid()})
    ForkServer(control, args[1:]).serve()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
