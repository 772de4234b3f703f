"""Waiting for the app to reach a state, not for a time to pass."""

from __future__ import annotations

from collections.abc import Callable

#: How many idle turns a chain of messages may take before the wait gives up. A chain
#: of keys, a dialog opening and closing, and a lesson replacing another takes a few;
#: the cap only turns a state that never comes into a failure instead of a hang.
MOST_TURNS = 200


async def until(app, pilot, reached: Callable[[], bool], what: str) -> None:
    """Let the app handle messages and finish workers until ``reached()`` holds.

    ``pilot.pause()`` returns when the app looks idle, which on a loaded machine can
    come before a message posted by another message's handler is handled; asserting
    straight after it made tests pass or fail on timing. Waiting for the state itself
    does not depend on how busy the machine is.
    """
    for _ in range(MOST_TURNS):
        await app.workers.wait_for_complete()
        if reached():
            return
        await pilot.pause()
    raise AssertionError(f"the app never reached: {what}")
