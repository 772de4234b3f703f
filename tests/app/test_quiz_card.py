"""The quiz card in a tiny app: keyboard answering, feedback in words, messages posted.

The quizzes are the shared quiz lesson's (``quiz_lesson`` in ``tests/conftest.py``).
"""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from tutor.core.lesson import Lesson
from tutor.core.progress import Progress
from tutor.core.quiz import expected_shape, find_quiz, shape_dims
from tutor.widgets.quiz import QuizCard

SIZE = (100, 50)


class CardApp(App[None]):
    """One quiz card, and every message it posts to the app."""

    def __init__(self, lesson: Lesson, quiz_id: str, progress: Progress) -> None:
        super().__init__()
        self.lesson = lesson
        self.block = lesson.quiz(quiz_id)
        self.progress = progress
        self.graded: list[QuizCard.Graded] = []
        self.revealed: list[QuizCard.Revealed] = []

    def compose(self) -> ComposeResult:
        assert self.block is not None
        yield QuizCard(self.lesson, self.block, self.progress)

    def on_quiz_card_graded(self, event: QuizCard.Graded) -> None:
        self.graded.append(event)

    def on_quiz_card_revealed(self, event: QuizCard.Revealed) -> None:
        self.revealed.append(event)


def make(lesson: Lesson, quiz_id: str, progress: Progress | None = None) -> CardApp:
    app = CardApp(lesson, quiz_id, progress or Progress())
    app.animation_level = "none"
    return app


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (no styles, fixed width)."""
    console = Console(width=98, file=io.StringIO(), color_system=None, force_terminal=False)
    console.print(widget.content)
    return console.file.getvalue()


def feedback_of(app: CardApp) -> str:
    """The verdict and message the card shows, as plain text."""
    return text_of(app.query_one("#quiz-feedback", Static))


async def answer(app: CardApp, pilot, text: str) -> None:
    """Type an answer in the card's input and press Enter; wait for the grading worker."""
    field = app.query_one("#quiz-answer", Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_correct_formula_posts_graded_and_shows_the_trace(quiz_lesson: Lesson) -> None:
    app = make(quiz_lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "2 * np.dot((X @ W1).T, Yt)")
        feedback = feedback_of(app)
        assert "✓ Correct" in feedback
        assert "->" in feedback or "→" in feedback
        graded = [(g.lesson_id, g.quiz_id, g.correct) for g in app.graded]
        assert graded == [("quizzes", "dw2", True)]
        card = app.query_one(QuizCard)
        assert card.passed and card.has_class("-passed")
        assert "passed" in str(card.border_subtitle)


async def test_wrong_formula_feedback_names_the_verdict_in_words(quiz_lesson: Lesson) -> None:
    app = make(quiz_lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "(X @ W1).T @ Yt")
        feedback = feedback_of(app)
        assert "✗ Off by a factor" in feedback and "drop the 2" in feedback
        assert [g.correct for g in app.graded] == [False]
        assert app.graded[0].verdict == "factor"
        assert not app.revealed


async def test_syntax_error_feedback_has_a_caret(quiz_lesson: Lesson) -> None:
    app = make(quiz_lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "X @@ W1")
        feedback = feedback_of(app)
        assert "Not understood" in feedback and "^" in feedback


async def test_solution_is_revealed_when_attempts_run_out(quiz_lesson: Lesson) -> None:
    app = make(quiz_lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        solution = app.query_one("#quiz-solution", Static)
        assert not solution.display
        await answer(app, pilot, "X.T @ Yt")
        assert not app.revealed and not solution.display
        await answer(app, pilot, "-2 * (X @ W1).T @ Yt")
        assert [(r.lesson_id, r.quiz_id) for r in app.revealed] == [("quizzes", "dw2")]
        assert solution.display
        shown = text_of(solution)
        assert "2 * (X @ W1).T @ Yt" in shown and "index by index" in shown
        await answer(app, pilot, "X.T @ Yt")
        assert len(app.revealed) == 1 and len(app.graded) == 3


async def test_attempts_so_far_come_from_the_progress_record(quiz_lesson: Lesson) -> None:
    progress = Progress()
    progress.record_answer("quizzes", "dw2", False)
    app = make(quiz_lesson, "dw2", progress)
    async with app.run_test(size=SIZE) as pilot:
        assert "attempt 2 of 2" in str(app.query_one(QuizCard).border_subtitle)
        await answer(app, pilot, "X.T @ Yt")
        assert len(app.revealed) == 1
        assert progress.quiz("quizzes", "dw2").attempts == 1  # the card never writes progress


async def test_hints_are_revealed_one_at_a_time(quiz_lesson: Lesson) -> None:
    app = make(quiz_lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        hints = app.query_one("#quiz-hints", Static)
        assert "Hint 1" not in text_of(hints) and "2 hints left" in text_of(hints)
        app.query_one(QuizCard).focus()
        await pilot.press("h")
        assert "Hint 1: The residual Yt comes last." in text_of(hints)
        assert "Hint 2" not in text_of(hints)
        await pilot.press("h", "h")
        assert "Hint 2: Transpose X @ W1." in text_of(hints)


async def test_f2_gives_a_hint_while_typing_an_answer(quiz_lesson: Lesson) -> None:
    app = make(quiz_lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        field = app.query_one("#quiz-answer", Input)
        field.focus()
        await pilot.press("h", "f2")
        assert field.value == "h" and app.focused is field
        assert "Hint 1: The residual Yt comes last." in text_of(
            app.query_one("#quiz-hints", Static)
        )


async def test_choice_is_answered_with_number_keys(quiz_lesson: Lesson) -> None:
    app = make(quiz_lesson, "pick-two")
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(QuizCard).focus()
        await pilot.press("1", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [g.correct for g in app.graded] == [False]
        await pilot.press("1", "4", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [g.correct for g in app.graded] == [False, True]
        feedback = feedback_of(app)
        assert "✓ Correct" in feedback and "Inner dimensions must agree." in feedback


async def test_shape_quiz_keeps_its_draw_for_the_visit(quiz_lesson: Lesson) -> None:
    """The learner's right answer stays next to the shapes it answered; the next visit
    (one attempt later in the record) shows new dimensions."""
    spec = find_quiz(quiz_lesson, "w1-shape")
    first, second = (shape_dims(spec, quiz_lesson.seed, attempt) for attempt in (0, 1))
    assert first != second
    app = make(quiz_lesson, "w1-shape")
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one("#quiz-prompt", Static)
        shown = text_of(prompt)
        assert f"X is ({first['n']},{first['m']})" in shown
        right = expected_shape(spec, first)
        await answer(app, pilot, f"{right[1]}x{right[0]}")
        await answer(app, pilot, f"{right[0]}x{right[1]}")
        assert [g.correct for g in app.graded] == [False, True]
        assert text_of(prompt) == shown
    progress = Progress()
    progress.record_answer("quizzes", "w1-shape", True)
    later = make(quiz_lesson, "w1-shape", progress)
    async with later.run_test(size=SIZE):
        assert f"X is ({second['n']},{second['m']})" in text_of(
            later.query_one("#quiz-prompt", Static)
        )


async def test_an_unreadable_answer_uses_no_attempt(quiz_lesson: Lesson) -> None:
    app = make(quiz_lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        card = app.query_one(QuizCard)
        for typo in ("X @@ W1", "X @ Q", "import os"):
            await answer(app, pilot, typo)
            assert "This did not use up an attempt." in feedback_of(app)
        assert app.graded == [] and card.attempts == 0
        assert "attempt 1 of 2" in str(card.border_subtitle)
        await answer(app, pilot, "X.T @ Yt")
        assert [g.verdict for g in app.graded] == ["shape"] and card.attempts == 1


async def test_a_right_answer_after_the_solution_does_not_pass(quiz_lesson: Lesson) -> None:
    progress = Progress()
    app = make(quiz_lesson, "dw2", progress)
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "X.T @ Yt")
        await answer(app, pilot, "-2 * (X @ W1).T @ Yt")
        card = app.query_one(QuizCard)
        assert card.revealed
        await answer(app, pilot, "2 * (X @ W1).T @ Yt")
        last = app.graded[-1]
        assert last.correct and last.after_solution
        assert not card.passed and not card.has_class("-passed")
        assert "does not pass the quiz" in feedback_of(app)
    for event in app.graded:
        progress.record_answer(
            event.lesson_id, event.quiz_id, event.correct, after_solution=event.after_solution
        )
    progress.reveal("quizzes", "dw2")
    assert progress.quiz_state("quizzes", "dw2") == "solution seen"
    assert ("quizzes", "dw2") in progress.missed()
    # A later visit hides the solution again and counts afresh; a right answer passes.
    again = make(quiz_lesson, "dw2", progress)
    async with again.run_test(size=SIZE) as pilot:
        card = again.query_one(QuizCard)
        assert not again.query_one("#quiz-solution", Static).display
        assert str(card.border_subtitle).startswith("solution seen before · attempt 1 of 2")
        await answer(again, pilot, "2 * (X @ W1).T @ Yt")
        assert card.passed and not again.graded[-1].after_solution


async def test_bug_quiz_line_first_then_the_fix(quiz_lesson: Lesson) -> None:
    app = make(quiz_lesson, "residual-bug")
    async with app.run_test(size=SIZE) as pilot:
        field = app.query_one("#quiz-answer", Input)
        assert not field.display
        app.query_one(QuizCard).focus()
        await pilot.press("1", "enter")
        assert [g.correct for g in app.graded] == [False]
        assert "✗ Wrong pick" in feedback_of(app)
        assert "Line 1 is not the faulty one: A = X W1 is the hidden layer." in feedback_of(app)
        await pilot.press("3", "enter")
        await pilot.pause()
        assert field.display and app.focused is field
        await answer(app, pilot, "2 * A.T @ (Y - Yhat)")
        assert [g.correct for g in app.graded] == [False, True]


async def test_a_quiz_without_hints_keeps_no_blank_space_for_them(quiz_lesson: Lesson) -> None:
    assert not find_quiz(quiz_lesson, "w1-shape").hints
    app = make(quiz_lesson, "w1-shape")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one("#quiz-hints", Static).display is False
        assert app.query_one("#quiz-hints", Static).region.height == 0
    with_hints = make(quiz_lesson, "dw2")
    async with with_hints.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert with_hints.query_one("#quiz-hints", Static).display is True
