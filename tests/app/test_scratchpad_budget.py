"""The scratchpad runs one evaluation at a time, and caps what its names hold.

Enter pressed again while an evaluation runs cancels it: the old one stops at its
next operation (its budget checks the cancel flag) before the new one starts, so
evaluation threads never pile up and only the last result is shown.
"""

from __future__ import annotations

import threading

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input

from tutor.core.expression import Cancelled, Environment
from tutor.widgets import scratchpad as scratchpad_module
from tutor.widgets.scratchpad import Scratchpad


class PadApp(App):
    """Just a scratchpad, over an empty environment."""

    def compose(self) -> ComposeResult:
        yield Scratchpad(id="pad")

    def on_mount(self) -> None:
        self.query_one(Scratchpad).set_environment(Environment(seed=0))


class Gate:
    """Wraps ``run_block``: each evaluation runs until the gate opens, checking its budget
    between "operations" as a long evaluation does, and the wrapper counts how many run
    at once."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.real = scratchpad_module.run_block

    def __call__(self, text: str, environment: Environment, **kwargs):
        budget = kwargs["budget"]
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.started.append(text)
        try:
            while not self.open.wait(0.005):
                budget.check()
            return self.real(text, environment, **kwargs)
        except Cancelled:
            self.cancelled.append(text)
            raise
        finally:
            with self.lock:
                self.running -= 1


async def test_enters_in_quick_succession_run_one_at_a_time_and_show_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = Gate()
    monkeypatch.setattr(scratchpad_module, "run_block", gate)
    shown: list[Scratchpad.Evaluated] = []

    def hook(message) -> None:
        # A message bubbles up, and the hook sees it at every stop: keep it once.
        if isinstance(message, Scratchpad.Evaluated) and all(m is not message for m in shown):
            shown.append(message)

    app = PadApp()
    async with app.run_test(size=(80, 20), message_hook=hook) as pilot:
        await pilot.pause()
        field = app.query_one("#scratch-input", Input)
        field.focus()
        for number in range(5):
            field.value = f"A = {number}"
            await pilot.press("enter")
        await pilot.pause()
        gate.open.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        pad = app.query_one(Scratchpad)
        assert gate.peak == 1, "two evaluations ran at once"
        assert gate.started[-1] == "A = 4"
        assert gate.cancelled == gate.started[:-1]  # every earlier one that began was stopped
        assert [message.text for message in shown] == ["A = 4"]
        assert shown[0].error is None
        assert pad.environment is not None and float(pad.environment.values["A"]) == 4.0
        assert not [worker for worker in app.workers if worker.group == "scratchpad"]


async def test_a_scratchpad_that_would_hold_too_much_says_so() -> None:
    shown: list[Scratchpad.Evaluated] = []

    def hook(message) -> None:
        # A message bubbles up, and the hook sees it at every stop: keep it once.
        if isinstance(message, Scratchpad.Evaluated) and all(m is not message for m in shown):
            shown.append(message)

    app = PadApp()
    async with app.run_test(size=(80, 20), message_hook=hook) as pilot:
        await pilot.pause()
        pad = app.query_one(Scratchpad)
        for number in range(9):  # 8.0 MB each: the ninth passes 64 MB
            pad.evaluate(f"A{number} = ones((1000, 1000))", pad.environment)
            await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [message.error for message in shown if message.error is not None]
        assert len(errors) == 1 and shown[-1].error is errors[0]
        assert "the limit is 64 MB" in errors[0].message
        assert "A8" in errors[0].message
        assert "A8" not in pad.environment.values
        assert pad.environment.held_bytes <= 64_000_000
