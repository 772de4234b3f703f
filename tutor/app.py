"""The Textual app: opens where the learner left off and saves after every change."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from time import monotonic
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input

from tutor import startup
from tutor.core.errors import TutorError
from tutor.core.lesson import Lesson
from tutor.core.library import Library
from tutor.core.paths import data_dir
from tutor.core.progress import Progress, ProgressStore
from tutor.core.safe_text import clean, clean_line
from tutor.core.seeding import reseed_library
from tutor.screens.lesson import LessonScreen
from tutor.screens.presenter import PresenterScreen
from tutor.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from tutor.settings import Settings
from tutor.themes import CUSTOM_THEMES, THEME_CYCLE
from tutor.widgets.blocks import EpochLauncher

if TYPE_CHECKING:
    # Named only in handler signatures: the quiz modules load with the first quiz a
    # lesson shows, not before the first paint.
    from tutor.widgets.quiz import QuizCard

#: Start-up runs without garbage collection (``tutor.startup``): it is back on this many
#: seconds after the first lesson is computed (time enough for its paint), and after
#: ``STARTUP_SECONDS`` from the start even if no lesson ever is.
SETTLE_DELAY = 0.1
STARTUP_SECONDS = 2.0
#: The attribute a key carries from being read: the screen and widget that had focus.
READ_WITH = "_tutor_read_with"
#: Keys besides printable ones that belong to whatever is being typed.
TYPING_KEYS = frozenset({"enter", "backspace"})


def quiz_section(lesson: Lesson, quiz_id: str) -> int:
    """The index of the section that holds a quiz (0 if the quiz is gone)."""
    for index, section in enumerate(lesson.sections):
        if any(block.quiz_id == quiz_id for block in section.blocks):
            return index
    return 0


def highlighted(matcher: Matcher, text: str) -> Content:
    """A palette entry as literal text, the letters the query matched highlighted.

    Textual's ``Matcher.highlight`` reads the entry as markup, and an entry here holds
    a lesson's title or heading: ``[@click=app.quit]`` would become a link that acts.
    """
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class LessonCommands(Provider):
    """Command palette: lessons, the open lesson's headings, and questions to review.

    Every entry is lesson text, so each is made with ``highlighted`` and its help is
    ``Content`` (the palette reads a help string as markup).
    """

    async def search(self, query: str) -> Hits:
        app = self.app
        assert isinstance(app, TutorApp)
        matcher = self.matcher(query)
        for lesson_id, quiz_id in app.progress.missed():
            lesson = next((item for item in app.library.lessons if item.id == lesson_id), None)
            if lesson is None or lesson.quiz(quiz_id) is None:
                continue
            text = clean_line(f"Review: {lesson.title} · {quiz_id}")
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, text),
                    partial(app.open_lesson, lesson.id, quiz_section(lesson, quiz_id)),
                    help="a question you missed and have not passed yet",
                )
        for number, lesson in enumerate(app.library.lessons, 1):
            text = clean_line(f"Lesson {number}: {lesson.title}")
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, text),
                    partial(app.open_lesson, lesson.id),
                    # Content is shown as it is; a str would be read as markup.
                    help=Content(clean_line(lesson.summary)),  # type: ignore[arg-type]
                )
        # The screen the palette was opened over (``app.screen`` is the palette itself).
        screen = self.screen
        if isinstance(screen, LessonScreen):
            for index, section in enumerate(screen.lesson.sections):
                text = clean_line(f"Section: {section.title or 'Introduction'}")
                score = matcher.match(text)
                if score > 0:
                    yield Hit(
                        score, highlighted(matcher, text), partial(screen.go_to_heading, index)
                    )


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
        Binding(
            "f5",
            "toggle_present",
            "Present",
            tooltip="Presenter mode: no sidebar, one reveal at a time, clicker keys",
        ),
        Binding(
            "ctrl+s",
            "save_screenshot",
            "Screenshot",
            show=False,
            tooltip="Save the screen as an SVG (a handout)",
        ),
        Binding("q", "quit", "Quit", tooltip="Save and quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        library: Library,
        *,
        start_lesson: str | None = None,
        store: ProgressStore | None = None,
        presenting: bool = False,
        autoplay: float | None = None,
        seed: int | None = None,
        start_section: int | None = None,
        theme: str | None = None,
        keep_progress: bool = True,
    ) -> None:
        """A session over ``library``.

        Args:
            start_lesson: the lesson to open (default: where the learner left off).
            store: where progress is kept (default: the learner's data folder).
            presenting: open in presenter mode (F5 toggles it).
            autoplay: seconds per auto-play step; implies presenting.
            seed: replaces every seed in every lesson, so a demo repeats exactly.
            start_section: open the first lesson at this section (0-based) instead of
                the learner's last one.
            theme: a theme for this session only (the saved choice is kept).
            keep_progress: False starts from nothing and saves nothing (a browser
                session under ``tutor serve``, a handout from ``tutor shot``).
        """
        super().__init__()
        #: Notices on screen now -> when each goes (see ``notify``).
        self._notices_shown: dict[tuple[str, str, str], float] = {}
        self.library = reseed_library(library, seed) if seed is not None else library
        self.start_lesson = start_lesson
        self.store = store or ProgressStore.default()
        self.progress = Progress()
        self.settings = Settings.load()
        self.presenting = presenting or autoplay is not None
        self.autoplay = autoplay
        self.start_section = start_section
        self.theme_override = theme
        self.keep_progress = keep_progress
        if not keep_progress:
            self.store.read_only = True
        #: Whose work this is, shown above the lesson list when set (a signed-in
        #: student in class mode, where several people share one server).
        self.learner_label = ""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification, always as literal text with its control characters made inert.

        Notices carry lesson problems, file paths and error messages, any of which may
        hold ``[@click=…]`` or ``[/x]``; tutor's own notices use no markup, so none is
        read (``markup`` is accepted for Textual's callers and ignored). A notice that
        is still on screen is not shown again: a key held down past the end of a lesson
        would otherwise stack the same toast over the text it is about.
        """
        text, heading = clean(message), clean_line(title)
        shown_for = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        now = monotonic()
        key = (text, heading, severity)
        if self._notices_shown.get(key, 0.0) > now:
            return
        self._notices_shown = {k: until for k, until in self._notices_shown.items() if until > now}
        self._notices_shown[key] = now + shown_for
        super().notify(text, title=heading, severity=severity, timeout=timeout, markup=False)

    # -- keys typed ahead -------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            setattr(event, READ_WITH, (self.screen, self.focused))
        await super().on_event(event)

    async def _on_key(self, event: events.Key) -> None:
        """A key that nothing took goes where the learner was typing by the time it is read.

        Textual gives a key to the screen and widget that have focus when it is read,
        and acts on bindings only after it has been passed round; on a busy served
        session, ``g4`` Enter or ``/`` and an expression typed in one go are all read
        before ``g`` opened its dialog or ``/`` focused the scratchpad, and would be
        lost or taken as reading keys. Such a key goes into the text field that has
        focus now, or into a dialog that is still opening.
        """
        read_with = getattr(event, READ_WITH, None)
        moved = read_with is not None and read_with != (self.screen, self.focused)
        if moved and self._type_ahead(event):
            # Textual calls every class's ``_on_key`` in turn: App's binding check must
            # not see this key as well.
            event.prevent_default()

    def _type_ahead(self, event: events.Key) -> bool:
        if not (event.is_printable or event.key in TYPING_KEYS):
            return False
        focused = self.focused
        if isinstance(focused, Input):
            focused._forward_event(events.Key(event.key, event.character))
            return True
        type_ahead = getattr(self.screen, "type_ahead", None)
        if focused is None and callable(type_ahead):
            type_ahead(event)
            return True
        return False

    # -- start ----------------------------------------------------------------------

    def on_mount(self) -> None:
        # Should no lesson compute (an empty folder), collection resumes all the same.
        self.set_timer(STARTUP_SECONDS, startup.settle)
        for theme in CUSTOM_THEMES:
            self.register_theme(theme)
        chosen = self.theme_override or self.settings.theme
        if chosen in self.available_themes:
            self.theme = chosen
        if self.settings.notice:
            self.notify(self.settings.notice, title="Settings", severity="warning", markup=False)
        self.start_lessons()

    def start_lessons(self) -> None:
        """Load the progress and open the lesson (class mode has a student sign in first)."""
        if self.keep_progress:
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
        self.open_lesson(lesson_id or self.library.lessons[0].id, self.start_section)

    def open_lesson(self, lesson_id: str, section: int | None = None) -> None:
        """Show a lesson (replacing the one shown), read or presented as the app is set.

        Args:
            lesson_id: the lesson; an unknown id opens the first one.
            section: where to open it (default: the learner's last section in it).
        """
        lesson = next(
            (item for item in self.library.lessons if item.id == lesson_id), self.library.lessons[0]
        )
        if section is None:
            section = self.progress.positions.get(lesson.id, 0)
        if isinstance(self.screen, TooSmallScreen):
            # Opened while the window is too small (at start): the lesson goes beneath
            # the message, which check_size puts back on top.
            self.pop_screen()
        current = self.screen
        if isinstance(current, PresenterScreen):
            # Auto-play carries on into the next lesson at the pace the teacher set.
            self.autoplay = current.autoplay_pace
        screen: LessonScreen
        if self.presenting:
            screen = PresenterScreen(
                self.library, lesson, self.progress, section, autoplay=self.autoplay
            )
        else:
            screen = LessonScreen(self.library, lesson, self.progress, section)
        if isinstance(current, LessonScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
        self.check_size(self.size.width, self.size.height)

    # -- progress ---------------------------------------------------------------------

    def on_lesson_screen_position_changed(self, event: LessonScreen.PositionChanged) -> None:
        self.progress.open_lesson(event.lesson.id, event.section)
        if event.last_section:
            self.progress.reach_end(event.lesson.id)
        self.update_completion(event.lesson)
        self.save_progress()

    def on_quiz_card_graded(self, event: QuizCard.Graded) -> None:
        self.progress.record_answer(
            event.lesson_id, event.quiz_id, event.correct, after_solution=event.after_solution
        )
        lesson = self.library.find(event.lesson_id)
        self.update_completion(lesson)
        self.save_progress()

    def on_quiz_card_revealed(self, event: QuizCard.Revealed) -> None:
        self.progress.reveal(event.lesson_id, event.quiz_id)
        self.save_progress()

    def on_epoch_launcher_playground_requested(
        self, event: EpochLauncher.PlaygroundRequested
    ) -> None:
        self.open_playground(event.options)

    def open_playground(self, options: dict | None = None) -> None:
        """The playground, with an epoch block's settings or the article's network."""
        from tutor.screens.playground import open_playground_with

        open_playground_with(self, options)

    def on_epoch_launcher_opened(self, event: EpochLauncher.Opened) -> None:
        """A lesson's epoch block asked to play: build its network and show the animation."""
        # Imported here, not at start-up: the animation is not on the first screen.
        from tutor.core.plots import spec_from_options
        from tutor.screens.epoch import EpochScreen

        try:
            spec = spec_from_options(event.options)
        except TutorError as error:
            self.notify(error.message, title="This epoch block cannot run", severity="error")
            return
        screen = self.screen
        playing = isinstance(screen, PresenterScreen) and screen.playing
        epoch = EpochScreen(spec, autoplay=screen.pace if playing else None)
        if isinstance(screen, PresenterScreen):
            screen.opened_epoch(epoch)
        self.push_screen(epoch)

    def on_lesson_screen_computed(self, event: LessonScreen.Computed) -> None:
        # Start-up ran without garbage collection (``tutor.startup``): it resumes once
        # the first lesson is computed and painted. A timer, not a callback after the
        # screen's next refresh, which never comes if another screen is opened first.
        self.set_timer(SETTLE_DELAY, startup.settle)

    def on_lesson_screen_lesson_chosen(self, event: LessonScreen.LessonChosen) -> None:
        if not self.screen_stack:
            # Chosen just before the app closed (Enter, then quit): nothing to open into.
            return
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
        from tutor.screens.dialogs import ConfirmDialog

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
        from tutor.screens.help import HelpScreen, help_sections

        self.push_screen(HelpScreen(help_sections(self)))

    def action_cycle_theme(self) -> None:
        index = THEME_CYCLE.index(self.theme) if self.theme in THEME_CYCLE else -1
        self.theme = THEME_CYCLE[(index + 1) % len(THEME_CYCLE)]
        if self.keep_progress:
            self.settings.theme = self.theme
            self.settings.save()
        self.notify(f"Theme: {self.theme}", timeout=2)

    def action_toggle_present(self) -> None:
        """Switch between reading and presenting, at the same lesson and section."""
        screen = self.screen
        if not isinstance(screen, LessonScreen):
            return
        self.presenting = not isinstance(screen, PresenterScreen)
        self.open_lesson(screen.lesson.id, screen.section_index)

    def action_save_screenshot(self) -> None:
        """Save the screen as SVG: to the data folder here, as a download in a browser."""
        lesson = self.screen.lesson.id if isinstance(self.screen, LessonScreen) else "tutor"
        filename = f"tutor-{lesson}-{datetime.now():%Y%m%d-%H%M%S}.svg"
        if self.is_web:
            self.deliver_screenshot(filename)
            return
        folder = data_dir() / "screenshots"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / filename
            path.write_text(self.export_screenshot(title=self.screenshot_title()), "utf-8")
        except OSError as error:
            self.notify(
                f"Could not save the screenshot in {folder}: {error.strerror or error}",
                title="Screenshot",
                severity="error",
            )
            return
        self.notify(f"Saved {path}", title="Screenshot", timeout=8)

    def screenshot_title(self) -> str:
        """The title an SVG handout carries: the lesson on screen."""
        screen = self.screen
        if isinstance(screen, LessonScreen):
            number = self.library.number_of(screen.lesson)
            return clean_line(f"tutor · Lesson {number} · {screen.lesson.title}")
        return self.title

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
            SystemCommand(
                "Playground",
                "Train a network live: change μ, activations, depth, init; see the loss respond",
                self.open_playground,
            ),
            SystemCommand(
                "Presenter mode (F5)",
                "Present the lesson: one reveal at a time, clicker keys, auto-play",
                self.action_toggle_present,
            ),
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
