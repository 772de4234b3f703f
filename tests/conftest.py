"""Fixtures every test can use: a private TUTOR_HOME, ways to run ``tutor``, a quiz lesson.

A developer's own progress must never leak into a test, nor a test's into theirs,
so each test runs with its own data folder. The command line is run two ways:
``tutor_cli`` in a subprocess, as a user runs it, and ``tutor_main`` in-process,
which is faster and is what most CLI tests use. The quiz lesson is the one the
quiz tests of the core, the command line and the app share, so they grade the
same quizzes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tutor.core.lesson import Lesson

REPO = Path(__file__).resolve().parent.parent

#: What ``tutor_main`` returns: (exit code, stdout, stderr).
MainResult = tuple[int, str, str]

#: The article's network with drawn sizes, X (n,m) · W1 (m,h) · W2 (h,1), and its residual
#: Yt = Y − Ŷ: the ``dims`` and ``setup`` of every gradient quiz below. Distinct ranges
#: keep n, m and h apart, so a transposed or mis-sized answer shows in its shape.
NETWORK = """\
dims: {n: [7, 12], m: [2, 3], h: [4, 6]}
setup: |
  X = randn(n, m)
  W1 = uniform(-1, 1, (m, h))
  W2 = uniform(-1, 1, (h, 1))
  Y = randn(n, 1)
"""
NETWORK_WITH_RESIDUAL = NETWORK + "  Yt = Y - X @ W1 @ W2\n"

#: One quiz of every kind, and the variants the verdict tests need: the same gradient in
#: both sign conventions, a square product (a transpose of the same shape), a plain
#: number, a single and a multiple choice. ``dw2`` has two attempts, hints and a
#: solution, for the card's reveal tests.
QUIZ_LESSON = Template("""\
---
id: quizzes
title: Quizzes
order: 1
summary: The quizzes the quiz tests share.
seed: 11
notation:
  loss: Δ
  descent: "the article's δ{wrt} = −∂Δ/∂{wrt}"
feedback:
  factor:
    0.5: did you drop the 2 from the derivative of the square?
    2: is a factor 2 counted twice?
---

## Gradients

```quiz
id: dw2
kind: formula
prompt: Type δW2 = −∂Δ/∂W2 using X, W1 and Yt.
attempts: 2
${residual}names: [X, W1, Yt]
answer: 2 * (X @ W1).T @ Yt
hints:
  - The residual Yt comes last.
  - Transpose X @ W1.
solution: δW2 = 2 (XW1)ᵀ Ỹ, worked out index by index.
proves:
  loss: sum((Y - X @ W1 @ W2)**2)
  wrt: W2
  convention: descent
```

```quiz
id: dw2-gradient
kind: formula
prompt: Type ∂Δ/∂W2 using X, W1 and Yt.
${residual}names: [X, W1, Yt]
answer: -2 * (X @ W1).T @ Yt
proves:
  loss: sum((Y - X @ W1 @ W2)**2)
  wrt: W2
  convention: gradient
```

```quiz
id: square
kind: formula
prompt: Type A times B.
dims: {m: [3, 6]}
setup: |
  A = randn(m, m)
  B = randn(m, m)
names: [A, B]
answer: A @ B
proves: {none: "a product, not a gradient"}
```

```quiz
id: total
kind: formula
prompt: Type the loss as a plain number.
dims: {n: [4, 8]}
setup: |
  r = randn(n, 1)
names: [r]
answer: sum(r**2)
proves: {none: "a loss value, not a gradient"}
```

```quiz
id: w1-shape
kind: shape
prompt: X is ({n},{m}) and W1 is ({m},{h}). What is the shape of δW1?
dims: {n: [7, 12], m: [2, 3], h: [4, 6]}
given: {X: [n, m], Yt: [n, 1], W2: [h, 1]}
of: X.T @ Yt @ W2.T
answer: (m, h)
explain: A gradient has one entry per weight.
```

```quiz
id: pick-one
kind: choice
prompt: What is ReLU′(x) for x < 0?
choices: ["0", "1", "x"]
answer: 1
explain: ReLU is flat left of zero.
why:
  2: 1 is the slope right of zero.
```

```quiz
id: pick-two
kind: choice
prompt: Which products exist?
choices: ["A @ B", "B @ A", "A.T @ B", "B.T @ A.T"]
answer: [1, 4]
explain: Inner dimensions must agree.
```

```quiz
id: residual-bug
kind: bug
prompt: Which line is wrong?
code: |
  A = X @ W1
  Yhat = A @ W2
  dW2 = 2 * A.T @ Yhat
bug_line: 3
fix_prompt: Type the right dW2.
${network}  A = X @ W1
  Yhat = A @ W2
names: [A, Y, Yhat]
answer: 2 * A.T @ (Y - Yhat)
proves:
  loss: sum((Y - X @ W1 @ W2)**2)
  wrt: W2
  convention: descent
why:
  1: A = X W1 is the hidden layer.
```
""").substitute(network=NETWORK, residual=NETWORK_WITH_RESIDUAL)


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


@pytest.fixture
def tutor_main(capsys: pytest.CaptureFixture[str]) -> Callable[..., MainResult]:
    """Run ``tutor ARGS`` in-process through ``tutor.cli.main``; returns (code, out, err).

    The same parser, commands and error handling as the installed command, without a
    new interpreter per call. argparse ends its own refusals and ``--help`` with
    ``SystemExit``; its code is the exit code a user would see.
    """
    from tutor.cli import main

    def run(*args: str) -> MainResult:
        capsys.readouterr()  # only what this call prints
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def quiz_lesson_text() -> str:
    """The shared quiz lesson as Markdown, for tests that write it to a lesson folder."""
    return QUIZ_LESSON


@pytest.fixture(scope="session")
def quiz_lesson() -> Lesson:
    """The shared quiz lesson, parsed (lessons are frozen, so one serves every test)."""
    from tutor.core.lesson import parse_lesson_text

    return parse_lesson_text(QUIZ_LESSON, Path("quizzes.md"))


@pytest.fixture(scope="session")
def quiz_network() -> str:
    """The ``dims`` and ``setup`` lines of the article's network with its residual Yt."""
    return NETWORK_WITH_RESIDUAL
