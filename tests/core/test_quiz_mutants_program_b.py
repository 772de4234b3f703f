"""Program quizzes: what a mutation run found no test asserting.

Which earlier lines a wrong step is traced back through, which names the reference
knows (setup names included), how ``check`` names a step that does not evaluate or
whose proof fails, and the exact JSON ``tutor grade --file --json`` prints.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from tests.core.test_program_quiz import LESSON, RIGHT, graded
from tutor.core.checking import check_library
from tutor.core.lesson import parse_lesson_text
from tutor.core.library import load_library
from tutor.core.quiz import find_quiz
from tutor.core.quiz.program import grade_program

#: The reference's steps, one per line, in the shared lesson's names.
FORWARD = "Yhat = relu(X @ W1) @ W2"


def problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "p.md").write_text(text, encoding="utf-8")
    return [str(problem) for problem in check_library(load_library(tmp_path))]


@pytest.mark.parametrize(
    ("program", "step", "line"),
    [
        # R reads the wrong Yhat of line 1 (line 3 comes after it): the trace goes
        # through R's right-hand side to line 1, even with no space around its "=".
        (
            "Yhat = 2 * relu(X @ W1) @ W2\nR=Yhat - Y\n" + FORWARD + "\n"
            "dW2 = 2 * relu(X @ W1).T @ R",
            "dW2",
            1,
        ),
        # Only the last assignment of Yhat before the wrong line counts: line 1 is
        # overwritten before anything reads it.
        (
            "Yhat = 2 * relu(X @ W1) @ W2\n" + FORWARD + "\ndW2 = 2 * relu(X @ W1).T @ (Yhat - Y)",
            "dW2",
            3,
        ),
        # The wrong line's own target is not one of its inputs: the earlier dW2 is unread.
        ("dW2 = W2\n" + FORWARD + "\ndW2 = 2 * relu(X @ W1).T @ (Yhat - Y)", "dW2", 3),
        # Every input of the wrong line is followed, not only the last one met (H
        # comes after R, and R's flipped residual is where the program departs).
        (FORWARD + "\nR = Yhat - Y\nH = relu(X @ W1)\ndW2 = 2 * H.T @ R", "dW2", 2),
        # The wrong line's first input, written right after a spaceless "=", is followed.
        (FORWARD + "\nR = Yhat - Y\ndW2=R.T @ relu(X @ W1)", "dW2", 2),
        # A setup name the program reassigns is compared with the setup's value: W2 + 1
        # departs, 1 * W2 does not.
        ("W2 = W2 + 1\n" + FORWARD, "Yhat", 1),
        ("W2 = 1 * W2\nYhat = relu(X @ W1) @ (W2 + 1)", "Yhat", 2),
    ],
)
def test_a_wrong_step_is_traced_through_the_lines_it_reads(
    program: str, step: str, line: int
) -> None:
    result = graded(program)
    assert (result.first_wrong, result.departs_at) == (step, line), result.message
    assert result.message.endswith(f" It goes wrong at line {line}.")


def test_a_setup_that_defines_a_function_grades_a_right_program() -> None:
    text = LESSON.replace("${wrong}", "").replace(
        "  Y = randn(n, 1)\n", "  Y = randn(n, 1)\n  act(a) = relu(a)\n"
    )
    spec = find_quiz(parse_lesson_text(text, Path("programs.md")), "two-layer")
    assert grade_program(spec, RIGHT, seed=5).correct
    wrong = grade_program(spec, RIGHT.replace("A = relu(Z)", "A = Z"), seed=5)
    assert (wrong.verdict, wrong.first_wrong, wrong.departs_at) == ("values", "Yhat", 3)


def test_a_step_that_does_not_evaluate_is_reported_at_its_own_line(tmp_path: Path) -> None:
    text = LESSON.replace("${wrong}", "").replace(
        "answer: 2 * X.T @ (((Y - Yhat) @ W2.T) * step(X @ W1))", "answer: W1 @ X"
    )
    (found,) = problems(tmp_path, text)
    assert found.startswith(
        f"{tmp_path / 'p.md'}:29: step dW1 of quiz 'two-layer' does not evaluate: "
    )
    assert "W1 @ X" in found


def test_a_failed_step_proof_names_the_step_as_its_own_quiz(tmp_path: Path) -> None:
    text = LESSON.replace("${wrong}", "").replace("answer: 2 * X.T @ (((Y", "answer: X.T @ (((Y")
    (found,) = problems(tmp_path, text)
    assert found == (
        f"{tmp_path / 'p.md'}:29: quiz 'two-layer.dW1': the reference answer "
        "'X.T @ (((Y - Yhat) @ W2.T) * step(X @ W1))' is not −∂loss/∂W1 (convention: "
        "descent); central finite differences of 'sum((Y - relu(X @ W1) @ W2)**2)' "
        "disagree: it is off by a constant factor 0.5"
    )


def test_a_step_proof_runs_the_whole_setup_then_the_earlier_steps(tmp_path: Path) -> None:
    """The setup's last line ends in a name; the earlier steps follow it on lines of their own."""
    text = LESSON.replace("${wrong}", "").replace(
        "  Y = randn(n, 1)\n", "  Y = randn(n, 1)\n  XX = X\n"
    )
    assert problems(tmp_path, text) == []


def test_grade_file_json_gives_every_step_and_line(tutor_main, tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-programs.md").write_text(LESSON.replace("${wrong}", ""), encoding="utf-8")
    program = tmp_path / "answer.txt"
    program.write_text(
        "f(a) = relu(a)\nA = f(X @ W1)\nYhat = A @ W2\nR = Yhat - Y\ndW2 = 2 * A.T @ R\n"
    )
    base = ("grade", "programs", "two-layer", "--lessons", str(lessons), "--seed", "5")
    code, out, _ = tutor_main(*base, "--file", str(program), "--json")
    payload = json.loads(out)
    spec = find_quiz(parse_lesson_text(LESSON.replace("${wrong}", ""), Path("p.md")), "two-layer")
    expected = grade_program(spec, program.read_text(), seed=5)
    n, h = expected.statements[1].trace.shape
    assert code == 1
    assert payload == {
        "lesson": "programs",
        "quiz_id": "two-layer",
        "kind": "program",
        "verdict": "sign",
        "message": "Step dW2: the sign is flipped: the negative of your value is right. "
        "It goes wrong at line 4.",
        "steps": [
            {"name": "Yhat", "verdict": "correct", "message": "right on every draw.", "line": 3},
            {
                "name": "dW2",
                "verdict": "sign",
                "message": "the sign is flipped: the negative of your value is right.",
                "line": 5,
            },
            {
                "name": "dW1",
                "verdict": "missing",
                "message": "your program never assigns dW1.",
                "line": None,
            },
        ],
        "first_wrong_step": "dW2",
        "departs_at_line": 4,
        "error_line": None,
        "lines": [
            {"line": 1, "text": "f(a) = relu(a)", "shape": None},
            {"line": 2, "text": "A = f(X @ W1)", "shape": [n, h]},
            {"line": 3, "text": "Yhat = A @ W2", "shape": [n, 1]},
            {"line": 4, "text": "R = Yhat - Y", "shape": [n, 1]},
            {"line": 5, "text": "dW2 = 2 * A.T @ R", "shape": [h, 1]},
        ],
    }


def test_grade_file_json_gives_the_line_a_program_breaks_at(tutor_main, tmp_path: Path) -> None:
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-programs.md").write_text(LESSON.replace("${wrong}", ""), encoding="utf-8")
    program = tmp_path / "answer.txt"
    program.write_text("A = relu(X @ W1)\nYhat = A @@ W2\n")
    code, out, _ = tutor_main(
        "grade",
        "programs",
        "two-layer",
        "--lessons",
        str(lessons),
        "--file",
        str(program),
        "--json",
    )
    payload = json.loads(out)
    assert code == 1
    assert (payload["verdict"], payload["error_line"]) == ("invalid", 2)
    assert payload["message"].startswith("Line 2: ")
    assert (payload["steps"], payload["lines"]) == ([], [])
    assert (payload["first_wrong_step"], payload["departs_at_line"]) == (None, None)


def test_a_reference_intermediate_too_large_to_keep_is_no_near_miss() -> None:
    """relu(X @ W1) has more entries than a step keeps: a scalar line is compared with
    nothing in its place, silently, and the wrong step still departs where it is."""
    text = (
        LESSON.replace("${wrong}", "")
        .replace("n: [5, 12]", "n: [200, 220]")
        .replace("h: [2, 6]", "h: [60, 64]")
    )
    spec = find_quiz(parse_lesson_text(text, Path("programs.md")), "two-layer")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = grade_program(spec, "c = 2\nYhat = c * relu(X @ W1) @ W2", seed=5)
    assert (result.verdict, result.first_wrong, result.departs_at) == ("factor", "Yhat", 2)
