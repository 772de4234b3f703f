"""The presenter's keys exactly as the README gives them, and a block revealed cumulatively."""

from __future__ import annotations

import pytest

from tests.app.test_presenter import (
    SIZE,
    SLOW,
    plain,
    presenter_app,  # noqa: F401  (a fixture)
    settle,
    state,
    talk_folder,  # noqa: F401  (a fixture)
)
from tutor.screens.blank import BlankScreen
from tutor.screens.presenter import PresenterScreen
from tutor.widgets.compute import ComputeBlock


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
