"""``tutor.startup``: collection is off while tutor starts, and always comes back on."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tutor import startup


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """Whatever a test does to the collector, the suite gets it back as it was."""
    was_enabled = gc.isenabled()
    yield
    startup._began = False
    if was_enabled:
        gc.enable()


def test_begin_stops_collection_and_settle_resumes_it() -> None:
    startup.begin()
    assert not gc.isenabled()
    startup.settle()
    assert gc.isenabled()


def test_settle_leaves_a_collector_it_did_not_stop_alone() -> None:
    """A program that turned collection off itself keeps it off."""
    gc.disable()
    startup.settle()
    assert not gc.isenabled()
    startup.begin()  # already off: not ours to turn back on
    startup.settle()
    assert not gc.isenabled()


@pytest.mark.parametrize(
    "args", [("list",), ("check",), ("show", "1"), ("--help",), ("no-such-lesson",)]
)
def test_every_way_out_of_main_resumes_collection(tutor_main, args) -> None:
    code, _, _ = tutor_main(*args)
    assert code in (0, 1, 2)
    assert gc.isenabled()


def test_a_sub_command_runs_with_collection_on(tutor_main, monkeypatch) -> None:
    from tutor.cli import listing

    seen = []
    original = listing.run
    monkeypatch.setattr(listing, "run", lambda args: seen.append(gc.isenabled()) or original(args))
    code, _, _ = tutor_main("list")
    assert code == 0 and seen == [True]
