"""Resuming a quiz's setup from a checkpoint gives what re-running it with an override does."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.core.quiz.draw import resume_setup, run_setup, setup_checkpoint
from tutor.core.quiz.model import QuizSpec


def spec_with(setup: str) -> QuizSpec:
    return QuizSpec(
        id="q",
        kind="formula",
        prompt="p",
        line=1,
        body_line=2,
        answer="W",
        setup=setup,
        setup_line=3,
    )


#: Random draws after the weight (Y), a name derived from it (Yt) and, in the second,
#: the weight assigned twice: every case where "skip what came before" could go wrong.
SETUPS = [
    "X = randn(n, 2)\nW = uniform(-1, 1, (2, 1))\nY = randn(n, 1)\nYt = Y - X @ W\n",
    "X = randn(n, 2)\nW = randn(2, 1)\nZ = X @ W\nW = W * 2\nYt = Z - X @ W\n",
    "f(x) = x**2\nX = rand(n, 2)\nW = randn(2, 1)\nYt = f(X @ W)\n",
]


@pytest.mark.parametrize("setup", SETUPS)
def test_resume_equals_run_with_override(setup: str) -> None:
    spec = spec_with(setup)
    dims = {"n": 4}
    nudged = np.array([[0.25], [-1.5]])
    expected = run_setup(spec, dims, 17, override=("W", nudged))
    resumed = resume_setup(spec, setup_checkpoint(spec, dims, 17, "W"), nudged)
    assert sorted(resumed.values) == sorted(expected.values)
    for name, value in expected.values.items():
        assert np.array_equal(resumed.values[name], value), name
    assert np.array_equal(resumed.rng.random(3), expected.rng.random(3))


def test_a_checkpoint_can_be_resumed_many_times_independently() -> None:
    spec = spec_with(SETUPS[0])
    checkpoint = setup_checkpoint(spec, {"n": 3}, 5, "W")
    first = resume_setup(spec, checkpoint, np.ones((2, 1)))
    resume_setup(spec, checkpoint, np.zeros((2, 1)))
    again = resume_setup(spec, checkpoint, np.ones((2, 1)))
    assert np.array_equal(first.values["Yt"], again.values["Yt"])
    assert np.array_equal(first.values["Y"], again.values["Y"])


def test_a_name_setup_never_assigns_is_left_alone() -> None:
    spec = spec_with(SETUPS[0])
    expected = run_setup(spec, {"n": 3}, 5, override=("V", np.ones((2, 1))))
    checkpoint = setup_checkpoint(spec, {"n": 3}, 5, "V")
    assert not checkpoint.found
    resumed = resume_setup(spec, checkpoint, np.ones((2, 1)))
    assert "V" not in resumed.values
    assert np.array_equal(resumed.values["Yt"], expected.values["Yt"])
