"""The ``?`` screen: every key, grouped by where it works, gathered from the bindings.

The keys are read from the bindings themselves, so the list never drifts from what
the keys do. The group of the screen the learner is on comes first; each key is
spelled as it is on a keyboard ("PgDn", "Shift+Space", "]") and explained in a
column that wraps, so the whole list reads at 80×24 and scrolls with ↓ and Page Down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.app import App

#: How a binding's key names are written for a person.
KEY_NAMES = {
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "space": "Space",
    "shift+space": "Shift+Space",
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "home": "Home",
    "end": "End",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "slash": "/",
    "question_mark": "?",
    "full_stop": ".",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "less_than_sign": "<",
    "greater_than_sign": ">",
}


def key_label(binding: Binding) -> str:
    """Every key of a binding as it is written on a keyboard: "↓ / j", "A / a", "PgDn"."""
    labels: list[str] = []
    keys = binding.key.split(",")
    for key in keys:
        key = key.strip()
        if key.startswith("shift+") and len(key) == 7 and key[-1].upper() in keys:
            continue  # Shift+A is the key "A", already listed
        if key in KEY_NAMES:
            label = KEY_NAMES[key]
        elif key.startswith(("ctrl+", "shift+", "alt+")):
            modifier, _, rest = key.partition("+")
            label = f"{modifier.capitalize()}+{KEY_NAMES.get(rest, rest.upper())}"
        elif len(key) > 1 and key[0] == "f" and key[1:].isdigit():
            label = key.upper()
        else:
            label = key
        if label not in labels:
            labels.append(label)
    return " / ".join(labels)


def keys_table(sections: list[tuple[str, list[Binding]]]) -> Group:
    """Key -> what it does, under a heading for each place the keys work.

    Per group, two columns: the keys, then the description with its explanation
    after it, which wraps within the width instead of running off the screen.
    """
    parts: list[RenderableType] = []
    for number, (title, bindings) in enumerate(sections):
        heading = Text(title, style="bold underline")
        parts.append(Text("\n").append_text(heading) if number else heading)
        table = Table(show_header=False, box=None, padding=(0, 1, 0, 0), expand=True)
        table.add_column(style="bold", no_wrap=True, min_width=6)
        table.add_column(ratio=1)
        seen: set[str] = set()
        for binding in bindings:
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            # Text, not str: a table reads a str cell as markup, and "[" is a key here.
            what = Text(binding.description)
            if binding.tooltip and binding.tooltip != binding.description:
                what.append(f": {binding.tooltip}", style="dim")
            table.add_row(Text(key_label(binding)), what)
        parts.append(table)
    return Group(*parts)


def help_sections(app: App) -> list[tuple[str, list[Binding]]]:
    """Every group of keys, the one of the screen on view first."""
    from tutor.screens.epoch import EpochScreen
    from tutor.screens.lesson import LessonScreen
    from tutor.screens.playground import PlaygroundScreen
    from tutor.screens.presenter import PresenterScreen
    from tutor.widgets.blocks import EpochLauncher
    from tutor.widgets.compute import ComputeBlock
    from tutor.widgets.quiz import QuizCard
    from tutor.widgets.scratchpad import Scratchpad

    screen_groups: list[tuple[type, str, list[Binding]]] = [
        (PresenterScreen, "Presenting (F5)", list(PresenterScreen.BINDINGS)),
        (LessonScreen, "Reading a lesson", list(LessonScreen.BINDINGS)),
        (EpochScreen, "The epoch animation", list(EpochScreen.BINDINGS)),
        (PlaygroundScreen, "The playground", list(PlaygroundScreen.BINDINGS)),
    ]
    blocks = [
        ("A compute block (Tab to it)", list(ComputeBlock.BINDINGS)),
        (
            "A quiz (Tab to it; type the answer and press Enter)",
            [binding for binding in QuizCard.BINDINGS if binding.show or binding.action == "hint"]
            + [Binding("1-9", "pick", "Pick an option or a code line by its number")],
        ),
        ("An epoch block (Tab to it)", list(EpochLauncher.BINDINGS)),
        (
            "The scratchpad (/ to it)",
            [
                Binding("enter", "evaluate", "Evaluate the expression"),
                *Scratchpad.BINDINGS,
            ],
        ),
    ]
    # The screen under the help (``app.screen`` while ``?`` is being handled).
    here = next((group for group in screen_groups if isinstance(app.screen, group[0])), None)
    first = [] if here is None else [(here[1], here[2])]
    others = [
        (title, keys) for kind, title, keys in screen_groups if here is None or kind is not here[0]
    ]
    everywhere = ("Everywhere", list(app.BINDINGS))
    if here is None or issubclass(here[0], LessonScreen):
        # Reading or presenting: the blocks in the lesson come right after its keys.
        return [*first, *blocks, everywhere, *others]
    return [*first, everywhere, *others, *blocks]


class HelpScreen(ModalScreen[None]):
    """Lists every key binding of the app, the screens and the live blocks."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            title = Text("Keys", style="bold")
            title.append("   ↓/PgDn scroll · Esc closes · Ctrl+P finds lessons and headings")
            yield Static(title, id="help-title")
            yield Static(keys_table(self.sections), id="help-keys")
