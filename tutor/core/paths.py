"""Where tutor finds its lessons and keeps a learner's files.

Progress and settings go to the platform's user folders (platformdirs), unless
``TUTOR_HOME`` names a folder: tests always set it, so a developer's own progress
never leaks into a test run, and a teacher can keep a class's progress apart.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "tutor"


def data_dir() -> Path:
    """The folder for the learner's progress (not created here)."""
    home = os.environ.get("TUTOR_HOME")
    if home:
        return Path(home).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The folder for settings such as the theme (not created here)."""
    home = os.environ.get("TUTOR_HOME")
    if home:
        return Path(home).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def bundled_lessons_dir() -> Path:
    """The lessons that ship with tutor.

    Installed, they live inside the package (``tutor/lessons``); in a source
    checkout they sit at the top of the repository, beside the package.
    """
    package = Path(__file__).resolve().parent.parent
    installed = package / "lessons"
    if installed.is_dir():
        return installed
    return package.parent / "lessons"
