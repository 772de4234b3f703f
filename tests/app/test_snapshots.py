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
    """The lesson list on the left with lesson one marked, and under it "1 · Lesson One"
    with its summary; the header "Lesson 1 · Lesson One  section 2/3: Products"; a
    compute block listing X, W1, W2 with their values and the chain
    "X @ W1 @ W2   (10,3)(3,4)(4,1) -> (10,1)"; the scratchpad naming the lesson's
    matrices and suggesting "W1 @ W2"; the key bar starting "↓↑ Scroll  Spc Page
    n/p Section"."""

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
    """At the top: "step 8 of 13 · backward: δW2"; "Epoch 1" with Δ before 3.7456, after
    3.7147 and the change -0.0309; the step strip with ▶δW2; the formula in a heavy box,
    δW2 = −∂Δ/∂W2 = 2·B1ᵀ·D2 = 2·B1ᵀ·(Ỹ∗f2′(A2)); the shapes (4,10)(10,1) -> (4,1).
    Below, the result first, whole, in a heavy frame: δW2 (4,1) = B1ᵀ (4,10) · D2 (10,1),
    every value signed and no row elided; then the boxes X → W1 → W2 → Ŷ → Δ with W2
    heavy and the arrows pointing back."""

    async def step(pilot) -> None:
        await settle(pilot)
        await pilot.press(*["right"] * 7)
        await settle(pilot)

    assert snap_compare(EpochHost(), terminal_size=(120, 40), run_before=step)


def test_reading_at_80x24_scrolled_into_a_section(snap_compare, make_app) -> None:
    """80x24, after three ↓: the lesson list (narrower) with the whole title "1 · Lesson
    One" under it, the compute block of section 2 scrolled by three lines (its first
    lines gone, the scrollbar moved), the scratchpad, and the key bar
    "↓↑ Scroll  Spc Page  n/p Section  ]/[ Lesson  / Scratchpad  ? Keys  ^p palette"
    whole within the 80 columns."""

    async def scroll(pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("down", "down", "j")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=scroll)


def test_epoch_at_80x24_at_the_step_computing_d1(snap_compare) -> None:
    """80x24 at step 9: the status, loss and step strip (▶D1) on top; the formula
    D1 = (D2·W2ᵀ)∗f1′(A1), f1′(x) = 2x in its box; the shapes (10,1)(1,4)∗(10,4) ->
    (10,4); the settings "layers 10,3,4,1 · act square,cube · …"; then D1 (10,4)
    whole, all ten rows and four columns, in a heavy frame,
    followed by "= D2 (10,1) ·"; the rest (W2ᵀ, f1′(A1), the diagram) scrolls below."""

    async def step(pilot) -> None:
        await settle(pilot)
        await pilot.press(*["right"] * 8)
        await settle(pilot)

    assert snap_compare(EpochHost(), terminal_size=(80, 24), run_before=step)


def test_help_at_80x24(snap_compare, make_app) -> None:
    """80x24, ? pressed on a lesson: a framed "Keys" list filling the screen, the group
    "Reading a lesson" first with ↓ / j, Space, Shift+Space, Home, End, PgDn and PgUp,
    each with what it does, wrapped within the frame; a scrollbar for the rest."""

    async def open_help(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_help)
