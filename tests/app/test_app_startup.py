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


async def test_collection_resumes_even_if_another_screen_opens_at_once(
    make_app, settled, monkeypatch
) -> None:
    """The lesson is covered before it repaints after computing: collection still resumes.

    A callback handed to the lesson screen to run after its next refresh would wait
    until that screen is on top again; the help screen is pushed at exactly that point.
    """
    from textual.screen import Screen

    from tutor.screens.lesson import LessonScreen

    app = make_app()
    original = Screen._invoke_later

    def invoke_later_then_cover(self, callback, sender) -> None:
        original(self, callback, sender)
        if isinstance(self, LessonScreen) and self.lesson_run is not None and self.is_current:
            app.action_help()

    monkeypatch.setattr(Screen, "_invoke_later", invoke_later_then_cover)
    async with app.run_test(size=(110, 36)):
        await asyncio.wait_for(settled.wait(), timeout=10)
        assert gc.isenabled()
