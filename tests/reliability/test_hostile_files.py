"""Hostile files: what an attacker or a careless author can put where tutor reads.

Lessons that are named pipes or symlinks to ``/dev/zero``, YAML with numbers of
thousands of digits or lists nested 100,000 deep, prose made to make a parser
backtrack; progress and settings files with a bad entry, a symlink or a pipe in
their place, and a folder that refuses a save for a while. Each gives one clear
message at once (a lesson's at its ``path:line:``), costs only itself, and runs
under a memory limit so that a regression fails the test instead of the machine.
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
from pathlib import Path

import pytest

from tutor.core.library import load_library
from tutor.core.progress import Progress, ProgressStore
from tutor.rendering.prose import inline_text, parse_blocks, prose_renderable

#: Address space a test may add to what the process already holds.
MEMORY_HEADROOM = 512 * 2**20
#: A refusal must come at once; a second is generous on a busy machine.
PROMPTLY = 1.0
HEADER = "---\nid: {id}\ntitle: {id}\norder: {order}\nsummary: s\n{extra}---\n\n## Section\n\n"
GOOD = HEADER.format(id="good", order=1, extra="") + "Some prose.\n"

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@contextmanager
def memory_limit(headroom: int = MEMORY_HEADROOM) -> Iterator[None]:
    """Cap this process's address space at what it uses now plus ``headroom``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    limit = used + headroom if hard == resource.RLIM_INFINITY else min(used + headroom, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def limited_child() -> None:
    """``preexec_fn`` of a ``tutor`` subprocess: 1 GB of address space at most."""
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))


def run_tutor(*args: str, home: Path, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUTOR_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=limited_child,
        check=False,
    )


def folder_with(tmp_path: Path, name: str, text: str | None = None) -> Path:
    """A lesson folder holding the good lesson and, if given, ``name`` with ``text``."""
    folder = tmp_path / "lessons"
    folder.mkdir(exist_ok=True)
    (folder / "01-good.md").write_text(GOOD)
    if text is not None:
        (folder / name).write_text(text)
    return folder


def only_problem(folder: Path, name: str) -> str:
    """Load the folder (under the memory limit); the good lesson loads, ``name`` has one
    problem, returned as its ``path:line: message``."""
    started = time.monotonic()
    with memory_limit():
        library = load_library(folder)
    assert time.monotonic() - started < PROMPTLY * 5
    assert [lesson.id for lesson in library.lessons] == ["good"]
    (problem,) = library.problems
    assert problem.path == folder / name
    return str(problem)


# -- lesson files that are not files ---------------------------------------------------------------


@needs_fifo
def test_a_named_pipe_lesson_is_refused_at_once(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "pipe.md")
    os.mkfifo(folder / "pipe.md")
    started = time.monotonic()
    problem = only_problem(folder, "pipe.md")
    assert time.monotonic() - started < PROMPTLY
    assert problem == (
        f"{folder / 'pipe.md'}:1: not a regular file: a lesson is a text file "
        "(this is a named pipe (FIFO))"
    )


def test_a_symlink_to_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    folder = folder_with(tmp_path, "zero.md")
    os.symlink("/dev/zero", folder / "zero.md")
    started = time.monotonic()
    problem = only_problem(folder, "zero.md")
    assert time.monotonic() - started < PROMPTLY
    assert problem.endswith(
        ":1: not a regular file: a lesson is a text file (this is a character device)"
    )


@needs_fifo
def test_tutor_list_over_a_folder_with_a_pipe_and_dev_zero_lists_the_rest(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "pipe.md")
    os.mkfifo(folder / "pipe.md")
    os.symlink("/dev/zero", folder / "zero.md")
    result = run_tutor("list", "--lessons", str(folder), home=tmp_path / "home", timeout=10)
    assert result.returncode == 0, result.stderr
    assert "good" in result.stdout and "Traceback" not in result.stderr
    assert "pipe.md" in result.stderr and "zero.md" in result.stderr


# -- YAML that would blow up -----------------------------------------------------------------------


BIG = "9" * 5000


@pytest.mark.parametrize(
    "extra, body, line, message",
    [
        (f"seed: {BIG}\n", "", 6, "the number 999999999999...(5000 characters) is too large"),
        ("seed: 99999999999999999999\n", "", 6, "the number 9999999"),
        (
            "",
            "```quiz\nid: q\nkind: choice\nprompt: p\nchoices: [a, b]\nanswer: 1\n"
            f"attempts: {'1' * 40}\n```\n",
            16,
            "too large",
        ),
        ("", f"```plot\nx: 0x{'f' * 30}\n```\n", 11, "the number 0xffffffffff"),
    ],
    ids=["5000-digit-seed", "20-digit-seed", "40-digit-attempts", "huge-hex"],
)
def test_a_number_too_large_is_that_lesson_s_problem_at_its_line(
    tmp_path: Path, extra: str, body: str, line: int, message: str
) -> None:
    text = HEADER.format(id="big", order=2, extra=extra) + body
    folder = folder_with(tmp_path, "big.md", text)
    problem = only_problem(folder, "big.md")
    assert problem.startswith(f"{folder / 'big.md'}:{line}: ")
    assert message in problem and len(problem) < 400


def test_a_whole_number_at_the_64_bit_limit_is_allowed(tmp_path: Path) -> None:
    text = HEADER.format(id="edge", order=2, extra=f"seed: {2**63 - 1}\n") + "Prose.\n"
    folder = folder_with(tmp_path, "edge.md", text)
    library = load_library(folder)
    assert library.problems == () and library.find("edge").seed == 2**63 - 1
    (folder / "edge.md").write_text(text.replace(str(2**63 - 1), str(2**63)))
    assert "too large" in str(load_library(folder).problems[0])


@pytest.mark.parametrize(
    "value, what",
    [
        ("[" * 100_000 + "]" * 100_000, "flow"),
        ("\n" + "".join("  " * i + "- \n" for i in range(500)), "block"),
        ("\n" + "- " * 5000 + "x", "compact"),
    ],
    ids=["flow-100000-deep", "block-500-deep", "compact-5000-deep"],
)
def test_deeply_nested_yaml_is_that_lesson_s_problem(tmp_path: Path, value: str, what: str) -> None:
    body = f"```quiz\nid: q\nkind: choice\nprompt: p\nchoices: {value}\nanswer: 1\n```\n"
    folder = folder_with(tmp_path, "deep.md", HEADER.format(id="deep", order=2, extra="") + body)
    problem = only_problem(folder, "deep.md")
    assert "nested over 32 deep in quiz block" in problem, problem
    assert problem.startswith(f"{folder / 'deep.md'}:")


def test_too_many_yaml_values_is_that_lesson_s_problem(tmp_path: Path) -> None:
    body = "```plot\nx: [" + ", ".join(["1"] * 30_000) + "]\n```\n"
    folder = folder_with(tmp_path, "many.md", HEADER.format(id="many", order=2, extra="") + body)
    problem = only_problem(folder, "many.md")
    assert problem.startswith(f"{folder / 'many.md'}:11: more than 20,000 values in plot block")


# -- prose made to backtrack -----------------------------------------------------------------------


REDOS = {
    "stars": "**a " * 6_000,
    "emphasis": "*a " * 8_000,
    "underscores": "_a " * 8_000,
    "strike": "~~a " * 6_000,
    "link-tails": "[](" * 8_000,
    "brackets-then-tail": "[" * 12_000 + "](" + "a" * 12_000,
    "link-table": "[a](b |c| " * 2_500,
    "backtick-runs": "".join("`" * k + "a" for k in range(1, 200)),
    "table-rule": "a|b\n" + " " * 50_000 + "x",
    "heading": "# " + "#" * 50_000 + "x",
    "nested-quote": ">" * 50_000,
    "nested-list": "- " * 20_000,
    "blank-lines-in-list": "- a\n" + "\n" * 50_000 + "x",
}


@pytest.mark.parametrize("text", REDOS.values(), ids=REDOS.keys())
def test_hostile_prose_parses_in_well_under_a_second(text: str) -> None:
    """Each took from seconds to minutes (or overflowed the stack) before the parser was
    made linear: 3,000 repeats of ``**a `` (12 KB) took 8.8 s, the cost growing as the
    cube, so the 24 KB here took over a minute; now about a tenth of a second."""
    started = time.perf_counter()
    with memory_limit():
        blocks = parse_blocks(text.split("\n"))
        for block in blocks:
            if block.kind in ("paragraph", "heading"):
                inline_text(block.text)
    assert time.perf_counter() - started < 0.5
    assert blocks


def test_hostile_prose_also_renders(tmp_path: Path) -> None:
    """Drawn as well as parsed: a 40 KB paragraph of openers becomes its own text."""
    from io import StringIO

    from rich.console import Console

    console = Console(file=StringIO(), width=80, color_system=None)
    started = time.perf_counter()
    with memory_limit():
        console.print(prose_renderable("**a [b](c " * 4_000))
    assert time.perf_counter() - started < 3.0
    assert console.file.getvalue().count("a [b](c") > 100  # type: ignore[attr-defined]


# -- progress --------------------------------------------------------------------------------------


def test_progress_with_one_bad_entry_keeps_every_good_one(tmp_path: Path) -> None:
    good = Progress(last_lesson="good")
    good.open_lesson("good", 3)
    good.record_answer("good", "q", correct=True)
    good.finish_lesson("good")
    ProgressStore(tmp_path).save(good)
    ProgressStore(tmp_path).load()  # a backup of this good state now exists
    data = json.loads((tmp_path / "progress.json").read_text())
    data["positions"]["other"] = "three"
    (tmp_path / "progress.json").write_text(json.dumps(data))
    result = run_tutor("list", home=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "positions.other: not a whole number: 'three'" in result.stderr
    store = ProgressStore(tmp_path)
    kept = store.load()
    assert store.notices == []  # said once, by the run that set it aside
    assert kept.positions == {"good": 3} and kept.quiz("good", "q").passed
    assert kept.status("good") == "done"


def test_progress_through_a_symlink_updates_its_target(tmp_path: Path) -> None:
    elsewhere = tmp_path / "synced"
    elsewhere.mkdir()
    target = elsewhere / "my-progress.json"
    home = tmp_path / "home"
    home.mkdir()
    ProgressStore(elsewhere).save(Progress(last_lesson="before"))
    (elsewhere / "progress.json").rename(target)
    (home / "progress.json").symlink_to(target)
    store = ProgressStore(home)
    progress = store.load()
    assert progress.last_lesson == "before"
    progress.open_lesson("after")
    assert store.save(progress)
    assert (home / "progress.json").is_symlink()
    assert json.loads(target.read_text())["last_lesson"] == "after"
    assert ProgressStore(home).load().last_lesson == "after"


def test_a_reset_through_a_symlink_keeps_the_link_and_a_copy(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    home = tmp_path / "home"
    home.mkdir()
    ProgressStore(tmp_path).save(Progress(last_lesson="before"))
    (tmp_path / "progress.json").rename(target)
    (home / "progress.json").symlink_to(target)
    store = ProgressStore(home)
    store.reset(store.load())
    assert (home / "progress.json").is_symlink()
    assert json.loads(target.read_text())["last_lesson"] is None
    (kept,) = home.glob("progress.reset-*.json")
    assert json.loads(kept.read_text())["last_lesson"] == "before"


def test_a_damaged_symlinked_progress_file_is_repaired_through_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text('{"schema": 1, "last_lesson": "kept", "positions": {"a": "x"}}')
    home = tmp_path / "home"
    home.mkdir()
    (home / "progress.json").symlink_to(target)
    store = ProgressStore(home)
    assert store.load().last_lesson == "kept"
    assert (home / "progress.json").is_symlink()
    assert json.loads(target.read_text())["positions"] == {}
    (copy,) = home.glob("progress.corrupt-*.json")
    assert '"a": "x"' in copy.read_text()


@needs_fifo
def test_a_pipe_in_place_of_progress_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "progress.json")
    started = time.monotonic()
    store = ProgressStore(tmp_path)
    progress = store.load()
    assert time.monotonic() - started < PROMPTLY
    assert progress == Progress() and store.read_only
    assert "named pipe" in store.notices[0] and "will not save" in store.notices[0]
    assert store.save(progress) is False
    assert (tmp_path / "progress.json").exists() and not (tmp_path / "progress.json").is_file()


@needs_fifo
def test_tutor_list_with_a_pipe_for_progress_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "progress.json")
    started = time.monotonic()
    result = run_tutor("list", home=tmp_path, timeout=10)
    assert time.monotonic() - started < 10
    assert result.returncode == 0 and "arrays-and-shapes" in result.stdout
    assert "not a regular file" in result.stderr and "Traceback" not in result.stderr


def test_a_special_file_at_the_lock_path_does_not_stop_a_save(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(tmp_path / "progress.lock")
    started = time.monotonic()
    store = ProgressStore(tmp_path)
    assert store.save(Progress(last_lesson="x"))
    assert time.monotonic() - started < PROMPTLY


def test_a_save_that_fails_once_is_retried_and_recovers(tmp_path: Path) -> None:
    """A real failure, not a mock: a file stands where the data folder goes, then goes."""
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    store = ProgressStore(blocker)
    progress = store.load()
    progress.open_lesson("first", 1)
    assert store.save(progress) is False
    assert store.unsaved and not store.read_only
    assert "tries again at your next change" in store.notices[-1]
    progress.open_lesson("second", 2)
    assert store.save(progress) is False and len(store.notices) == 1  # said once
    blocker.unlink()
    progress.open_lesson("third", 3)
    assert store.save(progress)
    assert not store.unsaved and "saved again" in store.notices[-1]
    assert "after 2 failed saves" in store.notices[-1]
    assert ProgressStore(blocker).load().positions == {"first": 1, "second": 2, "third": 3}


# -- settings --------------------------------------------------------------------------------------


async def test_the_app_starts_with_a_malformed_settings_file_and_says_so(
    make_app, tutor_home: Path
) -> None:
    (tutor_home / "settings.json").write_text('["not", "settings"]')
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        notes = [(note.title, str(note.message)) for note in app._notifications]
        assert any(title == "Settings" and "not a JSON object" in text for title, text in notes)
        assert app.theme == "textual-dark"


@needs_fifo
def test_tutor_list_with_a_pipe_for_settings_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "settings.json")
    result = run_tutor("list", home=tmp_path, timeout=10)
    assert result.returncode == 0 and "Traceback" not in result.stderr
