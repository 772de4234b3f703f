"""``tutor serve``: the limits at the door, the sessions' lives, and a real server.

The server tests run one ``tutor serve`` on a loopback port for the whole module
(starting one costs seconds), under a memory limit, with a class of three. They talk
to it as a browser does (websockets) and look at its processes in ``/proc``. Every
wait on the server is a bounded poll: it runs in its own process and its own time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tutor.cli.serve import app_arguments, check_port_free, is_loopback, serving_message
from tutor.core.errors import TutorError
from tutor.serve import limits
from tutor.serve.server import STATIC_FILES

REPO = Path(__file__).resolve().parents[2]
MAX_SESSIONS = 3
#: Every process of the server (web server, fork server, sessions) gets this much
#: address space: a session that tried to build a 30000x30000 screen would fail, not
#: take the machine with it.
ADDRESS_SPACE = 1536 * 2**20
FIRST_MARKER = "Lesson 1 · "
CURSOR_MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def screen_extent(raw: str) -> tuple[int, int]:
    """(columns, rows) the app drew on: Textual places each run of text with a cursor move,
    so the furthest row moved to, and the furthest column a run reaches, is its screen."""
    moves = list(CURSOR_MOVE.finditer(raw))
    columns = rows = 0
    for move, after in zip(moves, [*moves[1:], None], strict=True):
        text = ESCAPES.sub("", raw[move.end() : after.start() if after else len(raw)])
        row, column = int(move.group(1)), int(move.group(2))
        rows = max(rows, row)
        columns = max(columns, column - 1 + len(text.split("\n")[0]))
    return columns, rows


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def poll(predicate, timeout: float, what: str):
    """Poll an outside process (bounded) until ``predicate`` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    def listening() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early: {process.communicate()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    poll(listening, timeout, f"a server on port {port}")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def sessions_of(server: int) -> list[int]:
    """The session processes: children of the fork server, the server's one child."""
    return [pid for starter in children_of(server) for pid in children_of(starter)]


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def start_server(tutor_home: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port), *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TUTOR_HOME": str(tutor_home)},
        start_new_session=True,
        preexec_fn=limit_memory,
    )
    wait_for_port(port, process)
    return process, port


def stop_server(process: subprocess.Popen) -> tuple[str, str]:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[subprocess.Popen, int]]:
    """One ``tutor serve`` for the module: a class of three, memory-limited."""
    home = tmp_path_factory.mktemp("home")
    process, port = start_server(home, "--max-sessions", str(MAX_SESSIONS))
    try:
        yield process, port
    finally:
        stop_server(process)


@pytest.fixture
def idle_server(server) -> tuple[subprocess.Popen, int]:
    """The module's server once every earlier test's sessions have gone."""
    process, _ = server
    poll(lambda: not sessions_of(process.pid), 10, "earlier sessions to end")
    return server


async def first_screen(websocket: aiohttp.ClientWebSocketResponse, timeout: float = 30) -> str:
    """Read the session's output until its first lesson is drawn; the text shown."""
    text = ""
    deadline = time.monotonic() + timeout
    while FIRST_MARKER not in text:
        message = await websocket.receive(timeout=max(0.1, deadline - time.monotonic()))
        assert message.type == aiohttp.WSMsgType.BINARY, message
        text += ESCAPES.sub("", message.data.decode("utf-8", "replace"))
    return text


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


# -- the rules, without a server -------------------------------------------------------


def test_each_browser_runs_tutor_with_the_options_passed_on(tmp_path: Path) -> None:
    lessons = tmp_path / "my lessons; rm -rf ~"
    args = argparse.Namespace(lessons=lessons, seed=7, theme="tutor-light", present=True)
    words = app_arguments(args)
    assert words[0] == "--no-save"  # thirty browsers never share one progress file
    assert words[words.index("--lessons") + 1] == str(lessons.resolve())
    assert words[words.index("--seed") + 1] == "7"
    assert words[words.index("--theme") + 1] == "tutor-light" and "--present" in words
    bare = argparse.Namespace(lessons=None, seed=None, theme=None, present=False)
    assert app_arguments(bare) == ["--no-save"]
    # Class mode keeps each student's work: the session signs in instead of saving nothing.
    classroom = argparse.Namespace(
        lessons=None, seed=None, theme=None, present=False, classroom="7B"
    )
    assert app_arguments(classroom) == ["--class", "7B"]


@pytest.mark.parametrize(
    ("width", "height", "size"),
    [
        ("30000", "30000", (300, 100)),
        (30000, 30000, (300, 100)),
        ("9" * 5000, "9" * 5000, (300, 100)),
        ("120", "40", (120, 40)),
        ("0", "-5", (10, 24)),
        (0, -5, (10, 4)),
        ("1e9", "abc", (80, 24)),
        (None, None, (80, 24)),
        (True, 12.0, (80, 12)),
        ("٣٠٠", "40", (80, 40)),  # Arabic-Indic digits: not a size we parse
    ],
)
def test_terminal_sizes_are_clamped(width, height, size) -> None:
    assert limits.clamp_size(width, height) == size


@pytest.mark.parametrize(
    ("origin", "host", "allowed", "ok"),
    [
        (None, "127.0.0.1:8000", (), True),  # not a browser: nothing a page could abuse
        ("http://127.0.0.1:8000", "127.0.0.1:8000", (), True),
        ("http://LOCALHOST:8000", "localhost:8000", (), True),
        ("https://class.example.org", "class.example.org", (), True),
        ("http://class.example.org:80", "class.example.org", (), True),
        ("http://evil.example", "127.0.0.1:8000", (), False),
        ("http://127.0.0.1:9999", "127.0.0.1:8000", (), False),
        ("http://127.0.0.1:8000.evil.example", "127.0.0.1:8000", (), False),
        ("null", "127.0.0.1:8000", (), False),  # a sandboxed frame or a file: page
        ("https://class.example.org", "127.0.0.1:8000", ("https://class.example.org",), True),
        ("https://other.example.org", "127.0.0.1:8000", ("https://class.example.org",), False),
        ("http://127.0.0.1:8000", None, (), False),
    ],
)
def test_only_pages_served_from_here_may_open_a_session(origin, host, allowed, ok) -> None:
    assert limits.origin_allowed(origin, host, limits.allowed_origins(list(allowed))) is ok


def test_a_bad_allowed_origin_is_refused() -> None:
    with pytest.raises(ValueError, match="is not an origin"):
        limits.allowed_origins(["class.example.org/tutor"])


def test_the_default_class_size_follows_free_memory(tmp_path: Path) -> None:
    assert limits.default_max_sessions(None) == limits.MIN_DEFAULT_SESSIONS
    assert limits.default_max_sessions(500) == limits.MIN_DEFAULT_SESSIONS
    assert limits.default_max_sessions(20_000) == 20_000 // 2 // limits.SESSION_BUDGET_MB
    assert limits.default_max_sessions(10**7) == limits.MAX_DEFAULT_SESSIONS
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 24000000 kB\nMemAvailable:   12288000 kB\n")
    assert limits.available_memory_mb(meminfo) == 12000
    meminfo.write_text("garbage\n")
    assert limits.available_memory_mb(meminfo) is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.3.2.1", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("example.org", False),
    ],
)
def test_loopback_addresses_are_recognised(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_message_says_who_can_connect() -> None:
    assert serving_message("127.0.0.1", 8000) == (
        "Serving tutor at http://127.0.0.1:8000 "
        "(loopback only: students on other machines need --host 0.0.0.0)"
    )
    assert "every network address" in serving_message("0.0.0.0", 8000)


def test_a_taken_port_is_refused_before_starting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(TutorError) as raised:
            check_port_free("127.0.0.1", port)
    assert raised.value.message == (f"port {port} on 127.0.0.1 is taken; pick another with --port")
    assert raised.value.exit_code == 1
    check_port_free("127.0.0.1", port)  # closed again: free


def test_a_taken_port_from_the_command_line(tutor_cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = tutor_cli("serve", "--port", str(port), timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"tutor: port {port} on 127.0.0.1 is taken; pick another with --port"
    )


def test_bad_options_are_clear_errors(tutor_cli) -> None:
    bad_port = tutor_cli("serve", "--port", "70000", timeout=30)
    assert bad_port.returncode == 2 and "65535" in bad_port.stderr
    bad_host = tutor_cli("serve", "--host", "203.0.113.9", "--port", str(free_port()))
    assert bad_host.returncode == 1
    assert "not an address of this machine" in bad_host.stderr
    bad_cap = tutor_cli("serve", "--max-sessions", "0", timeout=30)
    assert bad_cap.returncode == 2 and "from 1 to 1000" in bad_cap.stderr
    bad_origin = tutor_cli("serve", "--allow-origin", "class.example.org", timeout=30)
    assert bad_origin.returncode == 2
    assert "is not an origin like https://class.example.org" in bad_origin.stderr


# -- a real server ---------------------------------------------------------------------


def test_the_page_and_its_assets_name_no_other_host(server) -> None:
    _, port = server
    status, page = fetch(port, "/")
    assert status == 200
    assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
    # Every resource the page loads is a relative path into /static/ of this server.
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert loaded and all(url.startswith("static/") for url in loaded), loaded
    for name in STATIC_FILES:
        status, body = fetch(port, f"/static/{name}")
        assert status == 200, name
        if name.endswith((".js", ".css", ".html")):
            code = re.sub(r"/\*.*?\*/", "", body, flags=re.DOTALL)  # licence comments
            assert not re.search(r"https?://|url\(\s*[\"']?//|@import", code), name
    # The page links back to whatever address the browser used (so 0.0.0.0 works).
    _, other = fetch(port, "/", {"Host": f"classroom.test:{port}"})
    assert f"ws://classroom.test:{port}/ws" in other


@pytest.mark.parametrize(
    "path", ["/static/", "/static", "/static/js/", "/static/..%2f..%2fetc%2fpasswd", "/nothing"]
)
def test_no_listing_and_no_paths_in_what_browsers_see(server, path: str) -> None:
    _, port = server
    status, body = fetch(port, path)
    assert status == 404
    assert body.strip() == "404: Not Found"


async def test_a_foreign_page_gets_no_session(idle_server) -> None:
    process, port = idle_server
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(
                f"ws://127.0.0.1:{port}/ws", headers={"Origin": "http://evil.example"}
            )
        assert refused.value.status == 403
        assert not sessions_of(process.pid)
        # The page the server itself served is let in.
        async with http.ws_connect(
            f"ws://127.0.0.1:{port}/ws", headers={"Origin": f"http://127.0.0.1:{port}"}
        ) as websocket:
            await first_screen(websocket)


async def test_a_huge_terminal_is_clamped_and_stays_small(idle_server) -> None:
    process, port = idle_server
    url = f"ws://127.0.0.1:{port}/ws?width=30000&height=30000"
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as websocket:
        raw = ""
        while FIRST_MARKER not in ESCAPES.sub("", raw):
            message = await websocket.receive(timeout=30)
            raw += message.data.decode("utf-8", "replace")
        await websocket.send_json(["resize", {"width": 10**9, "height": 30000}])
        await websocket.send_json(["resize", "not a size"])
        await websocket.send_str("[[[ not json")
        await websocket.send_json(["stdin", "n"])  # still answering after the junk
        while "section 2/" not in ESCAPES.sub("", raw):
            message = await websocket.receive(timeout=20)
            raw += message.data.decode("utf-8", "replace")
        assert screen_extent(raw) == (limits.MAX_COLUMNS, limits.MAX_ROWS)
        (pid,) = sessions_of(process.pid)
        status = Path(f"/proc/{pid}/status").read_text()
        peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
        assert peak_kb < 400 * 1024


async def test_a_session_takes_the_browsers_size_even_from_a_terminal(tutor_home) -> None:
    """Started from a teacher's terminal, a session still lays out at the browser's size
    (tutor prefers a real terminal's size to COLUMNS, so no session may see that one)."""
    leader, follower = os.openpty()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env={**os.environ, "TUTOR_HOME": str(tutor_home)},
        start_new_session=True,
        preexec_fn=limit_memory,
    )
    os.close(follower)
    try:
        wait_for_port(port, process)
        url = f"ws://127.0.0.1:{port}/ws?width=133&height=37"
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as websocket:
            raw = ""
            while FIRST_MARKER not in ESCAPES.sub("", raw):
                message = await websocket.receive(timeout=30)
                raw += message.data.decode("utf-8", "replace")
        assert screen_extent(raw) == (133, 37)
    finally:
        stop_server(process)
        os.close(leader)


async def test_the_class_has_a_size_and_a_readable_full_page(idle_server) -> None:
    process, port = idle_server
    url = f"ws://127.0.0.1:{port}/ws"
    async with aiohttp.ClientSession() as http:
        students = [await http.ws_connect(url) for _ in range(MAX_SESSIONS)]
        for websocket in students:
            await first_screen(websocket)
        status, page = fetch(port, "/")
        assert status == 503
        assert "The class is full" in page and f"All {MAX_SESSIONS} sessions" in page
        late = await http.ws_connect(url)
        message = await late.receive(timeout=10)
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert late.close_code == 1013
        assert "The class is full" in message.extra
        assert len(sessions_of(process.pid)) == MAX_SESSIONS
        await students[0].close()
        poll(lambda: fetch(port, "/")[0] == 200, 5, "a seat to free up")
        for websocket in students[1:]:
            await websocket.close()


async def test_a_leaving_browser_takes_its_session_with_it(idle_server) -> None:
    process, port = idle_server
    url = f"ws://127.0.0.1:{port}/ws"
    async with aiohttp.ClientSession() as http:
        # A browser that closes properly.
        websocket = await http.ws_connect(url)
        await first_screen(websocket)
        (pid,) = sessions_of(process.pid)
        await websocket.close()
        left = time.monotonic()
        await asyncio.to_thread(poll, lambda: not Path(f"/proc/{pid}").exists(), 3, "the end")
        assert time.monotonic() - left < 3
        # A browser that leaves while its session is still starting.
        websocket = await http.ws_connect(url)
        await websocket.close()
        await asyncio.to_thread(poll, lambda: not sessions_of(process.pid), 3, "no sessions")
    # A browser whose connection just drops (no websocket close at all).
    raw = socket.create_connection(("127.0.0.1", port))
    raw.sendall(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert raw.recv(4096).startswith(b"HTTP/1.1 101")
    poll(lambda: sessions_of(process.pid), 20, "the dropped browser's session")
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    raw.close()  # a reset, as a vanished laptop's network would give
    left = time.monotonic()
    poll(lambda: not sessions_of(process.pid), 3, "the dropped browser's session to end")
    assert time.monotonic() - left < 3


async def test_stopping_the_server_ends_every_session(tutor_home: Path) -> None:
    process, port = start_server(tutor_home, "--max-sessions", "2")
    try:
        async with aiohttp.ClientSession() as http:
            students = [await http.ws_connect(f"ws://127.0.0.1:{port}/ws") for _ in range(2)]
            for websocket in students:
                await first_screen(websocket)
            starter = children_of(process.pid)
            sessions = sessions_of(process.pid)
            assert len(sessions) == 2
            process.send_signal(signal.SIGINT)
            stopping = time.monotonic()
            out, err = await asyncio.to_thread(process.communicate, timeout=10)
            assert time.monotonic() - stopping < 3
            for websocket in students:
                message = await websocket.receive(timeout=5)
                while message.type == aiohttp.WSMsgType.BINARY:  # what was drawn before
                    message = await websocket.receive(timeout=5)
                assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    finally:
        stop_server(process)
    assert process.returncode == 0, err
    assert not [pid for pid in starter + sessions if Path(f"/proc/{pid}").exists()]
    assert f"Serving tutor at http://127.0.0.1:{port} (loopback only" in out
    assert "Traceback" not in err


def test_the_load_test_runs_a_small_class(tmp_path: Path) -> None:
    """``benchmarks/serve_load.py`` with five students: nobody dropped, no key lost, even
    with the keys after ``g`` and ``/`` typed in one go (``--pause 0``)."""
    out = tmp_path / "load.json"
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "serve_load.py"), "--sessions", "5"]
        + ["--pause", "0", "--timeout", "30", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report["dropped_sessions"] == 0 and report["lost_keystrokes"] == 0
    assert report["keystrokes_typed"] == 5 * 12
    for key in ("first_screen_median_s", "first_screen_worst_s", "open_lesson_median_s"):
        assert isinstance(report[key], float) and 0 < report[key] < 30, key
    assert report["tree_rss_mb"] > report["tree_pss_mb"] > 0
    assert report["sessions_gone_after_close_s"] is not None
    assert report["sessions_gone_after_close_s"] < 3
