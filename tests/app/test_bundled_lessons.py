"""A learner can walk every bundled lesson with the keyboard and meet no broken block."""

from __future__ import annotations

import pytest

from tutor.core.library import load_library
from tutor.widgets.compute import ComputeBlock
from tutor.widgets.plots import PlotView

LESSONS = [lesson.id for lesson in load_library().lessons]


@pytest.mark.parametrize("lesson_id", LESSONS)
async def test_every_section_opens_and_every_block_runs(lesson_id: str) -> None:
    from tutor.app import TutorApp

    app = TutorApp(load_library(), start_lesson=lesson_id)
    app.animation_level = "none"
    async with app.run_test(size=(110, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert screen.lesson.id == lesson_id
        sections = len(screen.lesson.sections)
        blocks_seen = 0
        for index in range(sections):
            assert screen.section_index == index
            await app.workers.wait_for_complete()
            await pilot.pause()
            for block in screen.query(ComputeBlock):
                assert block.run is not None and block.run.error is None, block.block.line
                blocks_seen += 1
            for plot in screen.query(PlotView):
                assert not plot.has_class("-error"), plot
            await pilot.press("n")
        assert blocks_seen >= 1
        assert app.progress.positions[lesson_id] == sections - 1
