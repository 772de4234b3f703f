"""The play clock shared by the epoch animation and the presenter's auto-play.

Both are a paused ``set_interval`` that plays, pauses and changes pace. A Textual
Timer's interval is fixed, so a new pace means a new timer, made paused or running
as the old one was.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget


def set_playing(timer: Timer | None, playing: bool) -> None:
    """Start the clock afresh (a full interval before the first tick), or pause it."""
    if timer is None:
        return
    if playing:
        timer.reset()
        timer.resume()
    else:
        timer.pause()


def repaced(
    owner: Widget, timer: Timer | None, seconds: float, tick: Callable[[], object], playing: bool
) -> Timer | None:
    """The clock at a new pace: the old timer stopped, a new one in the same state."""
    if timer is None:
        return None
    timer.stop()
    return owner.set_interval(seconds, tick, pause=not playing)
