"""A program quiz: the learner writes a forward and backward pass in an editor.

The card is a ``QuizCard`` with a multi-line editor in place of the answer field.
Ctrl+R (or the Check button) grades the whole program in a worker; the feedback
lists every line with the shape it computed, marks the line where the first wrong
step departs from a correct program, and gives each step's verdict.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Button, TextArea

from tutor.core.errors import TutorError
from tutor.core.expression import format_shape
from tutor.core.quiz import QuizSpec
from tutor.core.quiz.program import ProgramGrade, grade_program
from tutor.core.safe_text import clean_line, literal
from tutor.widgets.quiz import VERDICT_STYLES, QuizCard

_WRONG_STYLE = ("✗", "bold red")


class ProgramCard(QuizCard):
    """A quiz answered with a whole program, graded step by step."""

    DEFAULT_CSS = """
    ProgramCard TextArea { height: 10; margin: 1 0 0 0; }
    """

    BINDINGS = [
        # Enter types a new line in the editor, so checking has a key of its own.
        Binding("ctrl+r", "check_program", "Check program", tooltip="Grade the whole program"),
    ]

    def _answer_field(self, spec: QuizSpec) -> Widget:
        editor = TextArea(spec.starter, id="quiz-answer", soft_wrap=False, tab_behavior="indent")
        editor.show_line_numbers = True
        return editor

    def _extra_buttons(self) -> ComposeResult:
        yield Button("Check (Ctrl+R)", id="quiz-check-program", compact=True)

    def _placeholder(self, spec: QuizSpec) -> str:
        return ""

    @on(Button.Pressed, "#quiz-check-program")
    def check_pressed_program(self) -> None:
        self.action_check_program()

    def action_check_program(self) -> None:
        if self.spec is None:
            return
        program = self.query_one("#quiz-answer", TextArea).text
        self.grade_program(program, self._grading_attempt())

    @work(thread=True, exclusive=True, group="quiz")
    def grade_program(self, program: str, attempt: int) -> None:
        """Grade off the event loop: every step runs NumPy on several draws."""
        assert self.spec is not None
        try:
            result = grade_program(self.spec, program, seed=self.lesson.seed, attempt=attempt)
        except TutorError as error:
            self.post_message(self.AnswerChecked(program, None, error.message))
            return
        self.post_message(self.AnswerChecked(program, result))  # type: ignore[arg-type]

    def _feedback(self, answer: str, grade: ProgramGrade, note: str) -> RenderableType:  # type: ignore[override]
        return program_feedback(grade, note)


def program_feedback(grade: ProgramGrade, note: str = "") -> Group:
    """The verdict, every line with its shape, each step's verdict, the message."""
    mark, style = VERDICT_STYLES.get(grade.verdict, _WRONG_STYLE)
    parts: list[RenderableType] = [literal(f"{mark} {grade.title}", style)]
    listing = Text()
    for statement in grade.statements:
        here = statement.line == grade.departs_at
        listing.append("›" if here else " ", style="bold red" if here else "")
        listing.append(f"{statement.line:>3}  ", style="dim")
        listing.append(clean_line(statement.text), style="bold" if here else "")
        if statement.trace is not None:
            chain = statement.trace.chain()
            shape = format_shape(statement.trace.shape)
            listing.append(f"   {clean_line(chain.split('   ')[-1]) if chain else shape}", "dim")
        listing.append("\n")
    if listing.plain:
        parts.append(listing.rstrip() or listing)
    if grade.caret:
        parts.append(literal(grade.caret, "yellow"))
    if grade.steps:
        steps = Text()
        for step in grade.steps:
            step_mark, step_style = VERDICT_STYLES.get(step.verdict, _WRONG_STYLE)
            steps.append(f"{step_mark} {step.name}: ", style=step_style)
            steps.append(clean_line(step.message) + "\n")
        parts.append(steps.rstrip() or steps)
    parts.append(literal(grade.message))
    if note:
        parts.append(literal(note, "italic"))
    return Group(*parts)
