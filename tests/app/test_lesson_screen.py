"""Driving the app with the Pilot: reading, stepping, the scratchpad, resuming."""

from __future__ import annotations

import io

from rich.console import Console
from textual import events
from textual.widgets import Input

from tests.app.waiting import until
from tutor.core.progress import ProgressStore
from tutor.screens.lesson import LessonScreen
from tutor.screens.too_small import TooSmallScreen
from tutor.widgets.compute import ComputeBlock
from tutor.widgets.scratchpad import Scratchpad

SIZE = (110, 36)


def plain(shown) -> str:
    """What a Static's content (or any renderable) reads as on a wide, colourless console."""
    renderable = getattr(shown, "content", shown)
    console = Console(width=120, file=io.StringIO(), color_system=None, force_terminal=False)
    console.print(renderable)
    return console.file.getvalue()


async def settle(app, pilot) -> None:
    """Let workers finish and their messages be handled (no sleeping)."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_opens_first_lesson_and_shows_its_header(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.lesson.id == "one"
        assert not screen.query("#learner"), "nobody signs in to a learner's own tutor"
        header = plain(screen.query_one("#lesson-header"))
        assert "Lesson 1 · Lesson One" in header and "section 1/3" in header


async def test_compute_block_shows_the_shape_chain(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        (block,) = app.screen.query(ComputeBlock)
        text = plain(block)
        assert "X @ W1 @ W2   (10,3)(3,4)(4,1) -> (10,1)" in text
        assert "Yhat (10,1)" in text


async def test_step_through_a_block_one_operation_at_a_time(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        block = app.screen.query_one(ComputeBlock)
        block.focus()
        await pilot.press("home")
        assert block.step == 0 and "X (10,3)" not in plain(block)
        await pilot.press("right")
        assert block.step == 1 and "X (10,3)" in plain(block)
        assert "W1 (3,4)" not in plain(block)
        for _ in range(block.total_steps + 3):
            await pilot.press("right")
        assert block.step == block.total_steps
        await pilot.press("left")
        assert block.step == block.total_steps - 1 and "Yhat (10,1)" not in plain(block)
        await pilot.press("a")
        assert block.step is None and "Yhat (10,1)" in plain(block)


async def test_a_failing_block_shows_an_error_panel_not_a_crash(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n", "n")
        await settle(app, pilot)
        block = app.screen.query_one(ComputeBlock)
        text = plain(block)
        assert "Shape mismatch" in text and "(10,3)" in text and "(4,1)" in text
        assert block.has_class("-error")


async def test_scratchpad_good_mismatched_and_refused(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        scratchpad = app.screen.query_one(Scratchpad)
        results = []

        await pilot.press("slash")

        async def submit(text: str) -> str:
            for key in text:
                await pilot.press(key if key != " " else "space")
            await pilot.press("enter")
            await settle(app, pilot)
            output = plain(scratchpad.query_one("#scratch-result"))
            results.append(output)
            return output

        good = await submit("X.T @ X")
        assert "(3,10)" in good and "(3,3)" in good
        bad = await submit("X @ W2")
        assert "Shape mismatch" in bad
        refused = await submit("X.__class__")
        assert "Not allowed" in refused and "__class__" in refused
        await pilot.press("up", "up")
        assert scratchpad.query_one("#scratch-input").value == "X @ W2"


async def test_next_and_previous_lesson_and_section(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n", "n", "n")
        assert app.screen.section_index == 2
        await pilot.press("p")
        assert app.screen.section_index == 1
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert app.screen.lesson.id == "two"
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert app.screen.lesson.id == "one" and app.screen.section_index == 1


async def test_quit_and_resume_at_the_same_place(make_app, tutor_home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.press("q")
    saved = ProgressStore(tutor_home).load()
    assert saved.last_lesson == "one" and saved.positions["one"] == 1
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert again.screen.lesson.id == "one" and again.screen.section_index == 1


async def test_help_screen_lists_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        text = plain(app.screen.query("Static").last())
        for expected in ("Next section", "Scratchpad", "Reveal the next operation", "Theme"):
            assert expected in text, expected
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)


async def test_too_small_terminal_shows_a_message_and_recovers(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "60x20" in plain(app.screen.query_one("#too-small"))
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)


async def test_theme_cycles_and_is_remembered(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        assert app.theme == "tutor-light"
        await pilot.press("t")
        assert app.theme == "tutor-high-contrast"
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert again.theme == "tutor-high-contrast"


async def test_a_broken_lesson_is_reported_and_the_others_work(make_app, lesson_folder) -> None:
    (lesson_folder / "03-broken.md").write_text("no front matter")
    app = make_app()
    notes = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        notes = [n.message for n in app._notifications]
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "one"
    assert any("03-broken.md:1: missing front matter" in note for note in notes)


async def test_epoch_block_opens_the_animation_and_escape_returns(make_app) -> None:
    from tutor.screens.epoch import EpochScreen
    from tutor.widgets.blocks import EpochLauncher

    app = make_app("two")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one(EpochLauncher).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EpochScreen)
        assert app.screen.spec.layers == (10, 3, 4, 1)
        assert app.screen.spec.activations == ("square", "cube")
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "two"


async def test_command_palette_offers_missed_questions_to_review(make_app, lesson_folder) -> None:
    from tutor.app import LessonCommands

    (lesson_folder / "03-quiz.md").write_text(
        "---\nid: three\ntitle: Lesson Three\norder: 3\nsummary: s\n---\n\n## First\n\ntext\n\n"
        "## Asked\n\n```quiz\nid: pick\nkind: choice\nprompt: Which?\nchoices: [a, b]\n"
        "answer: 1\n```\n"
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.progress.record_answer("three", "pick", correct=False)
        provider = LessonCommands(app.screen)
        hits = [hit async for hit in provider.search("review")]
        assert [hit.text for hit in hits] == ["Review: Lesson Three · pick"]
        hits[0].command()
        await settle(app, pilot)
        assert app.screen.lesson.id == "three" and app.screen.section_index == 1


async def test_help_is_grouped_by_place_and_fits_80x24(make_app) -> None:
    """The help at 80x24: the reading keys first, then the blocks', each key spelled
    as on a keyboard, every line within the screen; it scrolls with ↓."""
    from tutor.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        keys = screen.query_one("#help-keys")
        assert keys.region.right <= 80
        text = plain(keys.content)
        order = [
            text.index(title)
            for title in ("Reading a lesson", "A compute block", "A quiz", "Everywhere")
        ]
        assert order == sorted(order)
        for spelled in ("PgDn", "Shift+Space", "↓ / j", "F2", "Esc"):
            assert spelled in text, spelled
        assert "pagedown" not in text and "left_square_bracket" not in text
        scroller = screen.query_one("#help")
        await pilot.press("pagedown")
        assert scroller.scroll_y > 0
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)


async def test_help_over_the_epoch_screen_lists_its_keys_first(make_app) -> None:
    from tutor.screens.epoch import EpochScreen
    from tutor.screens.help import HelpScreen, help_sections

    app = make_app(start="two")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("tab", "tab", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EpochScreen)
        assert help_sections(app)[0][0] == "The epoch animation"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.sections[0][0] == "The epoch animation"


async def test_pressing_on_at_the_end_of_a_lesson_shows_one_notice_not_a_stack(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(6):  # three sections, then three presses past the last one
            await pilot.press("n")
        await settle(app, pilot)
        assert app.screen.section_index == 2
        ends = [n for n in app._notifications if n.message.startswith("End of the lesson")]
        assert len(ends) == 1
        app.notify("Another notice")
        await pilot.pause()
        assert len(list(app._notifications)) == 2


def opened(app, lesson_id: str) -> bool:
    screen = app.screen
    return isinstance(screen, LessonScreen) and screen.lesson.id == lesson_id


def type_ahead(app, keys: list[tuple[str, str]]) -> None:
    """Queue keys at the app all at once, as a busy served session reads a fast typist's."""
    for key, character in keys:
        app.post_message(events.Key(key, character))


async def test_g_then_a_number_typed_in_one_go_opens_that_lesson(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        type_ahead(app, [("g", "g"), ("2", "2"), ("enter", "\r")])
        await until(app, pilot, lambda: opened(app, "two"), "lesson two open")
        await settle(app, pilot)
        assert opened(app, "two"), "nothing after the lesson opened moved it on"


async def test_slash_then_an_expression_typed_in_one_go_goes_to_the_scratchpad(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # n and p are also the reading keys for the next and previous section.
        type_ahead(app, [("slash", "/"), *((c, c) for c in "np+np")])
        field = app.screen.query_one(Scratchpad).query_one(Input)
        await until(app, pilot, lambda: field.value == "np+np", "np+np in the scratchpad")
        await settle(app, pilot)
        assert app.screen.section_index == 0
        assert field.value == "np+np"


async def test_a_lesson_chosen_as_the_app_closes_is_let_go(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
    assert not app.screen_stack
    app.on_lesson_screen_lesson_chosen(LessonScreen.LessonChosen("two"))
    assert not app.screen_stack
