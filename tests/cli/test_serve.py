"""``tutor serve``: the command each browser runs, the address checks, and a real server."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tutor.cli.serve import app_command, check_port_free, is_loopback, serving_message
from tutor.core.errors import TutorError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Poll (bounded) until the server accepts connections; the server starts in its own time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early: {process.communicate()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port} within {timeout} s")


def test_each_browser_runs_this_python_with_the_options_passed_on(tmp_path: Path) -> None:
    lessons = tmp_path / "my lessons; rm -rf ~"
    args = argparse.Namespace(lessons=lessons, seed=7, theme="tutor-light", present=True)
    words = shlex.split(app_command(args))
    assert words[:3] == [sys.executable, "-m", "tutor"]
    assert "--no-save" in words  # thirty browsers never share one progress file
    assert words[words.index("--lessons") + 1] == str(lessons.resolve())
    assert words[words.index("--seed") + 1] == "7"
    assert words[words.index("--theme") + 1] == "tutor-light" and "--present" in words
    bare = shlex.split(
        app_command(argparse.Namespace(lessons=None, seed=None, theme=None, present=False))
    )
    assert bare == [sys.executable, "-m", "tutor", "--no-save"]


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


def test_bad_port_and_host_are_clear_errors(tutor_cli) -> None:
    bad_port = tutor_cli("serve", "--port", "70000", timeout=30)
    assert bad_port.returncode == 2 and "65535" in bad_port.stderr
    bad_host = tutor_cli("serve", "--host", "203.0.113.9", "--port", str(free_port()))
    assert bad_host.returncode == 1
    assert "not an address of this machine" in bad_host.stderr


def test_serve_answers_on_loopback_and_stops_on_ctrl_c(tutor_home: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TUTOR_HOME": str(tutor_home)},
        start_new_session=True,
    )
    try:
        wait_for_port(port, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            page = response.read().decode()
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
        # The page links back to whatever address the browser used (so 0.0.0.0 works).
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"Host": f"classroom.test:{port}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert f"ws://classroom.test:{port}/ws" in response.read().decode()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    assert process.returncode == 0, err
    assert f"Serving tutor at http://127.0.0.1:{port} (loopback only" in out
    assert "Traceback" not in err
