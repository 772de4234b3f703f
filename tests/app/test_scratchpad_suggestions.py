"""Scratchpad suggestions: made from each lesson's own names, and every one evaluates."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console

from tutor.core.expression import Environment, evaluate
from tutor.core.lesson_run import run_lesson
from tutor.core.library import load_library
from tutor.widgets.scratchpad import Scratchpad, scratchpad_hint, scratchpad_suggestions

LESSONS = load_library().lessons


def plain(renderable) -> str:
    console = Console(width=120, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_every_suggestion_of_every_bundled_lesson_evaluates(lesson) -> None:
    environment = run_lesson(lesson).environment
    suggestions = scratchpad_suggestions(environment)
    assert suggestions, f"{lesson.id} offers nothing to try"
    for suggestion in suggestions:
        trace = evaluate(suggestion, environment.copy())
        assert trace.value.ndim == 2, suggestion
        # Made of the lesson's own names: every name in it is one the lesson defined.
        names = {word for word in suggestion.replace(".T", " ").split() if word != "@"}
        assert names <= set(environment.values), suggestion


def test_scalars_and_vectors_are_never_suggested_as_products() -> None:
    """``mu.T @ mu`` fails for a number: only matrices are offered."""
    environment = Environment(
        {"mu": np.array(0.01), "up": np.ones(3), "X": np.ones((4, 3)), "W": np.ones((3, 2))}
    )
    assert scratchpad_suggestions(environment) == ["X @ W", "W.T @ W"]
    text = scratchpad_hint(environment).plain
    assert "mu.T" not in text and "up.T" not in text and "Try X @ W or W.T @ W" in text


def test_a_lesson_of_numbers_only_suggests_nothing_that_fails() -> None:
    environment = Environment({"mu": np.array(0.5), "n": np.array(3.0)})
    assert scratchpad_suggestions(environment) == []
    assert "Try" not in scratchpad_hint(environment).plain


async def test_the_suggestion_shown_runs_in_the_scratchpad(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        scratchpad = app.screen.query_one(Scratchpad)
        hint = str(scratchpad.query_one("#scratch-result").content)
        suggestion = hint.split("Try ", 1)[1].split(" or ")[0]
        assert suggestion == "W1 @ W2"
        await pilot.press("slash")
        scratchpad.query_one("#scratch-input").value = suggestion
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = plain(scratchpad.query_one("#scratch-result").content)
        assert "(3,4) @ (4,1) -> (3,1)" in result
        assert "Shape mismatch" not in result and "Unknown name" not in result
