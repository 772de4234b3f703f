"""Class mode end to end: ``tutor serve --class`` with students in browsers over websockets.

Thirty students sign in at once and answer quizzes with the keys a student presses
(some right, some wrong); the server is killed outright (SIGKILL) in the middle of it
and started again, a few students carry on, and the gradebook (``tutor class report
--json``) and each student's records must hold every attempt that was committed, with
its verdict, for the student who made it. Then the door: wrong codes and a guessing
loop refused, and no student reading or changing another's records.

The servers are real processes on loopback ports; every wait is bounded and reads
the screen the student would read (``class_browsers``), or polls the class database
read-only.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from tests.cli.class_browsers import (
    CODE_FIELD,
    ENTER,
    TAB,
    Browser,
    QuizOnScreen,
    ScreenTimeout,
    free_port,
)
from tutor.core import join_codes
from tutor.core.classroom import ClassBook

CLASS = "9C"
STUDENTS = 30
#: Attempts committed before the server is killed (of about 85 planned).
KILL_AFTER = 40
#: Students who carry on after the restart.
CARRY_ON = 6
#: One step of one student (a screen to appear, a field to take focus), at most.
STEP = 60.0

LESSON = """\
---
id: classwork
title: Classwork
order: 1
summary: Two quizzes a class answers.
seed: 5
---

## Two quizzes

Type each answer, then Enter.

```quiz
id: product
kind: formula
prompt: Type A times B.
setup: |
  A = randn(3, 4)
  B = randn(4, 2)
names: [A, B]
answer: A @ B
proves: {none: "a product, not a gradient"}
```

```quiz
id: total
kind: formula
prompt: Type the sum of the squares of r.
setup: |
  r = randn(5, 1)
names: [r]
answer: sum(r**2)
proves: {none: "a loss value, not a gradient"}
```
"""
PRODUCT = QuizOnScreen("Type A times B.", "type an expression using A, B")
TOTAL = QuizOnScreen("Type the sum of the squares of r.", "type an expression using r")
#: (answer, is it right) for each quiz.
RIGHT = {"product": "A @ B", "total": "sum(r**2)"}
WRONG = {"product": "2 * A @ B", "total": "sum(r)"}
LESSON_SHOWN = "Lesson 1 · Classwork"
#: The start of the refusal (``classroom.NO_MATCH``), which wraps on screen.
REFUSED = "That name and join code do not"


def plan_for(index: int) -> list[tuple[str, str, bool]]:
    """What student ``index`` answers, in order: (quiz, answer, right?). Some miss first."""
    product = [[("product", False), ("product", True)], [("product", True)], [("product", False)]]
    total = [[("total", True)], [("total", False), ("total", True)]]
    steps = product[index % 3] + total[index % 2]
    return [(quiz, RIGHT[quiz] if right else WRONG[quiz], right) for quiz, right in steps]


@dataclass
class StudentRun:
    """What one simulated student did: attempts sent (Enter pressed), and seen graded."""

    name: str
    code: str
    sent: list[tuple[str, str, bool]] = field(default_factory=list)
    graded: int = 0
    stopped: str = ""


# -- servers and the database ----------------------------------------------------------


def run_cli(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TUTOR_HOME": str(home)},
        stdin=subprocess.DEVNULL,
    )


def start_server(home: Path, lessons: Path, port: int, sessions: int) -> subprocess.Popen:
    """``tutor serve --class`` in its own process group; returns once it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--class", CLASS, "--lessons", str(lessons)]
        + ["--port", str(port), "--max-sessions", str(sessions)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TUTOR_HOME": str(home)},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.stderr.read()}")
        if "Serving" in _fetch(port):
            return process
        time.sleep(0.1)
    kill_server(process)
    raise AssertionError("the server did not listen within 60 s")


def _fetch(port: int, path: str = "/") -> str:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
            return "Serving" if answer.status == 200 else ""
    except urllib.error.HTTPError as error:
        return f"{error.code}"
    except OSError:
        return ""


def process_tree(root: int) -> list[int]:
    """``root``'s descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found += children.get(pid, [])
        queue += children.get(pid, [])
    return found


def kill_server(process: subprocess.Popen) -> None:
    """SIGKILL the server's group, then wait (bounded) until every session has gone too."""
    below = process_tree(process.pid)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in below):
        assert time.monotonic() < deadline, "sessions outlived their killed server"
        time.sleep(0.05)


def stop_server(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        kill_server(process)
        _, err = process.communicate()
    return err


def committed(home: Path) -> dict[str, list[tuple[str, str, str, bool]]]:
    """Every attempt in the class database, per student: (quiz, answer, verdict, right)."""
    uri = f"file:{home / 'classes.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True, timeout=10) as db:
        rows = db.execute(
            "SELECT s.name, a.quiz, a.answer, a.verdict, a.correct FROM attempts a "
            "JOIN students s ON s.id = a.student_id ORDER BY a.id"
        ).fetchall()
    found: dict[str, list[tuple[str, str, str, bool]]] = {}
    for name, quiz, answer, verdict, correct in rows:
        found.setdefault(name, []).append((quiz, answer, verdict, bool(correct)))
    return found


@pytest.fixture
def classroom(tmp_path: Path) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    """A data folder with the class and its students, the lesson folder, the codes."""
    home = tmp_path / "home"
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-classwork.md").write_text(LESSON, "utf-8")
    os.environ["TUTOR_HOME"] = str(home)  # the autouse fixture restores it
    with ClassBook.open() as book:
        book.new_class(CLASS)
        codes = dict(book.add_students(CLASS, [f"Student {n:02}" for n in range(1, STUDENTS + 1)]))
    yield home, lessons, codes


# -- a student ---------------------------------------------------------------------------


async def focus_field(browser: Browser, quiz: QuizOnScreen, tabs: int) -> None:
    """Tab to a quiz's answer field and wait until it has the focus."""
    browser.expect()
    await browser.type(*[TAB] * tabs)
    await browser.until_focused(quiz.placeholder, STEP)


async def attend(http: aiohttp.ClientSession, port: int, run: StudentRun, plan) -> None:
    """Sign in and work through ``plan``; stops quietly when the server goes away."""
    browser = await Browser.open(http, port)
    try:
        await browser.sign_in(run.name, run.code, STEP)
        await browser.until_shown(LESSON_SHOWN, STEP)
        tries = {"product": 0, "total": 0}
        # Tab goes through product's card, its field, total's card, its field.
        order = ["start", "product", "total"]
        at = "start"
        for quiz_id, answer, right in plan:
            quiz = PRODUCT if quiz_id == "product" else TOTAL
            if at != quiz_id:
                await focus_field(browser, quiz, 2 * (order.index(quiz_id) - order.index(at)))
                at = quiz_id
            tries[quiz_id] += 1
            state = "passed ✓" if right else f"attempt {tries[quiz_id] + 1} of 3"
            run.sent.append((quiz_id, answer, right))
            await browser.answer(quiz, answer, state, STEP)
            run.graded += 1
    except ScreenTimeout as problem:
        run.stopped = str(problem)
    finally:
        await browser.close()


async def a_class(port: int, runs: list[StudentRun], plans, until: asyncio.Event | None = None):
    """Every student at once; returns when all have finished or stopped."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(
            *(attend(http, port, run, plan) for run, plan in zip(runs, plans, strict=True))
        )


# -- the tests ---------------------------------------------------------------------------


async def test_thirty_students_through_a_killed_server_lose_no_committed_answer(
    classroom,
) -> None:
    home, lessons, codes = classroom
    began = time.monotonic()
    port = free_port()
    server = start_server(home, lessons, port, STUDENTS + 2)
    runs = [StudentRun(name, code) for name, code in codes.items()]
    plans = [plan_for(index) for index in range(STUDENTS)]
    try:
        students = asyncio.ensure_future(a_class(port, runs, plans))

        def enough() -> int:
            return sum(len(attempts) for attempts in committed(home).values())

        deadline = time.monotonic() + 120
        while (count := await asyncio.to_thread(enough)) < KILL_AFTER:
            assert not students.done(), (
                f"the class finished before the kill, {count} attempts: "
                f"{sorted({run.stopped for run in runs})}"
            )
            assert time.monotonic() < deadline, f"only {count} attempts after 120 s"
            await asyncio.sleep(0.1)
        await asyncio.to_thread(kill_server, server)
        killed_at = time.monotonic() - began
        await asyncio.wait_for(students, 60)
    finally:
        if server.poll() is None:
            kill_server(server)
    before = committed(home)
    total_before = sum(len(attempts) for attempts in before.values())
    still_answering = [run for run in runs if run.stopped and len(run.sent) < len(plans[0])]
    assert total_before >= KILL_AFTER
    assert still_answering, "the kill came after everyone had finished"
    for run, plan in zip(runs, plans, strict=True):
        mine = before.get(run.name, [])
        # In the order answered, each the student's own, with the verdict they were shown.
        assert [(quiz, answer, right) for quiz, answer, _, right in mine] == run.sent[
            : len(mine)
        ], run.name
        assert all((verdict == "correct") == right for _, _, verdict, right in mine), mine
        # A graded answer was committed, but perhaps the one the kill interrupted.
        assert len(mine) >= run.graded - 1, (run.name, run.graded, mine)
        assert run.sent == plan[: len(run.sent)]

    # Started again on the same class and port: a few students sign in and carry on.
    server = start_server(home, lessons, port, STUDENTS + 2)
    try:
        passed_total = {
            name
            for name, attempts in before.items()
            if any(a[0] == "total" and a[3] for a in attempts)
        }
        later = [run for run in runs if run.name not in passed_total][:CARRY_ON]
        assert len(later) == CARRY_ON
        again = [StudentRun(run.name, run.code) for run in later]
        await asyncio.wait_for(
            a_class(port, again, [[("total", RIGHT["total"], True)]] * CARRY_ON), 120
        )
        assert all(not run.stopped and run.graded == 1 for run in again), [
            run.stopped for run in again
        ]

        # The card shows its verdict as the app saves it: the database may lag a moment.
        def carried_on() -> dict | None:
            now = committed(home)
            done = all(
                len(now.get(run.name, [])) == len(before.get(run.name, [])) + 1 for run in again
            )
            return now if done else None

        deadline = time.monotonic() + 30
        while (after_restart := await asyncio.to_thread(carried_on)) is None:
            assert time.monotonic() < deadline, "the answers after the restart were not saved"
            await asyncio.sleep(0.1)
    finally:
        err = stop_server(server)
    assert "damaged" not in err and "Traceback" not in err, err
    for run in again:
        assert after_restart[run.name][-1] == ("total", "sum(r**2)", "correct", True)
        assert after_restart[run.name][:-1] == before.get(run.name, [])
    for name, attempts in before.items():
        assert after_restart[name][: len(attempts)] == attempts, name

    # The gradebook holds every committed attempt, for the student who made it.
    report = run_cli(home, "class", "report", CLASS, "--json", "--lessons", str(lessons))
    assert report.returncode == 0, report.stderr
    assert "damaged" not in report.stderr
    assert not list(home.glob("classes.damaged-*"))
    gradebook = {line["name"]: line for line in json.loads(report.stdout)["students"]}
    assert len(gradebook) == STUDENTS
    for name in codes:
        attempts = after_restart.get(name, [])
        line = gradebook[name]
        assert line["attempts"] == len(attempts), name
        passed = {quiz for quiz, _, _, right in attempts if right}
        assert line["quizzes_passed"] == len(passed), name
        cell = line["lessons"]["classwork"]
        assert (cell["attempts"], cell["quizzes_passed"], cell["quizzes"]) == (
            len(attempts),
            len(passed),
            2,
        )
    missed = {(m["quiz"], m["students_missed"]) for m in json.loads(report.stdout)["most_missed"]}
    for quiz in ("product", "total"):
        wrong = {
            n for n, a in after_restart.items() if any(q == quiz and not r for q, _, _, r in a)
        }
        if wrong:
            assert (quiz, len(wrong)) in missed
    elapsed = time.monotonic() - began
    print(
        f"\nkilled after {total_before} attempts at {killed_at:.1f} s; "
        f"{len(still_answering)} students were still answering; whole run {elapsed:.1f} s"
    )


async def test_over_the_wire_wrong_codes_are_refused_and_no_student_reaches_another(
    classroom,
) -> None:
    """The door and the walls, as browsers meet them: a wrong code and a guessing loop
    are refused on screen; B sees none of A's results and cannot sign in as A; A in
    two browsers keeps what both did; no URL hands out anything of a session's."""
    home, lessons, codes = classroom
    ada, bo, guessed = "Student 01", "Student 02", "Student 03"
    port = free_port()
    server = start_server(home, lessons, port, 8)
    try:
        async with aiohttp.ClientSession() as http:
            # A guessing loop from one browser: every code refused, then no more taken.
            guesser = await Browser.open(http, port)
            await guesser.sign_in(guessed, "ZZZ-ZZ2", STEP)
            for attempt in range(2, join_codes.SESSION_TRIES + 1):
                await guesser.until_shown(REFUSED, STEP)
                # The field is cleared at once, and taken again after the wait.
                guesser.expect()
                await guesser.until_focused(CODE_FIELD, STEP)
                guesser.expect()
                await guesser.type(*f"ZZZ-ZZ{attempt + 1}", ENTER)
            await guesser.until_shown("takes no", STEP)
            # Its guesses counted against the name: even the right code is now refused.
            late = await Browser.open(http, port)
            await late.sign_in(guessed, codes[guessed], STEP)
            await late.until_shown("locked", STEP)
            await late.close()
            await guesser.close()

            # A answers; B, in another browser, sees a fresh card and cannot become A.
            first = await Browser.open(http, port)
            await first.sign_in(ada, codes[ada], STEP)
            await first.until_shown(LESSON_SHOWN, STEP)
            await focus_field(first, PRODUCT, 2)
            await first.answer(PRODUCT, WRONG["product"], "attempt 2 of 3", STEP)
            await first.answer(PRODUCT, RIGHT["product"], "passed ✓", STEP)
            other = await Browser.open(http, port)
            await other.sign_in(ada, codes[bo], STEP)  # A's name with B's code
            await other.until_shown(REFUSED, STEP)
            await other.close()
            other = await Browser.open(http, port)
            await other.sign_in(bo, codes[bo], STEP)
            shown = await other.until_shown(LESSON_SHOWN, STEP)
            assert "passed ✓" not in shown and "attempt 1 of 3" in shown
            await focus_field(other, PRODUCT, 2)
            await other.answer(PRODUCT, RIGHT["product"], "passed ✓", STEP)
            # A in a second browser: their own pass is there; what both do is kept.
            second = await Browser.open(http, port)
            await second.sign_in(ada, codes[ada], STEP)
            shown = await second.until_shown(LESSON_SHOWN, STEP)
            assert "passed ✓" in shown, "A's own record follows A to a new browser"
            await focus_field(second, TOTAL, 4)
            await second.answer(TOTAL, WRONG["total"], "attempt 2 of 3", STEP)
            await focus_field(first, TOTAL, 2)
            await first.answer(TOTAL, RIGHT["total"], "passed ✓", STEP)
            for browser in (first, second, other):
                await browser.close()
        # Behind a TLS proxy (it says so) the page opens its websocket as wss.
        import urllib.request

        proxied = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(proxied, timeout=10) as page:
            assert f"wss://127.0.0.1:{port}/ws" in page.read().decode()
        # A download key is the session's own, never guessable: a made-up one is not found.
        assert _fetch(port, "/download/" + "0" * 32) == "404"
    finally:
        stop_server(server)

    def saved() -> dict | None:
        now = committed(home)
        return now if len(now.get(ada, [])) == 4 and len(now.get(bo, [])) == 1 else None

    deadline = time.monotonic() + 30
    while (records := saved()) is None:
        assert time.monotonic() < deadline, committed(home)
        time.sleep(0.1)
    assert sorted(records) == [ada, bo], "the guesser never got in"
    assert [(q, a, r) for q, a, _, r in records[ada]] == [
        ("product", WRONG["product"], False),
        ("product", RIGHT["product"], True),
        ("total", WRONG["total"], False),
        ("total", RIGHT["total"], True),
    ]
    assert [(q, a, r) for q, a, _, r in records[bo]] == [("product", RIGHT["product"], True)]
    with ClassBook.open() as book:
        progress = book.export_student(book.find_student(CLASS, ada))["progress"]
    quizzes = progress["quizzes"]["classwork"]
    assert quizzes["product"]["passed"] and quizzes["total"]["passed"], "both browsers kept"
    assert quizzes["total"]["attempts"] == 2
