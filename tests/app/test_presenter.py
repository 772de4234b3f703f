"""Presenting a lesson: clicker stepping, reveals, the black screen, auto-play and seeds.

Auto-play is tested by calling the timer's tick method directly and by reading the
timer's state; the pace is long enough that the real timer never fires in a test.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from tutor.app import TutorApp
from tutor.core.lesson import Block, parse_lesson_text
from tutor.core.library import load_library
from tutor.core.plots import spec_from_options
from tutor.core.seeding import reseed_library
from tutor.screens.blank import BlankScreen
from tutor.screens.epoch import EpochScreen
from tutor.screens.lesson import LessonScreen
from tutor.screens.presenter import PACES, PresenterScreen, nearest_pace, split_reveals
from tutor.widgets.compute import ComputeBlock
from tutor.widgets.key_bar import KeyBar
from tutor.widgets.lesson_list import LessonList
from tutor.widgets.prose import ProseView
from tutor.widgets.scratchpad import Scratchpad

SIZE = (110, 36)
#: Long enough that the real auto-play timer never fires while a test runs.
SLOW = 60.0

TALK = """\
---
id: talk
title: A Talk In Three Parts
order: 1
summary: Sections, a pause and a compute block to step.
seed: 5
---

Opening words.

## Products

First we multiply.

```compute
X = randn(4, 3)
W = randn(3, 2)
Y = X @ W
```

<!-- pause -->

After the pause: the shapes fit.

## Closing

The last words.
"""

EPOCH_TALK = """\
---
id: epoch-talk
title: An Epoch On Screen
order: 2
summary: An epoch block that auto-play plays.
---

## Watch

```epoch
layers: [4, 2, 3, 1]
act: [relu, identity]
lr: 0.01
seed: 3
```

## After

The end.
"""


def plain(shown) -> str:
    renderable = getattr(shown, "content", shown)
    console = Console(width=140, file=io.StringIO(), color_system=None, force_terminal=False)
    console.print(renderable)
    return console.file.getvalue()


@pytest.fixture
def talk_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "talks"
    folder.mkdir()
    (folder / "01-talk.md").write_text(TALK)
    (folder / "02-epoch.md").write_text(EPOCH_TALK)
    return folder


@pytest.fixture
def presenter_app(talk_folder: Path):
    def build(**options) -> TutorApp:
        options.setdefault("presenting", True)
        app = TutorApp(load_library(talk_folder), start_lesson="talk", **options)
        app.animation_level = "none"
        return app

    return build


async def settle(app, pilot) -> None:
    for _ in range(2):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def tick(screen: PresenterScreen, app, pilot) -> None:
    """One auto-play step, run where the timer runs it: in the screen's own message loop."""
    screen.call_later(screen.autoplay_tick)
    await settle(app, pilot)


def state(screen: PresenterScreen) -> tuple:
    """Where the presenter stands: section, reveals shown, and each block's step."""
    steps = tuple(block.step for block in screen.query(ComputeBlock))
    return screen.section_index, screen.revealed, steps


def visible_text(screen: PresenterScreen) -> str:
    return "\n".join(plain(widget) for widget in screen.query(ProseView) if widget.display)


# -- pure helpers ------------------------------------------------------------------------


def test_reveals_split_at_pauses_and_never_empty() -> None:
    lesson = parse_lesson_text(
        TALK.replace("## Closing", "<!-- pause -->\n<!-- pause -->\n## Closing"), Path("t.md")
    )
    reveals = split_reveals(lesson.sections[1])
    assert [[type(part).__name__ for part in reveal] for reveal in reveals] == [
        ["Prose", "Block"],
        ["Prose"],
    ]
    assert len(split_reveals(lesson.sections[0])) == 1


def test_pace_steps_through_the_list_and_stops_at_its_ends() -> None:
    assert nearest_pace(5.0, 1) == 8.0 and nearest_pace(5.0, -1) == 3.0
    assert nearest_pace(4.0, 1) == 5.0 and nearest_pace(4.0, -1) == 3.0
    assert nearest_pace(PACES[-1], 1) == PACES[-1] and nearest_pace(PACES[0], -1) == PACES[0]


# -- layout and navigation -------------------------------------------------------------------


async def test_presenter_mode_has_no_sidebar_scratchpad_or_footer(presenter_app) -> None:
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PresenterScreen)
        assert not screen.query(LessonList) and not screen.query(Scratchpad)
        assert not screen.query(KeyBar)
        banner = plain(screen.query_one("#presenter-banner"))
        assert "Lesson 1 · A Talk In Three Parts" in banner and "(1/3)" in banner
        assert "PgDn" in plain(screen.query_one("#presenter-status"))


async def test_clicker_keys_step_operations_reveals_and_sections_and_back(presenter_app) -> None:
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        forward = [state(screen)]
        # Page Down, Right and Space (auto-play off) all advance by one step.
        for key in ["pagedown", "right", "space", "pagedown", "right", "pagedown", "pagedown"]:
            await pilot.press(key)
            await settle(app, pilot)
            forward.append(state(screen))
        assert forward == [
            (0, 1, ()),
            (1, 1, (0,)),  # the section opens with its block not yet run
            (1, 1, (1,)),  # then one operation at a time: randn, randn, X @ W
            (1, 1, (2,)),
            (1, 1, (3,)),
            (1, 2, (3,)),  # the text after the pause
            (2, 1, ()),
            (2, 1, ()),  # the end: nothing further
        ]
        assert "After the pause" not in visible_text(screen) or screen.section_index == 2
        backward = [state(screen)]
        for key in ["pageup", "left", "pageup", "left", "pageup", "pageup", "pageup"]:
            await pilot.press(key)
            await settle(app, pilot)
            backward.append(state(screen))
        # Back undoes exactly one step each time; entering a section from its end
        # shows it whole (a None step is a block with every operation shown).
        assert backward == [
            (2, 1, ()),
            (1, 2, (None,)),
            (1, 1, (None,)),
            (1, 1, (2,)),
            (1, 1, (1,)),
            (1, 1, (0,)),
            (0, 1, ()),
            (0, 1, ()),
        ]


async def test_text_after_a_pause_appears_on_the_next_press(presenter_app) -> None:
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("n")
        await settle(app, pilot)
        assert "First we multiply" in visible_text(screen)
        assert "After the pause" not in visible_text(screen)
        block = screen.query_one(ComputeBlock)
        assert "X (4,3)" not in plain(block) and "X = randn(4, 3)" in plain(block)
        await pilot.press("pagedown")
        assert "X (4,3)" in plain(block) and "W (3,2)" not in plain(block)
        for _ in range(3):
            await pilot.press("pagedown")
        await settle(app, pilot)
        assert "Y (4,2)" in plain(block)
        assert "After the pause" in visible_text(screen)


async def test_blank_screen_swallows_the_key_that_returns(presenter_app) -> None:
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("pagedown")
        await settle(app, pilot)
        before = state(screen)
        for blank_key, return_key in [("b", "pagedown"), ("full_stop", "q"), ("b", "space")]:
            await pilot.press(blank_key)
            assert isinstance(app.screen, BlankScreen)
            await pilot.press(return_key)
            assert app.screen is screen and state(screen) == before
        assert app.is_running


async def test_f5_toggles_presenting_at_the_same_place(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert type(app.screen) is LessonScreen
        await pilot.press("f5")
        await settle(app, pilot)
        assert isinstance(app.screen, PresenterScreen) and app.screen.section_index == 1
        await pilot.press("escape")  # nothing focused: escape leaves presenting too
        await settle(app, pilot)
        assert type(app.screen) is LessonScreen and app.screen.section_index == 1
        assert app.screen.query(LessonList) and app.screen.query(Scratchpad)


async def test_help_lists_the_presenter_keys(presenter_app) -> None:
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        text = plain(app.screen.query("Static").last())
        for expected in ("Presenting (F5)", "Black screen", "pause and resume", "Auto-play"):
            assert expected in text, expected


# -- auto-play -------------------------------------------------------------------------------


async def test_autoplay_advances_on_each_tick_and_space_pauses(presenter_app) -> None:
    app = presenter_app(autoplay=SLOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PresenterScreen) and screen.playing
        assert screen._timer is not None and screen._timer._active.is_set()
        assert "every 60 s" in plain(screen.query_one("#presenter-status"))
        await tick(screen, app, pilot)
        assert state(screen) == (1, 1, (0,))
        await tick(screen, app, pilot)
        assert state(screen) == (1, 1, (1,))
        await pilot.press("space")  # auto-play is on, so Space pauses instead of advancing
        assert not screen.playing and not screen._timer._active.is_set()
        assert state(screen) == (1, 1, (1,))
        assert "paused" in plain(screen.query_one("#presenter-status"))
        await pilot.press("space")
        assert screen.playing and screen._timer._active.is_set()
        await pilot.press("a")  # auto-play off: Space advances again
        assert not screen.playing
        await pilot.press("space")
        await settle(app, pilot)
        assert state(screen) == (1, 1, (2,))


async def test_the_pace_changes_while_running(presenter_app) -> None:
    app = presenter_app(autoplay=SLOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        first_timer = screen._timer
        await pilot.press("minus")  # slower... but 60 s is already the slowest
        assert screen.pace == 60.0
        await pilot.press("plus")
        assert screen.pace == 30.0 and screen._timer is not first_timer
        assert screen._timer._interval == 30.0 and screen._timer._active.is_set()
        assert "every 30 s" in plain(screen.query_one("#presenter-status"))


async def test_autoplay_stops_at_the_end_of_the_lesson(presenter_app) -> None:
    app = presenter_app(autoplay=SLOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        for _ in range(20):
            await tick(screen, app, pilot)
        assert screen.section_index == 2 and not screen.playing
        assert any("End of the lesson" in note.message for note in app._notifications)


async def test_autoplay_does_nothing_while_the_screen_is_blanked(presenter_app) -> None:
    app = presenter_app(autoplay=SLOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("b")
        await tick(screen, app, pilot)
        assert state(screen) == (0, 1, ())


async def test_autoplay_plays_an_epoch_block_and_returns(talk_folder: Path) -> None:
    app = TutorApp(load_library(talk_folder), start_lesson="epoch-talk", autoplay=SLOW)
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PresenterScreen)
        await tick(screen, app, pilot)  # the epoch block is revealed: play it
        epoch = app.screen
        assert isinstance(epoch, EpochScreen) and epoch.playing
        assert epoch.seconds_per_step == SLOW and epoch.spec.seed == 3
        await tick(screen, app, pilot)  # still playing: the lesson waits
        assert app.screen is epoch
        for _ in range(len(epoch.frames)):
            epoch.advance()
        assert not epoch.playing
        await tick(screen, app, pilot)  # played out: back to the lesson
        assert app.screen is screen and screen.section_index == 0
        await tick(screen, app, pilot)
        assert screen.section_index == 1


# -- seeds -------------------------------------------------------------------------------------


async def shown_matrices(app: TutorApp) -> str:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        block = app.screen.query_one(ComputeBlock)
        return plain(block)


async def test_the_same_seed_shows_the_same_matrices(make_app, lesson_folder: Path) -> None:
    def build(seed: int | None) -> TutorApp:
        app = TutorApp(
            load_library(lesson_folder), start_lesson="one", seed=seed, keep_progress=False
        )
        app.animation_level = "none"
        return app

    first = await shown_matrices(build(3))
    again = await shown_matrices(build(3))
    other = await shown_matrices(build(4))
    lesson_own = await shown_matrices(build(None))
    assert "Yhat (10,1)" in first
    assert first == again
    assert first != other and first != lesson_own


def test_a_seed_reaches_every_draw_of_a_lesson(talk_folder: Path) -> None:
    library = load_library(talk_folder)
    reseeded = reseed_library(library, 42)
    assert [lesson.seed for lesson in reseeded.lessons] == [42, 42]
    (epoch_block,) = [b for b in reseeded.lessons[1].blocks if isinstance(b, Block)]
    assert spec_from_options(epoch_block.data or {}).seed == 42
    # The library it came from is untouched (lessons are shared, frozen values).
    assert library.lessons[0].seed == 5 and library.lessons[1].blocks[0].data["seed"] == 3


# -- screenshot key ------------------------------------------------------------------------------


async def test_ctrl_s_saves_an_svg_of_the_screen(presenter_app, tutor_home: Path) -> None:
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        notes = [note.message for note in app._notifications]
    (saved,) = (tutor_home / "screenshots").glob("tutor-talk-*.svg")
    svg = saved.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "A&#160;Talk&#160;In&#160;Three&#160;Parts" in svg
    assert any(str(saved) in note for note in notes)


# -- the command line and the session's options ---------------------------------------------


def test_app_options_parse_the_classroom_flags() -> None:
    from tutor.cli import build_app_parser

    args = build_app_parser().parse_args(["--seed", "3", "4", "--autoplay", "5", "--present"])
    assert (args.seed, args.lesson, args.autoplay, args.present) == (3, "4", 5.0, True)
    assert not args.no_save and args.theme is None


def test_theme_names_on_the_command_line_match_the_app() -> None:
    from tutor.cli.app_options import THEME_NAMES
    from tutor.themes import THEME_CYCLE

    assert THEME_NAMES == THEME_CYCLE


async def test_autoplay_alone_opens_presenting_and_no_save_writes_nothing(
    talk_folder: Path, tutor_home: Path
) -> None:
    app = TutorApp(load_library(talk_folder), autoplay=SLOW, keep_progress=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, PresenterScreen) and app.screen.playing
        await pilot.press("n", "t")
        await settle(app, pilot)
    assert not (tutor_home / "progress.json").exists()
    assert not (tutor_home / "settings.json").exists()


async def test_stepping_a_tall_block_keeps_its_newest_line_on_screen(tmp_path) -> None:
    """A block taller than the screen scrolls as it grows, so the class sees each new
    operation; finished statements keep their matrices (the reveal is cumulative)."""
    from tutor.app import TutorApp
    from tutor.core.library import load_library
    from tutor.widgets.compute import ComputeBlock

    lines = "\n".join(f"M{i} = randn(10, 3) @ randn(3, 4)" for i in range(12))
    (tmp_path / "01.md").write_text(
        "---\nid: tall\ntitle: Tall\norder: 1\nsummary: s\n---\n\n## Only\n\n"
        f"```compute\n{lines}\n```\n"
    )
    app = TutorApp(load_library(tmp_path), presenting=True)
    app.animation_level = "none"
    async with app.run_test(size=(100, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        block = app.screen.query_one(ComputeBlock)
        for _ in range(block.total_steps):
            await pilot.press("pagedown")
        await pilot.pause()
        await pilot.pause()
        container = block.parent
        bottom = block.virtual_region.bottom
        assert container.scroll_y > 0
        assert container.scroll_y < bottom <= container.scroll_y + container.size.height + 1
        console = Console(width=100, file=io.StringIO(), color_system=None)
        console.print(block.content)
        text = console.file.getvalue()
        # Every statement keeps its matrix: each is a 10-row matrix shown elided (its
        # first and last rows), and every one of the twelve has its header.
        headers = [
            line
            for line in text.splitlines()
            if line.rstrip().endswith(" (10,4)") and line.startswith("M")
        ]
        assert headers == [f"M{i} (10,4)" for i in range(12)]
        assert text.count("⋮") == 4 * 12


# -- the keys as the README gives them ---------------------------------------------------


@pytest.mark.parametrize("key", ["A", "a", "shift+a"])
async def test_a_turns_autoplay_on_with_a_step_at_once_and_off(presenter_app, key) -> None:
    """Auto-play's first step comes when it is turned on, not two paces later."""
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PresenterScreen) and not screen.playing
        screen.pace = SLOW
        await pilot.pause()
        before = screen._timer
        await pilot.press(key)
        await settle(app, pilot)
        assert screen.playing and screen.autoplay_on
        # The intro reveal is shown; the first step opened the next section at once.
        assert state(screen)[0] == 1
        # A fresh clock: its first tick is one whole pace from now, not after a reset
        # that waits out the interval already running.
        assert screen._timer is not before and screen._timer._active.is_set()
        assert screen._timer._interval == SLOW
        await pilot.press(key)
        assert not screen.playing and not screen.autoplay_on
        assert not screen._timer._active.is_set()


@pytest.mark.parametrize("key", ["B", "b", "shift+b", "full_stop"])
async def test_b_and_full_stop_blank_the_screen(presenter_app, key) -> None:
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press(key)
        assert isinstance(app.screen, BlankScreen)
        await pilot.press("x")
        assert app.screen is screen


async def test_a_step_by_hand_while_playing_restarts_the_clock(presenter_app) -> None:
    app = presenter_app(autoplay=SLOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        before = screen._timer
        await pilot.press("right")
        await settle(app, pilot)
        assert screen._timer is not before and screen._timer._active.is_set()


async def test_stepping_a_block_keeps_every_earlier_result_on_screen(presenter_app) -> None:
    """Presenting, a block's finished statements keep their values as the next appear."""
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("n")
        await settle(app, pilot)
        block = screen.query_one(ComputeBlock)
        values = []
        for _ in range(block.total_steps):
            await pilot.press("right")
            await settle(app, pilot)
            values.append(plain(block))
        first_value = values[0]
        assert "X (4,3)" in first_value
        # The first matrix's numbers are still there once W and Y are shown.
        numbers = [line for line in first_value.splitlines() if line.strip().startswith(("+", "-"))]
        assert numbers and all(line in values[-1] for line in numbers)
        assert "W (3,2)" in values[-1] and "Y (4,2)" in values[-1]


async def test_home_starts_the_lesson_over(presenter_app) -> None:
    app = presenter_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("right", "right", "right")
        await settle(app, pilot)
        assert state(screen) != (0, 1, ())
        await pilot.press("home")
        await settle(app, pilot)
        assert state(screen) == (0, 1, ())
