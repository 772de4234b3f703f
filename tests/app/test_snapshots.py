"""Snapshots of the screens a learner or a class looks at.

Each test says what a person should see; the SVGs under ``__snapshots__`` are
what was checked by eye. Every number comes from a fixed seed, the terminal size
is fixed, and the cursor does not blink, so a snapshot changes only when what is
shown changes. Update them with ``pytest --snapshot-update`` after looking.
"""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input

from tutor.core.library import load_library
from tutor.core.network import NetworkSpec
from tutor.screens.epoch import EpochScreen

SIZE = (110, 36)


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def test_lesson_with_a_computed_block(snap_compare, make_app) -> None:
    """The lesson list on the left with lesson one highlighted; the header "Lesson 1 ·
    Lesson One  section 2/3: Products"; a compute block listing X, W1, W2 with their
    values and the chain "X @ W1 @ W2   (10,3)(3,4)(4,1) -> (10,1)"; the scratchpad
    naming the lesson's matrices; the footer with the keys."""

    async def open_section(pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_section)


def test_a_failing_block_shows_its_error_in_place(snap_compare, make_app) -> None:
    """Section 3 of lesson one: a compute block framed in the error colour whose text
    reads "Shape mismatch" with (10,3) @ (4,1), the dimensions that disagree, and a
    suggested fix; the rest of the app works as usual."""

    async def open_section(pilot) -> None:
        await settle(pilot)
        await pilot.press("n", "n")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_section)


def test_scratchpad_explains_a_mismatch(snap_compare, make_app) -> None:
    """The scratchpad after typing X @ W2: the learner's line, "Shape mismatch", the
    shapes (10,3) and (4,1), which dimensions disagree, and a caret under the column."""

    async def type_expression(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"X", "space", "@", "space", *"W2", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=type_expression)


def test_presenter_mode(snap_compare, lesson_folder) -> None:
    """Lesson one presented: no lesson list and no scratchpad, the section title as a
    banner, and the compute block of section 2 with its first two operations revealed."""
    from tutor.app import TutorApp

    app = TutorApp(load_library(lesson_folder), presenting=True)
    app.animation_level = "none"

    async def advance(pilot) -> None:
        await settle(pilot)
        await pilot.press("pagedown", "pagedown", "pagedown")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=advance)


class EpochHost(App[None]):
    """A bare app that shows the epoch animation for the article's network."""

    def on_mount(self) -> None:
        self.animation_level = "none"
        spec = NetworkSpec(layers=(10, 3, 4, 1), activations=("square", "cube"), lr=0.001)
        self.push_screen(EpochScreen(spec))


def test_epoch_animation_at_the_gradient_of_w2(snap_compare) -> None:
    """The network as boxes X → W1 → W2 → Ŷ → Δ with W2 highlighted; "Epoch 1" with the
    loss before and after; the step list with δW2 marked; the formula
    δW2 = −∂Δ/∂W2 = 2·B1ᵀ·D2 = …; the shape equation (4,10)(10,1) -> (4,1); and the
    matrices B1ᵀ, D2 and δW2 with signed values."""

    async def step(pilot) -> None:
        await settle(pilot)
        await pilot.press(*["right"] * 7)
        await settle(pilot)

    assert snap_compare(EpochHost(), terminal_size=(120, 40), run_before=step)
