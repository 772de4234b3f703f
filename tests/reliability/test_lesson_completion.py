"""A lesson is done only when BOTH hold: its end was reached and every quiz in it passed.

The app checks completion when the learner moves and when an answer is graded, so
each order of the two events finishes the lesson at the second one; each condition
alone does not, and neither does a right answer typed after the solution was shown.
The events are the messages the lesson screen and the quiz card post to the app.
"""

from __future__ import annotations

from pathlib import Path

from tutor.core.progress import ProgressStore
from tutor.screens.lesson import LessonScreen
from tutor.widgets.quiz import QuizCard

SIZE = (110, 36)


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def send(app, pilot, *messages) -> None:
    for message in messages:
        app.post_message(message)
        await pilot.pause()
    await settle(app, pilot)


def at_the_end(app) -> LessonScreen.PositionChanged:
    lesson = app.library.find("good-one")
    return LessonScreen.PositionChanged(lesson, len(lesson.sections) - 1, True)


def answered(correct: bool, *, after_solution: bool = False) -> QuizCard.Graded:
    return QuizCard.Graded("good-one", "pick", correct, after_solution=after_solution)


def saved_status(home: Path) -> str:
    return ProgressStore(home).load().status("good-one")


async def test_end_then_quiz_passed_finishes_at_the_answer(make_app, tutor_home: Path) -> None:
    app = make_app(start="good-one")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, at_the_end(app))
        assert app.progress.status("good-one") == "started"  # the quiz is not passed
        await send(app, pilot, answered(True))
        assert app.progress.status("good-one") == "done"
    assert saved_status(tutor_home) == "done"


async def test_quiz_passed_then_end_finishes_at_the_end(make_app, tutor_home: Path) -> None:
    app = make_app(start="good-one")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, answered(True))
        assert app.progress.status("good-one") == "started"  # the end is not reached
        await send(app, pilot, at_the_end(app))
        assert app.progress.status("good-one") == "done"
    assert saved_status(tutor_home) == "done"


async def test_end_with_a_wrong_answer_is_not_done(make_app, tutor_home: Path) -> None:
    app = make_app(start="good-one")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, answered(False), at_the_end(app))
        assert app.progress.status("good-one") == "started"
        assert app.progress.missed() == [("good-one", "pick")]
    assert saved_status(tutor_home) == "started"


async def test_a_right_answer_after_the_solution_does_not_finish(
    make_app, tutor_home: Path
) -> None:
    app = make_app(start="good-one")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await send(app, pilot, at_the_end(app), answered(True, after_solution=True))
        assert app.progress.status("good-one") == "started"
        assert app.progress.quiz_state("good-one", "pick") == "solution seen"
    saved = ProgressStore(tutor_home).load()
    assert saved.status("good-one") == "started"
    assert saved.quiz_state("good-one", "pick") == "solution seen"
    assert saved.missed() == [("good-one", "pick")]
