"""Expressions, answers and lessons that try to exhaust the machine: each gets a clear
message, fast, within a bounded amount of memory.

Every case runs in a child process whose address space is capped with
``resource.setrlimit(RLIMIT_AS)``, so a regression that lets one allocate without
bound fails the test (MemoryError, or a dead child) instead of taking the machine
down. The child reports its own time and peak RSS: each case must answer in under
``SECONDS`` and stay under ``PEAK_RSS`` (the figures README's Reliability section
quotes come from these runs).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tutor.core.expression.limits import MAX_BYTES, MAX_HELD_BYTES, MAX_NAMES, MAX_WORK
from tutor.core.lesson_run import LESSON_WORK

#: Address space a child may reserve (NumPy and its BLAS reserve far more than they use).
ADDRESS_SPACE = 1536 * 2**20
#: What a child may really use, and how long it may take, start-up included.
PEAK_RSS = 400 * 2**20
SECONDS = 3.0

CHILD = r"""
import json, os, resource, sys, time
limit = int(os.environ["BUDGET_ADDRESS_SPACE"])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
spec = json.loads(sys.argv[1])


def peak_rss():
    # VmHWM belongs to this program's own memory map. ru_maxrss would not do: Linux
    # carries it over from the process that forked us (a big test runner) through exec.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


start = time.perf_counter()
code = None
try:
    if spec["kind"] == "cli":
        from tutor.cli import main
        code = main(spec["argv"])
    else:
        from tutor.core.expression import Environment, ExpressionError, run_block
        try:
            run_block(spec["source"], Environment(seed=0))
            print("ok")
        except ExpressionError as error:
            print(f"line {error.line}: {error.message}")
            code = error.exit_code
finally:
    sys.stdout.flush()
    report = {
        "seconds": time.perf_counter() - start,
        "rss": peak_rss(),
        "code": code,
    }
    with open(os.environ["BUDGET_REPORT"], "w") as out:
        json.dump(report, out)
raise SystemExit(code or 0)
"""


@dataclass
class Outcome:
    """What a limited child printed, how it ended, and what it cost."""

    returncode: int
    output: str
    seconds: float
    rss: int

    def assert_clear_and_bounded(self) -> None:
        assert "Traceback" not in self.output, self.output
        assert "MemoryError" not in self.output, self.output
        assert self.seconds < SECONDS, f"took {self.seconds:.2f} s"
        assert self.rss < PEAK_RSS, f"peak RSS {self.rss / 2**20:.0f} MB"


def run_limited(spec: dict, tmp_path: Path) -> Outcome:
    report = tmp_path / f"report-{time.monotonic_ns()}.json"
    env = {
        **os.environ,
        "BUDGET_ADDRESS_SPACE": str(ADDRESS_SPACE),
        "BUDGET_REPORT": str(report),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert report.exists(), f"the child died: {done.returncode}\n{done.stderr[-2000:]}"
    figures = json.loads(report.read_text())
    return Outcome(done.returncode, done.stdout + done.stderr, figures["seconds"], figures["rss"])


def lines(*statements: str) -> str:
    return "\n".join(statements)


COPY_CHAIN = lines(
    "f(x) = reshape(reshape(x.T, (-1,)), (1000, 1000))",
    "g(x) = f(f(f(f(x))))",
    "h(x) = g(g(g(g(x))))",
    "A = h(h(h(ones((1000, 1000)))))",
)
#: Each reshape of a transposed array copies it: counted as work (and bytes).
TRANSPOSE_COPIES = "X = ones((1000, 1000))\nA = " + " + ".join(["sum(reshape(X.T, (-1,)))"] * 11)
#: Each sigmoid makes three temporaries on the way: 40 MB per term.
TEMPORARIES = "A = " + " + ".join(["sum(sigmoid(ones((1000, 1000))))"] * 5)
EXPANSION = lines(
    "f(x) = reshape(reshape(x.T, (-1,)), (1000, 1000))",
    "g(x) = f(f(f(f(f(f(f(f(x))))))))",
    "h(x) = g(g(g(g(g(g(g(g(x))))))))",
    "A = h(h(h(h(h(h(h(ones((1000, 1000)))))))))",
)
USER_PRODUCTS = lines("f(x) = x @ x", "g(x) = f(f(f(x)))", "A = g(g(ones((200, 200))))")
MANY_NAMES = lines(*(f"A{number} = ones((1000, 1000))" for number in range(40)))
MANY_SMALL_NAMES = lines(*(f"A{number} = {number}" for number in range(MAX_NAMES + 1)))

#: (id, block, what the message must say)
BLOCKS = [
    ("copy-chain", COPY_CHAIN, "most of it is reshape(x.T, (-1,)): 1,000,000 each time, 48 times"),
    (
        "transpose-copies",
        TRANSPOSE_COPIES,
        "most of it is reshape(X.T, (-1,)): 1,000,000 each time, 11 times",
    ),
    ("temporaries", TEMPORARIES, f"200 MB of arrays; the limit is {MAX_BYTES // 10**6} MB"),
    ("expansion", EXPANSION, "more than 2,000 operations"),
    ("broadcast", "A = ones((100000, 1)) + ones((1, 100000))", "10,000,000,000 numbers"),
    (
        "broadcast-many",
        "A = " + " + ".join(["sum(ones((1000, 1)) * ones((1, 1000)))"] * 12),
        "ones((1000, 1)) * ones((1, 1000)): 1,000,000 each time, 12 times",
    ),
    (
        "batched-matmul",
        "A = ones((1000, 1, 1, 1000)) @ ones((1000, 1000, 1))",
        f"1,002,000,000 multiply-adds; the limit is {MAX_WORK:,}",
    ),
    ("user-functions", USER_PRODUCTS, "most of it is x @ x: 8,000,000 each time, 6 times"),
    ("randint-overflow", "R = randint(0, 1e15*1e15, (2,2))", "randint draws whole numbers"),
    ("many-names", MANY_NAMES, f"the limit is {MAX_HELD_BYTES // 10**6} MB"),
    ("many-small-names", MANY_SMALL_NAMES, f"the limit is {MAX_NAMES}"),
]


@pytest.mark.parametrize(
    ("source", "phrase"), [case[1:] for case in BLOCKS], ids=[c[0] for c in BLOCKS]
)
def test_a_hostile_block_gets_a_clear_message_fast(
    source: str, phrase: str, tmp_path: Path
) -> None:
    outcome = run_limited({"kind": "block", "source": source}, tmp_path)
    outcome.assert_clear_and_bounded()
    assert phrase in outcome.output, outcome.output
    assert outcome.output.startswith("line "), outcome.output
    assert outcome.returncode in (1, 2)  # a limit is a refusal (2), randint's bounds fail (1)


# -- the command line: trace and grade -----------------------------------------------------


def test_trace_says_randint_bounds_are_too_large(tmp_path: Path) -> None:
    outcome = run_limited(
        {"kind": "cli", "argv": ["trace", "randint(0, 1e15*1e15, (2,2))"]}, tmp_path
    )
    outcome.assert_clear_and_bounded()
    assert "randint draws whole numbers within ±1e+15" in outcome.output


#: An answer padded to the length limit (1,000 characters) that makes just under 160 MB
#: of arrays (sigmoid's temporaries included) on each of the three draws, but keeps
#: only kilobytes.
_HEAVY = "+".join(["sum(sigmoid(ones((1000,1000))))"] * 3 + ["sum(sigmoid(ones((999,1000))))"])
PADDED = "c.T @ c + 0*(" + " " * (986 - len(_HEAVY)) + _HEAVY + ")"
#: One more number past the budget: refused before anything is computed.
OVER = "c.T @ c + 0*(" + "+".join(["sum(sigmoid(ones((1000,1000))))"] * 4) + ")"


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (PADDED, "Correct"),
        (OVER, "of arrays; the limit is"),
        ("c.T @ c + 0*sum(randint(0, 1e15*1e15, (2,2)))", "randint draws whole numbers"),
        ("c.T @ c + 0*sum(ones((1000,1,1,1000)) @ ones((1000,1000,1)))", "multiply-adds"),
    ],
    ids=["padded", "over-budget", "randint", "batched-matmul"],
)
def test_a_hostile_answer_is_graded_fast_in_bounded_memory(
    answer: str, phrase: str, tmp_path: Path
) -> None:
    assert len(answer) <= 1000
    assert answer != PADDED or len(answer) == 1000
    argv = ["grade", "arrays-and-shapes", "sum-of-squares", "--", answer]
    outcome = run_limited({"kind": "cli", "argv": argv}, tmp_path)
    outcome.assert_clear_and_bounded()
    assert phrase in outcome.output, outcome.output[-600:]


# -- a lesson: check and show --------------------------------------------------------------

HOSTILE_LESSON = """\
---
id: greedy
title: Greedy
order: 1
summary: A lesson that asks for too much.
---

## Draws

```compute
R = randint(0, 1e15*1e15, (2,2))
```

## Copies

```compute
{copies}
```

## Names

```compute
{names}
```

## Plots

```plot
kind: loss-curve
layers: [1000, 784, 128, 10]
act: [relu, identity]
epochs: 1000
```

```plot
kind: loss-curve
layers: [1000, 784, 128, 10]
act: [relu, identity]
epochs: 2
```

```plot
kind: loss-curve
layers: [1000, 784, 128, 10]
act: [relu, identity]
epochs: 2
```

```epoch
layers: [4096, 4096, 4096, 1]
act: [relu, identity]
```
""".format(
    copies=COPY_CHAIN, names="\n".join(f"B{number} = ones((1000, 1000))" for number in range(10))
)


def line_of(text: str, fragment: str, after: int = 0) -> int:
    """The 1-based line of the first ``fragment`` after line ``after``."""
    for number, line in enumerate(text.splitlines(), 1):
        if number > after and fragment in line:
            return number
    raise AssertionError(fragment)


@pytest.fixture
def greedy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "greedy"
    folder.mkdir()
    (folder / "01-greedy.md").write_text(HOSTILE_LESSON)
    return folder


def test_check_reports_each_budget_with_path_and_line(greedy_folder: Path, tmp_path: Path) -> None:
    outcome = run_limited({"kind": "cli", "argv": ["check", str(greedy_folder)]}, tmp_path)
    outcome.assert_clear_and_bounded()
    path = greedy_folder / "01-greedy.md"
    text = HOSTILE_LESSON
    plots = [line_of(text, "```plot")]
    while len(plots) < 3:
        plots.append(line_of(text, "```plot", after=plots[-1]))
    expected = {
        line_of(text, "R = randint"): "randint draws whole numbers",
        line_of(text, "A = h(h("): "most of it is reshape(x.T, (-1,))",
        line_of(text, "B8 = "): f"the limit is {MAX_HELD_BYTES // 10**6} MB",
        plots[0]: "needs 306,306,000,000 multiply-adds",
        plots[2]: f"the limit is {LESSON_WORK:,}",
        line_of(text, "```epoch"): "too big",
    }
    for line, phrase in expected.items():
        found = [row for row in outcome.output.splitlines() if row.startswith(f"{path}:{line}:")]
        assert found and phrase in found[0], (line, phrase, outcome.output)
    assert f"{path}:{plots[1]}:" not in outcome.output  # the first affordable plot ran
    assert outcome.returncode != 0


def test_show_prints_the_messages_in_place(greedy_folder: Path, tmp_path: Path) -> None:
    argv = ["show", "--lessons", str(greedy_folder), "greedy", "--width", "200"]
    outcome = run_limited({"kind": "cli", "argv": argv}, tmp_path)
    outcome.assert_clear_and_bounded()
    assert "randint draws whole numbers" in outcome.output
    assert f"the limit is {MAX_HELD_BYTES // 10**6} MB" in outcome.output
    assert outcome.returncode == 0


def test_a_lessons_compute_blocks_share_one_budget() -> None:
    """Each statement fits its own budget; together they pass the lesson's."""
    from tutor.core.expression import Environment
    from tutor.core.lesson import Block
    from tutor.core.lesson_run import lesson_budget, run_compute_block

    budget = lesson_budget()
    budget.max_work = 100_000_000  # a smaller lesson, so the test runs few products
    body = "A = sum(ones((1000, 1000)) @ ones((1000, 18)))"  # 19,036,000 multiply-adds
    block = Block("compute", 1, "\n".join([body] * 20), 2)
    run = run_compute_block(block, Environment(), budget=budget)
    assert run.error is not None
    assert "the lesson (its blocks, plots and epochs) needs more than" in run.error.message
    assert "the limit is 100,000,000" in run.error.message
    assert run.error.line == 6  # five statements fit in 100 million, the sixth does not


# -- the app ----------------------------------------------------------------------------------


@contextmanager
def address_space_limit(headroom: int = 1024 * 2**20) -> Iterator[None]:
    """Cap this process's address space at what it has now plus ``headroom``, for a while.

    The app runs in the test process; a regression that let the lesson allocate
    gigabytes fails here with MemoryError instead of exhausting the machine.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    limit = used + headroom if hard == resource.RLIM_INFINITY else min(used + headroom, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


async def test_the_app_shows_every_budget_message_in_its_panel(
    make_app, greedy_folder: Path
) -> None:
    from tutor.screens.lesson import LessonScreen
    from tutor.widgets.compute import ComputeBlock
    from tutor.widgets.plots import PlotView

    app = make_app(greedy_folder)
    with address_space_limit():
        async with app.run_test(size=(120, 40)) as pilot:
            start = time.perf_counter()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LessonScreen) and screen.lesson_run is not None
            errors = [run.error.message for run in screen.lesson_run.failures if run.error]
            assert any("randint draws whole numbers" in error for error in errors)
            assert any("most of it is reshape(x.T, (-1,))" in error for error in errors)
            assert any(f"the limit is {MAX_HELD_BYTES // 10**6} MB" in error for error in errors)
            assert screen.query_one(ComputeBlock).has_class("-error")  # the Draws section
            titles = [section.title for section in screen.lesson.sections]
            screen.section_index = titles.index("Plots")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            views = list(screen.query(PlotView))
            assert [view.has_class("-error") for view in views] == [True, False, True]
            assert views[1].data is not None and len(views[1].data.losses) == 3
            assert time.perf_counter() - start < SECONDS
    assert app.return_code in (None, 0)
