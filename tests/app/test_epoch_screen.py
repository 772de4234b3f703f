"""The epoch animation driven with the Pilot: stepping, playing, restarting, training on."""

from __future__ import annotations

import numpy as np
from textual.app import App
from textual.widgets import Static

from tests.app.waiting import until
from tutor.core.epoch import run_epoch
from tutor.core.network import NetworkSpec
from tutor.rendering.matrices import MAX_ROWS, format_value, loss_texts
from tutor.screens.epoch import MAX_SHOWN_ROWS, MORE_EPOCHS, SPEEDS, EpochScreen
from tutor.widgets.matrix_grid import MatrixGrid, PreparedView

SIZE = (120, 40)
ARTICLE = NetworkSpec(layers=(10, 3, 4, 1), activations=("square", "cube"), lr=0.001)


class EpochHost(App[None]):
    """An app that shows nothing but the epoch screen, as the lesson screen would push it."""

    def __init__(self, spec: NetworkSpec, autoplay: float | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.autoplay = autoplay
        self.animation_level = "none"

    def on_mount(self) -> None:
        self.push_screen(EpochScreen(self.spec, autoplay=self.autoplay))


async def ready(app: App, pilot) -> EpochScreen:
    """Wait for the worker's frames to land on the screen; return the screen."""
    await until(
        app,
        pilot,
        lambda: isinstance(app.screen, EpochScreen) and bool(app.screen.frames),
        "the epoch's frames",
    )
    await pilot.pause()  # and the layout they bring
    screen = app.screen
    assert isinstance(screen, EpochScreen)
    return screen


def shown(screen: EpochScreen, selector: str) -> str:
    """The plain text a widget of the screen shows now."""
    widget = screen.query_one(selector)
    if isinstance(widget, PreparedView):
        return widget.plain
    assert isinstance(widget, Static)
    return str(widget.content)


async def test_stepping_through_a_whole_epoch_and_back() -> None:
    epoch = run_epoch(ARTICLE)
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        assert [frame.step.name for frame in screen.frames] == [s.name for s in epoch.steps]
        last = len(epoch.steps) - 1
        for index, step in enumerate(epoch.steps):
            assert screen.step == index
            assert f"{step.phase}: {step.name}" in shown(screen, "#epoch-status")
            assert f"step {index + 1} of {len(epoch.steps)}" in shown(screen, "#epoch-status")
            assert shown(screen, "#epoch-shapes").startswith(step.shapes)
            assert step.formula == shown(screen, "#epoch-formula")
            assert f"▶{step.name}" in shown(screen, "#epoch-steps")
            await pilot.press("right")
        assert screen.step == last, "stepping past the end stays on the last step"
        assert shown(screen, "#epoch-shapes").startswith("(10,1)−(10,1) -> ()")
        for index in range(last, -1, -1):
            assert screen.step == index
            assert epoch.steps[index].name in shown(screen, "#epoch-status")
            await pilot.press("left")
        assert screen.step == 0


async def test_the_shapes_of_the_gradient_steps_are_shown() -> None:
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        names = [frame.step.name for frame in screen.frames]
        await pilot.press(*["pagedown"] * names.index("δW2"))
        assert shown(screen, "#epoch-shapes").startswith("(4,10)(10,1) -> (4,1)")
        assert "B1ᵀ (4,10) D2 (10,1) -> δW2 (4,1)" in shown(screen, "#epoch-shapes")
        await pilot.press("pageup")
        assert screen.current_step.name == "D2"


async def test_the_loss_before_and_after_is_always_visible() -> None:
    epoch = run_epoch(ARTICLE)
    before, after, change = loss_texts(epoch.loss, epoch.loss_after)
    # Enough digits that the change shows: it is not 0 at the digits shown.
    assert before != after and float(change) != 0
    assert abs(float(change) - (epoch.loss_after - epoch.loss)) < 1e-3
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        for _ in screen.frames:
            loss = shown(screen, "#epoch-loss")
            assert f"Δ before {before}" in loss and f"Δ after {after}" in loss
            assert f"(change {change})" in loss
            await pilot.press("right")
        # The last step, Δ after, shows the number itself with six significant digits.
        assert f"{epoch.loss_after:+.6g}" in screen.query_one(MatrixGrid).plain


async def test_the_update_step_shows_old_and_new_weights_with_moved_cells_marked() -> None:
    epoch = run_epoch(ARTICLE)
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        screen.step = [frame.step.name for frame in screen.frames].index("W2")
        await pilot.pause()
        grid = screen.query_one(MatrixGrid).plain
        assert "W2 old (4,1)" in grid and "W2 new (4,1)" in grid
        for old, new in zip(epoch.weights[1].ravel(), epoch.weights_after[1].ravel(), strict=True):
            assert format_value(old).strip() in grid
            assert format_value(new).strip() + "*" in grid


async def test_play_runs_to_the_end_and_stops() -> None:
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("space")
        assert screen.playing and "playing" in shown(screen, "#epoch-status")
        ticks = 0
        while screen.playing:
            screen.advance()  # what the play timer calls each interval
            ticks += 1
            assert ticks <= len(screen.frames)
        assert ticks == len(screen.frames) - 1
        assert screen.step == len(screen.frames) - 1
        assert "paused" in shown(screen, "#epoch-status")
        await pilot.press("space")  # at the end, play starts over
        assert screen.playing and screen.step == 0


async def test_autoplay_starts_playing_when_the_epoch_is_ready() -> None:
    app = EpochHost(ARTICLE, autoplay=0.5)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        assert screen.playing and screen.seconds_per_step == 0.5
        # Auto-play takes its first step at once; how many it has taken by now depends
        # on the machine, so the key is judged against the step it was pressed on.
        await pilot.pause()  # the step taken at once, if it is still queued
        before = screen.step
        await pilot.press("right")
        assert not screen.playing and screen.step == before + 1


async def test_speed_keys_change_the_seconds_per_step_within_bounds() -> None:
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("plus")
        assert screen.seconds_per_step < 1.0
        assert f"{screen.seconds_per_step:g} s per step" in shown(screen, "#epoch-status")
        await pilot.press(*["plus"] * len(SPEEDS))
        assert screen.seconds_per_step == SPEEDS[0]
        await pilot.press(*["minus"] * (len(SPEEDS) + 2))
        assert screen.seconds_per_step == SPEEDS[-1]


async def test_more_epochs_then_restart_gives_the_same_starting_weights() -> None:
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        first = screen.epoch
        await pilot.press("right", "right", "m")
        screen = await ready(app, pilot)
        assert screen.epoch_number == 1 + MORE_EPOCHS and screen.step == 0
        assert not np.array_equal(screen.epoch.weights[0], first.weights[0])
        assert len(screen.losses) == MORE_EPOCHS + 2
        assert screen.losses[:2] == [first.loss, first.loss_after]
        curve = screen.query_one("#epoch-curve", Static)
        assert curve.display and "first" in str(curve.content) and "last" in str(curve.content)
        assert f"Epoch {1 + MORE_EPOCHS}" in shown(screen, "#epoch-loss")

        await pilot.press("r")
        screen = await ready(app, pilot)
        assert screen.epoch_number == 1 and screen.step == 0 and not curve.display
        for restarted, original in zip(screen.epoch.weights, first.weights, strict=True):
            assert np.array_equal(restarted, original)
        assert screen.epoch.loss == first.loss


async def test_new_seed_draws_new_weights_and_says_so() -> None:
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        first = screen.epoch
        await pilot.press("s")
        screen = await ready(app, pilot)
        assert screen.spec.seed == 1 and "seed 1" in shown(screen, "#epoch-settings")
        assert not np.array_equal(screen.epoch.weights[0], first.weights[0])


async def test_escape_returns_to_the_screen_below() -> None:
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("escape")
        assert not isinstance(app.screen, EpochScreen)


async def test_a_big_network_is_drawn_elided_in_frames_of_fixed_size() -> None:
    spec = NetworkSpec(layers=(1000, 784, 128, 10), activations=("relu", "identity"), lr=1e-6)
    app = EpochHost(spec)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        grid = screen.query_one(MatrixGrid)
        size = grid.size
        for frame in screen.frames:
            # At most a band per matrix, each its rows (and ⋮), header, frame, note, gap.
            terms = len(frame.step.operands) + 1
            assert len(frame.matrices.strips) <= terms * (MAX_SHOWN_ROWS + 6)
            assert max(strip.cell_length for strip in frame.matrices.strips) <= SIZE[0]
            assert all(strip.cell_length <= SIZE[0] for strip in frame.diagram.strips)
            assert len(frame.body.strips) <= grid.size.height
        first = screen.frames[0].matrices.plain
        assert "X (1000,784)" in first and "W1 (784,128)" in first and "…" in first
        # An elided matrix says how much of it is shown.
        assert f"showing {MAX_ROWS} of 1000 rows" in first
        assert "of 784 columns" in first
        await pilot.press("end")
        assert screen.step == len(screen.frames) - 1 and grid.size == size


async def test_with_animations_on_the_new_weights_travel_before_settling() -> None:
    app = EpochHost(ARTICLE)
    app.animation_level = "full"
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        update = [frame.step.name for frame in screen.frames].index("W2")
        screen.step = update
        frame = screen.frames[update]
        grid = screen.query_one(MatrixGrid)
        assert len(frame.tween) == 3 and grid.lines is frame.tween[0]
        assert screen._tween_timer is not None
        for expected in (*frame.tween[1:], frame.body):
            screen._tween_tick()  # what the short tween timer calls
            assert grid.lines is expected
        await pilot.press("right")
        assert grid.lines is screen.frames[update + 1].body and screen._tween_timer is None


async def test_with_animations_off_an_update_shows_its_final_weights_at_once() -> None:
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        update = [frame.step.name for frame in screen.frames].index("W1")
        screen.step = update
        assert screen.query_one(MatrixGrid).lines is screen.frames[update].body
        assert screen._tween_timer is None


async def test_resizing_draws_the_frames_again_and_keeps_the_step() -> None:
    app = EpochHost(NetworkSpec(layers=(10, 3, 8, 1), activations=("relu", "identity")))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("right", "right")
        wide = screen.frames[2].matrices
        await pilot.resize_terminal(84, 30)
        screen = await ready(app, pilot)
        narrow = screen.frames[2].matrices
        assert screen.step == 2 and narrow is not wide
        # B1 (10,8) fits 84 columns whole: the row continues in bands below, uncut.
        assert "…" not in wide.plain and "…" not in narrow.plain
        assert len(narrow.strips) > len(wide.strips)
        assert max(strip.cell_length for strip in narrow.strips) <= 84
        assert screen.query_one(MatrixGrid).lines is screen.frames[2].body


# -- laid out for 80x24 first --------------------------------------------------------------


def body_window(screen: EpochScreen) -> list[str]:
    """The lines of the scrolling part that are on screen now."""
    body = screen.query_one("#epoch-body")
    grid = screen.query_one(MatrixGrid)
    lines = grid.plain.split("\n")
    top = round(body.scroll_y) - grid.virtual_region.y  # the settings line is above
    return lines[max(top, 0) : top + body.size.height]


async def test_at_80x24_every_steps_result_is_whole_and_on_screen() -> None:
    """Formula, shapes and the step's result fit 80x24 at every step, D1 included; the
    operands that do not fit beside it continue below, reached with ↓."""
    app = EpochHost(ARTICLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        for index, frame in enumerate(screen.frames):
            screen.step = index
            await pilot.pause()
            step = frame.step
            assert shown(screen, "#epoch-formula").startswith(step.name)
            assert shown(screen, "#epoch-shapes").startswith(step.shapes)
            assert screen.query_one("#epoch-formula").region.bottom < 24
            window = "\n".join(body_window(screen))
            result = np.atleast_2d(step.result)
            header = (
                step.name if step.phase != "update" or step.layer is None else f"{step.name} new"
            )
            assert header in window, step.name
            # Every value of the result is on screen, no row or column left out.
            if step.result.ndim:
                for value in result.ravel():
                    assert format_value(value).strip() in window, (step.name, value)
                assert "showing" not in window.split("\n\n")[0]
            assert all(strip.cell_length <= 78 for strip in frame.body.strips)
        # The D1 step's operands are below its result; ↓ scrolls to them.
        screen.step = [frame.step.name for frame in screen.frames].index("D1")
        await pilot.pause()
        assert "f1′(A1) (10,4)" not in "\n".join(body_window(screen))
        for _ in range(40):
            await pilot.press("down")
            if "f1′(A1) (10,4)" in "\n".join(body_window(screen)):
                break
        assert "f1′(A1) (10,4)" in "\n".join(body_window(screen))


async def test_at_160x50_x_shows_all_its_rows() -> None:
    """Whole matrices whenever they fit: X (10,3) with its ten rows, nothing elided."""
    app = EpochHost(ARTICLE)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        grid = screen.query_one(MatrixGrid).plain
        epoch = screen.epoch
        assert "⋮" not in grid and "…" not in grid and "showing" not in grid
        for row in epoch.X:
            assert "".join(format_value(v) + " " for v in row).rstrip() in grid


async def test_a_matrix_too_tall_for_the_screen_says_how_much_is_shown() -> None:
    spec = NetworkSpec(layers=(20, 3, 4, 1), activations=("square", "cube"), lr=0.001)
    app = EpochHost(spec)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        grid = screen.query_one(MatrixGrid).plain
        assert "A1 (20,4)" in grid and "showing 8 of 20 rows" in grid
        # The elided matrix, its ⋮ row and its note fit the body under the settings.
        band = grid.split("\n\n")[0].split("\n")
        assert len(band) <= screen.query_one("#epoch-body").size.height - 1
        assert "X (20,3)" in grid


async def test_delta_is_one_number_of_shape_empty_everywhere() -> None:
    """Δ's shape is written () in the shapes line and the matrix header, and said in words."""
    app = EpochHost(ARTICLE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        screen.step = [frame.step.name for frame in screen.frames].index("Δ")
        await pilot.pause()
        shapes = shown(screen, "#epoch-shapes")
        assert shapes.startswith("(10,1) -> ()") and "Δ (), one number" in shapes
        assert "Δ ()" in screen.query_one(MatrixGrid).plain
        assert "(1,1)" not in shapes + screen.query_one(MatrixGrid).plain


async def test_at_80x24_the_shapes_line_is_never_cut() -> None:
    """The two lines of shapes fit 80 columns at every step (the moved-weights legend
    only where weights moved)."""
    app = EpochHost(ARTICLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        width = screen.query_one("#epoch-shapes").content_region.width
        for frame in screen.frames:
            assert all(strip.cell_length <= width for strip in frame.shapes.strips)
            assert len(frame.shapes.plain.split("\n")[1]) <= width, frame.step.name
            assert ("* marks" in frame.shapes.plain) == (
                frame.step.phase == "update" and frame.step.layer is not None
            )
