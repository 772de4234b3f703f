"""The learner's settings (the theme), kept beside their progress in the config folder.

Settings are a convenience: whatever is in ``settings.json`` (broken JSON, a list,
a theme that is a number, a named pipe in its place), tutor starts with the
defaults for what it cannot use and says so once in ``notice``; it never stops.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from tutor.core.files import read_regular_file
from tutor.core.paths import config_dir
from tutor.core.progress import atomic_write_json

SETTINGS_FILE = "settings.json"
#: A settings file holds a theme name; anything this big is not one of ours.
MAX_SETTINGS_BYTES = 64_000
#: Theme names are short identifiers; a longer "name" is not one.
MAX_THEME_LENGTH = 100


@dataclass
class Settings:
    """What the learner chose that is not progress."""

    theme: str = "textual-dark"
    #: Why the saved settings were not (all) used, for the app to show; None if they were.
    notice: str | None = field(default=None, compare=False)

    @classmethod
    def load(cls) -> Settings:
        """The saved settings, with the default for anything missing or unusable."""
        path = config_dir() / SETTINGS_FILE
        try:
            raw = read_regular_file(path, MAX_SETTINGS_BYTES)
        except FileNotFoundError:
            return cls()
        except OSError as error:
            return cls(notice=f"{path}: not read ({error.strerror or error}); using defaults")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as error:
            reason = " ".join(str(error).split())[:80] or type(error).__name__
            return cls(notice=f"{path}: not JSON ({reason}); using defaults")
        return cls._from_json(data, path)

    @classmethod
    def _from_json(cls, data: Any, path: object) -> Settings:
        if not isinstance(data, dict):
            return cls(notice=f"{path}: not a JSON object; using defaults")
        theme = data.get("theme", cls.theme)
        if not isinstance(theme, str) or not 0 < len(theme) <= MAX_THEME_LENGTH:
            shown = repr(theme) if len(repr(theme)) <= 40 else repr(theme)[:37] + "..."
            return cls(notice=f"{path}: theme {shown} is not a theme name; using the default")
        return cls(theme=theme)

    def save(self) -> None:
        """Best effort: a theme that is not remembered is no reason to stop a lesson."""
        with contextlib.suppress(OSError):
            config_dir().mkdir(parents=True, exist_ok=True)
            atomic_write_json(config_dir() / SETTINGS_FILE, {"theme": self.theme})
