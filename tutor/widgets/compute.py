"""A live compute block: each statement with every shape, steppable one operation at a time."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from tutor.core.lesson import Block
from tutor.core.lesson_run import BlockRun
from tutor.core.safe_text import clean_line
from tutor.rendering.traces import block_run_renderable, operation_count


class ComputeBlock(Static, can_focus=True):
    """Shows a compute block's run; focus it and step with the arrow keys."""

    DEFAULT_CSS = """
    ComputeBlock {
        height: auto;
        border: round $primary 50%;
        padding: 0 1;
        margin: 0 0 1 0;
    }
    ComputeBlock:focus { border: round $accent; }
    ComputeBlock.-error { border: round $error; }
    """

    BINDINGS = [
        # j and k are left to the lesson, where they scroll as ↓ and ↑ do.
        Binding("right", "step(1)", "Next op", tooltip="Reveal the next operation"),
        Binding("left", "step(-1)", "Prev op", tooltip="Hide the last operation"),
        Binding("a", "reveal_all", "All ops", tooltip="Show every operation at once"),
        Binding("home", "restart", "First op", show=False),
    ]

    step: reactive[int | None] = reactive(None, always_update=True)
    """How many operations are revealed; None shows them all."""

    heat: reactive[bool] = reactive(True)
    """Whether matrices get a heat colour (the values are always printed)."""

    def __init__(
        self, block: Block, run: BlockRun | None = None, *, stepping: bool = False, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.block = block
        self.run = run
        self.border_title = "compute"
        self.set_reactive(ComputeBlock.step, 0 if stepping else None)

    @property
    def total_steps(self) -> int:
        return operation_count(self.run) if self.run else 0

    def set_run(self, run: BlockRun) -> None:
        """Called when the lesson's computation arrives from its worker."""
        self.run = run
        self.refresh_view()

    def on_mount(self) -> None:
        self.refresh_view()

    def watch_step(self) -> None:
        self.refresh_view()
        self.on_resize()

    def on_resize(self) -> None:
        """Stepping, a block grows one operation at a time: keep the newest in view.

        The block scrolls its own lesson here, after its new size is laid out; a
        caller that scrolled on stepping would act on the old size.
        """
        if self.step is not None and self.step > 0:
            self.call_after_refresh(self.show_newest_line)

    def show_newest_line(self) -> None:
        """Scroll the lesson just far enough that the block's last line is on screen."""
        container = self.parent
        if not isinstance(container, Widget) or not container.is_scrollable:
            return
        region = self.virtual_region
        container.scroll_to_region(
            Region(region.x, region.bottom - 1, region.width, 1), animate=False, immediate=True
        )

    def refresh_view(self) -> None:
        if self.run is None:
            self.update(Text("computing…", style="dim"))
            return
        self.set_class(self.run.error is not None, "-error")
        total = self.total_steps
        if self.step is not None:
            self.border_subtitle = f"step {self.step}/{total}  ←/→"
        else:
            self.border_subtitle = f"{total} op{'s' if total != 1 else ''}"
        if self.step == 0:
            # Nothing is computed yet: show the code a class is about to watch run.
            self.update(source_preview(self.block))
            return
        self.update(block_run_renderable(self.run, upto=self.step, heat=self.heat))

    def validate_step(self, step: int | None) -> int | None:
        if step is None:
            return None
        return max(0, min(step, self.total_steps))

    def action_step(self, delta: int) -> None:
        current = self.total_steps if self.step is None else self.step
        self.step = current + delta

    def action_reveal_all(self) -> None:
        self.step = None

    def action_restart(self) -> None:
        self.step = 0

    def at_end(self) -> bool:
        """True when every operation is revealed (presenter mode moves on then)."""
        return self.step is None or self.step >= self.total_steps


def source_preview(block: Block) -> Text:
    """A block's statements, dimmed, before its first operation is revealed."""
    text = Text()
    for line in block.body.splitlines():
        if line.strip() and not line.strip().startswith("#"):
            text.append(f"› {clean_line(line.strip())}\n", style="dim")
    text.append("→ runs it one operation at a time", style="dim italic")
    return text
