"""tutor in a real terminal: tmux runs it, we type, and read the screen back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (CI installs it)"
)

LESSON = """\
---
id: chain
title: A Chain Of Products
order: 1
summary: One chain.
---

```compute
X = randn(10, 3)
W1 = randn(3, 4)
W2 = randn(4, 1)
Yhat = X @ W1 @ W2
```
"""


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10).stdout


def wait_for_screen(session: str, predicate, timeout: float = 30.0) -> str:
    """Read the pane until ``predicate`` holds or the deadline passes (an external process
    paints in its own time; this polls it, bounded, rather than sleeping a fixed time)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if predicate(screen):
            return screen
        time.sleep(0.2)
    return screen


def test_tutor_runs_in_a_real_terminal(tmp_path: Path, tutor_home: Path) -> None:
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01.md").write_text(LESSON)
    session = f"tutor-{uuid.uuid4().hex[:8]}"
    # Textual paints on stderr, so it stays on the terminal; a traceback would too.
    command = (
        f"TUTOR_HOME={tutor_home} {sys.executable} -m tutor --lessons {folder}; "
        "echo EXITED $?; sleep 30"
    )
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "110", "-y", "60", command],
        check=True,
        env=env,
        timeout=10,
    )
    try:
        screen = wait_for_screen(session, lambda s: "(4,1) -> (10,1)" in s)
        assert "A Chain Of Products" in screen
        assert "(10,3)(3,4)(4,1) -> (10,1)" in screen
        tmux("send-keys", "-t", session, "q")
        after = wait_for_screen(session, lambda s: "EXITED" in s)
        assert "EXITED 0" in after
        assert "Traceback" not in after
    finally:
        tmux("kill-session", "-t", session)
    assert (tutor_home / "progress.json").exists()


TALL = (
    "---\nid: tall\ntitle: Tall\norder: 1\nsummary: s\n---\n\n## First part\n\n"
    + "\n\n".join(f"Line {n:02d} of the first part." for n in range(1, 31))
    + "\n\n## Second part\n\nThe second part begins.\n"
)


def test_every_line_is_read_by_keyboard_at_80x24(tmp_path: Path, tutor_home: Path) -> None:
    """In a real 80x24 terminal, with COLUMNS=200 left in the environment: the screen is
    80 wide, ↓/j/Space/End scroll the section, and Page Down at its end goes on."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01.md").write_text(TALL)
    session = f"tutor-{uuid.uuid4().hex[:8]}"
    command = (
        f"COLUMNS=200 TUTOR_HOME={tutor_home} {sys.executable} -m tutor --lessons {folder}; "
        "echo EXITED $?; sleep 30"
    )
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command],
        check=True,
        env=env,
        timeout=10,
    )
    try:
        screen = wait_for_screen(
            session, lambda s: "Line 01 of the first part." in s and "Scroll" in s
        )
        # The key bar's right end is on screen: the layout is the terminal's 80 columns.
        assert "^p palette" in screen
        assert "Line 30 of the first part." not in screen
        # The section's title, a blank line, then Line 01: three lines down hide it.
        tmux("send-keys", "-t", session, "j", "j", "Down")
        screen = wait_for_screen(session, lambda s: "Line 01 of the first part." not in s)
        assert "Line 01 of the first part." not in screen
        tmux("send-keys", "-t", session, "End")
        screen = wait_for_screen(session, lambda s: "Line 30 of the first part." in s)
        assert "Line 30 of the first part." in screen and "End of section 1 of 2" in screen
        tmux("send-keys", "-t", session, "Home")
        screen = wait_for_screen(session, lambda s: "Line 01 of the first part." in s)
        assert "Line 01 of the first part." in screen
        tmux("send-keys", "-t", session, "Space")
        screen = wait_for_screen(session, lambda s: "Line 01 of the first part." not in s)
        assert "Line 01 of the first part." not in screen and "section 1/2" in screen
        for _ in range(12):
            tmux("send-keys", "-t", session, "PageDown")
            screen = wait_for_screen(session, lambda s: "section 2/2" in s, timeout=1.5)
            if "section 2/2" in screen:
                break
        assert "The second part begins." in screen
        tmux("send-keys", "-t", session, "q")
        after = wait_for_screen(session, lambda s: "EXITED" in s)
        assert "EXITED 0" in after and "Traceback" not in after
    finally:
        tmux("kill-session", "-t", session)
