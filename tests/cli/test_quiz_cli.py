"""``tutor quizzes`` and ``tutor grade`` on a lesson folder written here.

Once the commands are registered in ``tutor.cli.COMMANDS`` these run ``python -m
tutor`` in a subprocess; before that, the same ``main`` runs in-process with the
commands added, so the tests exercise the real parser and exit codes either way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

LESSON = """\
---
id: grading
title: Grading
order: 1
summary: Quizzes for the command-line tests.
seed: 2
---

## Quizzes

```quiz
id: dw2
kind: formula
prompt: Type δW2 = −∂Δ/∂W2 using X, W1 and Yt.
dims: {n: [7, 12], m: [2, 3], h: [4, 6]}
setup: |
  X = randn(n, m)
  W1 = uniform(-1, 1, (m, h))
  W2 = uniform(-1, 1, (h, 1))
  Y = randn(n, 1)
  Yt = Y - X @ W1 @ W2
names: [X, W1, Yt]
answer: 2 * (X @ W1).T @ Yt
proves:
  loss: sum((Y - X @ W1 @ W2)**2)
  wrt: W2
  convention: descent
```

```quiz
id: w1-shape
kind: shape
prompt: X is ({n},{m}) and W1 is ({m},{h}). What is the shape of δW1?
dims: {n: [7, 12], m: [2, 3], h: [4, 6]}
answer: (m, h)
```

```quiz
id: pick-two
kind: choice
prompt: Which products exist?
choices: ["A @ B", "B @ A", "A.T @ B", "B.T @ A.T"]
answer: [1, 4]
```
"""


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-grading.md").write_text(LESSON, encoding="utf-8")
    return lessons


@pytest.fixture
def tutor(tutor_cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``tutor ARGS``: a subprocess once registered, else ``main`` in-process."""
    from tutor import cli

    registered = {"quizzes", "grade"} <= set(cli.COMMANDS)

    def run(*args: str) -> Result:
        if registered:
            done = tutor_cli(*args)
            return Result(done.returncode, done.stdout, done.stderr)
        monkeypatch.setitem(cli.COMMANDS, "quizzes", "quizzes")
        monkeypatch.setitem(cli.COMMANDS, "grade", "grade")
        capsys.readouterr()
        try:
            code = cli.main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def test_quizzes_json_lists_every_quiz(tutor, folder: Path) -> None:
    result = tutor("quizzes", "--lessons", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["lesson"], r["quiz_id"], r["kind"]) for r in rows] == [
        ("grading", "dw2", "formula"),
        ("grading", "w1-shape", "shape"),
        ("grading", "pick-two", "choice"),
    ]
    assert all(r["id"] == r["quiz_id"] and r["prompt"] for r in rows)
    assert "answer" not in rows[0] and "names" not in rows[0]


def test_quizzes_answers_include_reference_and_names(tutor, folder: Path) -> None:
    rows = json.loads(tutor("quizzes", "--lessons", str(folder), "--answers", "--json").stdout)
    by_id = {row["id"]: row for row in rows}
    assert by_id["dw2"]["answer"] == "2 * (X @ W1).T @ Yt"
    assert by_id["dw2"]["names"] == ["X", "W1", "Yt"]
    assert by_id["w1-shape"]["answer"] == "(m, h)"
    assert by_id["pick-two"]["answer"] == "1,4"


def test_quizzes_plain_table(tutor, folder: Path) -> None:
    result = tutor("quizzes", "--lessons", str(folder), "--answers")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["grading", "dw2", "formula"]
    assert "answer:  2 * (X @ W1).T @ Yt   (using X, W1, Yt)" in result.stdout


def test_grade_reference_is_correct_exit_0(tutor, folder: Path) -> None:
    result = tutor(
        "grade", "grading", "dw2", "2 * (X @ W1).T @ Yt", "--lessons", str(folder), "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "correct"
    assert {"verdict", "message", "expected_shape", "got_shape"} <= set(data)
    assert data["expected_shape"] == data["got_shape"] and data["expected_shape"][1] == 1


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ("-(2 * (X @ W1).T @ Yt)", "sign"),
        ("(X @ W1).T @ Yt", "factor"),
        ("2 * Yt.T @ X @ W1", "transposed"),
        ("X.T @ Yt", "shape"),
        ("2 * (X @ W1).T @ Yt + 1", "values"),
        ("import os", "invalid"),
    ],
)
def test_grade_verdicts_exit_1(tutor, folder: Path, answer: str, verdict: str) -> None:
    result = tutor("grade", "1", "dw2", answer, "--lessons", str(folder), "--json")
    data = json.loads(result.stdout)
    assert data["verdict"] == verdict and result.returncode == 1
    assert (data["got_shape"] is None) == (verdict == "invalid")


def test_grade_plain_output_has_verdict_trace_and_message(tutor, folder: Path) -> None:
    result = tutor("grade", "grading", "dw2", "(X @ W1).T @ Yt", "--lessons", str(folder))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "Off by a factor"
    assert any("->" in line or "→" in line for line in lines[1:-1])
    assert "did you drop the 2" in lines[-1]


def test_grade_syntax_error_shows_a_caret(tutor, folder: Path) -> None:
    result = tutor("grade", "grading", "dw2", "X @@ W1", "--lessons", str(folder))
    assert result.returncode == 1
    assert "X @@ W1\n" in result.stdout and "^" in result.stdout


def test_grade_shape_quiz_with_a_seed_prints_its_prompt(tutor, folder: Path) -> None:
    first = tutor(
        "grade", "grading", "w1-shape", "(1,1)", "--seed", "9", "--lessons", str(folder), "--json"
    )
    data = json.loads(first.stdout)
    assert data["verdict"] == "shape" and first.returncode == 1
    m, h = data["expected_shape"]
    assert f"W1 is ({m},{h})" in data["prompt"]
    again = tutor(
        "grade", "grading", "w1-shape", f"{m}x{h}", "--seed", "9", "--lessons", str(folder)
    )
    assert again.returncode == 0 and again.stdout.startswith("Question: X is (")
    assert "Correct" in again.stdout


def test_grade_choice(tutor, folder: Path) -> None:
    assert tutor("grade", "grading", "pick-two", "1,4", "--lessons", str(folder)).returncode == 0
    assert tutor("grade", "grading", "pick-two", "2", "--lessons", str(folder)).returncode == 1


@pytest.mark.parametrize(
    "args",
    [
        ("grade", "nope", "dw2", "X"),
        ("grade", "grading", "nope", "X"),
        ("grade", "7", "dw2", "X"),
        ("grade", "grading", "dw2", "X", "--seed", "-3"),
    ],
)
def test_grade_unknown_lesson_or_quiz_exits_2(tutor, folder: Path, args) -> None:
    result = tutor(*args, "--lessons", str(folder))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.startswith("tutor")
