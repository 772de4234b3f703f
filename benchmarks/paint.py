"""Child process: start an app headless through its real entry point; report its first paint.

Usage: ``python benchmarks/paint.py floor|demo|lesson [LESSON]``.

- ``floor``: a minimal Textual app (one Static), the least any Textual app costs.
- ``demo``: ``python -m textual``, Textual's own demo, run as that command runs it.
- ``lesson``: ``python -m tutor LESSON`` (default 1) with a fresh ``TUTOR_HOME``.

The parent times from spawning this process to the line it prints, so the start of
the interpreter and every import are inside the figure. "Painted" means the first
paint after which nothing is left waiting to be laid out or repainted; for the
lesson, also that its compute blocks have run and show their results.
"""

from __future__ import annotations

import os
import runpy
import sys
import tempfile

from _headless import SettleWatch, install, painted_and_exit
from textual.app import App


def lesson_ready(app: App) -> bool:
    """The lesson screen is up, its compute blocks have run and show their results."""
    screen = app.screen
    if type(screen).__name__ != "LessonScreen" or getattr(screen, "lesson_run", None) is None:
        return False
    return all(getattr(block, "run", None) is not None for block in screen.query("ComputeBlock"))


def watch(ready) -> None:
    """Report the first settled paint at which ``ready(app)`` holds."""
    watch = SettleWatch(lambda app, cpu: painted_and_exit(paint_cpu_ms=cpu * 1000))

    def hook(app: App, cpu: float) -> None:
        if ready(app):
            watch.arm()
        watch.paint(app, cpu)

    install(hook)


def run_floor() -> None:
    from textual.widgets import Static

    class Minimal(App[None]):
        def compose(self):
            yield Static("Hello from the smallest Textual app.")

    watch(lambda app: True)
    Minimal().run()


def run_demo() -> None:
    watch(lambda app: True)
    sys.argv = ["textual"]
    runpy.run_module("textual", run_name="__main__", alter_sys=True)


def run_lesson(lesson: str) -> None:
    os.environ["TUTOR_HOME"] = tempfile.mkdtemp(prefix="tutor-bench-")
    watch(lesson_ready)
    sys.argv = ["tutor", lesson]
    runpy.run_module("tutor", run_name="__main__", alter_sys=True)


def main() -> None:
    case = sys.argv[1]
    if case == "floor":
        run_floor()
    elif case == "demo":
        run_demo()
    elif case == "lesson":
        run_lesson(sys.argv[2] if len(sys.argv) > 2 else "1")
    else:
        raise SystemExit(f"unknown case {case!r}")
    raise SystemExit(f"{case}: the app exited without the paint being seen")


if __name__ == "__main__":
    main()
