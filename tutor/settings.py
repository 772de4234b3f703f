"""The learner's settings (the theme), kept beside their progress in the config folder."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass

from tutor.core.paths import config_dir
from tutor.core.progress import atomic_write_json

SETTINGS_FILE = "settings.json"


@dataclass
class Settings:
    """What the learner chose that is not progress."""

    theme: str = "textual-dark"

    @classmethod
    def load(cls) -> Settings:
        """The saved settings, or the defaults if there are none or they are unreadable."""
        with contextlib.suppress(OSError, ValueError, TypeError):
            data = json.loads((config_dir() / SETTINGS_FILE).read_text(encoding="utf-8"))
            return cls(theme=str(data.get("theme", cls.theme)))
        return cls()

    def save(self) -> None:
        """Best effort: a theme that is not remembered is no reason to stop a lesson."""
        with contextlib.suppress(OSError):
            config_dir().mkdir(parents=True, exist_ok=True)
            atomic_write_json(config_dir() / SETTINGS_FILE, asdict(self))
