"""The Playground driven with the Pilot: knobs, run and pause, what it names, and its size."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from textual.app import App
from textual.widgets import Static

from tutor.core.library import load_library
from tutor.core.network import NetworkSpec
from tutor.core.training import run_training
from tutor.screens.playground import PlaygroundScreen, open_playground
from tutor.widgets.matrix_grid import PreparedView

ARTICLE = NetworkSpec(layers=(10, 3, 4, 1), activations=("square", "cube"), lr=0.01)
DEEP_SIGMOID = NetworkSpec(
    layers=(16,) * 17 + (1,), activations=("sigmoid",) * 15 + ("identity",), init="xavier"
)

EXPLODING = NetworkSpec(layers=(16,) * 9 + (1,), activations=("identity",) * 8, init_scale=10)


class PlaygroundHost(App[None]):
    """An app that shows nothing but the playground, training without pauses between epochs."""

    def __init__(self, spec: NetworkSpec, epochs: int = 20, frame_seconds: float = 0.0) -> None:
        super().__init__()
        self.spec, self.epochs, self.frame_seconds = spec, epochs, frame_seconds
        self.animation_level = "none"

    def on_mount(self) -> None:
        screen = PlaygroundScreen(self.spec, epochs=self.epochs)
        screen.frame_seconds = self.frame_seconds
        self.push_screen(screen)


async def ready(app: App, pilot) -> PlaygroundScreen:
    """Let the workers finish and their messages land; return the playground."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, PlaygroundScreen)
    return screen


def shown(screen: PlaygroundScreen, selector: str) -> str:
    widget = screen.query_one(selector)
    if isinstance(widget, PreparedView):
        return widget.plain
    assert isinstance(widget, Static)
    return str(widget.content)


async def test_it_opens_at_epoch_0_with_the_seeded_start() -> None:
    app = PlaygroundHost(ARTICLE)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        assert screen.record is not None and screen.record.number == 0
        assert screen.losses == pytest.approx(run_training(ARTICLE, 0).losses, rel=1e-13)
        assert not screen.running
        assert "epoch 0 · Space trains 20 epochs" in shown(screen, "#play-status")
        assert "μ 0.01" in shown(screen, "#play-knobs")
        assert "▶W1 square → 4" in shown(screen, "#play-network")
        assert "▶W1" in shown(screen, "#play-grads") and "W2" in shown(screen, "#play-weights")


async def test_space_trains_to_the_end_then_on_and_matches_the_core() -> None:
    app = PlaygroundHost(ARTICLE, epochs=20)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("space")
        screen = await ready(app, pilot)
        assert screen.record is not None and screen.record.number == 20
        assert screen.losses == pytest.approx(run_training(ARTICLE, 20).losses, rel=1e-13)
        assert not screen.running
        assert "done: epoch 20 · Space trains 20 more" in shown(screen, "#play-status")
        assert "20  (epoch)" in shown(screen, "#play-curve")
        await pilot.press("space")
        screen = await ready(app, pilot)
        assert screen.record.number == 40
        assert screen.losses == pytest.approx(run_training(ARTICLE, 40).losses, rel=1e-13)


async def test_a_paused_run_resumes_where_it_stood() -> None:
    # A long frame: the worker shows epoch 1 and waits, so the pause lands mid-run.
    app = PlaygroundHost(ARTICLE, epochs=30, frame_seconds=60.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("space")
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen) and screen.running
        assert "▶ training" in shown(screen, "#play-status")
        await pilot.press("space")
        assert not screen.running
        # The pause wakes the waiting worker: this returns at once, not after 60 s.
        screen = await ready(app, pilot)
        assert screen.record is not None and screen.record.number <= 1
        assert "paused at epoch" in shown(screen, "#play-status") or screen.record.number == 0
        screen.frame_seconds = 0.0
        await pilot.press("space")
        screen = await ready(app, pilot)
        assert screen.record.number == 30
        assert screen.losses == pytest.approx(run_training(ARTICLE, 30).losses, rel=1e-13)


async def test_a_knob_restarts_from_the_same_seed() -> None:
    app = PlaygroundHost(ARTICLE, epochs=10)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("space")
        screen = await ready(app, pilot)
        first_loss, trained = screen.losses[0], screen.losses
        assert screen.record is not None and screen.record.number == 10
        await pilot.press("right_square_bracket")
        screen = await ready(app, pilot)
        assert screen.spec.lr == 0.02
        assert "μ 0.02" in shown(screen, "#play-knobs")
        assert screen.record is not None and screen.record.number == 0
        assert screen.losses == (first_loss,), "epoch 0 again, from the same starting weights"
        await pilot.press("space")
        screen = await ready(app, pilot)
        assert screen.losses[0] == first_loss and screen.losses != trained
        assert screen.losses == pytest.approx(
            run_training(replace(ARTICLE, lr=0.02), 10).losses,
            rel=1e-13,
        )
        await pilot.press("left_square_bracket", "left_square_bracket")
        screen = await ready(app, pilot)
        assert screen.spec.lr == 0.005 and screen.losses == (first_loss,)


async def test_a_knob_turned_while_training_keeps_training() -> None:
    app = PlaygroundHost(ARTICLE, epochs=30, frame_seconds=60.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("space", "s")
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen)
        assert screen.spec.seed == 1 and screen.running
        await pilot.press("space")
        screen = await ready(app, pilot)
        assert not screen.running
        assert screen.losses[0] == run_training(screen.spec, 0).losses[0]


async def test_every_knob_turns_its_setting() -> None:
    app = PlaygroundHost(ARTICLE)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("right")
        assert screen.selected == 2 and "▶W2 cube" in shown(screen, "#play-network")
        await pilot.press("a")
        assert screen.spec.activations == ("square", "identity")
        await pilot.press("plus")
        assert "output layer" in shown(screen, "#play-status")
        assert screen.spec.layers == (10, 3, 4, 1), "a refused turn changes nothing"
        await pilot.press("left", "plus")
        assert screen.spec.layers == (10, 3, 6, 1)
        assert "output layer" not in shown(screen, "#play-status")
        await pilot.press("minus", "minus")
        assert screen.spec.layers == (10, 3, 3, 1)
        await pilot.press("d")
        assert screen.spec.depth == 3 and screen.spec.activations == (
            "square",
            "square",
            "identity",
        )
        await pilot.press("D")
        assert screen.spec.depth == 2
        await pilot.press("i", "greater_than_sign", "l", "s")
        assert (screen.spec.init, screen.spec.init_scale) == ("xavier", 2.0)
        assert (screen.spec.loss, screen.spec.seed) == ("half-sse", 1)
        await pilot.press("less_than_sign", "less_than_sign")
        assert screen.spec.init_scale == 0.5
        screen = await ready(app, pilot)
        assert screen.record is not None and screen.record.spec == screen.spec
        assert "init xavier" in shown(screen, "#play-knobs")


async def test_every_knob_key_is_on_screen() -> None:
    app = PlaygroundHost(ARTICLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        knob_line = shown(screen, "#play-knobs")
        for binding in PlaygroundScreen.BINDINGS:
            if not binding.show:
                key = binding.key_display or binding.key
                assert key in knob_line, (key, binding.description)


async def test_divergence_stops_training_and_names_the_lesson() -> None:
    app = PlaygroundHost(NetworkSpec(lr=0.05), epochs=100)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("space")
        screen = await ready(app, pilot)
        assert not screen.running
        assert screen.record is not None and screen.record.number == 4
        assert "stopped at epoch 4: the loss is inf" in shown(screen, "#play-status")
        notes = shown(screen, "#play-notes")
        assert "OVERFLOW: loss became inf at epoch 4" in notes
        assert "too large" in notes and "capstone-epoch" in notes
        assert "+1 earlier note" in notes
        assert screen.query_one("#play-notes").has_class("-alarm")
        # Space after an overflow starts again from epoch 0.
        screen.frame_seconds = 60.0
        await pilot.press("space")
        assert screen.running
        await pilot.press("space")
        screen = await ready(app, pilot)
        assert screen.losses[0] == run_training(NetworkSpec(lr=0.05), 0).losses[0]


async def test_a_vanishing_gradient_is_named_on_screen() -> None:
    app = PlaygroundHost(DEEP_SIGMOID, epochs=2)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        notes = shown(screen, "#play-notes")
        assert "VANISHED: layers 1 and 2's gradients fell below 1e-08 at epoch 0" in notes
        assert "vanishing-gradients" in notes
        assert "▶W1" in shown(screen, "#play-grads") and " !" in shown(screen, "#play-grads")


def _wrapped_lines(text, width: int) -> int:
    console = Console(file=io.StringIO(), width=width)
    return len(console.render_lines(text, console.options.update(width=width), pad=False))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize(
    ("spec", "epochs"),
    [(NetworkSpec(lr=0.05), 100), (DEEP_SIGMOID, 3), (EXPLODING, 5)],
    ids=["diverges", "vanishes", "explodes"],
)
async def test_nothing_is_clipped(size, spec, epochs) -> None:
    app = PlaygroundHost(spec, epochs=epochs)
    async with app.run_test(size=size) as pilot:
        await ready(app, pilot)
        await pilot.press("space")
        screen = await ready(app, pilot)
        assert screen.notes, "there is a note to fit"
        for selector in ("#play-curve", "#play-grads", "#play-weights"):
            view = screen.query_one(selector)
            width, height = view.content_size
            lines = shown(screen, selector).split("\n")
            assert len(lines) <= height, (selector, len(lines), height)
            assert max(cell_len(line) for line in lines) <= width, selector
        for selector in ("#play-knobs", "#play-network", "#play-status"):
            widget = screen.query_one(selector, Static)
            for line in str(widget.content).split("\n"):
                assert cell_len(line) <= widget.content_size.width, (selector, line)
        notes = screen.query_one("#play-notes", Static)
        width, height = notes.content_size
        assert _wrapped_lines(notes.content, width) <= height


async def test_o_opens_the_lesson_a_note_names(tmp_path: Path) -> None:
    from tutor.app import TutorApp
    from tutor.screens.lesson import LessonScreen

    for number, lesson_id in enumerate(("intro", "capstone-epoch"), 1):
        (tmp_path / f"0{number}-{lesson_id}.md").write_text(
            f"---\nid: {lesson_id}\ntitle: {lesson_id}\norder: {number}\n"
            f"summary: Lesson {number}.\n---\n\nText.\n"
        )
    app = TutorApp(load_library(tmp_path), start_lesson="intro", keep_progress=False)
    app.animation_level = "none"
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        open_playground(app, NetworkSpec(lr=0.05), 100)
        screen = await ready(app, pilot)
        screen.frame_seconds = 0.0
        await pilot.press("space")
        screen = await ready(app, pilot)
        assert "lesson 2, capstone-epoch (o opens it)" in shown(screen, "#play-notes")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == "capstone-epoch"


async def test_the_palette_and_an_epoch_block_open_the_playground(make_app) -> None:
    from tutor.widgets.blocks import EpochLauncher

    app = make_app("two")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Playground")
        command.callback()
        screen = await ready(app, pilot)
        assert screen.spec == NetworkSpec()
        await pilot.press("escape")
        await pilot.pause()
        app.screen.query_one(EpochLauncher).focus()
        await pilot.press("P")
        screen = await ready(app, pilot)
        assert screen.spec.lr == 0.001
        assert screen.spec.activations == ("square", "cube")


async def test_help_lists_the_playground_keys(make_app) -> None:
    from tutor.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        sections = dict(app.screen.sections)
        assert sections["The playground"] == list(PlaygroundScreen.BINDINGS)


def test_playground_snapshot(snap_compare) -> None:
    """The playground at 80x24 after two epochs of a 16-layer sigmoid network (xavier):
    the knobs beside their keys on two lines ("[ ] μ 0.01 … s seed 0", "← → layer W1 of
    16 … d D depth 16"), the network row cut after W3 with ▶W1 marked, "done: epoch 2 ·
    Space trains 2 more", the loss curve over epochs 0 to 2 with its numbers, the
    gradient bars for W1–W7 on a log scale with W1–W4 flagged "!", the newest note
    "VANISHED: layer 4's gradient fell below 1e-08 at epoch 2 … sigmoid′ ≤ ¼ … lesson
    vanishing-gradients (+2 earlier notes)", the heat maps of W1 and W2 as signed digits
    with the legend "… W1–W2 of 16, ← → for more", and the key bar."""

    async def train(pilot) -> None:
        await ready(pilot.app, pilot)
        await pilot.press("space")
        await ready(pilot.app, pilot)

    assert snap_compare(
        PlaygroundHost(DEEP_SIGMOID, epochs=2), terminal_size=(80, 24), run_before=train
    )
