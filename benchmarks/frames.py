"""Child process: CPU time per frame of the epoch animation, and the app's peak memory.

Usage: ``python benchmarks/frames.py toy|large [--frames N]``.

The app is started as ``tutor capstone-epoch`` (the capstone lesson, whose epoch block is the
article's network) headless, with a fresh ``TUTOR_HOME``. Once the lesson is
painted, the epoch screen is pushed over it as the lesson's epoch block would push
it: ``toy`` is that block's network (layers 10,3,4,1, square and cube), ``large``
is layers 1000,784,128,10 with the default activations. When its worker has
prepared the frames, the step is advanced N times (wrapping round at the end).

A frame is everything from setting the step (what the play timer does) to that
step's paint: the reactive's watcher swapping the prepared lines into the widgets,
Textual's refresh messages, the compositor update, and turning that update into the
bytes a terminal would get. The tween pictures of an update step are switched off
(``animation_level = "none"``) so that each frame is one step; a tween frame costs
less than a step, as it swaps one widget's lines, not five. Each frame's CPU time is
``time.process_time()`` (all threads) from setting the step to its paint.

Prints one JSON line: ``frame_cpu_ms`` (every frame), ``peak_rss_mb``, ``steps``.
With ``BENCH_DEBUG=1`` it also writes the memory before the epoch screen opens and once
its frames are ready to stderr, to see where the memory goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import runpy
import sys
import tempfile
import time

from _headless import SettleWatch, install, peak_rss_mb, report
from textual.app import App

#: Frames shown before measuring, so caches and lazily built styles are warm.
WARMUP_FRAMES = 10
LARGE = {"layers": [1000, 784, 128, 10]}


class FrameClock:
    """Starts the driver at the lesson's first paint, then marks each epoch-screen paint."""

    def __init__(self, network: str, frames: int) -> None:
        self.network = network
        self.frames = frames
        self.started = False
        self.event = asyncio.Event()
        self.cpu = 0.0
        self.watch = SettleWatch(self.painted)

    def next_frame(self) -> None:
        """Wait for the settled paint of the step about to be set."""
        self.event.clear()
        self.watch.arm()

    def painted(self, app: App, cpu: float) -> None:
        self.cpu = cpu
        self.event.set()

    def hook(self, app: App, cpu: float) -> None:
        name = type(app.screen).__name__
        if not self.started and name == "LessonScreen":
            # Started from the app's own first paint, so nothing of tutor (NumPy above
            # all) is imported before ``python -m tutor`` would import it.
            self.started = True
            asyncio.get_running_loop().create_task(drive(app, self))
        elif name == "EpochScreen":
            self.watch.paint(app, cpu)


def _now_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def epoch_options(app: App, network: str) -> dict:
    """The capstone lesson's epoch block for ``toy``, the large network otherwise."""
    if network == "large":
        return dict(LARGE)
    lesson = app.screen.lesson
    block = next(block for block in lesson.blocks if block.kind == "epoch")
    return dict(block.data or {})


async def drive(app: App, clock: FrameClock) -> None:
    from tutor.core.plots import spec_from_options
    from tutor.screens.epoch import EpochScreen

    while type(app.screen).__name__ != "LessonScreen" or app.screen.lesson_run is None:
        await asyncio.sleep(0.01)
    app.animation_level = "none"
    if os.environ.get("BENCH_DEBUG"):
        os.write(2, f"before epoch: peak {peak_rss_mb():.1f} now {_now_mb():.1f}\n".encode())
    screen = EpochScreen(spec_from_options(epoch_options(app, clock.network)))
    await app.push_screen(screen)
    while not screen.frames:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # let the first frame's paint land
    if os.environ.get("BENCH_DEBUG"):
        os.write(2, f"frames ready: peak {peak_rss_mb():.1f} now {_now_mb():.1f}\n".encode())
    samples = []
    for number in range(WARMUP_FRAMES + clock.frames):
        clock.next_frame()
        start = time.process_time()
        screen.step = (screen.step + 1) % len(screen.frames)
        await clock.event.wait()
        if number >= WARMUP_FRAMES:
            samples.append((clock.cpu - start) * 1000)
    report(frame_cpu_ms=samples, peak_rss_mb=peak_rss_mb(), steps=len(screen.frames))
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("network", choices=["toy", "large"])
    parser.add_argument("--frames", type=int, default=100)
    args = parser.parse_args()
    os.environ["TUTOR_HOME"] = tempfile.mkdtemp(prefix="tutor-bench-")
    clock = FrameClock(args.network, args.frames)
    install(clock.hook)
    sys.argv = ["tutor", "capstone-epoch"]
    runpy.run_module("tutor", run_name="__main__", alter_sys=True)
    raise SystemExit("the app exited before the frames were measured")


if __name__ == "__main__":
    main()
