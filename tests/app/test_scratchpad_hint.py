"""The scratchpad's hint names the lesson's matrices, and its example always works."""

from __future__ import annotations

import numpy as np

from tutor.core.expression import Environment, evaluate
from tutor.widgets.scratchpad import scratchpad_hint


def test_hint_names_the_lessons_matrices_and_its_example_evaluates() -> None:
    environment = Environment({"X": np.ones((10, 3)), "W1": np.ones((3, 4))})
    hint = scratchpad_hint(environment).plain
    assert hint.startswith("Names in this lesson: W1, X.")
    examples = hint.split("Try ")[1].split(" or ")
    assert examples == ["X @ W1", "W1.T @ W1"]
    assert [evaluate(e, environment).value.shape for e in examples] == [(10, 4), (4, 4)]


def test_hint_without_names_suggests_a_constructor() -> None:
    hint = scratchpad_hint(Environment()).plain
    example = hint.split("e.g. ")[1]
    assert evaluate(example, Environment()).value.shape == (3, 4)
