"""A lesson whose every text is hostile: markup that would act, controls that would
reach the terminal. Every screen shows it as the literal text it is, nothing in it
acts (the app keeps running, no file is written, no cell on screen is a link), and
the command line prints it without one control byte.

The lesson puts the same payloads in its title, summary, headings, prose, quiz
prompt, choices and hints, block options and a plot title; a second lesson has them
in its id (it fails to load, and its problem is shown as a notification).
"""

from __future__ import annotations

import html
import re
import resource
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from tutor.core.library import load_library

QUIT = "[@click=app.quit]quit[/]"
#: Textual's screenshot action writes ``notes.txt`` into the folder the test gives.
SHOT = "[@click=app.screenshot('notes.txt','{target}')]save[/]"
#: An OSC that retitles the window, a CSI that clears it, a bidi override, a C1 CSI.
CONTROLS = "\x1b]0;pwned\x07 \x1b[2J \u202e \x9b"
#: Bytes that must never reach a terminal: C0 but tab and newline, DEL, C1, bidi.
RAW_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
#: Any address-space growth past this during a test is a runaway, not hostile text.
MEMORY_HEADROOM = 1536 * 2**20

HOSTILE = """\
---
id: hostile
title: "Hostile {quit} [/bold] \\e]0;pwned\\a"
order: 1
summary: "Summary {shot} [/x] \\x9b"
---

Prose {quit} {shot} [/bold] [/x] [b] {controls} end.

## Heading [b] [/x] {quit} \u202e

More prose [/bold] {shot}.

```compute
X = randn(10, 3)
W1 = uniform(-1, 1, (3, 4))
Yhat = X @ W1
```

```quiz
id: "pick[/x]"
kind: choice
prompt: "Prompt {quit} [/bold] \\e[2J \\u202e"
choices: ["{quit} X @ W1", "[/x] \\x9b X * W1"]
answer: 1
hints: ["hint [/bold] {shot}", "second \\e]0;t\\a"]
```

## Epoch [/x]

```epoch
layers: [10, 3, 4, 1]
act: [square, cube]
lr: 0.001
```

```epoch
layers: [10, 3, 4, 1]
act: ["[/x]", "{quit}"]
```

```plot
kind: function
expr: x * x
range: [-2, 2]
title: "Plot [/bold] {quit} \\e[2J"
```
"""
#: The file's lines that hold a control character, raw or as a YAML escape.
CONTROL_LINES = {3, 5, 8, 10, 20, 42}
BROKEN_ID = '---\nid: "[/x] {quit}"\ntitle: t\norder: 2\nsummary: s\n---\n\n## A\n\ntext\n'


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """(the lesson folder, the folder its screenshot links point at)."""
    target = tmp_path / "target"
    target.mkdir()
    folder = tmp_path / "lessons"
    folder.mkdir()
    shot = SHOT.format(target=target)
    text = HOSTILE.format(quit=QUIT, shot=shot, controls=CONTROLS)
    (folder / "01-hostile.md").write_text(text, encoding="utf-8")
    (folder / "02-broken-id.md").write_text(BROKEN_ID.format(quit=QUIT), encoding="utf-8")
    return folder, target


@contextmanager
def memory_limit(headroom: int = MEMORY_HEADROOM) -> Iterator[None]:
    """Cap this process's address space at what it uses now plus ``headroom``.

    A regression that lets hostile text allocate without bound then fails with
    MemoryError instead of taking the machine down. The soft limit is put back after.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    limit = used + headroom if hard == resource.RLIM_INFINITY else min(used + headroom, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def limited_child() -> None:
    """``preexec_fn`` for a ``tutor`` subprocess: 1.5 GB of address space at most."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_HEADROOM + 512 * 2**20,) * 2)


# -- what the screen shows ---------------------------------------------------------------


def screen_text(app: App) -> str:
    """The screen's text, row by row, read back from its SVG screenshot.

    An SVG holding an ESC or other C0 control is not well-formed XML, so parsing it is
    itself a check that no control reached the screenshot.
    """
    root = ET.fromstring(app.export_screenshot())
    rows: dict[str | None, list[str]] = {}
    for element in root.iter("{http://www.w3.org/2000/svg}text"):
        rows.setdefault(element.get("y"), []).append(element.text or "")
    return "\n".join(html.unescape("".join(row)).replace("\xa0", " ") for row in rows.values())


def toast_text(app: App) -> str:
    """What the notifications on screen say (a toast wraps wherever its width ends)."""
    return "\n".join(toast.render().plain for toast in app.screen.query("Toast"))


def links_on_screen(app: App) -> list[str]:
    """Every action a click on the screen's widgets would run, scrolled-off lines too.

    Markup such as ``[@click=app.quit]`` puts the action in a segment's style meta,
    which is what a click reads; literal text has none.
    """
    found = []
    for widget in app.screen.query("*"):
        if not widget.display:
            continue
        for y in range(widget.outer_size.height):
            for segment in widget.render_line(y):
                action = segment.style.meta.get("@click") if segment.style else None
                if action is not None:
                    found.append(f"{type(widget).__name__} line {y}: {action}")
    return found


def assert_inert(app: App, target: Path, *fragments: str) -> None:
    """The screen shows each fragment literally, holds no link, and nothing acted."""
    text = screen_text(app)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not on {type(app.screen).__name__}:\n{text}"
    assert RAW_CONTROL.search(text) is None
    assert links_on_screen(app) == []
    assert app.is_running
    assert list(target.iterdir()) == []


async def settle(app: App, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


class LinkApp(App[None]):
    """A screen that does hold a markup link: what ``links_on_screen`` must catch."""

    def compose(self) -> ComposeResult:
        yield Static("plain [@click=app.bell]a link[/] plain")


async def test_the_link_detector_finds_a_markup_link() -> None:
    app = LinkApp()
    async with app.run_test(size=(40, 3)):
        assert any("app.bell" in link for link in links_on_screen(app))


# -- the app -------------------------------------------------------------------------------


async def test_every_screen_shows_the_hostile_lesson_as_literal_text(hostile) -> None:
    """Lesson list, lesson, notifications, quiz card, palette, ``g`` dialog, help,
    epoch launcher and animation, plot, presenter: literal text everywhere, no link,
    no crash, no action (the app still runs, the screenshot folder stays empty)."""
    from tutor.app import TutorApp
    from tutor.screens.dialogs import LessonNumberDialog
    from tutor.screens.epoch import EpochScreen
    from tutor.screens.help import HelpScreen
    from tutor.screens.lesson import LessonScreen
    from tutor.screens.presenter import PresenterScreen
    from tutor.widgets.blocks import EpochLauncher
    from tutor.widgets.quiz import QuizCard

    folder, target = hostile
    with memory_limit():
        app = TutorApp(load_library(folder))
        app.animation_level = "none"
        async with app.run_test(size=(130, 40), notifications=True) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, LessonScreen)
            # The header and the list: the title; the prose; the broken lesson's notice.
            assert_inert(
                app,
                target,
                "Hostile [@click=app.quit]quit[/] [/bold] \\x1b]0;pwned\\x07",
                "Prose [@click=app.quit]quit[/]",
                "[@click=app.screenshot('notes.txt',",
                # The bidi override is gone: two spaces are left where it stood.
                "[/bold] [/x] [b] \\x1b]0;pwned\\x07 \\x1b[2J  \\x9b end.",
            )
            assert "id '[/x] [@click=app.quit]quit[/]' must be" in toast_text(app)

            # The learner's own text: an expression the scratchpad refuses, quoted back.
            await pilot.press("slash")
            app.screen.query_one("#scratch-input", Input).value = "[/x] \x1b[2J \u202e"
            await pilot.press("enter")
            await settle(app, pilot)
            assert_inert(app, target, "› [/x] \\x1b[2J")
            await pilot.press("escape")

            await pilot.press("n")
            await settle(app, pilot)
            assert_inert(
                app,
                target,
                "Heading [b] [/x] [@click=app.quit]quit[/]",
                "More prose [/bold]",
            )
            card = app.screen.query_one(QuizCard)
            card.focus()
            await pilot.press("2", "enter", "h", "h")
            await settle(app, pilot)
            assert app.progress.quiz("hostile", "pick[/x]").attempts == 1
            assert_inert(
                app,
                target,
                "Prompt [@click=app.quit]quit[/] [/bold] \\x1b[2J",
                "[/x] \\x9b X * W1",
                "Hint 1: hint [/bold]",
                "[@click=app.screenshot('notes.txt',",
                "second \\x1b]0;t\\x07",
            )

            # The palette: the lesson (its summary as help), a heading, the missed quiz.
            await pilot.press("ctrl+p", *"hos")
            await settle(app, pilot)
            assert_inert(
                app,
                target,
                "Lesson 1: Hostile [@click=app.quit]quit[/]",
                "Summary [@click=app.screenshot('notes.txt',",
            )
            await pilot.press("escape")
            await pilot.press("ctrl+p", *"hea")
            await settle(app, pilot)
            assert_inert(app, target, "Section: Heading [b] [/x] [@click=app.quit]quit[/]")
            await pilot.press("escape")
            await pilot.press("ctrl+p", *"rev")
            await settle(app, pilot)
            assert_inert(app, target, "Review: Hostile [@click=app.quit]quit[/]", "pick[/x]")
            await pilot.press("escape")
            await pilot.pause()

            await pilot.press("g")
            assert isinstance(app.screen, LessonNumberDialog)
            app.screen.query_one(Input).value = "[/x] [@click=app.quit]q[/]"
            await pilot.press("enter")
            assert_inert(app, target, "no lesson '[/x] [@click=app.quit]q[/]'")
            await pilot.press("escape", "question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            assert_inert(app, target, "Keys")
            await pilot.press("escape")

            await pilot.press("n")
            await settle(app, pilot)
            assert_inert(
                app,
                target,
                "Epoch [/x]",
                "activations [/x],[@click=app.quit]quit[/]",
                "Plot [/bold] [@click=app.quit]quit[/] \\x1b[2J",
                "f(x) = x * x",
            )
            valid, invalid = app.screen.query(EpochLauncher).results()
            invalid.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LessonScreen)
            assert_inert(app, target)
            assert "unknown activation '[/x]'" in toast_text(app)
            valid.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EpochScreen)
            assert_inert(app, target, "layers 10,3,4,1 · act square,cube")
            await pilot.press("escape")
            await pilot.pause()

            await pilot.press("f5")
            await settle(app, pilot)
            assert isinstance(app.screen, PresenterScreen)
            assert_inert(app, target, "Hostile [@click=app.quit]quit[/] [/bold]", "Epoch [/x]")
            await pilot.press("home")
            await settle(app, pilot)
            assert_inert(app, target, "Prose [@click=app.quit]quit[/]")
            await pilot.press("f5")
            await settle(app, pilot)
            assert isinstance(app.screen, LessonScreen)
            assert app.is_running
        assert app.return_code in (None, 0)
    assert list(target.iterdir()) == []


async def test_the_screenshot_title_of_a_hostile_lesson_is_clean(hostile) -> None:
    """The SVG handout's title is the lesson's, without its controls (valid XML)."""
    from tutor.cli.shot import lesson_svg

    folder, _target = hostile
    library = load_library(folder)
    svg = await lesson_svg(library, library.find("hostile"))
    root = ET.fromstring(svg)
    title = html.unescape("".join(root.itertext()))
    assert "tutor · Lesson 1 · Hostile [@click=app.quit]quit[/] [/bold] \\x1b]0;pwned\\x07" in (
        title.replace("\xa0", " ")
    )
    assert RAW_CONTROL.search(svg) is None


# -- the command line --------------------------------------------------------------------


def run_tutor(*args: str) -> subprocess.CompletedProcess[bytes]:
    """``tutor ARGS`` in a memory-limited child, its output as bytes (nothing decoded)."""
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        capture_output=True,
        timeout=120,
        preexec_fn=limited_child,
        env=_plain_env(),
    )


def _plain_env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.mark.parametrize(
    ("args", "shown", "code"),
    [
        (("show", "hostile"), "Prose [@click=app.quit]quit[/]", 0),
        (("list",), "Hostile [@click=app.quit]quit[/] [/bold] \\x1b]0;pwned\\x07", 0),
        (("check",), "id '[/x] [@click=app.quit]quit[/]' must be", 1),
        (("quizzes", "--answers"), "pick[/x]  choice   Prompt [@click=app.quit]quit[/]", 0),
        (("quizzes", "--json"), '"[/x] \\u009b X * W1"', 0),
        (("grade", "hostile", "pick[/x]", "2", "--json"), '"quiz_id": "pick[/x]"', 1),
    ],
)
def test_cli_output_carries_no_control_bytes(hostile, args, shown, code) -> None:
    folder, target = hostile
    where = [str(folder)] if args[0] == "check" else ["--lessons", str(folder)]
    result = run_tutor(*args, *where)
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert "Traceback" not in err
    assert RAW_CONTROL.search(out) is None, out
    assert RAW_CONTROL.search(err) is None, err
    assert shown in out
    assert result.returncode == code
    assert list(target.iterdir()) == []


def test_check_names_every_line_with_a_control_character(hostile) -> None:
    from tutor.core.checking import check_library

    folder, _target = hostile
    problems = check_library(load_library(folder))
    control = [p for p in problems if "control character" in p.message or "bidi" in p.message]
    assert {p.line for p in control} == CONTROL_LINES
    assert all(p.path.name == "01-hostile.md" for p in control)
    by_line = {p.line: p.message for p in control}
    assert by_line[8].startswith("control character U+001B (ESCAPE) at column ")
    assert by_line[10].startswith("bidi control U+202E (RIGHT-TO-LEFT OVERRIDE) at column 46")
    assert by_line[5].endswith("(a YAML escape)") and "U+009B" in by_line[5]
    result = run_tutor("check", str(folder))
    out = result.stdout.decode("utf-8")
    assert f"{folder / '01-hostile.md'}:10: bidi control U+202E" in out
    assert result.returncode == 1
