"""``quiz_problems``: references proved by finite differences, wrong answers checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tutor.core.lesson import Lesson, parse_lesson_text
from tutor.core.quiz import proving, quiz_problems
from tutor.core.quiz.draw import formula_draws
from tutor.core.quiz.grading import reference_value
from tutor.core.quiz.model import quiz_spec

HEAD = """\
---
id: proving
title: Proving
order: 1
summary: A lesson for the proof tests.
---

## Quiz

"""


@pytest.fixture
def network_setup(quiz_network: str) -> str:
    """The shared network's dims and setup, every name of it open to the answer."""
    return quiz_network + "names: [X, W1, W2, Yt]\n"


def quiz(body: str) -> str:
    return "```quiz\n" + body + "```\n"


@pytest.fixture
def formula(network_setup: str):
    """``formula(answer, wrt=, convention=, extra=)``: a formula quiz on the network."""

    def build(answer: str, *, wrt: str = "W2", convention: str = "descent", extra: str = "") -> str:
        return quiz(
            f"id: dw\nkind: formula\nprompt: Type it.\n{network_setup}answer: {answer}\n"
            f"proves:\n  loss: sum((Y - X @ W1 @ W2)**2)\n  wrt: {wrt}\n"
            f"  convention: {convention}\n{extra}"
        )

    return build


def problems(text: str) -> list:
    lesson = parse_lesson_text(HEAD + text, Path("proving.md"))
    return list(quiz_problems(lesson))


def fence_line(text: str, nth: int = 0) -> int:
    lines = (HEAD + text).split("\n")
    fences = [i + 1 for i, line in enumerate(lines) if line == "```quiz"]
    return fences[nth]


@pytest.mark.parametrize(
    ("answer", "wrt", "convention"),
    [
        ("2 * (X @ W1).T @ Yt", "W2", "descent"),
        ("-2 * (X @ W1).T @ Yt", "W2", "gradient"),
        ("2 * X.T @ Yt @ W2.T", "W1", "descent"),
        ("-2 * X.T @ Yt @ W2.T", "W1", "gradient"),
    ],
)
def test_right_references_are_proved(formula, answer: str, wrt: str, convention: str) -> None:
    assert problems(formula(answer, wrt=wrt, convention=convention)) == []


def test_names_derived_from_wrt_follow_the_perturbation(formula) -> None:
    """The loss here sees W2 only through Yt, which setup derives from it."""
    text = formula("2 * (X @ W1).T @ Yt").replace(
        "loss: sum((Y - X @ W1 @ W2)**2)", "loss: sum(Yt**2)"
    )
    assert problems(text) == []


def test_a_reference_that_drops_the_two_fails_at_its_block_line(formula) -> None:
    text = formula("(X @ W1).T @ Yt")
    found = problems(text)
    proof = [p for p in found if "finite differences" in p.message]
    assert len(proof) == 1
    assert proof[0].line == fence_line(text)
    assert "factor 0.5" in proof[0].message
    assert str(proof[0]).startswith(f"proving.md:{fence_line(text)}: quiz 'dw':")


def test_a_reference_with_the_wrong_convention_fails_as_a_sign_error(formula) -> None:
    found = problems(formula("2 * (X @ W1).T @ Yt", convention="gradient"))
    assert any("sign is flipped" in p.message for p in found)


def test_a_reference_of_another_shape_fails_the_proof(formula) -> None:
    found = problems(formula("2 * X.T @ Yt @ W2.T", wrt="W2"))
    assert any("finite differences" in p.message and "shape" in p.message for p in found)


def test_listed_wrong_answers_must_get_their_verdicts(formula) -> None:
    extra = (
        "wrong:\n"
        '  - {answer: "2 * (X @ W1).T @ (X @ W1 @ W2)", verdict: values}\n'
        '  - {answer: "-2 * (X @ W1).T @ Yt", verdict: factor}\n'
    )
    text = formula("2 * (X @ W1).T @ Yt", extra=extra)
    found = problems(text)
    assert len(found) == 1
    wrong_line = (HEAD + text).split("\n").index(
        '  - {answer: "-2 * (X @ W1).T @ Yt", verdict: factor}'
    ) + 1
    assert found[0].line == wrong_line
    assert "should grade factor but grades sign" in found[0].message


def test_a_loss_that_is_not_a_number_is_reported(formula) -> None:
    text = formula("2 * (X @ W1).T @ Yt").replace(
        "loss: sum((Y - X @ W1 @ W2)**2)", "loss: (Y - X @ W1 @ W2)**2"
    )
    assert any("loss must be a number" in p.message for p in problems(text))


def test_a_failing_setup_is_reported_at_its_statement_line(formula) -> None:
    text = formula("2 * (X @ W1).T @ Yt").replace("  Y = randn(n, 1)", "  Y = randn(n, 1) @ X")
    found = problems(text)
    line = (HEAD + text).split("\n").index("  Y = randn(n, 1) @ X") + 1
    assert [p.line for p in found] == [line]
    assert "setup" in found[0].message


def test_names_setup_does_not_define_are_reported(formula) -> None:
    text = formula("2 * (X @ W1).T @ Yt").replace("names: [X, W1, W2, Yt]", "names: [X, Z]")
    assert any("names lists Z" in p.message for p in problems(text))


def test_a_reference_outside_its_names_is_reported(formula) -> None:
    text = formula("2 * (X @ W1).T @ (Y - X @ W1 @ W2)")
    assert any("reference answer should grade correct" in p.message for p in problems(text))


def test_bug_line_must_be_inside_the_listing(network_setup: str) -> None:
    body = (
        "id: b\nkind: bug\nprompt: Which line?\ncode: |\n  A = X @ W1\n  B = A\n"
        f"bug_line: 5\n{network_setup}answer: X @ W1\n"
    )
    found = problems(quiz(body))
    assert any("bug_line 5 is not a line of its code (1 to 2)" in p.message for p in found)


def test_shape_quiz_prompt_and_answer_must_use_its_dims() -> None:
    body = (
        "id: s\nkind: shape\nprompt: X is ({n},{k}). Shape of X.T @ X?\n"
        "dims: {n: [3, 5], m: [6, 7]}\ngiven: {X: [n, k]}\nof: X.T @ X\nanswer: (m, m)\n"
    )
    messages = [p.message for p in problems(quiz(body))]
    assert any("{k}" in m for m in messages)
    assert any("prompt never shows {m}" in m for m in messages)


def test_clean_shape_and_choice_quizzes_have_no_problems() -> None:
    text = (
        quiz(
            "id: s\nkind: shape\nprompt: X is ({n},{m}). Shape of X.T?\n"
            "dims: {n: [3, 5], m: [6, 7]}\ngiven: {X: [n, m]}\nof: X.T\nanswer: (m, n)\n"
        )
        + "\n"
        + quiz('id: c\nkind: choice\nprompt: Which?\nchoices: ["a", "b"]\nanswer: 2\n')
    )
    assert problems(text) == []


def test_structurally_broken_quizzes_are_left_to_the_structure_check() -> None:
    text = quiz("id: f\nkind: formula\nprompt: Type it.\n")
    lesson = parse_lesson_text(HEAD + text, Path("proving.md"))
    assert list(quiz_problems(lesson)) == []


def test_the_shared_quiz_lesson_is_proved(quiz_lesson: Lesson) -> None:
    """The lesson the grading, CLI and card tests share is itself sound."""
    assert [str(problem) for problem in quiz_problems(quiz_lesson)] == []


# -- the directional check: a few random directions before any entry -----------------------


@pytest.fixture
def big_text(formula) -> str:
    """A proved quiz whose W1 (at least 8x7) has more entries than are probed one by one."""
    text = formula("2 * X.T @ Yt @ W2.T", wrt="W1")
    assert "m: [2, 3], h: [4, 6]" in text
    return text.replace("m: [2, 3], h: [4, 6]", "m: [8, 9], h: [7, 8]")


@pytest.fixture
def big_quiz(big_text: str):
    """The big quiz's spec, its draws and its references."""
    lesson = parse_lesson_text(HEAD + big_text, Path("proving.md"))
    spec = quiz_spec(lesson.quizzes[0])
    draws = formula_draws(spec, lesson.seed)
    references = [reference_value(spec, draw) for draw in draws]
    return spec, draws, references


def unprobed_entry(spec, draw) -> tuple[int, int]:
    """An entry of W1 the entry-by-entry check leaves out on this draw."""
    gradient = proving.numerical_gradient(spec, draw)
    row, column = np.argwhere(np.isnan(gradient))[0]
    return int(row), int(column)


def test_a_big_right_reference_is_proved(big_text: str) -> None:
    assert problems(big_text) == []


def test_the_directions_agree_with_the_gradient_and_catch_one_wrong_entry(big_quiz) -> None:
    spec, draws, references = big_quiz
    draw, descent = draws[0], references[0]
    gradient = -descent  # the loss's gradient; the quiz's answer is the descent step
    assert gradient.size > proving.MAX_PROBED_ENTRIES
    assert proving.directional_error(spec, draw, gradient) < 1e-7
    wrong = gradient.copy()
    wrong[unprobed_entry(spec, draw)] += 0.5
    # Probing entries one by one misses it; the directions do not.
    numeric = proving.numerical_gradient(spec, draw)
    assert proving._gradient_error(wrong, numeric) <= proving.FD_TOLERANCE
    assert proving.directional_error(spec, draw, wrong) > 100 * proving.FD_TOLERANCE


def test_a_reference_wrong_only_where_no_entry_was_probed_fails(big_quiz) -> None:
    spec, draws, references = big_quiz
    altered = [reference.copy() for reference in references]
    for draw, reference in zip(draws, altered, strict=True):
        reference[unprobed_entry(spec, draw)] += 0.5
    found = proving._proof_findings(spec, draws, altered)
    assert len(found) == 1
    assert "along random directions" in found[0][1]
    assert proving._proof_findings(spec, draws, references) == []


def test_a_wrong_shape_is_left_to_the_entry_check(big_quiz) -> None:
    spec, draws, references = big_quiz
    assert proving.directional_error(spec, draws[0], references[0].T) == float("inf")


RELU_LAYER = """\
---
id: relu-layer
title: A ReLU layer
order: 1
summary: A wide ReLU layer's weight gradient.
seed: 230
---

## Quiz

```quiz
id: layer-weight
kind: formula
prompt: Type dC/dw.
dims: {n: [55, 64], m: [8, 12], h: [40, 54]}
setup: |
  x = randn(n, m)
  w = randn(m, h)
  y = randn(n, h)
names: [x, w, y]
answer: x.T @ ((relu(x @ w) - y) * step(x @ w))
proves:
  loss: 0.5 * sum((y - relu(x @ w))**2)
  wrt: w
  convention: gradient
```
"""


def test_a_direction_that_crosses_a_relu_kink_does_not_fail_a_right_gradient() -> None:
    """Seed 230's first directions cross a kink (thousands of pre-activations all move);
    the finer second look does not, and the sampled entries agree: proved."""
    lesson = parse_lesson_text(RELU_LAYER, Path("relu.md"))
    spec = quiz_spec(lesson.quizzes[0])
    draws = formula_draws(spec, lesson.seed)
    references = [reference_value(spec, draw) for draw in draws]
    first = [proving.directional_error(spec, d, r) for d, r in zip(draws, references, strict=True)]
    assert max(first) > proving.FD_TOLERANCE  # the case this test is about
    assert references[0].size > proving.MAX_PROBED_ENTRIES
    assert list(quiz_problems(lesson)) == []


def test_a_wrong_answer_is_found_on_its_own_line_when_an_earlier_one_contains_it(
    formula,
) -> None:
    # The second entry's text is also inside the first: its finding must still point at
    # its own line, quoted and with spaces after the quote as YAML allows.
    extra = (
        "wrong:\n"
        '  - answer: "-2 * (X @ W1).T @ Yt"\n'
        "    verdict: sign\n"
        '  - answer: "(X @ W1).T @ Yt"   \n'
        "    verdict: sign\n"
    )
    text = formula("2 * (X @ W1).T @ Yt", extra=extra)
    (found,) = problems(text)
    assert found.line == (HEAD + text).split("\n").index('  - answer: "(X @ W1).T @ Yt"   ') + 1
    assert "should grade sign but grades factor" in found.message
