"""Reading by keyboard alone: every line of a section reachable at 80x24, the lesson
list out of the way until asked for, quiz focus in a clear order, and the terminal's
own size (not $COLUMNS)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input

from tests.app.test_quiz_card import feedback_of, make
from tutor.cli.app_options import size_from_the_terminal
from tutor.core.lesson import Lesson
from tutor.core.library import load_library
from tutor.screens.lesson import LessonScreen
from tutor.widgets.lesson_list import LessonList
from tutor.widgets.quiz import QuizCard

SIZE = (80, 24)
LONG_TITLE = "A very long lesson title that no sidebar of any width could ever show on one line"

TALL = (
    "---\nid: tall\ntitle: "
    + LONG_TITLE
    + "\norder: 1\nsummary: Sections taller than the screen.\n---\n\n## First\n\n"
    + "\n\n".join(f"Paragraph {n} of the first section." for n in range(1, 41))
    + "\n\n## Second\n\n"
    + "\n\n".join(f"Paragraph {n} of the second section." for n in range(1, 41))
    + "\n\n## Third\n\nShort.\n"
)
OTHER = "---\nid: other\ntitle: Other\norder: 2\nsummary: s\n---\n\nText.\n"


@pytest.fixture
def tall_app(tmp_path: Path):
    (tmp_path / "01.md").write_text(TALL)
    (tmp_path / "02.md").write_text(OTHER)
    from tutor.app import TutorApp

    app = TutorApp(load_library(tmp_path))
    app.animation_level = "none"
    return app


async def ready(app, pilot) -> LessonScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    return screen


def scroll(screen: LessonScreen):
    return screen.query_one("#section")


async def test_nothing_has_focus_at_start_so_the_keys_read(tall_app) -> None:
    async with tall_app.run_test(size=SIZE) as pilot:
        screen = await ready(tall_app, pilot)
        assert screen.focused is None
        lessons = screen.query_one(LessonList)
        highlighted = lessons.highlighted
        await pilot.press("down")
        assert lessons.highlighted == highlighted  # the list did not take ↓
        assert scroll(screen).scroll_y == 1


async def test_lines_pages_top_and_bottom(tall_app) -> None:
    async with tall_app.run_test(size=SIZE) as pilot:
        screen = await ready(tall_app, pilot)
        reader = scroll(screen)
        await pilot.press("j", "j", "down")
        assert reader.scroll_y == 3
        await pilot.press("k", "up")
        assert reader.scroll_y == 1
        await pilot.press("space")
        paged = reader.scroll_y
        assert paged >= reader.size.height - 2
        await pilot.press("shift+space")
        assert reader.scroll_y < paged
        await pilot.press("end")
        assert reader.scroll_y == reader.max_scroll_y > 0
        # The last line of the section is on screen: its end marker.
        marker = screen.query_one(".section-end")
        assert marker.region.bottom <= reader.region.bottom
        await pilot.press("home")
        assert reader.scroll_y == 0 and screen.section_index == 0


async def test_page_down_reads_to_the_end_then_opens_the_next_section(tall_app) -> None:
    async with tall_app.run_test(size=SIZE) as pilot:
        screen = await ready(tall_app, pilot)
        reader = scroll(screen)
        presses = 0
        while reader.scroll_y < reader.max_scroll_y:
            await pilot.press("pagedown")
            presses += 1
            assert screen.section_index == 0 and presses < 40
        assert presses >= 2  # the section is taller than two screens
        await pilot.press("pagedown")
        await ready(tall_app, pilot)
        assert screen.section_index == 1 and scroll(screen).scroll_y == 0
        # Page Up at the top goes back, to the previous section's end.
        await pilot.press("pageup")
        await ready(tall_app, pilot)
        await pilot.pause()
        assert screen.section_index == 0
        assert scroll(screen).scroll_y == scroll(screen).max_scroll_y > 0


async def test_every_line_of_every_section_is_reachable(tall_app) -> None:
    """Paging through, every paragraph of the lesson passes through the visible window."""
    async with tall_app.run_test(size=SIZE) as pilot:
        screen = await ready(tall_app, pilot)
        seen: set[int] = set()
        for _ in range(80):
            reader = scroll(screen)
            top, bottom = reader.scroll_y, reader.scroll_y + reader.size.height
            for widget in reader.children:
                region = widget.virtual_region
                if region.y >= top and region.bottom <= bottom:
                    seen.add(id(widget))
            if screen.section_index == 2 and reader.scroll_y >= reader.max_scroll_y:
                break
            await pilot.press("pagedown")
            await ready(tall_app, pilot)
        assert screen.section_index == 2
        # Every widget of the last section was seen whole.
        assert all(id(widget) in seen for widget in scroll(screen).children)


async def test_the_list_is_focused_with_l_lit_and_left_with_escape(tall_app) -> None:
    async with tall_app.run_test(size=SIZE) as pilot:
        screen = await ready(tall_app, pilot)
        lessons = screen.query_one(LessonList)
        await pilot.press("tab")
        assert screen.focused is not lessons  # not in the Tab order
        await pilot.press("escape", "l")
        assert screen.focused is lessons
        highlight = lessons.get_component_rich_style("option-list--option-highlighted")
        assert highlight.bgcolor is not None  # a visible highlight while it has focus
        await pilot.press("down")
        assert lessons.highlighted == 1
        # The highlighted lesson's whole title is under the list.
        assert "2 · Other" in str(screen.query_one("#lesson-title").content)
        await pilot.press("escape")
        assert screen.focused is None and not lessons.can_focus
        await pilot.press("down")
        assert lessons.highlighted == 1 and scroll(screen).scroll_y == 1


async def test_a_long_title_is_shown_whole_under_the_list_and_in_the_header(tall_app) -> None:
    async with tall_app.run_test(size=SIZE) as pilot:
        screen = await ready(tall_app, pilot)
        under = str(screen.query_one("#lesson-title").content).replace("\n", " ")
        assert " ".join(LONG_TITLE.split()) in " ".join(under.split())
        label = screen.query_one(LessonList).get_option_at_index(0).prompt
        assert "…" in str(label) or screen.query_one(LessonList).size.width < len(LONG_TITLE)


def test_columns_is_forgotten_when_a_terminal_says_its_size(monkeypatch) -> None:
    environ = {"COLUMNS": "200", "LINES": "60", "HOME": "/x"}
    monkeypatch.setattr("os.get_terminal_size", lambda fd: (80, 24))
    size_from_the_terminal(environ)
    assert environ == {"HOME": "/x"}


def test_columns_is_kept_without_a_terminal(monkeypatch) -> None:
    def no_terminal(fd):
        raise OSError("not a terminal")

    environ = {"COLUMNS": "120"}
    monkeypatch.setattr("os.get_terminal_size", no_terminal)
    size_from_the_terminal(environ)
    assert environ == {"COLUMNS": "120"}


async def test_quiz_tab_order_card_answer_then_hint(quiz_lesson: Lesson) -> None:
    """Tab goes card, answer field, hint button; the answer and its trace stay after a
    wrong answer."""
    app = make(quiz_lesson, "dw2")
    async with app.run_test(size=(100, 50)) as pilot:
        card = app.query_one(QuizCard)
        app.set_focus(None)
        await pilot.pause()
        order = []
        for _ in range(3):
            await pilot.press("tab")
            order.append(app.focused)
        assert order[0] is card
        assert isinstance(order[1], Input) and order[1].id == "quiz-answer"
        assert isinstance(order[2], Button) and order[2].id == "quiz-hint"
        field = app.query_one("#quiz-answer", Input)
        field.focus()
        field.value = "(X @ W1).T @ Yt"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        feedback = feedback_of(app)
        assert "› (X @ W1).T @ Yt" in feedback and "(X @ W1).T" in feedback
        assert "->" in feedback  # the graded answer's shape trace


def test_a_trace_too_wide_for_a_narrow_block_breaks_between_source_and_shapes() -> None:
    """A shape chain is never broken at a space: a step that does not fit is written
    unaligned, or as its source with the shapes on the next line."""
    import io

    import numpy as np
    from rich.console import Console

    from tutor.core.expression import Environment, evaluate
    from tutor.rendering.traces import step_lines

    environment = Environment({"D2": np.ones((10, 1)), "W2": np.ones((4, 1))})
    lines = step_lines(evaluate("((D2 @ W2.T) * (D2 @ W2.T)).T", environment))

    def printed(width: int) -> list[str]:
        console = Console(width=width, file=io.StringIO(), color_system=None)
        console.print(lines)
        return console.file.getvalue().splitlines()

    wide = printed(100)
    assert wide == lines.plain.splitlines()
    narrow = printed(40)
    assert all(len(line) <= 40 for line in narrow)
    chains = [line.strip() for line in narrow if "->" in line]
    # Every chain whole on one line: "(10,1) @ (1,4) -> (10,4)", never cut after "@".
    assert "D2 @ W2.T   (10,1) @ (1,4) -> (10,4)" in chains
    assert "(10,4) * (10,4) -> (10,4)" in chains  # under its too-long source
    assert all(chain.count("(") == chain.count(")") for chain in chains)
    assert len(chains) == len(lines.lines)


async def test_a_wrong_answer_at_80x24_shows_its_verdict_in_view() -> None:
    """The answer field keeps its cursor on screen, so the card brings the verdict into
    view itself; the card's status line fits its frame."""
    from tutor.app import TutorApp

    app = TutorApp(load_library(), start_lesson="the-loss", start_section=4)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        card = screen.query(QuizCard).first()
        field = card.query_one("#quiz-answer", Input)
        field.focus()
        for _ in range(card.spec.attempts):
            field.value = "(99,99)"
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            feedback = card.query_one("#quiz-feedback")
            # Whole within the section's visible part.
            assert feedback.display and scroll(screen).region.contains_region(feedback.region)
            assert "(99,99)" in str(feedback.content.renderables[1])
        assert card.revealed
        solution = card.query_one("#quiz-solution")
        assert solution.display and scroll(screen).region.contains_region(solution.region)
        assert len(str(card.border_subtitle)) <= card.size.width - 4
