"""``tutor quizzes`` and ``tutor grade`` on the shared quiz lesson, run as ``python -m tutor``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def folder(tmp_path: Path, quiz_lesson_text: str) -> Path:
    """A lesson folder holding the shared quiz lesson (id ``quizzes``)."""
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-quizzes.md").write_text(quiz_lesson_text, encoding="utf-8")
    return lessons


def test_quizzes_json_lists_every_quiz(tutor_cli, folder: Path) -> None:
    result = tutor_cli("quizzes", "--lessons", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["lesson"], r["quiz_id"], r["kind"]) for r in rows] == [
        ("quizzes", "dw2", "formula"),
        ("quizzes", "dw2-gradient", "formula"),
        ("quizzes", "square", "formula"),
        ("quizzes", "total", "formula"),
        ("quizzes", "w1-shape", "shape"),
        ("quizzes", "pick-one", "choice"),
        ("quizzes", "pick-two", "choice"),
        ("quizzes", "residual-bug", "bug"),
    ]
    assert all(r["id"] == r["quiz_id"] and r["prompt"] for r in rows)
    assert "answer" not in rows[0] and "names" not in rows[0]


def test_quizzes_answers_include_reference_and_names(tutor_cli, folder: Path) -> None:
    rows = json.loads(tutor_cli("quizzes", "--lessons", str(folder), "--answers", "--json").stdout)
    by_id = {row["id"]: row for row in rows}
    assert by_id["dw2"]["answer"] == "2 * (X @ W1).T @ Yt"
    assert by_id["dw2"]["names"] == ["X", "W1", "Yt"]
    assert by_id["w1-shape"]["answer"] == "(m, h)"
    assert by_id["pick-two"]["answer"] == "1,4"
    bug = by_id["residual-bug"]
    assert bug["bug_line"] == 3 and bug["names"] == ["A", "Y", "Yhat"]


def test_quizzes_plain_table(tutor_cli, folder: Path) -> None:
    result = tutor_cli("quizzes", "--lessons", str(folder), "--answers")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["quizzes", "dw2", "formula"]
    assert "answer:  2 * (X @ W1).T @ Yt   (using X, W1, Yt)" in result.stdout


def test_grade_reference_is_correct_exit_0(tutor_cli, folder: Path) -> None:
    result = tutor_cli(
        "grade", "quizzes", "dw2", "2 * (X @ W1).T @ Yt", "--lessons", str(folder), "--json"
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
def test_grade_verdicts_exit_1(tutor_cli, folder: Path, answer: str, verdict: str) -> None:
    result = tutor_cli("grade", "1", "dw2", answer, "--lessons", str(folder), "--json")
    data = json.loads(result.stdout)
    assert data["verdict"] == verdict and result.returncode == 1
    assert (data["got_shape"] is None) == (verdict == "invalid")


def test_grade_plain_output_has_verdict_trace_and_message(tutor_cli, folder: Path) -> None:
    result = tutor_cli("grade", "quizzes", "dw2", "(X @ W1).T @ Yt", "--lessons", str(folder))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "Off by a factor"
    assert any("->" in line or "→" in line for line in lines[1:-1])
    assert "did you drop the 2" in lines[-1]


def test_grade_syntax_error_shows_a_caret(tutor_cli, folder: Path) -> None:
    result = tutor_cli("grade", "quizzes", "dw2", "X @@ W1", "--lessons", str(folder))
    assert result.returncode == 1
    assert "X @@ W1\n" in result.stdout and "^" in result.stdout


def test_grade_shape_quiz_with_a_seed_prints_its_prompt(tutor_cli, folder: Path) -> None:
    first = tutor_cli(
        "grade", "quizzes", "w1-shape", "(1,1)", "--seed", "9", "--lessons", str(folder), "--json"
    )
    data = json.loads(first.stdout)
    assert data["verdict"] == "shape" and first.returncode == 1
    m, h = data["expected_shape"]
    assert f"W1 is ({m},{h})" in data["prompt"]
    again = tutor_cli(
        "grade", "quizzes", "w1-shape", f"{m}x{h}", "--seed", "9", "--lessons", str(folder)
    )
    assert again.returncode == 0 and again.stdout.startswith("Question: X is (")
    assert "Correct" in again.stdout


def test_grade_choice(tutor_cli, folder: Path) -> None:
    assert (
        tutor_cli("grade", "quizzes", "pick-two", "1,4", "--lessons", str(folder)).returncode == 0
    )
    assert tutor_cli("grade", "quizzes", "pick-two", "2", "--lessons", str(folder)).returncode == 1
    wrong = tutor_cli("grade", "quizzes", "pick-one", "2", "--json", "--lessons", str(folder))
    payload = json.loads(wrong.stdout)
    assert wrong.returncode == 1 and payload["verdict"] == "wrong"
    assert payload["message"].endswith("Option 2: 1 is the slope right of zero.")


def test_grade_bug_line_and_fix(tutor_main, folder: Path) -> None:
    lessons = ("--lessons", str(folder))
    code, out, _ = tutor_main("grade", "quizzes", "residual-bug", "--line", "1", *lessons)
    assert code == 1 and "Line 1: Wrong pick" in out and "A = X W1 is the hidden layer." in out
    code, out, _ = tutor_main("grade", "quizzes", "residual-bug", "--line", "3", *lessons)
    assert code == 0 and "Line 3: Correct" in out
    code, out, _ = tutor_main(
        "grade",
        "quizzes",
        "residual-bug",
        "2 * A.T @ (Y - Yhat)",
        "--line",
        "3",
        "--json",
        *lessons,
    )
    payload = json.loads(out)
    assert code == 0 and payload["verdict"] == "correct"
    assert payload["line"] == {**payload["line"], "line": 3, "verdict": "correct"}
    code, out, _ = tutor_main(
        "grade", "quizzes", "residual-bug", "2 * A.T @ Yhat", "--line", "3", "--json", *lessons
    )
    assert code == 1 and json.loads(out)["verdict"] == "values"


@pytest.mark.parametrize(
    "args",
    [
        ("grade", "quizzes", "dw2", "--line", "2"),
        ("grade", "quizzes", "residual-bug"),
    ],
)
def test_grade_line_refusals(tutor_main, folder: Path, args: tuple[str, ...]) -> None:
    code, _, err = tutor_main(*args, "--lessons", str(folder))
    assert code == 2 and err.startswith("tutor:") and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ("grade", "nope", "dw2", "X"),
        ("grade", "quizzes", "nope", "X"),
        ("grade", "7", "dw2", "X"),
        ("grade", "quizzes", "dw2", "X", "--seed", "-3"),
    ],
)
def test_grade_unknown_lesson_or_quiz_exits_2(tutor_cli, folder: Path, args) -> None:
    result = tutor_cli(*args, "--lessons", str(folder))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.startswith("tutor")


def test_show_prints_every_quiz_as_a_question(tutor_main, folder: Path) -> None:
    code, out, err = tutor_main("show", "1", "--lessons", str(folder), "--width", "100")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "QUIZZES" and out.count("QUESTION (") == 8
    assert "QUESTION (choice, pick-two): Which products exist?" in lines
    assert "  4. B.T @ A.T" in lines
    assert "   3 | dW2 = 2 * A.T @ Yhat" in lines


def test_list_keeps_a_quiz_whose_solution_was_seen(tutor_main, folder: Path) -> None:
    from tutor.core.progress import Progress, ProgressStore

    progress = Progress()
    progress.record_answer("quizzes", "dw2", False)
    progress.reveal("quizzes", "dw2")
    progress.record_answer("quizzes", "dw2", True, after_solution=True)
    progress.record_answer("quizzes", "square", True)
    assert ProgressStore.default().save(progress)
    code, out, _ = tutor_main("list", "--lessons", str(folder))
    assert code == 0
    review = out.split("To review")[1]
    assert "quizzes: dw2 (solution seen, 2 attempts)" in review
    assert "square" not in review


def test_grade_a_program_from_a_file_and_stdin(tutor_cli, tmp_path: Path) -> None:
    from tests.core.test_program_quiz import LESSON, RIGHT

    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-programs.md").write_text(LESSON.replace("${wrong}", ""), encoding="utf-8")
    program = tmp_path / "answer.txt"
    program.write_text(RIGHT.replace("dW2 = 2 * A.T @ R", "dW2 = 2 * R.T @ A"))
    base = ("grade", "programs", "two-layer", "--lessons", str(lessons))
    result = tutor_cli(*base, "--file", str(program), "--json")
    payload = json.loads(result.stdout)
    assert result.returncode == 1
    assert payload["verdict"] == "transposed" and payload["first_wrong_step"] == "dW2"
    assert payload["departs_at_line"] == 5
    assert [s["verdict"] for s in payload["steps"]] == ["correct", "transposed", "correct"]
    assert [line["shape"] for line in payload["lines"]][:3] == [
        [payload["lines"][0]["shape"][0], payload["lines"][0]["shape"][1]],
        payload["lines"][1]["shape"],
        [payload["lines"][0]["shape"][0], 1],
    ]
    import subprocess
    import sys

    piped = subprocess.run(
        [sys.executable, "-m", "tutor", *base, "--file", "-"],
        input=RIGHT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert piped.returncode == 0 and piped.stdout.startswith("Correct")
    assert "dW2 = 2 * A.T @ R" in piped.stdout
    refused = tutor_cli(*base)
    assert refused.returncode == 2 and "--file" in refused.stderr
    missing = tutor_cli(*base, "--file", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "nope.txt" in missing.stderr
