"""A quiz, in place in the lesson: answered from the keyboard, graded in a worker.

The card never writes progress. It reads the quiz's record once, to know how many
attempts were made and whether the quiz was passed or its solution shown, keeps its
own count after that, and posts ``Graded`` after every graded attempt (and
``Revealed`` when the solution appears); the app records and saves them.

An answer the grader cannot read (a typo, an unknown name) is explained but uses up
no attempt. A right answer typed while the solution is on screen does not pass the
quiz: it stays "solution seen" on the review list, and a later visit, with the
solution hidden again and (for a shape quiz) new dimensions, can pass it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from tutor.core.errors import TutorError
from tutor.core.lesson import Block, Lesson
from tutor.core.mathtext import render_math
from tutor.core.progress import Progress, QuizRecord
from tutor.core.quiz import (
    Grade,
    QuizFormatError,
    QuizSpec,
    expected_shape,
    format_prompt,
    grade,
    grade_bug_line,
    grade_line,
    quiz_spec,
    shape_dims,
)
from tutor.core.safe_text import clean, clean_line, literal
from tutor.rendering.prose import prose_renderable
from tutor.rendering.traces import step_lines

#: How each verdict is marked, so the word and the mark carry it without colour.
VERDICT_STYLES = {"correct": ("✓", "bold green"), "invalid": ("?", "bold yellow")}
_WRONG_STYLE = ("✗", "bold red")
#: Options and code lines are picked with the number keys.
MAX_PICKS = 9


class QuizCard(Vertical, can_focus=True):
    """One quiz block: prompt, answer field or options, hints, feedback and solution."""

    DEFAULT_CSS = """
    QuizCard {
        height: auto;
        border: round $secondary;
        padding: 0 1;
        margin: 0 0 1 0;
    }
    QuizCard:focus-within, QuizCard:focus { border: round $accent; }
    QuizCard.-passed { border: round $success; }
    QuizCard > Static { height: auto; }
    QuizCard #quiz-code, QuizCard #quiz-choices { margin: 1 0 0 0; }
    QuizCard #quiz-hints, QuizCard #quiz-feedback, QuizCard #quiz-solution { margin: 1 0 0 0; }
    QuizCard Input { margin: 1 0 0 0; }
    QuizCard #quiz-buttons { height: auto; margin: 1 0 0 0; }
    QuizCard Button { min-width: 10; margin: 0 1 0 0; }
    """

    BINDINGS = [
        # F2 works while the answer field has focus (where h is typed as a letter).
        Binding("f2", "hint", "Hint", key_display="F2", tooltip="Reveal the next hint"),
        Binding("h", "hint", "Hint", show=False),
        Binding("enter", "check", "Check", tooltip="Check the options or line you picked"),
        *(Binding(str(n), f"pick({n})", f"Pick {n}", show=False) for n in range(1, MAX_PICKS + 1)),
    ]

    @dataclass
    class Graded(Message):
        """An attempt was graded (the app records it in the learner's progress)."""

        lesson_id: str
        quiz_id: str
        correct: bool
        verdict: str = ""
        #: The solution was on screen when the answer was typed (it then passes nothing).
        after_solution: bool = False
        #: The answer as typed (or the options picked), for a class's records.
        answer: str = ""

    @dataclass
    class HintShown(Message):
        """A hint was revealed (a class's records keep which, and when)."""

        lesson_id: str
        quiz_id: str
        number: int

    @dataclass
    class Revealed(Message):
        """The attempts ran out and the solution is shown (the app records that)."""

        lesson_id: str
        quiz_id: str

    @dataclass
    class AnswerChecked(Message):
        """A grading worker finished (handled by the card itself)."""

        answer: str
        grade: Grade | None
        error: str | None = None
        bubble = False

    def __init__(self, lesson: Lesson, block: Block, progress: Progress, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self.block = block
        self.spec: QuizSpec | None = None
        self.problem = ""
        try:
            self.spec = quiz_spec(block, lesson)
        except QuizFormatError as error:
            self.problem = error.message
        # Read without creating a record: the card never changes the learner's progress.
        record = progress.quizzes.get(lesson.id, {}).get(block.quiz_id or "") or QuizRecord()
        #: The solution was shown on an earlier visit: this visit starts a fresh count.
        self.seen_before = record.revealed and not record.passed
        #: Graded attempts counted towards showing the solution.
        self.attempts = 0 if self.seen_before else record.attempts
        self.passed = record.passed
        #: The solution is on screen now (hidden again on a later visit).
        self.revealed = False
        #: Which draw a shape quiz shows: fixed for the visit, new on the next one.
        self.draw_attempt = record.attempts
        self.hints_shown = 0
        self.picked: set[int] = set()
        self.line_found = self.passed  # a passed bug quiz opens at its fix
        self.last_grade: Grade | None = None
        kind = block.data.get("kind", "?") if block.data else "?"
        self.border_title = literal(f"quiz · {kind}", line=True)  # a str is read as markup

    # -- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="quiz-prompt")
        spec = self.spec
        if spec is None:
            return
        if spec.kind == "bug":
            yield Static(id="quiz-code")
            yield Static(id="quiz-fix-prompt")
        if spec.kind == "choice":
            yield Static(id="quiz-choices")
        if spec.kind != "choice":
            yield self._answer_field(spec)
        yield Static(id="quiz-hints")
        yield Static(id="quiz-feedback")
        yield Static(id="quiz-solution")
        with Horizontal(id="quiz-buttons"):
            if spec.hints:
                yield Button(
                    "Hint (F2)", id="quiz-hint", compact=True, tooltip="Reveal the next hint"
                )
            if spec.kind in ("choice", "bug"):
                yield Button("Check (Enter)", id="quiz-check", compact=True)
            yield from self._extra_buttons()

    def on_mount(self) -> None:
        if self.spec is not None:
            self.query_one("#quiz-feedback", Static).display = False
        self.refresh_view()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter and the number keys act on options and code lines only."""
        if action in ("check", "pick"):
            return self.spec is not None and self._pick_count(self.spec) > 0
        if action == "hint":
            return self.spec is not None and self.hints_shown < len(self.spec.hints)
        return True

    def refresh_view(self) -> None:
        """Redraw every part of the card from its state."""
        spec = self.spec
        prompt = self.query_one("#quiz-prompt", Static)
        if spec is None:
            prompt.update(literal(f"This quiz cannot be shown: {self.problem}", "red"))
            return
        prompt.update(prose_renderable(render_math(self.prompt_text())))
        self.set_class(self.passed, "-passed")
        self.border_subtitle = self._status()
        if spec.kind == "bug":
            self.query_one("#quiz-code", Static).update(self._code_listing(spec))
            fix = self.query_one("#quiz-fix-prompt", Static)
            fix.update(literal(spec.fix_prompt or "Type the corrected expression.", "bold"))
            fix.display = self.query_one("#quiz-answer").display = self.line_found
        if spec.kind == "choice":
            self.query_one("#quiz-choices", Static).update(self._choice_list(spec))
        hints = self._hints(spec)
        shown = self.query_one("#quiz-hints", Static)
        shown.update(hints)
        # A quiz without hints keeps no blank line (and margin) where they would go.
        shown.display = bool(hints.plain)
        for button in self.query("#quiz-hint").results(Button):
            button.disabled = self.hints_shown >= len(spec.hints)
        solution = self.query_one("#quiz-solution", Static)
        solution.display = self.revealed or self.passed and bool(spec.solution)
        solution.update(self._solution(spec))

    def prompt_text(self) -> str:
        """The prompt; a shape quiz's shows this attempt's freshly drawn dimensions."""
        assert self.spec is not None
        if self.spec.kind == "shape":
            return format_prompt(self.spec.prompt, self._dims())
        # Any other quiz is graded on several draws: its sizes are named by letter.
        return format_prompt(self.spec.prompt, {name: name for name, *_ in self.spec.dims})  # type: ignore[misc]

    def _dims(self) -> dict[str, int]:
        assert self.spec is not None
        return shape_dims(self.spec, self.lesson.seed, self.draw_attempt)

    def _answer_field(self, spec: QuizSpec) -> Widget:
        """Where the learner types: one line here, an editor for a program quiz."""
        return Input(placeholder=self._placeholder(spec), id="quiz-answer")

    def _extra_buttons(self) -> ComposeResult:
        """Buttons a kind of quiz adds (none here)."""
        yield from ()

    def _feedback(self, answer: str, grade: Grade, note: str) -> RenderableType:
        """What the card shows after an answer is graded."""
        return feedback_renderable(answer, grade, note=note)

    def _placeholder(self, spec: QuizSpec) -> str:
        if spec.kind == "shape":
            return "type a shape, e.g. (3,4), and press Enter"
        names = ", ".join(spec.names) if spec.names else "the lesson's names"
        return f"type an expression using {names}, and press Enter"

    def _status(self) -> str:
        assert self.spec is not None
        if self.passed:
            return "passed ✓"
        if self.revealed:
            # Short enough for the card's frame at 80x24.
            return "solution shown · pass it on a later visit"
        seen = "solution seen before · " if self.seen_before else ""
        return f"{seen}attempt {self.attempts + 1} of {self.spec.attempts}"

    def _code_listing(self, spec: QuizSpec) -> Text:
        text = Text()
        for number, line in enumerate(spec.code_lines, 1):
            chosen = number in self.picked
            marker = "›" if chosen else " "
            text.append(f"{marker}{number:>2}  ", style="bold" if chosen else "dim")
            text.append(clean_line(line) + "\n", style="reverse" if chosen else "")
        if not self.line_found:
            text.append("Press the number of the faulty line, then Enter.", style="italic")
        else:
            text.append(f"Line {spec.bug_line} is the faulty one.", style="italic")
        return text

    def _choice_list(self, spec: QuizSpec) -> Text:
        text = Text()
        box = ("[x]", "[ ]") if spec.multiple else ("(•)", "( )")
        for number, choice in enumerate(spec.choices, 1):
            chosen = number in self.picked
            text.append(
                f"{box[0] if chosen else box[1]} {number}. ", style="bold" if chosen else ""
            )
            text.append(clean(render_math(choice)) + "\n")
        how = "several may be right" if spec.multiple else "one is right"
        text.append(f"Press a number to pick ({how}), then Enter.", style="italic")
        return text

    def _hints(self, spec: QuizSpec) -> Text:
        text = Text()
        for number, hint in enumerate(spec.hints[: self.hints_shown], 1):
            text.append(f"Hint {number}: ", style="bold")
            text.append(clean(render_math(hint)) + "\n")
        left = len(spec.hints) - self.hints_shown
        if left:
            text.append(f"{left} hint{'s' if left > 1 else ''} left: press F2.", style="dim")
        return text.rstrip() or text

    def _solution(self, spec: QuizSpec) -> RenderableType:
        text = Text("Solution: ", style="bold")
        text.append(clean(self._answer_words(spec)))
        parts: list[RenderableType] = [text]
        if spec.solution:
            parts.append(prose_renderable(render_math(spec.solution)))
        if spec.explain and spec.kind == "choice":
            parts.append(literal(render_math(spec.explain)))
        return Group(*parts)

    def _answer_words(self, spec: QuizSpec) -> str:
        if spec.kind == "choice":
            return "; ".join(f"{p}. {render_math(spec.choices[p - 1])}" for p in spec.picks)
        if spec.kind == "shape":
            shape = expected_shape(spec, self._dims())
            return f"{spec.answer}, here ({','.join(str(n) for n in shape)})"
        return spec.answer

    # -- answering ----------------------------------------------------------------------

    @on(Input.Submitted, "#quiz-answer")
    def submit_answer(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text and self.spec is not None:
            self.grade_answer(text, self._grading_attempt())

    def action_pick(self, number: int) -> None:
        spec = self.spec
        if spec is None or number > self._pick_count(spec):
            return
        if spec.kind == "choice" and spec.multiple:
            self.picked ^= {number}
        else:
            self.picked = {number}
        self.refresh_view()

    def action_check(self) -> None:
        spec = self.spec
        if spec is None or not self.picked:
            return
        if spec.kind == "choice":
            self.grade_answer(
                ",".join(str(p) for p in sorted(self.picked)), self._grading_attempt()
            )
        elif spec.kind == "bug" and not self.line_found:
            self._check_line(spec, next(iter(self.picked)))

    @on(Button.Pressed, "#quiz-check")
    def check_pressed(self) -> None:
        self.action_check()

    @on(Button.Pressed, "#quiz-hint")
    def hint_pressed(self) -> None:
        self.action_hint()

    def action_hint(self) -> None:
        if self.spec is not None and self.hints_shown < len(self.spec.hints):
            self.hints_shown += 1
            self.post_message(self.HintShown(self.lesson.id, self.spec.id, self.hints_shown))
            self.refresh_view()
            self.refresh_bindings()

    def _pick_count(self, spec: QuizSpec) -> int:
        if spec.kind == "choice":
            return len(spec.choices)
        if spec.kind == "bug" and not self.line_found:
            return len(spec.code_lines)
        return 0

    def _grading_attempt(self) -> int:
        """The draw an answer is graded on: a shape quiz's is the one its prompt shows;
        a formula's changes with every attempt, so each is checked on new matrices."""
        assert self.spec is not None
        return self.draw_attempt if self.spec.kind == "shape" else self.draw_attempt + self.attempts

    def _check_line(self, spec: QuizSpec, line: int) -> None:
        """The first step of a bug quiz: a wrong line is an attempt; the right one opens the fix."""
        if grade_bug_line(spec, line):
            self.line_found = True
            self.picked = {line}
            self._show_feedback(Text(f"✓ Line {line} is the faulty one.", style="bold green"))
            self.refresh_view()
            self.refresh_bindings()
            self.query_one("#quiz-answer", Input).focus()
            return
        self._record(f"line {line}", grade_line(spec, line))

    @work(thread=True, exclusive=True, group="quiz")
    def grade_answer(self, text: str, attempt: int) -> None:
        """Grade off the event loop: a formula runs NumPy on several draws."""
        assert self.spec is not None
        try:
            result = grade(self.lesson, self.spec.id, text, attempt=attempt)
        except TutorError as error:
            self.post_message(self.AnswerChecked(text, None, error.message))
            return
        self.post_message(self.AnswerChecked(text, result))

    def on_quiz_card_answer_checked(self, event: AnswerChecked) -> None:
        event.stop()
        if event.grade is None:
            self._show_feedback(literal(f"This quiz could not be graded: {event.error}", "red"))
            return
        self._record(event.answer, event.grade)

    def _record(self, answer: str, grade: Grade) -> None:
        """Count the attempt, show the feedback, and tell the app.

        An answer that could not be read is not an attempt: the learner is told why
        and tries again, and nothing is recorded.
        """
        assert self.spec is not None
        self.last_grade = grade
        if grade.verdict == "invalid":
            self._show_feedback(self._feedback(answer, grade, NOT_COUNTED))
            self.refresh_view()
            return
        self.attempts += 1
        after_solution = self.revealed
        note = SEEN_NOTE if grade.correct and after_solution else ""
        self.passed = self.passed or (grade.correct and not after_solution)
        self._show_feedback(self._feedback(answer, grade, note))
        self.post_message(
            self.Graded(
                self.lesson.id, self.spec.id, grade.correct, grade.verdict, after_solution, answer
            )
        )
        if not self.passed and not self.revealed and self.attempts >= self.spec.attempts:
            self.revealed = True
            self.post_message(self.Revealed(self.lesson.id, self.spec.id))
        if self.spec.kind == "shape" and not grade.correct:
            self.query_one("#quiz-answer", Input).value = ""
        if self.spec.kind == "choice":
            self.picked = set()
        self.refresh_view()

    def _show_feedback(self, renderable: RenderableType) -> None:
        feedback = self.query_one("#quiz-feedback", Static)
        feedback.update(renderable)
        feedback.display = True
        # The answer field keeps its cursor in view, so the lesson cannot be scrolled
        # away from it while typing: bring the verdict (and a solution just shown)
        # into view instead.
        self.call_after_refresh(self._show_verdict)

    def _show_verdict(self) -> None:
        solution = self.query_one("#quiz-solution", Static)
        last = solution if solution.display else self.query_one("#quiz-feedback", Static)
        last.scroll_visible(animate=False)


#: Said under an answer that could not be read.
NOT_COUNTED = "This did not use up an attempt."
#: Said under a right answer typed while the solution was on screen.
SEEN_NOTE = (
    "Right, but the solution is on screen, so this does not pass the quiz: it stays on "
    "your review list. Answer it on a later visit to pass it."
)


def feedback_renderable(answer: str, grade: Grade, *, note: str = "") -> Group:
    """The verdict as a word and a mark, the answer's shape trace, the message, a note."""
    mark, style = VERDICT_STYLES.get(grade.verdict, _WRONG_STYLE)
    parts: list[RenderableType] = [literal(f"{mark} {grade.title}", style)]
    parts.append(literal(f"› {answer}", "bold"))
    if grade.trace is not None:
        steps = step_lines(grade.trace)
        if steps.plain:
            parts.append(steps)
    if grade.caret:
        parts.append(literal(grade.caret, "yellow"))
    parts.append(literal(grade.message))
    if note:
        parts.append(literal(note, "italic"))
    return Group(*parts)
