"""The app's part in ``tutor.startup``: collection comes back on once a lesson is up."""

from __future__ import annotations

import gc

from tutor import startup


async def test_the_app_resumes_collection_once_its_lesson_is_computed(make_app) -> None:
    app = make_app()
    startup.begin()
    try:
        async with app.run_test(size=(110, 36)) as pilot:
            assert not gc.isenabled()  # the two-second fallback has not fired
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            assert app.screen.lesson_run is not None
            assert gc.isenabled()
    finally:
        startup.settle()
        gc.enable()
