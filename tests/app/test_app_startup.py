"""The app's part in ``tutor.startup``: collection comes back on once a lesson is up."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from tutor import startup


@pytest.fixture
def settled(monkeypatch) -> Iterator[asyncio.Event]:
    """Set when the app turns collection back on; the two-second fallback is put off."""
    event = asyncio.Event()
    original = startup.settle

    def settle() -> None:
        original()
        event.set()

    monkeypatch.setattr(startup, "settle", settle)
    monkeypatch.setattr("tutor.app.STARTUP_SECONDS", 600.0)
    startup.begin()
    yield event
    original()
    gc.enable()


async def test_the_app_resumes_collection_once_its_lesson_is_computed(make_app, settled) -> None:
    app = make_app()
    async with app.run_test(size=(110, 36)):
        assert not gc.isenabled()
        await asyncio.wait_for(settled.wait(), timeout=10)
        assert app.screen.lesson_run is not None
        assert gc.isenabled()


async def test_collection_resumes_even_if_another_screen_opens_at_once(make_app, settled) -> None:
    """A screen opened over the lesson as soon as it is computed does not keep it off."""
    app = make_app()

    async def computed() -> None:
        while getattr(app.screen, "lesson_run", None) is None:
            await asyncio.sleep(0)  # one turn of the loop: the turn it is computed

    async with app.run_test(size=(110, 36)):
        await asyncio.wait_for(computed(), timeout=10)
        app.action_help()
        await asyncio.wait_for(settled.wait(), timeout=10)
        assert type(app.screen).__name__ == "HelpScreen"
        assert gc.isenabled()
