"""The ``?`` screen: every key, gathered from the bindings themselves so it never drifts."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def keys_table(sections: list[tuple[str, list[Binding]]]) -> Table:
    """A table of key -> what it does, one group per place the keys work."""
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(style="dim")
    for title, bindings in sections:
        table.add_row(Text(title, style="underline"), "", "")
        for binding in bindings:
            if not binding.description:
                continue
            keys = binding.key_display or binding.key.replace(",", " / ")
            # Text, not str: a table reads a str cell as markup, and "[" is a key here.
            table.add_row(Text(keys), Text(binding.description), Text(binding.tooltip))
        table.add_row("", "", "")
    return table


class HelpScreen(ModalScreen[None]):
    """Lists every key binding of the app, the lesson screen and the live blocks."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static("[b]Keys[/b]   (Esc closes; Ctrl+P finds lessons and headings)\n")
            yield Static(keys_table(self.sections))
