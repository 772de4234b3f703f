"""``tutor class watch``: the class, live, for the teacher's projector.

One row per student: the lesson and section they are on, the quiz they are stuck on
(tried ``STUCK_AFTER`` times without a pass, or its solution shown) and when they
were last seen. Stuck students come first and carry a ⚠ (not colour alone), then
the active ones. The database is read in a worker every ``POLL_SECONDS`` (a write
ahead log means this never blocks a student's save), and the table is redrawn from
what the worker posts back. Columns are cut to the screen's width, so it reads at
80x24 and fills a projector.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tutor.core.class_report import WatchRow, ago_text, watch_rows
from tutor.core.classroom import ClassBook
from tutor.core.errors import TutorError
from tutor.core.library import Library
from tutor.core.safe_text import clean_line
from tutor.themes import CUSTOM_THEMES

#: Seconds between two reads of the class database.
POLL_SECONDS = 3.0
#: Fixed widths (student, stuck on, seen); the lesson and section share the rest.
NAME_WIDTH = 12
STUCK_WIDTH = 20
SEEN_WIDTH = 6
#: Columns in the table, each padded by a cell on either side.
COLUMNS = 5

#: Under the table: what a "stuck" cell means.
LEGEND = "⚠ 3× quiz: three wrong tries, not passed · solution: its solution was shown"

Clock = Callable[[], datetime]


def fit(text: str, width: int) -> str:
    """One line of at most ``width`` cells, cut with an ellipsis."""
    text = clean_line(text)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


class ClassWatchScreen(Screen[None]):
    """Every student of a class: where they are and what they are stuck on."""

    BINDINGS = [
        Binding("r", "refresh_now", "Refresh", tooltip="Read the class records again now"),
        Binding("q", "app.quit", "Quit"),
    ]

    @dataclass
    class RowsRead(Message):
        """The worker read the class (or could not, and says why)."""

        rows: list[WatchRow]
        at: datetime
        error: str = ""

    def __init__(
        self,
        class_name: str,
        library: Library,
        *,
        database: Path | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.class_name = class_name
        self.library = library
        self.database = database
        self.clock = clock or (lambda: datetime.now(UTC))
        self.book: ClassBook | None = None
        self.rows: list[WatchRow] = []

    def compose(self) -> ComposeResult:
        yield Static(id="watch-header")
        yield DataTable(id="watch-table", zebra_stripes=True, cursor_type="none")
        yield Static(id="watch-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#watch-header", Static).update(
            Text(f"Class {clean_line(self.class_name)} · reading…", style="bold")
        )
        self.poll()
        self.set_interval(POLL_SECONDS, self.poll)

    def on_unmount(self) -> None:
        if self.book is not None:
            self.book.close()

    @work(thread=True, exclusive=True, group="watch")
    def poll(self) -> None:
        """Read the class in a worker thread (its connection is used by one thread at a time)."""
        now = self.clock()
        try:
            if self.book is None:
                self.book = ClassBook.open(self.database, create=False)
            rows = watch_rows(self.book, self.class_name, self.library, now)
        except TutorError as error:
            self.post_message(self.RowsRead(self.rows, now, error.message))
            return
        except sqlite3.Error as error:  # a read that failed mid-way: say it, keep polling
            self.post_message(self.RowsRead(self.rows, now, f"cannot read the class: {error}"))
            return
        self.post_message(self.RowsRead(rows, now))

    def on_class_watch_screen_rows_read(self, event: RowsRead) -> None:
        self.rows = event.rows
        with self.app.batch_update():
            self._show_header(event)
            self._show_rows()

    def on_resize(self) -> None:
        self._show_rows()

    def _show_header(self, event: RowsRead) -> None:
        active = sum(row.active for row in self.rows)
        stuck = sum(bool(row.stuck) for row in self.rows)
        header = Text(f"Class {clean_line(self.class_name)}", style="bold")
        header.append(f" · {active} of {len(self.rows)} active · ")
        header.append(f"{stuck} stuck", style="bold reverse" if stuck else "")
        header.append(f" · updated {event.at.astimezone():%H:%M:%S}")
        self.query_one("#watch-header", Static).update(header)
        status = self.query_one("#watch-status", Static)
        status.update(Text(clean_line(event.error), style="bold") if event.error else LEGEND)

    def _show_rows(self) -> None:
        table = self.query_one("#watch-table", DataTable)
        width = max(60, self.size.width - 2)
        rest = max(20, width - NAME_WIDTH - STUCK_WIDTH - SEEN_WIDTH - 2 * COLUMNS)
        lesson_width = rest // 2
        section_width = rest - lesson_width
        table.clear(columns=True)
        table.add_column("Student", width=NAME_WIDTH)
        table.add_column("Lesson", width=lesson_width)
        table.add_column("Section", width=section_width)
        table.add_column("Stuck on", width=STUCK_WIDTH)
        table.add_column("Seen", width=SEEN_WIDTH)
        for row in self.rows:
            stuck = Text(fit(f"⚠ {row.stuck}", STUCK_WIDTH), style="bold") if row.stuck else ""
            table.add_row(
                Text(fit(row.name, NAME_WIDTH), style="bold" if row.active else "dim"),
                Text(fit(row.lesson or "not started", lesson_width)),
                Text(fit(row.section, section_width)),
                stuck,
                Text(ago_text(row.seen_ago)),
            )

    def action_refresh_now(self) -> None:
        self.poll()


class ClassWatchApp(App[None]):
    """The live view on its own, as ``tutor class watch`` runs it."""

    CSS_PATH = "../tutor.tcss"
    TITLE = "tutor · class"

    def __init__(
        self,
        class_name: str,
        library: Library,
        *,
        database: Path | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.watch_screen = ClassWatchScreen(class_name, library, database=database, clock=clock)

    def on_mount(self) -> None:
        for theme in CUSTOM_THEMES:
            self.register_theme(theme)
        self.push_screen(self.watch_screen)
