"""Fixtures every test gets: a private TUTOR_HOME and a plain, fixed terminal.

A developer's own progress must never leak into a test, nor a test's into theirs,
so each test runs with its own data folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def tutor_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty data folder for this test, exported as TUTOR_HOME."""
    home = tmp_path_factory.mktemp("tutor-home")
    monkeypatch.setenv("TUTOR_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return home


def run_tutor(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    """Run ``python -m tutor ARGS`` in a subprocess and return the CompletedProcess."""
    import subprocess

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def tutor_cli():
    """The ``run_tutor`` helper, as a fixture for CLI tests."""
    return run_tutor
