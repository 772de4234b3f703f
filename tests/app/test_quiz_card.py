"""The quiz card in a tiny app: keyboard answering, feedback in words, messages posted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from tutor.core.lesson import Lesson, parse_lesson_text
from tutor.core.progress import Progress
from tutor.core.quiz import expected_shape, find_quiz, shape_dims
from tutor.widgets.quiz import QuizCard

SIZE = (100, 50)

LESSON = """\
---
id: cards
title: Cards
order: 1
summary: Quizzes for the card tests.
seed: 5
---

## Quizzes

```quiz
id: dw2
kind: formula
prompt: Type δW2 = −∂Δ/∂W2 using X, W1 and Yt.
attempts: 2
dims: {n: [7, 12], m: [2, 3], h: [4, 6]}
setup: |
  X = randn(n, m)
  W1 = uniform(-1, 1, (m, h))
  W2 = uniform(-1, 1, (h, 1))
  Y = randn(n, 1)
  Yt = Y - X @ W1 @ W2
names: [X, W1, Yt]
answer: 2 * (X @ W1).T @ Yt
hints:
  - The residual Yt comes last.
  - Transpose X @ W1.
solution: δW2 = 2 (XW1)ᵀ Ỹ, worked out index by index.
proves:
  loss: sum((Y - X @ W1 @ W2)**2)
  wrt: W2
  convention: descent
```

```quiz
id: w1-shape
kind: shape
prompt: X is ({n},{m}) and W1 is ({m},{h}). What is the shape of δW1?
dims: {n: [7, 12], m: [2, 3], h: [4, 6]}
answer: (m, h)
```

```quiz
id: pick-two
kind: choice
prompt: Which products exist?
choices: ["A @ B", "B @ A", "A.T @ B", "B.T @ A.T"]
answer: [1, 4]
explain: Inner dimensions must agree.
```

```quiz
id: residual-bug
kind: bug
prompt: Which line is wrong?
code: |
  A = X @ W1
  Yhat = A @ W2
  dW2 = 2 * A.T @ Yhat
bug_line: 3
fix_prompt: Type the right dW2.
dims: {n: [7, 12], m: [2, 3], h: [4, 6]}
setup: |
  X = randn(n, m)
  W1 = uniform(-1, 1, (m, h))
  W2 = uniform(-1, 1, (h, 1))
  Y = randn(n, 1)
  A = X @ W1
  Yhat = A @ W2
names: [A, Y, Yhat]
answer: 2 * A.T @ (Y - Yhat)
```
"""


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


@pytest.fixture
def lesson() -> Lesson:
    return parse_lesson_text(LESSON, Path("cards.md"))


def make(lesson: Lesson, quiz_id: str, progress: Progress | None = None) -> CardApp:
    app = CardApp(lesson, quiz_id, progress or Progress())
    app.animation_level = "none"
    return app


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (no styles, fixed width)."""
    console = Console(width=98, file=io.StringIO(), color_system=None, force_terminal=False)
    console.print(widget.content)
    return console.file.getvalue()


async def answer(app: CardApp, pilot, text: str) -> None:
    """Type an answer in the card's input and press Enter; wait for the grading worker."""
    field = app.query_one("#quiz-answer", Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_correct_formula_posts_graded_and_shows_the_trace(lesson: Lesson) -> None:
    app = make(lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "2 * np.dot((X @ W1).T, Yt)")
        feedback = text_of(app.query_one("#quiz-feedback", Static))
        assert "✓ Correct" in feedback
        assert "->" in feedback or "→" in feedback
        assert [(g.lesson_id, g.quiz_id, g.correct) for g in app.graded] == [("cards", "dw2", True)]
        card = app.query_one(QuizCard)
        assert card.passed and card.has_class("-passed")
        assert "passed" in str(card.border_subtitle)


async def test_wrong_formula_feedback_names_the_verdict_in_words(lesson: Lesson) -> None:
    app = make(lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "(X @ W1).T @ Yt")
        feedback = text_of(app.query_one("#quiz-feedback", Static))
        assert "✗ Off by a factor" in feedback and "drop the 2" in feedback
        assert [g.correct for g in app.graded] == [False]
        assert app.graded[0].verdict == "factor"
        assert not app.revealed


async def test_syntax_error_feedback_has_a_caret(lesson: Lesson) -> None:
    app = make(lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        await answer(app, pilot, "X @@ W1")
        feedback = text_of(app.query_one("#quiz-feedback", Static))
        assert "Not understood" in feedback and "^" in feedback


async def test_solution_is_revealed_when_attempts_run_out(lesson: Lesson) -> None:
    app = make(lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        solution = app.query_one("#quiz-solution", Static)
        assert not solution.display
        await answer(app, pilot, "X.T @ Yt")
        assert not app.revealed and not solution.display
        await answer(app, pilot, "-2 * (X @ W1).T @ Yt")
        assert [(r.lesson_id, r.quiz_id) for r in app.revealed] == [("cards", "dw2")]
        assert solution.display
        shown = text_of(solution)
        assert "2 * (X @ W1).T @ Yt" in shown and "index by index" in shown
        await answer(app, pilot, "X.T @ Yt")
        assert len(app.revealed) == 1 and len(app.graded) == 3


async def test_attempts_so_far_come_from_the_progress_record(lesson: Lesson) -> None:
    progress = Progress()
    progress.record_answer("cards", "dw2", False)
    app = make(lesson, "dw2", progress)
    async with app.run_test(size=SIZE) as pilot:
        assert "attempt 2 of 2" in str(app.query_one(QuizCard).border_subtitle)
        await answer(app, pilot, "X.T @ Yt")
        assert len(app.revealed) == 1
        assert progress.quiz("cards", "dw2").attempts == 1  # the card never writes progress


async def test_hints_are_revealed_one_at_a_time(lesson: Lesson) -> None:
    app = make(lesson, "dw2")
    async with app.run_test(size=SIZE) as pilot:
        hints = app.query_one("#quiz-hints", Static)
        assert "Hint 1" not in text_of(hints) and "2 hints left" in text_of(hints)
        app.query_one(QuizCard).focus()
        await pilot.press("h")
        assert "Hint 1: The residual Yt comes last." in text_of(hints)
        assert "Hint 2" not in text_of(hints)
        await pilot.press("h", "h")
        assert "Hint 2: Transpose X @ W1." in text_of(hints)


async def test_choice_is_answered_with_number_keys(lesson: Lesson) -> None:
    app = make(lesson, "pick-two")
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
        feedback = text_of(app.query_one("#quiz-feedback", Static))
        assert "✓ Correct" in feedback and "Inner dimensions must agree." in feedback


async def test_shape_quiz_shows_its_draw_and_redraws_after_an_attempt(lesson: Lesson) -> None:
    spec = find_quiz(lesson, "w1-shape")
    first, second = (shape_dims(spec, lesson.seed, attempt) for attempt in (0, 1))
    app = make(lesson, "w1-shape")
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one("#quiz-prompt", Static)
        assert f"X is ({first['n']},{first['m']})" in text_of(prompt)
        right = expected_shape(spec, first)
        await answer(app, pilot, f"{right[0]}x{right[1]}")
        assert [g.correct for g in app.graded] == [True]
        assert f"X is ({second['n']},{second['m']})" in text_of(prompt)


async def test_bug_quiz_line_first_then_the_fix(lesson: Lesson) -> None:
    app = make(lesson, "residual-bug")
    async with app.run_test(size=SIZE) as pilot:
        field = app.query_one("#quiz-answer", Input)
        assert not field.display
        app.query_one(QuizCard).focus()
        await pilot.press("2", "enter")
        assert [g.correct for g in app.graded] == [False]
        assert "not the faulty one" in text_of(app.query_one("#quiz-feedback", Static))
        await pilot.press("3", "enter")
        await pilot.pause()
        assert field.display and app.focused is field
        await answer(app, pilot, "2 * A.T @ (Y - Yhat)")
        assert [g.correct for g in app.graded] == [False, True]
