"""Fixtures for driving the app headless: a small lesson folder and a ready-made app."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.core.library import load_library

LESSON_ONE = """\
---
id: one
title: Lesson One
order: 1
summary: The first test lesson.
---

Intro to lesson one.

## Products

A chain of products.

```compute
X = randn(10, 3)
W1 = uniform(-1, 1, (3, 4))
W2 = uniform(-1, 1, (4, 1))
Yhat = X @ W1 @ W2
```

## Broken

```compute
bad = X @ W2
```

The end of lesson one.
"""

LESSON_TWO = """\
---
id: two
title: Lesson Two
order: 2
summary: The second test lesson.
---

## Only section

```compute
A = ones((2, 3))
```

```epoch
layers: [10, 3, 4, 1]
act: [square, cube]
lr: 0.001
```
"""


@pytest.fixture
def lesson_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01-one.md").write_text(LESSON_ONE)
    (folder / "02-two.md").write_text(LESSON_TWO)
    return folder


@pytest.fixture
def make_app(lesson_folder: Path):
    """Build a TutorApp over the test lessons, with animations off."""
    from tutor.app import TutorApp

    def build(start: str | None = None, folder: Path | None = None) -> TutorApp:
        app = TutorApp(load_library(folder or lesson_folder), start_lesson=start)
        app.animation_level = "none"
        return app

    return build
