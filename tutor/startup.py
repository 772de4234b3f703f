"""Garbage collection while tutor starts: off, then back on.

Starting creates some hundred thousand objects that live as long as the process:
modules, classes, Textual's CSS rules, the parsed lessons. Python's cyclic collector
runs every 700 new objects and now and then walks all of them, to find almost no
garbage: measured, about 25 ms of the 300 ms a lesson takes to appear.

So ``begin`` (the first thing ``tutor`` does) turns automatic collection off, and
``settle`` turns it back on once start-up is over: the app a moment after its first
lesson is computed (a timer), a sub-command before it runs, and ``main`` on its
way out whatever happened. Only a process that called ``begin`` is touched: an app
started by a test or another program keeps its collector as it was.
"""

from __future__ import annotations

import gc

_began = False


def begin() -> None:
    """No automatic garbage collection until ``settle``."""
    global _began
    if gc.isenabled():
        gc.disable()
        _began = True


def settle() -> None:
    """Collect automatically again (if ``begin`` stopped it; else do nothing)."""
    global _began
    if _began:
        _began = False
        gc.enable()
