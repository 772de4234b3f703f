"""Settings never stop tutor: whatever sits in settings.json, the defaults fill in what
cannot be used, and the learner is told what was wrong and where."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tutor.settings import SETTINGS_FILE, Settings

BROKEN = {
    "not-json": (b"{ theme", "not JSON"),
    "a-list": (b'["textual-light"]', "not a JSON object"),
    "a-number": (b"7", "not a JSON object"),
    "theme-number": (b'{"theme": 3}', "is not a theme name"),
    "theme-null": (b'{"theme": null}', "is not a theme name"),
    "theme-empty": (b'{"theme": ""}', "is not a theme name"),
    "theme-huge": (json.dumps({"theme": "x" * 5000}).encode(), "is not a theme name"),
    "latin-1": ('{"theme": "café"}'.encode("latin-1"), "not JSON"),
    "deep": (b"[" * 30_000 + b"]" * 30_000, "not JSON"),
    "huge": (b" " * 100_000 + b"{}", "100,002 bytes"),
}


@pytest.mark.parametrize("content, said", BROKEN.values(), ids=BROKEN.keys())
def test_a_malformed_settings_file_falls_back_to_defaults_with_a_message(
    tutor_home: Path, content: bytes, said: str
) -> None:
    (tutor_home / SETTINGS_FILE).write_bytes(content)
    settings = Settings.load()
    assert settings.theme == Settings().theme
    assert settings.notice is not None and said in settings.notice
    assert str(tutor_home / SETTINGS_FILE) in settings.notice


def test_good_settings_load_without_a_message(tutor_home: Path) -> None:
    Settings(theme="textual-light").save()
    settings = Settings.load()
    assert settings.theme == "textual-light" and settings.notice is None


def test_no_settings_file_is_no_message(tutor_home: Path) -> None:
    assert Settings.load() == Settings() and Settings.load().notice is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_in_place_of_settings_is_refused_at_once(tutor_home: Path) -> None:
    os.mkfifo(tutor_home / SETTINGS_FILE)
    started = time.monotonic()
    settings = Settings.load()
    assert time.monotonic() - started < 1.0
    assert settings.theme == Settings().theme
    assert settings.notice is not None and "named pipe" in settings.notice


def test_saving_writes_only_the_theme(tutor_home: Path) -> None:
    Settings(theme="nord", notice="old news").save()
    assert json.loads((tutor_home / SETTINGS_FILE).read_text()) == {"theme": "nord"}
