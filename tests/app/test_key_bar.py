"""The key bar at the foot of the lesson and epoch screens: one line, live, clickable."""

from __future__ import annotations

import pytest

from tutor.screens.lesson import LessonScreen
from tutor.widgets.compute import ComputeBlock
from tutor.widgets.key_bar import KeyBar

SIZE = (110, 36)


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def bar_line(app) -> str:
    bar = app.screen.query_one(KeyBar)
    return bar.render().plain


def hint(app, description: str):
    bar = app.screen.query_one(KeyBar)
    return next(h for h in bar.hints if h.description == description)


async def test_the_bar_shows_the_screens_keys_and_the_palette_at_the_right(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(150, 36)) as pilot:
        await settle(app, pilot)
        line = bar_line(app)
        assert line.startswith(" ↓↑ Scroll  Spc Page  n/p Section  ]/[ Lesson ")
        assert " ? Keys " in line and " q Quit " in line
        assert line.endswith(" ? Keys  ^p palette ")
        assert len(line) == 150
        # One hint per action: "down,j" shows its display only, and "up,k" is not shown.
        descriptions = [h.description for h in app.screen.query_one(KeyBar).hints]
        assert descriptions.count("Scroll") == 1 and "Scroll up" not in descriptions


async def test_clicking_a_key_presses_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.section_index == 0
        bar = screen.query_one(KeyBar)
        start = bar.render().plain.index("n/p Section")
        await pilot.click(KeyBar, offset=(start + 1, 0))  # on " n/p Section"
        await settle(app, pilot)
        assert screen.section_index == 1
        # Between the keys and the pinned ones at the right there is nothing to press.
        line = bar.render().plain
        assert bar.key_at(line.index("? Keys") - 2) is None
        assert bar.key_at(line.index("? Keys")) == "question_mark"
        start = bar.render().plain.index("/ Scratchpad")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await settle(app, pilot)
        assert screen.focused is screen.query_one("#scratch-input")


async def test_the_bar_follows_focus(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "Next op" not in bar_line(app)
        await pilot.press("n")
        await settle(app, pilot)
        app.screen.query_one(ComputeBlock).focus()
        await pilot.pause()
        assert hint(app, "Next op").display == "→"
        assert "Next op" in bar_line(app)


@pytest.mark.parametrize("palette", [True, False])
async def test_a_narrow_bar_drops_whole_keys_and_keeps_the_palette(make_app, palette) -> None:
    app = make_app()
    app.ENABLE_COMMAND_PALETTE = palette
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        line = bar_line(app)
        # Help (which lists every key) and the palette stay, at the right.
        pinned = " ? Keys  ^p palette " if palette else " ? Keys "
        assert len(line) == 80 and line.endswith(pinned)
        shown = line[: -len(pinned)].rstrip()
        bar = app.screen.query_one(KeyBar)
        # Every hint is either whole on the line or not there at all.
        for each in bar.hints:
            whole = f" {each.display} {each.description}"
            assert whole in shown or each.description not in shown
        assert "Quit" not in shown


async def test_a_key_under_the_mouse_is_lit_and_explained(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(KeyBar)
        hover = bar.get_component_rich_style("key-bar--hover", partial=True)

        def lit() -> set[int]:
            return {span.start for span in bar.render().spans if span.style == hover}

        assert lit() == set()
        await pilot.hover(KeyBar, offset=(2, 0))
        assert bar.hover is not None and bar.hover.description == "Scroll"
        assert bar.tooltip == "Scroll a line"
        assert bar.styles.pointer == "pointer"
        assert lit() == {0}
        await pilot.hover(KeyBar, offset=(bar.render().plain.index("? Keys") - 2, 0))
        assert bar.hover is None and bar.tooltip is None


async def test_clicking_a_disabled_key_rings_the_bell(make_app, monkeypatch) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(KeyBar)
        index = next(i for i, h in enumerate(bar.hints) if h.description == "Section")
        bar.hints[index] = bar.hints[index]._replace(enabled=False)
        bar.refresh()
        await pilot.pause()
        rung = []
        monkeypatch.setattr(app, "bell", lambda: rung.append(True))
        await pilot.click(KeyBar, offset=(bar.render().plain.index("n/p Section") + 1, 0))
        await settle(app, pilot)
        assert rung == [True] and app.screen.section_index == 0
