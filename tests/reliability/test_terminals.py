"""Odd terminals: sizes from 20x5 to 300x100, a resize in the middle of the epoch
animation, NO_COLOR and TERM=dumb, and Ctrl+C (SIGINT) on the command line.

Below 80x24 tutor covers its layout with a plain "make the window larger" message
and takes it away when the window grows again; nothing ever raises. Command-line
output is read through a real pseudo-terminal, where colour would appear if tutor
sent any, so "no escape codes" is a claim about what a learner's terminal gets.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from tests.app.waiting import until
from tutor.core.network import NetworkSpec
from tutor.core.paths import bundled_lessons_dir
from tutor.screens.epoch import EpochScreen
from tutor.screens.lesson import LessonScreen
from tutor.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen

#: Terminal sizes tried (the README's "terminal sizes tried"): the extremes, and each
#: side of the 80x24 minimum.
SIZES = [(20, 5), (40, 10), (79, 24), (80, 23), (80, 24), (120, 40), (300, 100)]
#: The animation is resized to the sizes of the issue.
EPOCH_SIZES = [(20, 5), (40, 10), (80, 24), (120, 40), (300, 100)]
ARTICLE = NetworkSpec(layers=(10, 3, 4, 1), activations=("square", "cube"), lr=0.001)


def too_small(size: tuple[int, int]) -> bool:
    return size[0] < MIN_WIDTH or size[1] < MIN_HEIGHT


def plain(widget) -> str:
    console = Console(width=200, file=io.StringIO(), color_system=None)
    console.print(getattr(widget, "content", widget))
    return console.file.getvalue()


def epoch_ready(app) -> bool:
    """The epoch screen is up and its frames, made in a worker, have arrived."""
    return isinstance(app.screen, EpochScreen) and bool(app.screen.frames)


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


# -- sizes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_lesson_screen_at_every_size(make_app, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        if too_small(size):
            assert isinstance(app.screen, TooSmallScreen)
            message = plain(app.screen.query_one("#too-small"))
            assert "Make the window larger" in message and f"{size[0]}x{size[1]}" in message
            await pilot.press("n")  # a key under the message breaks nothing
            await pilot.resize_terminal(120, 40)
            await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("n", "p", "]")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "good-two"
    assert app.return_code in (None, 0)


@pytest.mark.parametrize("size", EPOCH_SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_epoch_screen_resized_to_every_size(make_app, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(EpochScreen(ARTICLE, autoplay=0.25))
        await until(app, pilot, lambda: epoch_ready(app), "the epoch's frames")
        epoch = app.screen
        await pilot.resize_terminal(*size)
        await settle(app, pilot)
        if too_small(size):
            assert isinstance(app.screen, TooSmallScreen)
            await pilot.resize_terminal(100, 30)
            await settle(app, pilot)
        assert app.screen is epoch
        assert epoch.frames and epoch.current_step is not None
        await pilot.press("right", "left", "space")  # still steps and plays
    assert app.return_code in (None, 0)


async def test_resize_in_the_middle_of_the_animation(make_app) -> None:
    """Playing, half-way through the weights' tween, the window shrinks then grows."""
    app = make_app()
    app.animation_level = "full"  # the update step's tween runs only with animations on
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(EpochScreen(ARTICLE))
        await until(app, pilot, lambda: epoch_ready(app), "the epoch's frames")
        epoch = app.screen
        update = next(i for i, frame in enumerate(epoch.frames) if frame.tween)
        epoch.step = update - 1
        epoch.playing = True
        epoch.advance()  # what the play timer does: on to the update step, which tweens
        assert epoch.step == update and epoch._tween_frames
        epoch._tween_tick()  # one frame of the tween, as its timer would
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        epoch._tween_tick()  # the timers keep firing under the message
        epoch.advance()
        await settle(app, pilot)
        await pilot.resize_terminal(100, 30)
        await settle(app, pilot)
        assert app.screen is epoch and epoch._frames_size == (100, 30)
        epoch.advance()
        assert 0 < epoch.step < len(epoch.frames)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen)
    assert app.return_code in (None, 0)


async def test_no_message_is_left_behind_after_starting_small(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(40, 10)) as pilot:
        await settle(app, pilot)
        await pilot.resize_terminal(120, 40)
        await settle(app, pilot)
        assert not any(isinstance(screen, TooSmallScreen) for screen in app.screen_stack)


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((40, 10), id="40x10"),
        pytest.param((60, 20), id="60x20"),
    ],
)
async def test_the_app_is_idle_under_the_too_small_message(
    make_app, size: tuple[int, int], monkeypatch
) -> None:
    """Nothing changes on screen, so nothing should be laid out again and again.

    A few late refreshes from start-up are fine; the layout loop makes hundreds.
    """
    from textual.widget import Widget

    refreshes = []
    original = Widget.refresh

    def counting_refresh(self, *args, **kwargs):
        refreshes.append(type(self).__name__)
        return original(self, *args, **kwargs)

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(Widget, "refresh", counting_refresh)
        await pilot.pause()
        await pilot.pause()
        monkeypatch.setattr(Widget, "refresh", original)
    assert len(refreshes) < 20, f"{len(refreshes)} refreshes: {sorted(set(refreshes))}"


# -- NO_COLOR and TERM=dumb -----------------------------------------------------------------------

NETWORK = ["--shape", "X=10,3", "--shape", "W1=3,4", "--shape", "W2=4,1"]
COMMANDS = {
    "list": (["list"], "arrays-and-shapes"),
    "trace": (["trace", "X @ W1 @ W2", *NETWORK], "(10,3)(3,4)(4,1) -> (10,1)"),
    "epoch": (["epoch"], "W1"),
    "show": (["show", "1"], "ndim"),
    "grade": (["grade", "4", "prediction-shape", "(2, 1)"], "shape"),
}
TERMINALS = {
    "NO_COLOR": {"NO_COLOR": "1", "TERM": "xterm-256color"},
    "TERM=dumb": {"TERM": "dumb"},
}


def run_in_a_terminal(args: list[str], env: dict[str, str], home: Path) -> tuple[int, str]:
    """Run ``tutor ARGS`` with its output on a pseudo-terminal; return (status, output)."""
    import pty

    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM", "FORCE_COLOR")}
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "tutor", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env={**base, **env, "TUTOR_HOME": str(home), "COLUMNS": "100"},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed its end (EIO on Linux)
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return child.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


pty_only = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


@pty_only
@pytest.mark.parametrize(
    ("command", "terminal"),
    [
        pytest.param(
            command,
            terminal,
        )
        for command in COMMANDS
        for terminal in TERMINALS
    ],
)
def test_command_line_output_is_plain(command: str, terminal: str, tutor_home: Path) -> None:
    args, expected = COMMANDS[command]
    status, output = run_in_a_terminal(args, TERMINALS[terminal], tutor_home)
    assert status in (0, 1), output
    assert expected in output and "Traceback" not in output
    assert "\x1b[" not in output


@pty_only
def test_the_terminal_harness_does_see_escape_codes(tutor_home: Path) -> None:
    """Without NO_COLOR, on a colour terminal, ``show`` styles its headings: the check bites."""
    _status, output = run_in_a_terminal(["show", "1"], {"TERM": "xterm-256color"}, tutor_home)
    assert "\x1b[" in output


# -- Ctrl+C on the command line --------------------------------------------------------------------

#: ``python -m tutor`` with one change: it says "ready" when the check's work begins, from
#: inside ``main``, so the SIGINT below lands in the middle of the check, never before it.
INTERRUPTIBLE = """
import signal
import sys
import tutor.core.checking as checking

# As in a terminal. A test run started in the background (``&`` in a script) inherits
# SIGINT ignored, and Python keeps an ignored SIGINT ignored: Ctrl+C would do nothing.
signal.signal(signal.SIGINT, signal.default_int_handler)

original = checking.check_folders

def announced(*args, **kwargs):
    print("ready", flush=True)
    return original(*args, **kwargs)

checking.check_folders = announced
from tutor.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_sigint_during_check_exits_130_without_a_traceback(tutor_home: Path) -> None:
    """``tutor check`` on the bundled lessons four times over, interrupted as it starts."""
    folder = str(bundled_lessons_dir())
    child = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTIBLE, "check", folder, folder, folder, folder],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 130, (out, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
