"""The program quiz card: write a pass in the editor, grade it, see the first wrong line."""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Static, TextArea

from tests.core.test_program_quiz import RIGHT, lesson
from tutor.core.lesson import Lesson
from tutor.core.progress import Progress
from tutor.widgets.program_quiz import ProgramCard
from tutor.widgets.quiz import QuizCard

SIZE = (100, 60)


class ProgramApp(App[None]):
    def __init__(self, lesson: Lesson) -> None:
        super().__init__()
        self.lesson = lesson
        self.graded: list[QuizCard.Graded] = []

    def compose(self) -> ComposeResult:
        block = self.lesson.quiz("two-layer")
        assert block is not None
        yield ProgramCard(self.lesson, block, Progress())

    def on_quiz_card_graded(self, event: QuizCard.Graded) -> None:
        self.graded.append(event)


def shown(app: ProgramApp) -> str:
    console = Console(width=98, file=io.StringIO(), color_system=None)
    console.print(app.query_one("#quiz-feedback", Static).content)
    return console.file.getvalue()


async def run_program(app: ProgramApp, pilot, program: str) -> None:
    editor = app.query_one("#quiz-answer", TextArea)
    editor.focus()
    editor.text = program
    await pilot.press("ctrl+r")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_typing_a_program_and_checking_it_with_the_keyboard() -> None:
    app = ProgramApp(lesson())
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one("#quiz-answer", TextArea)
        editor.focus()
        await pilot.press(*"Yhat = relu(X @ W1) @ W2", "enter")
        assert editor.text == "Yhat = relu(X @ W1) @ W2\n"  # Enter types a new line
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [g.verdict for g in app.graded] == ["missing"]
        assert "never assigns dW2" in shown(app)


async def test_first_wrong_line_is_marked_and_every_line_has_its_shape() -> None:
    app = ProgramApp(lesson())
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await run_program(app, pilot, RIGHT.replace("R = Y - Yhat", "R = Yhat - Y"))
        text = shown(app)
        assert "✗ Sign flipped" in text
        assert "›  4  R = Yhat - Y" in text
        lines = [line for line in text.splitlines() if line[1:4].strip().isdigit()]
        assert len(lines) == 7 and all(line.rstrip().endswith(")") for line in lines)
        assert "Step dW2: the sign is flipped" in text and "line 4" in text
        await run_program(app, pilot, RIGHT)
        assert "✓ Correct" in shown(app)
        assert [g.correct for g in app.graded] == [False, True]
        assert app.query_one(ProgramCard).passed


async def test_a_program_that_does_not_run_uses_no_attempt() -> None:
    app = ProgramApp(lesson())
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await run_program(app, pilot, "A = relu(X @ W1\nYhat = A @ W2")
        text = shown(app)
        assert "Line 1:" in text and "did not use up an attempt" in text
        assert app.graded == []
