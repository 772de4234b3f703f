"""Sessions from the web server's side: the fork server's handle, and one browser's app.

``SessionStarter`` starts the fork server and asks it for processes; ``Session`` is
textual-serve's ``AppService`` (which speaks the app's packet protocol and carries
downloads) with its process forked instead of spawned through a shell, every
terminal size clamped, and a stop that ends the process group in bounded time
whatever the app is doing, starting up included.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from types import SimpleNamespace
from typing import Any

from textual_serve.app_service import AppService

from tutor.serve.forkserver import receive_message, send_message
from tutor.serve.limits import clamp_size

#: Seconds the fork server may take to import tutor before the server gives up.
READY_TIMEOUT = 60.0
#: Seconds a session's process may take to go after it was asked to stop (the fork
#: server sends SIGKILL after ``forkserver.KILL_GRACE``; this only bounds the wait).
STOP_TIMEOUT = 3.0
#: The terminal's set-up writes are a few dozen bytes each; a screen is kilobytes.
FIRST_PAINT_BYTES = 512


class StarterFailed(Exception):
    """The fork server could not be started, or has gone."""


class SessionStarter:
    """The web server's end of the fork server's control socket."""

    def __init__(self, app_args: list[str]) -> None:
        self.app_args = app_args
        self.process: asyncio.subprocess.Process | None = None
        self.control: socket.socket | None = None
        self._ready: asyncio.Future[None] | None = None
        self._spawns: dict[int, asyncio.Future[int | None]] = {}
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._next_tag = 0
        #: Set when the fork server's end closes: no new session can start.
        self.gone = asyncio.Event()

    async def start(self) -> None:
        """Start the fork server and wait until tutor is imported in it."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tutor.serve.forkserver",
            str(theirs.fileno()),
            *self.app_args,
            pass_fds=(theirs.fileno(),),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
        )
        theirs.close()
        ours.setblocking(False)
        self.control = ours
        loop.add_reader(ours.fileno(), self._on_message)
        waiting = asyncio.ensure_future(self.process.wait())
        done, _ = await asyncio.wait(
            {self._ready, waiting}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if self._ready not in done:
            waiting.cancel()
            await self.close()
            raise StarterFailed("the session starter did not get ready")
        waiting.cancel()

    def _on_message(self) -> None:
        assert self.control is not None
        try:
            message, fds = receive_message(self.control)
        except BlockingIOError:
            return
        except OSError:
            message, fds = None, []
        for fd in fds:
            os.close(fd)
        if message is None:
            self._lost()
            return
        op = message.get("op")
        if op == "ready" and self._ready is not None and not self._ready.done():
            self._ready.set_result(None)
        elif op == "spawned":
            future = self._spawns.pop(message.get("tag"), None)
            if future is not None and not future.done():
                future.set_result(message.get("pid"))
        elif op == "exited":
            future = self._exits.pop(message.get("pid"), None)
            if future is not None and not future.done():
                future.set_result(message.get("code"))

    def _lost(self) -> None:
        """The fork server went away: every waiter learns it now, not at a timeout."""
        if self.control is not None:
            asyncio.get_running_loop().remove_reader(self.control.fileno())
        self.gone.set()
        for future in [*self._spawns.values(), *self._exits.values()]:
            if not future.done():
                future.set_exception(StarterFailed("the session starter has gone"))
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(StarterFailed("the session starter has gone"))
        self._spawns.clear()
        self._exits.clear()

    async def spawn(self, columns: int, rows: int, stdin_fd: int, stdout_fd: int) -> int:
        """A new session process reading ``stdin_fd`` and writing ``stdout_fd``; its pid."""
        if self.control is None or self.gone.is_set():
            raise StarterFailed("the session starter has gone")
        self._next_tag += 1
        tag = self._next_tag
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._spawns[tag] = future
        message = {"op": "spawn", "tag": tag, "columns": columns, "rows": rows}
        send_message(self.control, message, (stdin_fd, stdout_fd))
        pid = await future
        if pid is None:
            raise StarterFailed("the session starter refused a session")
        self._exits[pid] = asyncio.get_running_loop().create_future()
        return pid

    def exited(self, pid: int) -> asyncio.Future[int] | None:
        """A future that resolves when ``pid`` has been reaped (None if already known gone)."""
        return self._exits.get(pid)

    def stop(self, pid: int) -> None:
        """Ask for the session's process group to end (SIGTERM, then SIGKILL)."""
        if self.control is not None and not self.gone.is_set():
            with contextlib.suppress(OSError):
                send_message(self.control, {"op": "stop", "pid": pid})

    async def close(self) -> None:
        """End every session, then the fork server itself, in bounded time."""
        if self.control is not None and not self.gone.is_set():
            with contextlib.suppress(OSError):
                send_message(self.control, {"op": "shutdown"})
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
        if self.control is not None:
            if not self.gone.is_set():
                asyncio.get_running_loop().remove_reader(self.control.fileno())
                self.gone.set()
            self.control.close()
            self.control = None


class Session(AppService):
    """One browser's tutor: textual-serve's protocol, a forked process, bounded limits."""

    def __init__(self, starter: SessionStarter, **kwargs: Any) -> None:
        super().__init__("tutor", **kwargs)
        self.starter = starter
        self.pid: int | None = None
        #: Set when the app has drawn its first screen (a packet of real size).
        self.painted = asyncio.Event()

    async def on_data(self, payload: bytes) -> None:
        if len(payload) >= FIRST_PAINT_BYTES:
            self.painted.set()
        await super().on_data(payload)

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        columns, rows = clamp_size(width, height)
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        try:
            self.pid = await self.starter.spawn(columns, rows, stdin_read, stdout_write)
        except BaseException:
            for fd in (stdin_read, stdin_write, stdout_read, stdout_write):
                os.close(fd)
            raise
        finally:
            if self.pid is not None:
                os.close(stdin_read)
                os.close(stdout_write)
        loop = asyncio.get_running_loop()
        stdout = asyncio.StreamReader(limit=2**20)
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(stdout), os.fdopen(stdout_read, "rb", 0)
        )
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(stdin_write, "wb", 0)
        )
        self._stdin = asyncio.StreamWriter(transport, protocol, None, loop)
        # The session writes its errors to the server's console (inherited), not here.
        stderr = asyncio.StreamReader()
        stderr.feed_eof()
        self._process = SimpleNamespace(pid=self.pid, stdout=stdout, stderr=stderr)
        return self._process

    async def set_terminal_size(self, width: int, height: int) -> None:
        await super().set_terminal_size(*clamp_size(width, height))

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The task reading the app's output: done when the app has gone."""
        return self._task

    async def stop(self) -> None:
        """End the session's process group and wait (bounded) until it has gone."""
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        exited = self.starter.exited(pid)
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        self.starter.stop(pid)
        waits = [future for future in (exited, self._task) if future is not None]
        if waits:
            _, pending = await asyncio.wait(waits, timeout=STOP_TIMEOUT)
            for future in pending:
                future.cancel()
        if self._stdin is not None:
            self._stdin.close()
        self._task = None
