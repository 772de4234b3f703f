"""Structural checks of live blocks: each wrong key is named with the block's line."""

from __future__ import annotations

import pytest

from tutor.core.blocks import block_problems
from tutor.core.lesson import Block

FORMULA = {
    "id": "f",
    "kind": "formula",
    "prompt": "p",
    "setup": "X = randn(n, m)",
    "answer": "X.T",
    "dims": {"n": [3, 5], "m": [6, 8]},
}


def problems(data: dict, kind: str = "quiz") -> list[str]:
    return [message for _, message in block_problems(Block(kind, 12, "", 13, data))]


def test_good_formula_quiz_has_no_problems() -> None:
    assert problems(FORMULA) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            {"kind": "essay"},
            "quiz kind must be one of shape, formula, choice, bug, program, not 'essay'",
        ),
        ({"answer": None}, "formula quiz 'f' has no answer"),
        ({"prompt": ""}, "formula quiz 'f' has no prompt"),
        ({"colour": 1}, "unknown key in quiz: colour"),
        ({"hints": "one"}, "hints must be a list of text"),
        ({"attempts": 0}, "attempts must be a whole number >= 1, not 0"),
        ({"dims": {"n": [1, 5]}}, "dims 'n' must be [low, high] with 2 <= low <= high <= 64"),
        ({"dims": {"n": [3, 3], "m": [3, 3]}}, "too narrow to draw every dimension distinct"),
        ({"proves": {"loss": "sum(X)"}}, "proves needs loss and wrt"),
        ({"proves": {"loss": "sum(X)", "wrt": "X", "convention": "up"}}, "convention must be"),
        ({"wrong": [{"answer": "X", "verdict": "nearly"}]}, "each 'wrong' entry needs"),
    ],
)
def test_formula_quiz_problems(change: dict, expected: str) -> None:
    found = problems({**FORMULA, **change})
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"choices": ["only"]}, "choices must be a list of at least two options"),
        ({"answer": 3}, "answer must be an option number from 1 to 2"),
        ({"answer": [1, 0]}, "answer must be an option number"),
    ],
)
def test_choice_quiz_problems(change: dict, expected: str) -> None:
    quiz = {"id": "c", "kind": "choice", "prompt": "p", "choices": ["a", "b"], "answer": 1}
    assert problems(quiz) == []
    found = problems({**quiz, **change})
    assert len(found) == 1 and expected in found[0], found


def test_epoch_and_plot_keys() -> None:
    assert problems({"layers": [10, 3, 4, 1], "speed": 2}, "epoch") == [
        "unknown key in epoch block: speed (known: act, epochs, init, init_scale, layers, "
        "loss, lr, seed)"
    ]
    assert "plot kind must be one of" in problems({"kind": "pie"}, "plot")[0]
    assert problems({"kind": "function"}, "plot") == ["a function plot needs expr"]


def test_problems_carry_the_block_line() -> None:
    assert block_problems(Block("quiz", 12, "", 13, {"kind": "x"}))[0][0] == 12
