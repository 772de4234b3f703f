"""The Textual app: opens where the learner left off and saves after every change."""

from __future__ import annotations

from functools import partial

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.screen import Screen

from tutor.core.errors import TutorError
from tutor.core.lesson import Lesson
from tutor.core.library import Library
from tutor.core.plots import spec_from_options
from tutor.core.progress import Progress, ProgressStore
from tutor.screens.dialogs import ConfirmDialog
from tutor.screens.epoch import EpochScreen
from tutor.screens.help import HelpScreen
from tutor.screens.lesson import LessonScreen
from tutor.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from tutor.settings import Settings
from tutor.themes import CUSTOM_THEMES, THEME_CYCLE
from tutor.widgets.blocks import EpochLauncher
from tutor.widgets.compute import ComputeBlock
from tutor.widgets.quiz import QuizCard
from tutor.widgets.scratchpad import Scratchpad


class LessonCommands(Provider):
    """Command palette: every lesson by title, and every heading of the open lesson."""

    async def search(self, query: str) -> Hits:
        app = self.app
        assert isinstance(app, TutorApp)
        matcher = self.matcher(query)
        for number, lesson in enumerate(app.library.lessons, 1):
            text = f"Lesson {number}: {lesson.title}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(app.open_lesson, lesson.id),
                    help=lesson.summary,
                )
        screen = app.screen
        if isinstance(screen, LessonScreen):
            for index, section in enumerate(screen.lesson.sections):
                text = f"Section: {section.title or 'Introduction'}"
                score = matcher.match(text)
                if score > 0:
                    yield Hit(score, matcher.highlight(text), partial(screen.go_to_heading, index))


class TutorApp(App[None]):
    """A learner's session: the library, their progress, and the lesson on screen."""

    CSS_PATH = "tutor.tcss"
    TITLE = "tutor"
    COMMANDS = App.COMMANDS | {LessonCommands}

    BINDINGS = [
        Binding(
            "question_mark",
            "help",
            "Keys",
            key_display="?",
            tooltip="Show every key tutor understands",
        ),
        Binding("t", "cycle_theme", "Theme", tooltip="Cycle dark, light and high-contrast"),
        Binding("q", "quit", "Quit", tooltip="Save and quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        library: Library,
        *,
        start_lesson: str | None = None,
        store: ProgressStore | None = None,
    ) -> None:
        super().__init__()
        self.library = library
        self.start_lesson = start_lesson
        self.store = store or ProgressStore.default()
        self.progress = Progress()
        self.settings = Settings.load()

    # -- start ----------------------------------------------------------------------

    def on_mount(self) -> None:
        for theme in CUSTOM_THEMES:
            self.register_theme(theme)
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.progress = self.store.load()
        for notice in self.store.notices:
            self.notify(notice, title="Progress", severity="warning", timeout=15)
        for problem in self.library.problems:
            self.notify(
                str(problem), title="A lesson could not be loaded", severity="error", timeout=10
            )
        if not self.library.lessons:
            self.notify(f"No lessons in {self.library.folder}", severity="error")
            return
        lesson_id = self.start_lesson or self.progress.last_lesson
        self.open_lesson(lesson_id or self.library.lessons[0].id)

    def open_lesson(self, lesson_id: str) -> None:
        """Show a lesson at the learner's last section in it (replacing the one shown)."""
        lesson = next(
            (item for item in self.library.lessons if item.id == lesson_id), self.library.lessons[0]
        )
        section = self.progress.positions.get(lesson.id, 0)
        screen = LessonScreen(self.library, lesson, self.progress, section)
        if isinstance(self.screen, LessonScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # -- progress ---------------------------------------------------------------------

    def on_lesson_screen_position_changed(self, event: LessonScreen.PositionChanged) -> None:
        self.progress.open_lesson(event.lesson.id, event.section)
        if event.last_section:
            self.progress.reach_end(event.lesson.id)
        self.update_completion(event.lesson)
        self.save_progress()

    def on_quiz_card_graded(self, event: QuizCard.Graded) -> None:
        self.progress.record_answer(event.lesson_id, event.quiz_id, event.correct)
        lesson = self.library.find(event.lesson_id)
        self.update_completion(lesson)
        self.save_progress()

    def on_quiz_card_revealed(self, event: QuizCard.Revealed) -> None:
        self.progress.quiz(event.lesson_id, event.quiz_id).revealed = True
        self.save_progress()

    def on_epoch_launcher_opened(self, event: EpochLauncher.Opened) -> None:
        """A lesson's epoch block asked to play: build its network and show the animation."""
        try:
            spec = spec_from_options(event.options)
        except TutorError as error:
            self.notify(error.message, title="This epoch block cannot run", severity="error")
            return
        self.push_screen(EpochScreen(spec))

    def on_lesson_screen_lesson_chosen(self, event: LessonScreen.LessonChosen) -> None:
        self.open_lesson(event.lesson_id)

    def update_completion(self, lesson: Lesson) -> None:
        """Mark a lesson done once its end was reached and every quiz passed."""
        quiz_ids = [block.quiz_id for block in lesson.quizzes if block.quiz_id]
        if self.progress.is_complete(lesson.id, quiz_ids):
            self.progress.finish_lesson(lesson.id)

    def save_progress(self) -> None:
        """Write the progress now; a failure becomes a notice, never a crash."""
        notices_before = len(self.store.notices)
        self.store.save(self.progress)
        for notice in self.store.notices[notices_before:]:
            self.notify(notice, title="Progress", severity="warning", timeout=15)
        if isinstance(self.screen, LessonScreen):
            self.screen.refresh_progress()

    def reset_progress(self) -> None:
        def confirmed(answer: bool | None) -> None:
            if answer:
                self.progress = self.store.reset(self.progress)
                self.notify("Progress reset; the old file was kept beside the new one.")
                self.open_lesson(self.library.lessons[0].id)

        self.push_screen(
            ConfirmDialog("Reset all your progress? The old progress file is kept as a copy."),
            confirmed,
        )

    # -- actions ------------------------------------------------------------------------

    def action_help(self) -> None:
        sections = [
            ("Everywhere", list(self.BINDINGS)),
            ("Reading a lesson", list(LessonScreen.BINDINGS)),
            ("A compute block (focus it with Tab)", list(ComputeBlock.BINDINGS)),
            ("The epoch animation", list(EpochScreen.BINDINGS)),
            (
                "The scratchpad",
                [Binding("enter", "", "Evaluate the expression"), *Scratchpad.BINDINGS],
            ),
        ]
        self.push_screen(HelpScreen(sections))

    def action_cycle_theme(self) -> None:
        index = THEME_CYCLE.index(self.theme) if self.theme in THEME_CYCLE else -1
        self.theme = THEME_CYCLE[(index + 1) % len(THEME_CYCLE)]
        self.settings.theme = self.theme
        self.settings.save()
        self.notify(f"Theme: {self.theme}", timeout=2)

    async def action_quit(self) -> None:
        self.save_progress()
        self.exit()

    def get_system_commands(self, screen: Screen) -> list[SystemCommand]:
        return [
            *super().get_system_commands(screen),
            SystemCommand(
                "Reset progress",
                "Forget every lesson and quiz result (asks first)",
                self.reset_progress,
            ),
            SystemCommand("Cycle theme", "Dark, light, high contrast", self.action_cycle_theme),
        ]

    # -- terminal size ---------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        """Cover the layout with a plain message while the terminal is too small."""
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        showing = isinstance(self.screen, TooSmallScreen)
        if too_small and not showing:
            self.push_screen(TooSmallScreen())
        elif too_small and showing:
            self.screen.show_size(width, height)
        elif not too_small and showing:
            self.pop_screen()
