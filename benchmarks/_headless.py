"""What every app-running benchmark child shares: run headless, and see each paint.

Textual's headless driver throws the screen away, so a child patches ``App.run`` to
run headless at a fixed size, and ``App._display`` (where a composed screen update
is handed to the driver) to watch paints. A "paint" here is one compositor update:
the widgets' lines rendered and, because a real terminal would need them, turned
into the escape sequences a driver would write (the headless driver skips that
step, so the hook does it and counts it). Every case, the baseline Textual apps and
tutor alike, is measured through this same hook.

A child reports to its parent on stdout's file descriptor directly: Textual redirects
``sys.stdout`` while an app runs.
"""

from __future__ import annotations

import asyncio
import faulthandler
import json
import os
import resource
import time
from collections.abc import Callable

from textual.app import App

#: Every app is run as if in a terminal of this size (columns, lines).
SIZE = (120, 40)

#: Called after each paint with the app and the CPU time at which it finished.
PaintHook = Callable[[App, float], None]

_hooks: list[PaintHook] = []


def report(**figures: object) -> None:
    """One JSON line to the parent, bypassing Textual's capture of ``sys.stdout``."""
    os.write(1, (json.dumps(figures) + "\n").encode())


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settled(app: App, *, between_paints: bool = False) -> bool:
    """True when nothing on screen waits to be laid out, restyled or repainted.

    A paint made while a visible widget still has a refresh pending, or while the app
    or the screen still holds messages (such as the one asking for that refresh), is
    not yet the screen the user will look at. Widgets outside the visible area (in a
    collapsed section, below the fold) do not count: they are not painted anyway.

    During a paint the screen's own bookkeeping is stale (it clears it after handing
    the update over), so it is read only ``between_paints``: there, a layout or repaint
    the screen has taken on but its update timer has not yet drawn is still pending.
    """
    screen = app.screen
    if not app._message_queue.empty() or not screen._message_queue.empty():
        return False
    if between_paints and (
        screen._layout_required
        or screen._scroll_required
        or screen._repaint_required
        or screen._recompose_required
        or screen._dirty_widgets
    ):
        return False
    for widget in screen._compositor.visible_widgets:
        if widget is screen:
            continue
        pending = (
            widget._layout_required
            or widget._repaint_required
            or widget._recompose_required
            or widget._refresh_styles_required
        )
        if pending or not widget._message_queue.empty():
            return False
    return True


class SettleWatch:
    """Calls ``done(app, cpu)`` at the first settled paint after ``arm``.

    A paint made while a message was still queued is not settled; if handling that
    message changes nothing on screen, no further paint comes. So after such a paint
    the event loop looks again every millisecond (a timer on the loop, not a message:
    a message the app posts to itself from its own handler would keep every widget
    from running) until the screen has settled; the paint before is then what the
    user sees, and the time of that look is reported.
    """

    def __init__(self, done: Callable[[App, float], None]) -> None:
        self.done = done
        self.armed = False
        self._looking: asyncio.TimerHandle | None = None

    def arm(self) -> None:
        self.armed = True

    def paint(self, app: App, cpu: float) -> None:
        """Give every paint of the watched screen to this (from the paint hook)."""
        if not self.armed:
            return
        if settled(app):
            self._finish(app, cpu)
        elif self._looking is None:
            self._look_later(app)

    def _look_later(self, app: App) -> None:
        self._looking = asyncio.get_running_loop().call_later(0.001, self._look, app)

    def _look(self, app: App) -> None:
        self._looking = None
        if not self.armed:
            return
        if settled(app, between_paints=True):
            self._finish(app, time.process_time())
        else:
            self._look_later(app)

    def _finish(self, app: App, cpu: float) -> None:
        # A look still scheduled belongs to this paint, not to the next one armed.
        if self._looking is not None:
            self._looking.cancel()
            self._looking = None
        self.armed = False
        self.done(app, cpu)


#: A child still running after this many seconds has hung: it prints every thread's
#: stack to stderr (which the parent shows) and exits.
HANG_SECONDS = 90


def install(hook: PaintHook) -> None:
    """Run every app headless at ``SIZE`` and call ``hook`` after each of its paints."""
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    _hooks.append(hook)
    if getattr(App, "_bench_patched", False):
        return
    original_run = App.run
    original_display = App._display

    def run(self: App, *args, **kwargs):
        kwargs["headless"] = True
        kwargs["size"] = SIZE
        return original_run(self, *args, **kwargs)

    def display(self: App, screen, renderable) -> None:
        original_display(self, screen, renderable)
        if renderable is None or self._batch_count or not self._running:
            return
        render_segments = getattr(renderable, "render_segments", None)
        if render_segments is not None:
            render_segments(self.console)  # what a terminal driver would write
        cpu = time.process_time()
        for each in list(_hooks):
            each(self, cpu)

    App.run = run  # type: ignore[method-assign]
    App._display = display  # type: ignore[method-assign]
    App._bench_patched = True  # type: ignore[attr-defined]


def painted_and_exit(**figures: object) -> None:
    """Tell the parent the screen it waited for is painted, then stop at once.

    ``os._exit`` skips the app's shutdown, which is not part of what is measured and
    would only slow the next round down.
    """
    report(painted=True, peak_rss_mb=peak_rss_mb(), **figures)
    os._exit(0)
