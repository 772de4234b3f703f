"""Reading a lesson: the lesson list, one section at a time, and the scratchpad."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import OptionList, Static

from tutor.core.blocks import block_problems
from tutor.core.lesson import Block, Lesson, Pause, Prose, Section
from tutor.core.lesson_run import LessonRun, run_lesson
from tutor.core.library import Library
from tutor.core.progress import Progress
from tutor.core.safe_text import clean_line, literal
from tutor.widgets.blocks import BrokenBlock, EpochLauncher
from tutor.widgets.compute import ComputeBlock
from tutor.widgets.key_bar import KeyBar
from tutor.widgets.lesson_list import LessonList
from tutor.widgets.prose import ProseView
from tutor.widgets.scratchpad import Scratchpad


class PauseMark(Static):
    """Where a presenter would pause; a faint rule when reading alone."""

    DEFAULT_CSS = "PauseMark { height: 1; color: $text-muted; }"

    def __init__(self, **kwargs) -> None:
        super().__init__("·  ·  ·", **kwargs)


class LessonScreen(Screen[None]):
    """One lesson, shown a section at a time, with the scratchpad below."""

    BINDINGS = [
        # Reading: the section scrolls by line and by page, from the keyboard alone.
        Binding("down,j", "scroll_lines(1)", "Scroll", key_display="↓↑", tooltip="Scroll a line"),
        Binding("up,k", "scroll_lines(-1)", "Scroll up", show=False),
        Binding("space", "page(1)", "Page", key_display="Spc", tooltip="Scroll a page down"),
        Binding("shift+space", "page(-1)", "Page up", show=False),
        Binding("home", "top", "Top of section", show=False),
        Binding("end", "bottom", "End of section", show=False),
        Binding(
            "pagedown",
            "page_or_section(1)",
            "Page, then next section",
            show=False,
            tooltip="A page down; at the end of the section, the next section",
        ),
        Binding(
            "pageup",
            "page_or_section(-1)",
            "Page, then previous section",
            show=False,
            tooltip="A page up; at the top of the section, the previous section",
        ),
        Binding("n", "section(1)", "Section", key_display="n/p", tooltip="Next section (p: back)"),
        Binding("p", "section(-1)", "Prev section", show=False),
        Binding(
            "right_square_bracket",
            "lesson(1)",
            "Lesson",
            key_display="]/[",
            tooltip="Next lesson ([: previous)",
        ),
        Binding("left_square_bracket", "lesson(-1)", "Prev lesson", key_display="[", show=False),
        Binding("slash", "focus_scratchpad", "Scratchpad", key_display="/"),
        Binding("escape", "focus_section", "Leave input", show=False),
        Binding("g", "go_to_lesson", "Go to lesson", show=False),
        Binding(
            "l",
            "lesson_list",
            "Lesson list",
            show=False,
            tooltip="Move to the lesson list (↑/↓ choose, Enter opens, Esc leaves)",
        ),
        Binding("L,shift+l", "toggle_list", "Hide the list", show=False, key_display="L"),
        Binding("tab", "app.focus_next", "Next block", show=False),
    ]

    #: Compute blocks open at their first operation (presenting) or with every one shown.
    STEP_COMPUTE_BLOCKS = False
    #: Nothing has focus at first, so ↓, Space and End read the section (the lesson list
    #: would take them otherwise); Tab moves through the section's blocks and the
    #: scratchpad, and l moves to the list.
    AUTO_FOCUS = ""

    section_index: reactive[int] = reactive(0, init=False)
    """Which section of the lesson is on screen."""

    @dataclass
    class PositionChanged(Message):
        """The learner moved to a lesson or section (the app saves it)."""

        lesson: Lesson
        section: int
        last_section: bool

    @dataclass
    class LessonChosen(Message):
        """The learner asked for another lesson (the app opens it)."""

        lesson_id: str

    def __init__(
        self, library: Library, lesson: Lesson, progress: Progress, section: int = 0
    ) -> None:
        super().__init__()
        self.library = library
        self.lesson = lesson
        self.progress = progress
        self.lesson_run: LessonRun | None = None
        self._open_at_bottom = False
        self.set_reactive(LessonScreen.section_index, self._clamp(section))

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="main"):
                yield Static(id="lesson-header")
                yield VerticalScroll(id="section", can_focus=False)
                yield Scratchpad(id="scratchpad")
            with Vertical(id="sidebar"):
                # In class mode, whose work is being saved: many share one server.
                if learner := getattr(self.app, "learner_label", ""):
                    yield Static(literal(learner, "bold", line=True), id="learner")
                yield LessonList(self.library.lessons, self.progress, id="lessons")
                yield Static(id="lesson-title", classes="full-title")
        yield KeyBar()

    async def on_mount(self) -> None:
        # Presenting, the screen has no lesson list (a subclass composes without it).
        for lessons in self.query(LessonList):
            lessons.highlight_lesson(self.lesson.id)
            self._show_full_title(self.lesson)
        self.compute_lesson(self.lesson)
        await self.show_section()

    @property
    def section(self) -> Section:
        return self.lesson.sections[self.section_index]

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self.lesson.sections) - 1))

    # -- computing ------------------------------------------------------------

    @dataclass
    class Computed(Message):
        """The lesson's compute blocks have run (in a worker thread)."""

        lesson_id: str
        run: LessonRun

    @work(thread=True, exclusive=True, group="lesson-run")
    def compute_lesson(self, lesson: Lesson) -> None:
        """Run every compute block off the event loop, then hand the results back."""
        self.post_message(self.Computed(lesson.id, run_lesson(lesson)))

    def on_lesson_screen_computed(self, event: Computed) -> None:
        if event.lesson_id != self.lesson.id:
            return
        self.lesson_run = event.run
        for widget in self.query(ComputeBlock):
            block_run = event.run.result(widget.block)
            if block_run is not None:
                widget.set_run(block_run)
        for scratchpad in self.query(Scratchpad):
            scratchpad.set_environment(event.run.environment)

    # -- sections ---------------------------------------------------------------

    async def watch_section_index(self) -> None:
        await self.show_section()

    async def show_section(self) -> None:
        """Replace the section's widgets with the current section's, in one update."""
        self._update_header()
        container = self.query_one("#section", VerticalScroll)
        with self.app.batch_update():
            await container.remove_children()
            await container.mount_all(self.section_widgets(self.section))
            container.scroll_home(animate=False)
        if self._open_at_bottom:
            # Reading backwards (Page Up at a section's top): open the previous one at its
            # end, once it is laid out and its height known.
            self._open_at_bottom = False
            container.scroll_end(animate=False)
        self.post_message(
            self.PositionChanged(
                self.lesson, self.section_index, self.section_index == len(self.lesson.sections) - 1
            )
        )

    def section_widgets(self, section: Section) -> list[Widget]:
        """The widgets of one section: prose, live blocks and pause marks, in order."""
        widgets: list[Widget] = []
        if section.title:
            widgets.append(
                Static(literal(section.title, "bold underline", line=True), classes="section-title")
            )
        for part in section.parts:
            if isinstance(part, Prose):
                widgets.append(ProseView(part.text))
            elif isinstance(part, Pause):
                widgets.append(PauseMark())
            elif isinstance(part, Block):
                widgets.append(self.block_widget(part))
        widgets.append(Static(self._section_end_text(), classes="section-end"))
        return widgets

    def _section_end_text(self) -> Text:
        """The last line of a section: where it ends, and the key that goes on."""
        count = len(self.lesson.sections)
        text = Text(f"End of section {self.section_index + 1} of {count}. ", style="dim")
        if self.section_index + 1 < count:
            following = self.lesson.sections[self.section_index + 1]
            text.append("Page Down or n: ", style="dim")
            text.append(clean_line(following.title or "Introduction"), style="dim italic")
        else:
            text.append("End of the lesson: ] opens the next one.", style="dim")
        return text

    def block_widget(self, block: Block) -> Widget:
        problems = block_problems(block)
        if problems:
            # A malformed block never reaches the widget that would run it.
            return BrokenBlock(block, problems)
        run = self.lesson_run.result(block) if self.lesson_run else None
        if block.kind == "compute":
            return ComputeBlock(block, run, stepping=self.STEP_COMPUTE_BLOCKS)
        # The quiz and plot modules (the grader, the training loop) are imported with
        # the first block that needs them, so a lesson's first screen opens sooner.
        if block.kind == "quiz":
            if isinstance(block.data, dict) and block.data.get("kind") == "program":
                from tutor.widgets.program_quiz import ProgramCard

                return ProgramCard(self.lesson, block, self.progress)
            from tutor.widgets.quiz import QuizCard

            return QuizCard(self.lesson, block, self.progress)
        if block.kind == "epoch":
            return EpochLauncher(block)
        from tutor.widgets.plots import PlotView

        return PlotView(block)

    def _update_header(self) -> None:
        number = self.library.number_of(self.lesson)
        count = len(self.lesson.sections)
        header = literal(f"Lesson {number} · {self.lesson.title}", "bold", line=True)
        where = clean_line(self.section.title or "Introduction")
        header.append(f"   section {self.section_index + 1}/{count}: {where}", style="dim")
        # Wrapped, never cut: the header is where a long title is read in full.
        self.query_one("#lesson-header", Static).update(header)

    def _show_full_title(self, lesson: Lesson) -> None:
        """Under the list, the highlighted lesson's whole title (the list cuts long ones)."""
        number = self.library.number_of(lesson)
        text = literal(f"{number} · {lesson.title}", "bold")
        if lesson.summary:
            text.append("\n")
            text.append_text(literal(lesson.summary, "dim"))
        self.query_one("#lesson-title", Static).update(text)

    # -- actions ------------------------------------------------------------------

    @property
    def reader(self) -> VerticalScroll:
        """The scrolling column that holds the section."""
        return self.query_one("#section", VerticalScroll)

    def action_scroll_lines(self, lines: int) -> None:
        self.reader.scroll_relative(y=lines, animate=False, immediate=True)

    def action_page(self, direction: int) -> None:
        reader = self.reader
        if direction > 0:
            reader.scroll_page_down(animate=False)
        else:
            reader.scroll_page_up(animate=False)

    def action_top(self) -> None:
        self.reader.scroll_home(animate=False, immediate=True)

    def action_bottom(self) -> None:
        self.reader.scroll_end(animate=False, immediate=True)

    async def action_page_or_section(self, direction: int) -> None:
        """Page Down reads on to the end of the section, and only then opens the next;
        Page Up reads back to its top, then opens the previous section at its end."""
        reader = self.reader
        if direction > 0 and reader.scroll_y < reader.max_scroll_y:
            self.action_page(1)
        elif direction < 0 and reader.scroll_y > 0:
            self.action_page(-1)
        elif direction > 0:
            self.action_section(1)
        elif self.section_index > 0:
            self._open_at_bottom = True
            self.section_index -= 1

    def action_section(self, delta: int) -> None:
        target = self._clamp(self.section_index + delta)
        if target != self.section_index:
            self.section_index = target
        elif delta > 0:
            self.notify("End of the lesson: ] opens the next one.", timeout=3)

    def action_lesson(self, delta: int) -> None:
        number = self.library.number_of(self.lesson) - 1 + delta
        if 0 <= number < len(self.library.lessons):
            self.post_message(self.LessonChosen(self.library.lessons[number].id))

    def action_focus_scratchpad(self) -> None:
        self.query_one(Scratchpad).focus_input()

    def action_focus_section(self) -> None:
        self.set_focus(None)

    def action_toggle_list(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display

    def action_lesson_list(self) -> None:
        """Focus the list (shown again if hidden): ↑/↓ move, Enter opens, Esc leaves."""
        self.query_one("#sidebar").display = True
        self.query_one(LessonList).take_focus()

    def action_go_to_lesson(self) -> None:
        from tutor.screens.dialogs import LessonNumberDialog

        def chosen(lesson_id: str | None) -> None:
            if lesson_id:
                self.post_message(self.LessonChosen(lesson_id))

        self.app.push_screen(LessonNumberDialog(self.library), chosen)

    def go_to_heading(self, index: int) -> None:
        """Show section ``index`` (from the command palette)."""
        self.section_index = self._clamp(index)

    @on(OptionList.OptionHighlighted, "#lessons")
    def lesson_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        lesson = next((item for item in self.library.lessons if item.id == event.option.id), None)
        if lesson is not None:
            self._show_full_title(lesson)

    @on(OptionList.OptionSelected, "#lessons")
    def lesson_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id != self.lesson.id:
            self.post_message(self.LessonChosen(event.option.id))

    def refresh_progress(self) -> None:
        """Redraw the lesson list's marks after the app saved new progress."""
        for lessons in self.query(LessonList):
            lessons.refresh_status(self.progress, self.lesson.id)
