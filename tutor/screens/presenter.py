"""Presenting a lesson to a class: one reveal at a time, clicker keys, auto-play, a black screen.

A lesson is shown as a presenter would step a slide deck. Each section is split at
its ``<!-- pause -->`` marks into *reveals*; the advance key (Page Down, →, Space)
first runs the revealed compute blocks one operation at a time, then shows the next
reveal, then opens the next section. Back (Page Up, ←) undoes exactly one advance.

The screen is the lesson screen without the lesson list, scratchpad and footer: a
banner names the lesson and section, a status line names the keys and the auto-play
pace, and the content gets wide margins and more space between its parts.

Auto-play is a paused ``set_interval`` that calls :meth:`PresenterScreen.autoplay_tick`;
while another screen (the black screen, the epoch animation) is on top the tick does
nothing, except to close an epoch animation it opened itself once that has played out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from tutor.core.lesson import Block, Lesson, Pause, Prose, Section
from tutor.core.library import Library
from tutor.core.progress import Progress
from tutor.core.safe_text import clean_line, literal
from tutor.screens.blank import BlankScreen
from tutor.screens.lesson import LessonScreen
from tutor.screens.pacing import repaced, set_playing
from tutor.widgets.blocks import EpochLauncher
from tutor.widgets.compute import ComputeBlock
from tutor.widgets.prose import ProseView

if TYPE_CHECKING:
    # The animation's module loads when the first epoch block is played.
    from tutor.screens.epoch import EpochScreen

#: Seconds per advance that + and - move between while auto-playing.
PACES = (1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 15.0, 20.0, 30.0, 60.0)
#: The pace A starts auto-play at when none was given on the command line.
DEFAULT_PACE = 5.0


def split_reveals(section: Section) -> list[list[Prose | Block]]:
    """The parts of a section between its pause marks: what each advance uncovers.

    A section always has at least one reveal (possibly empty), and a pause at the
    very start or end, or two in a row, never makes an empty reveal in between.
    """
    reveals: list[list[Prose | Block]] = [[]]
    for part in section.parts:
        if isinstance(part, Pause):
            if reveals[-1]:
                reveals.append([])
        else:
            reveals[-1].append(part)
    if len(reveals) > 1 and not reveals[-1]:
        reveals.pop()
    return reveals


def nearest_pace(seconds: float, direction: int) -> float:
    """The next pace in ``PACES`` from ``seconds`` (slower for +1, faster for -1)."""
    if direction > 0:
        return next((pace for pace in PACES if pace > seconds), PACES[-1])
    return next((pace for pace in reversed(PACES) if pace < seconds), PACES[0])


class PresenterScreen(LessonScreen, inherit_bindings=False):
    """A lesson for a projector: one reveal at a time, driven by a clicker or by auto-play."""

    STEP_COMPUTE_BLOCKS = True
    #: Nothing takes focus by itself: the clicker's keys must reach the screen, not a block.
    AUTO_FOCUS = ""

    BINDINGS = [
        Binding(
            "pagedown,right",
            "advance",
            "Next",
            key_display="PgDn/→",
            tooltip="Next operation, reveal or section (what a clicker's forward key sends)",
        ),
        Binding(
            "space",
            "space",
            "Next, or pause",
            key_display="Space",
            tooltip="Next step; while auto-play is on, pause and resume it instead",
        ),
        Binding("pageup,left", "back", "Back", key_display="PgUp/←", tooltip="Undo one step"),
        Binding(
            "B,b,shift+b,full_stop",
            "blank",
            "Blank",
            key_display="B/.",
            tooltip="Black screen; any key",
        ),
        Binding(
            "A,a,shift+a",
            "toggle_autoplay",
            "Auto-play",
            key_display="A",
            tooltip="Turn auto-play on (it steps at once) or off",
        ),
        Binding(
            "plus,equals_sign",
            "pace(-1)",
            "Faster",
            key_display="+",
            tooltip="Fewer seconds per auto-play step",
        ),
        Binding("minus", "pace(1)", "Slower", key_display="-", tooltip="More seconds per step"),
        Binding("n", "section(1)", "Next section", tooltip="Skip to the next section"),
        Binding("p", "section(-1)", "Prev section", tooltip="Back to the previous section"),
        Binding("home", "restart", "Start", tooltip="Back to the start of the lesson"),
        Binding("right_square_bracket", "lesson(1)", "Next lesson", key_display="]"),
        Binding("left_square_bracket", "lesson(-1)", "Prev lesson", key_display="["),
        Binding("escape", "escape", "Leave", show=False, tooltip="Leave an input, then presenting"),
        Binding("tab", "app.focus_next", "Next block", show=False),
    ]

    revealed: reactive[int] = reactive(1, init=False)
    """How many reveals of the section are on screen (1 = up to its first pause)."""

    playing: reactive[bool] = reactive(False, init=False)
    """Whether auto-play is advancing on its own right now."""

    pace: reactive[float] = reactive(DEFAULT_PACE, init=False)
    """Seconds between two auto-play advances; + and - change it."""

    def __init__(
        self,
        library: Library,
        lesson: Lesson,
        progress: Progress,
        section: int = 0,
        *,
        autoplay: float | None = None,
    ) -> None:
        """Present ``lesson`` from ``section``; with ``autoplay`` (seconds) play at once."""
        super().__init__(library, lesson, progress, section)
        #: Whether auto-play is on (Space then pauses and resumes it instead of advancing).
        self.autoplay_on = autoplay is not None
        self.set_reactive(PresenterScreen.pace, float(autoplay or DEFAULT_PACE))
        self.set_reactive(PresenterScreen.playing, self.autoplay_on)
        self._reveals: list[list[Widget]] = []
        self._enter_at_end = False
        self._timer: Timer | None = None
        self._epoch: EpochScreen | None = None
        self._played: set[int] = set()

    # -- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="presenter-banner")
        yield VerticalScroll(id="section", can_focus=False)
        yield Static(id="presenter-status")

    async def on_mount(self) -> None:
        await super().on_mount()
        self._timer = self.set_interval(self.pace, self.autoplay_tick, pause=not self.playing)
        self._show_status()

    def section_widgets(self, section: Section) -> list[Widget]:
        """Every part of the section, grouped by reveal; later reveals start hidden."""
        self._reveals = []
        for parts in split_reveals(section):
            widgets: list[Widget] = []
            for part in parts:
                widgets.append(
                    ProseView(part.text) if isinstance(part, Prose) else self.block_widget(part)
                )
            self._reveals.append(widgets)
        if self._enter_at_end:
            self.set_reactive(PresenterScreen.revealed, len(self._reveals))
            for widget in self._all_widgets():
                if isinstance(widget, ComputeBlock):
                    widget.set_reactive(ComputeBlock.step, None)
        else:
            self.set_reactive(PresenterScreen.revealed, 1)
        self._enter_at_end = False
        self._played = set()
        self._apply_reveals()
        return list(self._all_widgets())

    def _all_widgets(self) -> list[Widget]:
        return [widget for widgets in self._reveals for widget in widgets]

    def _apply_reveals(self) -> None:
        for index, widgets in enumerate(self._reveals):
            for widget in widgets:
                widget.display = index < self.revealed

    def watch_revealed(self) -> None:
        self._apply_reveals()
        self._show_status()

    def _update_header(self) -> None:
        number = self.library.number_of(self.lesson)
        banner = literal(f"Lesson {number} · {self.lesson.title}", "bold", line=True)
        where = clean_line(self.section.title or "Introduction")
        banner.append(
            f"\n{where}   ({self.section_index + 1}/{len(self.lesson.sections)})", style="italic"
        )
        self.query_one("#presenter-banner", Static).update(banner)
        self._show_status()

    def _show_status(self) -> None:
        shown = self.query("#presenter-status").results(Static)
        line = next(shown, None)
        if line is None:  # not composed yet
            return
        status = Text()
        if self.autoplay_on:
            state = "▶ auto-play" if self.playing else "⏸ auto-play paused"
            status.append(f"{state} · every {self.pace:g} s (+/-) · Space pauses", style="bold")
        else:
            status.append("PgDn/→/Space next · PgUp/← back", style="bold")
        reveals = len(self._reveals)
        if reveals > 1:
            status.append(f" · reveal {self.revealed}/{reveals}")
        status.append("  │  A auto-play · B blank · F5 leave · ? keys", style="dim")
        line.update(status)

    # -- stepping ---------------------------------------------------------------------

    def _revealed_widgets(self) -> list[Widget]:
        return [widget for widgets in self._reveals[: self.revealed] for widget in widgets]

    def advance(self, *, open_epochs: bool = False) -> bool:
        """One step on: an operation, a reveal, or the next section.

        Args:
            open_epochs: auto-play also stops at each revealed epoch block and plays it.

        Returns:
            False at the very end of the lesson, where nothing is left to show.
        """
        for widget in self._revealed_widgets():
            if isinstance(widget, ComputeBlock) and (widget.run is None or not widget.at_end()):
                if widget.run is not None:  # a block still computing waits for its run
                    # The block keeps its newest operation in view as it grows.
                    widget.step = (widget.step or 0) + 1
                return True
            if open_epochs and isinstance(widget, EpochLauncher) and id(widget) not in self._played:
                self._played.add(id(widget))
                self._bring_into_view(widget)
                # Opened from the launcher's own message loop, so it is the sender and the
                # message bubbles past this screen to the app (a message sent from here
                # would stop at the screen, its sender).
                widget.call_later(widget.action_open)
                return True
        if self.revealed < len(self._reveals):
            self.revealed += 1
            self._bring_into_view(self._reveals[self.revealed - 1][0], top=True)
            return True
        if self.section_index < len(self.lesson.sections) - 1:
            self.section_index += 1
            return True
        return False

    def _bring_into_view(self, widget: Widget, *, top: bool = False) -> None:
        """Scroll what just appeared into view, once the layout has made room for it.

        A new reveal goes to the top (as far as the content scrolls), so the class reads
        it from its start. (A compute block being stepped scrolls itself.)
        """
        self.call_after_refresh(widget.scroll_visible, animate=False, top=top)

    def back(self) -> bool:
        """Undo one :meth:`advance`: the last operation, the last reveal, or into the
        previous section at its end. False at the very start of the lesson."""
        last = self._reveals[self.revealed - 1] if self._reveals else []
        for widget in reversed(last):
            if isinstance(widget, ComputeBlock) and widget.step != 0:
                widget.action_step(-1)
                self._bring_into_view(widget)
                return True
        if self.revealed > 1:
            self.revealed -= 1
            return True
        if self.section_index > 0:
            self._enter_at_end = True
            self.section_index -= 1
            return True
        return False

    # -- auto-play ------------------------------------------------------------------------

    def autoplay_tick(self) -> None:
        """What the auto-play timer does each ``pace`` seconds."""
        if self.app.screen is not self:
            self._close_finished_epoch()
            return
        if not self.advance(open_epochs=True):
            self.playing = False
            self.notify("End of the lesson: ] opens the next one.", timeout=5)

    def _close_finished_epoch(self) -> None:
        """Return from an epoch animation auto-play opened, once it has played out."""
        epoch = self._epoch
        if epoch is None or self.app.screen is not epoch:
            return
        if epoch.frames and not epoch.playing and epoch.step >= len(epoch.frames) - 1:
            self._epoch = None
            epoch.dismiss()

    def watch_playing(self, playing: bool) -> None:
        self._timer = set_playing(self, self._timer, self.pace, self.autoplay_tick, playing)
        self._show_status()

    def watch_pace(self, pace: float) -> None:
        self._timer = repaced(self, self._timer, pace, self.autoplay_tick, self.playing)
        self._show_status()

    def opened_epoch(self, screen: EpochScreen) -> None:
        """The app opened an epoch animation from this screen; auto-play closes it at its end."""
        self._epoch = screen

    @property
    def autoplay_pace(self) -> float | None:
        """The pace to carry to the next lesson or screen (None: auto-play is off)."""
        return self.pace if self.autoplay_on else None

    # -- actions ------------------------------------------------------------------------------

    def action_space(self) -> None:
        """Space advances, except that while auto-play is on it pauses and resumes it."""
        if self.autoplay_on:
            self.playing = not self.playing
        else:
            self.action_advance()

    def action_advance(self) -> None:
        self._restart_clock()  # a full pace before the next automatic step
        if not self.advance():
            self.notify("End of the lesson: ] opens the next one.", timeout=3)

    def action_back(self) -> None:
        self._restart_clock()
        self.back()

    def _restart_clock(self) -> None:
        """After a step by hand, auto-play waits one whole pace before its own next step."""
        if self.playing:
            self._timer = set_playing(self, self._timer, self.pace, self.autoplay_tick, True)

    def action_section(self, delta: int) -> None:
        target = self._clamp(self.section_index + delta)
        if target != self.section_index:
            self.section_index = target

    def action_restart(self) -> None:
        if self.section_index == 0:
            self.revealed = 1
            for widget in self._all_widgets():
                if isinstance(widget, ComputeBlock):
                    widget.step = 0
        self.section_index = 0

    def action_blank(self) -> None:
        self.app.push_screen(BlankScreen())

    def action_toggle_autoplay(self) -> None:
        """Auto-play on (its first step at once, the next a pace later) or off."""
        self.autoplay_on = not self.autoplay_on
        self.playing = self.autoplay_on
        if self.playing and not self.advance(open_epochs=True):
            self.playing = False
            self.notify("End of the lesson: ] opens the next one.", timeout=5)
        self._show_status()

    def action_pace(self, direction: int) -> None:
        self.pace = nearest_pace(self.pace, direction)

    async def action_escape(self) -> None:
        """Leave an input first; with nothing focused, leave presenting."""
        if self.focused is not None:
            self.set_focus(None)
        else:
            await self.app.run_action("toggle_present")
