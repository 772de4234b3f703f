"""Widgets for the live blocks other than compute: epoch and plot launchers, quiz cards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from tutor.core.lesson import Block
from tutor.core.safe_text import clean, option_text


class EpochLauncher(Static, can_focus=True):
    """A lesson's epoch block: what network it trains, and Enter to watch it."""

    DEFAULT_CSS = """
    EpochLauncher { height: auto; border: round $secondary; padding: 0 1; margin: 0 0 1 0; }
    EpochLauncher:focus { border: round $accent; }
    """

    BINDINGS = [
        Binding("enter", "open", "Animate", tooltip="Play this epoch step by step"),
        Binding(
            "P,shift+p",
            "playground",
            "Playground",
            key_display="P",
            tooltip="Train this network for many epochs and turn its knobs",
        ),
    ]

    @dataclass
    class Opened(Message):
        """The learner asked to watch this block's epoch."""

        options: dict[str, Any]

    @dataclass
    class PlaygroundRequested(Message):
        """The learner asked to train this block's network in the playground."""

        options: dict[str, Any]

    def __init__(self, block: Block, **kwargs) -> None:
        super().__init__(**kwargs)
        self.options = dict(block.data or {})
        self.border_title = "epoch"

    def on_mount(self) -> None:
        layers = option_text(self.options.get("layers", [10, 3, 4, 1]))
        acts = option_text(self.options.get("act")) or "default"
        loss = option_text(self.options.get("loss", "sse"))
        rate = option_text(self.options.get("lr", 0.01))
        text = Text("One gradient-descent epoch: ", style="bold")
        text.append(f"layers {layers}, activations {acts}, loss {loss}, learning rate {rate}\n")
        text.append(
            "Press Enter (or click) to watch it step by step, P to train it in the playground.",
            style="italic",
        )
        self.update(text)

    def action_open(self) -> None:
        self.post_message(self.Opened(self.options))

    def action_playground(self) -> None:
        self.post_message(self.PlaygroundRequested(self.options))

    def on_click(self) -> None:
        self.action_open()


class BrokenBlock(Static):
    """A live block the lesson got wrong: what is wrong, where, instead of the block."""

    DEFAULT_CSS = """
    BrokenBlock { height: auto; border: round $error; padding: 0 1; margin: 0 0 1 0; }
    """

    def __init__(self, block: Block, problems: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = f"{block.kind}: cannot be shown"
        text = Text(
            f"This {block.kind} block has a mistake in the lesson file {block_file_hint(block)}:\n",
            style="bold",
        )
        for line, message in problems:
            text.append(f"  line {line}: {clean(message)}\n")
        text.append("Run 'tutor check' on the lesson folder for every problem.", style="italic")
        self.update(text)


def block_file_hint(block: Block) -> str:
    """Where the block starts, for the learner to tell the lesson's author."""
    return f"(the block at line {block.line})"
