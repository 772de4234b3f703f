"""The play clock shared by the epoch animation and the presenter's auto-play.

Both are a paused ``set_interval`` that plays, pauses and changes pace. A Textual
Timer's interval is fixed, so a new pace means a new timer, made paused or running
as the old one was.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget


def set_playing(
    owner: Widget,
    timer: Timer | None,
    seconds: float,
    tick: Callable[[], object],
    playing: bool,
) -> Timer | None:
    """The clock started afresh (its first tick one full interval from now), or paused.

    A new timer, not ``Timer.reset``: a reset only takes effect once the interval
    already being slept ends, so the first tick after it came two intervals late.
    """
    if timer is None:
        return None
    if playing:
        return repaced(owner, timer, seconds, tick, True)
    timer.pause()
    return timer


def repaced(
    owner: Widget, timer: Timer | None, seconds: float, tick: Callable[[], object], playing: bool
) -> Timer | None:
    """The clock at a new pace: the old timer stopped, a new one in the same state."""
    if timer is None:
        return None
    timer.stop()
    return owner.set_interval(seconds, tick, pause=not playing)
