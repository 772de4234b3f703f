"""A classroom on loopback: N browsers open ``tutor serve`` at once and use it.

Usage: ``python benchmarks/serve_load.py [--sessions 30] [--json FILE]``

It starts ``tutor serve`` on a free loopback port (or uses ``--port`` of one already
running on this machine), then opens N websocket sessions at the same moment, as a
class does when the teacher says "open the page". Each session, like a student:

1. waits for its first lesson to be drawn (``first screen``: from opening the
   websocket to the lesson's title in the terminal output);
2. presses ``g``, then 0.3 s later ``4`` and Enter, as a person types, and waits for
   lesson 4 (``open lesson``: from Enter to the new lesson's title);
3. presses ``/``, then 0.3 s later types an expression a key at a time and Enter,
   and waits for its shape trace.

``--pause 0`` types the keys after ``g`` and ``/`` straight on, as a fast typist does:
on a busy server they are read before ``g`` or ``/`` has been handled, and must still
reach the dialog or the scratchpad.

A session that closes, errs or times out before its first screen is *dropped*. A
step whose result never appears lost input: its keys are counted as lost. When
every session is done, the memory of the server's process tree is read from
``/proc``: the sum of resident sets (which counts the pages forked sessions share
once per session) and the sum of proportional sets (PSS, each shared page split
between its users: the memory the tree really takes). Then everything is closed
and the time until every session's process has gone is measured.

Only loopback is ever contacted, every wait is bounded, and the script stops itself.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parent.parent
#: Escape sequences (CSI, OSC, and two-byte ones): removed, the text a screen shows remains.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
FIRST_MARKER = "Lesson 1 · "
LESSON = "4"
LESSON_MARKER = "Lesson 4 · "
EXPRESSION = "X@W1@W2"
#: What the scratchpad shows for the expression in lesson 4: its shape chain.
EXPRESSION_MARKER = "(10,3)(3,4)(4,1)"
#: A person's pause between a key that opens something and the next key.
HUMAN_PAUSE = 0.3
KEY_GAP = 0.03


@dataclass
class SessionResult:
    """What one simulated student saw."""

    first_screen: float | None = None
    open_lesson: float | None = None
    scratchpad: float | None = None
    dropped: str | None = None
    lost_keys: int = 0
    keys_typed: int = 0


@dataclass
class Terminal:
    """The text a session's terminal has shown since the last ``clear``."""

    text: str = ""
    decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace")
    )
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    closed: str | None = None

    def feed(self, data: bytes) -> None:
        self.text += ESCAPES.sub("", self.decoder.decode(data))
        self.changed.set()

    def clear(self) -> None:
        self.text = ""


async def pump(websocket: aiohttp.ClientWebSocketResponse, terminal: Terminal) -> None:
    """Read everything the server sends into ``terminal`` until the socket closes."""
    async for message in websocket:
        if message.type == aiohttp.WSMsgType.BINARY:
            terminal.feed(message.data)
    terminal.closed = f"closed by the server ({websocket.close_code})"
    terminal.changed.set()


async def wait_for(terminal: Terminal, marker: str, deadline: float) -> float | None:
    """When ``marker`` appears (monotonic time), or None at the deadline or a close."""
    while marker not in terminal.text:
        if terminal.closed:
            return None
        terminal.changed.clear()
        try:
            await asyncio.wait_for(terminal.changed.wait(), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            return None
    return time.monotonic()


async def type_keys(websocket: aiohttp.ClientWebSocketResponse, keys: list[tuple[str, float]]):
    """Send each key, then pause as given before the next."""
    for key, pause in keys:
        await websocket.send_json(["stdin", key])
        await asyncio.sleep(pause)


async def student(
    http: aiohttp.ClientSession,
    url: str,
    start: asyncio.Event,
    timeout: float,
    finished: asyncio.Future[SessionResult],
    release: asyncio.Event,
    pause: float = HUMAN_PAUSE,
) -> None:
    """One student's visit; ``finished`` gets the result, the socket stays open until
    ``release`` (so memory is measured with every session alive)."""
    await visit(http, url, start, timeout, finished, release, pause)


async def visit(
    http: aiohttp.ClientSession,
    url: str,
    start: asyncio.Event,
    timeout: float,
    finished: asyncio.Future[SessionResult],
    release: asyncio.Event,
    pause: float = HUMAN_PAUSE,
) -> None:
    result = SessionResult()
    terminal = Terminal()
    await start.wait()
    opened = time.monotonic()
    deadline = opened + timeout
    try:
        websocket = await http.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_close=5))
    except (aiohttp.ClientError, OSError) as error:
        result.dropped = f"could not connect: {error}"
        finished.set_result(result)
        return
    reader = asyncio.ensure_future(pump(websocket, terminal))
    try:
        shown = await wait_for(terminal, FIRST_MARKER, deadline)
        if shown is None:
            result.dropped = terminal.closed or "no first screen before the timeout"
            return
        result.first_screen = shown - opened

        keys = [("g", pause), (LESSON, KEY_GAP), ("\r", 0.0)]
        result.keys_typed += len(keys)
        terminal.clear()
        await type_keys(websocket, keys)
        entered = time.monotonic()
        shown = await wait_for(terminal, LESSON_MARKER, time.monotonic() + timeout)
        if shown is None:
            result.lost_keys += len(keys)
        else:
            result.open_lesson = shown - entered

        keys = [("/", pause), *((c, KEY_GAP) for c in EXPRESSION), ("\r", 0.0)]
        result.keys_typed += len(keys)
        terminal.clear()
        await type_keys(websocket, keys)
        entered = time.monotonic()
        shown = await wait_for(terminal, EXPRESSION_MARKER, time.monotonic() + timeout)
        if shown is None:
            result.lost_keys += len(keys)
        else:
            result.scratchpad = shown - entered
    finally:
        if not finished.done():
            finished.set_result(result)
        await release.wait()
        await websocket.close()
        reader.cancel()


def tree(root: int) -> list[int]:
    """``root`` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MB; zeros if it has gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0, 0.0
    values = {}
    for line in rollup.splitlines()[1:]:
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            values[name] = int(rest.split()[0]) / 1024
    return values.get("Rss", 0.0), values.get("Pss", 0.0)


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_memory(root: int) -> dict[str, float]:
    pids = tree(root)
    sizes = [memory_mb(pid) for pid in pids]
    cpu = [c for c in (cpu_seconds(pid) for pid in sessions_of(root)) if c is not None]
    return {
        "session_cpu_s_median": median(cpu),
        "processes": len(pids),
        "tree_rss_mb": round(sum(rss for rss, _ in sizes), 1),
        "tree_pss_mb": round(sum(pss for _, pss in sizes), 1),
        "largest_rss_mb": round(max((rss for rss, _ in sizes), default=0.0), 1),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, sessions: int, home: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port)]
        + ["--max-sessions", str(sessions)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TUTOR_HOME": str(home)},
        cwd=REPO,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"tutor serve exited: {process.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        raise SystemExit("tutor serve did not listen within 60 s")
    # Listening comes after the fork server is ready: sessions start warm from now on.
    return process


def sessions_of(root: int) -> list[int]:
    """The session processes: the fork server's children."""
    return [pid for pid in tree(root) if pid != root and _parent(pid) != root]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


async def run(args: argparse.Namespace, root: int | None) -> dict:
    url = f"ws://127.0.0.1:{args.port}/ws?width={args.width}&height={args.height}"
    start = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=None, connect=args.timeout)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        loop = asyncio.get_running_loop()
        release = asyncio.Event()
        futures = [loop.create_future() for _ in range(args.sessions)]
        tasks = [
            asyncio.ensure_future(
                student(http, url, start, args.timeout, future, release, args.pause)
            )
            for future in futures
        ]
        await asyncio.sleep(0.1)
        began = time.monotonic()
        start.set()
        results: list[SessionResult] = list(await asyncio.gather(*futures))
        finished = time.monotonic() - began
        memory = tree_memory(root) if root is not None else {}
        release.set()
        await asyncio.gather(*tasks)
    first = [r.first_screen for r in results if r.first_screen is not None]
    opens = [r.open_lesson for r in results if r.open_lesson is not None]
    pads = [r.scratchpad for r in results if r.scratchpad is not None]
    report = {
        "sessions": args.sessions,
        "first_screen_median_s": median(first),
        "first_screen_worst_s": round(max(first), 3) if first else None,
        "open_lesson_median_s": median(opens),
        "open_lesson_worst_s": round(max(opens), 3) if opens else None,
        "scratchpad_median_s": median(pads),
        "dropped_sessions": sum(r.dropped is not None for r in results),
        "lost_keystrokes": sum(r.lost_keys for r in results),
        "keystrokes_typed": sum(r.keys_typed for r in results),
        "all_done_s": round(finished, 3),
        **memory,
        "drops": sorted({r.dropped for r in results if r.dropped}),
    }
    if memory and args.sessions:
        report["pss_per_session_mb"] = round(memory["tree_pss_mb"] / args.sessions, 1)
    return report


def wait_sessions_gone(root: int, limit: float = 10.0) -> float | None:
    """Seconds until no session process is left under ``root`` (None past ``limit``)."""
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if not sessions_of(root):
            return round(time.monotonic() - began, 3)
        time.sleep(0.05)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="browsers at once (30)")
    parser.add_argument("--port", type=int, help="a tutor serve already running on loopback")
    parser.add_argument("--width", type=int, default=120)
    parser.add_argument("--height", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=60.0, help="per step, seconds")
    parser.add_argument(
        "--pause",
        type=float,
        default=HUMAN_PAUSE,
        help="seconds between g or / and the keys after it (0.3, as a person types; 0 types "
        "them in one go)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not 1 <= args.sessions <= 200:
        parser.error("--sessions must be from 1 to 200")

    load_before = [round(load, 2) for load in os.getloadavg()]
    server = None
    root = None
    if args.port is None:
        home = Path(os.environ.get("TMPDIR", "/tmp")) / f"tutor-serve-load-{os.getpid()}"
        home.mkdir(parents=True, exist_ok=True)
        args.port = free_port()
        server = start_server(args.port, args.sessions, home)
        root = server.pid
    try:
        report = asyncio.run(run(args, root))
        if root is not None:
            report["sessions_gone_after_close_s"] = wait_sessions_gone(root)
    finally:
        if server is not None:
            stopping = time.monotonic()
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=15)
                report_stop = round(time.monotonic() - stopping, 3)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
                report_stop = None
    if server is not None:
        report["server_stop_s"] = report_stop
    report["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_before": load_before,
        "load_average_after": [round(load, 2) for load in os.getloadavg()],
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 1 if report["dropped_sessions"] or report["lost_keystrokes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
