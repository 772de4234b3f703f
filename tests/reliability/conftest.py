"""Shared pieces of the reliability tests: small good lessons and an app over them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tutor.core.library import load_library
from tutor.core.progress import ProgressStore


def make_lesson_text(lesson_id: str, order: int, body: str, title: str | None = None) -> str:
    """A lesson file whose front matter is right, around ``body``."""
    return (
        f"---\nid: {lesson_id}\ntitle: {title or lesson_id.title()}\norder: {order}\n"
        f"summary: A test lesson.\n---\n\n{body}\n"
    )


GOOD_ONE = make_lesson_text(
    "good-one",
    1,
    """\
## Products

```compute
X = randn(10, 3)
W1 = uniform(-1, 1, (3, 4))
Yhat = X @ W1
```

## Second

```quiz
id: pick
kind: choice
prompt: Which is the product?
choices: ["X @ W1", "X * W1"]
answer: 1
```
""",
)
GOOD_TWO = make_lesson_text("good-two", 2, "## Only\n\n```compute\nA = ones((2, 3))\n```")


@pytest.fixture
def good_folder(tmp_path: Path) -> Path:
    """A folder of two lessons that load, run and check cleanly."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01-good-one.md").write_text(GOOD_ONE)
    (folder / "02-good-two.md").write_text(GOOD_TWO)
    return folder


@pytest.fixture
def make_app(good_folder: Path):
    """A TutorApp over a lesson folder (the good one by default), animations off."""
    from tutor.app import TutorApp

    def build(
        folder: Path | None = None, store: ProgressStore | None = None, start: str | None = None
    ) -> TutorApp:
        app = TutorApp(load_library(folder or good_folder), start_lesson=start, store=store)
        app.animation_level = "none"
        return app

    return build


@pytest.fixture
def lesson_text():
    """``make_lesson_text``, for test modules (which cannot import this conftest)."""
    return make_lesson_text


# Fuzzing in this suite is repeatable (derandomized, no example database) and judged on
# what it finds, not on how fast hypothesis generates: slow or large data is expected.
settings.register_profile(
    "tutor-fuzz",
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
