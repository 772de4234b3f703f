"""What ``tutor check`` reports about formula, bug and program quizzes, word for word.

Pinned where a mutation run of ``tutor/core/quiz/proving.py`` found nothing asserting
it: the exact text and line of each finding, the note a zero reference gets, the
draws a proof is made on (the lesson's own), and how a wrong reference is named.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tutor.core.checking import Note
from tutor.core.lesson import Lesson, parse_lesson_text
from tutor.core.quiz import find_quiz
from tutor.core.quiz.draw import formula_draws
from tutor.core.quiz.program import grade_program, step_spec
from tutor.core.quiz.proving import quiz_findings

HEAD = """\
---
id: checked
title: Checked
order: 1
summary: Quizzes for the check's findings.
seed: {seed}
---

## Quiz

"""

#: X (n,m), W (m,1), Y (n,1): n and m never equal, so no product is square by chance.
SMALL = """\
dims: {n: [5, 9], m: [2, 4]}
setup: |
  X = randn(n, m)
  W = uniform(-1, 1, (m, 1))
  Y = randn(n, 1)
names: [X, W, Y]
"""

LOSS = "sum((Y - X @ W)**2)"


def lesson_of(body: str, seed: int = 3) -> Lesson:
    text = HEAD.format(seed=seed) + "```quiz\n" + body + "```\n"
    return parse_lesson_text(text, Path("checked.md"))


def findings(lesson: Lesson) -> list[tuple[int, str, bool]]:
    """(line, message, is a note) for every finding of the lesson's quizzes."""
    return [(f.line, f.message, isinstance(f, Note)) for f in quiz_findings(lesson)]


FENCE = HEAD.count("\n") + 1  # the ```quiz line


def formula(answer: str, extra: str = "", proves: str = "") -> str:
    proof = proves or f"proves: {{loss: {LOSS}, wrt: W, convention: descent}}\n"
    return f"id: f\nkind: formula\nprompt: Type it.\n{SMALL}answer: {answer}\n{proof}{extra}"


# -- formula quizzes ----------------------------------------------------------------------


def test_every_name_setup_lacks_is_listed() -> None:
    body = formula("2 * X.T @ (Y - X @ W)").replace("names: [X, W, Y]", "names: [X, Z, V]")
    assert findings(lesson_of(body)) == [
        (FENCE, "quiz 'f': names lists Z, V, which setup does not define", False)
    ]


def bug_quiz(bug_line: int, why: str = "") -> str:
    return (
        "id: b\nkind: bug\nprompt: Which line?\ncode: |\n  A = X @ W\n  R = A - Y\n"
        f"bug_line: {bug_line}\n{SMALL}answer: 2 * X.T @ (Y - X @ W)\n"
        f"proves: {{loss: {LOSS}, wrt: W, convention: descent}}\n{why}"
    )


def test_a_bug_on_the_first_line_is_inside_the_listing() -> None:
    assert findings(lesson_of(bug_quiz(1))) == []
    assert findings(lesson_of(bug_quiz(2))) == []


def test_a_reason_for_the_faulty_line_itself_is_reported() -> None:
    found = findings(lesson_of(bug_quiz(2, "why:\n  2: R is the residual.\n")))
    assert found == [(FENCE, "quiz 'b': why explains line 2, the faulty line itself", False)]
    # A reason for another line is what why is for.
    assert findings(lesson_of(bug_quiz(2, "why:\n  1: A is the layer.\n"))) == []


def test_a_quiz_that_proves_nothing_says_what_to_add_even_with_wrong_answers() -> None:
    extra = 'wrong:\n  - {answer: "X.T @ (Y - X @ W)", verdict: factor}\n'
    body = formula("2 * X.T @ (Y - X @ W)", extra=extra, proves="\n")
    assert findings(lesson_of(body)) == [
        (
            FENCE,
            "quiz 'f': proves nothing: add proves: {loss: ..., wrt: ..., convention: ...} "
            "for a gradient, or proves: {none: <why>} for an answer that is not one",
            False,
        )
    ]


UNPROVED = 'proves: {none: "a constant"}\n'


def test_a_reference_zero_on_every_draw_gets_a_note_and_a_nonzero_one_none() -> None:
    found = findings(lesson_of(formula("0 * W", proves=UNPROVED)))
    assert found == [
        (
            FENCE,
            "quiz 'f': the reference is zero on every draw, so the sign and factor probes "
            "(its negative, its half) are skipped: they equal it",
            True,
        ),
        (FENCE, "quiz 'f': not proved: a constant", True),
    ]
    assert findings(lesson_of(formula("2 * X.T @ (Y - X @ W)"))) == []


def test_zero_means_no_entry_above_the_absolute_floor() -> None:
    """The floor is 1e-10: a reference of exactly that is zero, one just above it is not."""
    at_floor = [m for _, m, note in findings(lesson_of(formula("1e-10", proves=UNPROVED))) if note]
    assert any("zero on every draw" in m for m in at_floor)
    above = findings(lesson_of(formula("1.0005e-10", proves=UNPROVED)))
    assert not any("zero on every draw" in m for _, m, _ in above)
    # Not zero, so its half is probed (and, this close to the floor, passes for it).
    assert any("should grade factor but grades correct" in m for _, m, _ in above)


def descent_error(lesson: Lesson, wrong_part) -> str:
    """``relative error`` as the proof prints it for answer = true descent + wrong_part,
    computed from the exact gradient on the draws of the lesson's own seed."""
    spec = find_quiz(lesson, lesson.quizzes[0].quiz_id)
    return _relative(formula_draws(spec, lesson.seed), wrong_part)


def _relative(draws, wrong_part) -> str:
    worst = 0.0
    for draw in draws:
        values = draw.environment.values
        x, w, y = (np.asarray(values[k], dtype=float) for k in ("X", "W", "Y"))
        gradient = -2 * x.T @ (y - x @ w)
        claimed = gradient - wrong_part(values)  # descent: the claim is minus the answer
        size = max(np.linalg.norm(claimed), np.linalg.norm(gradient))
        worst = max(worst, float(np.linalg.norm(claimed - gradient) / size))
    return f"{worst:.2g}"


HEAD_OF_FAILURE = (
    "quiz '{id}': the reference answer {answer!r} is not −∂loss/∂W (convention: descent); "
    "central finite differences of {loss!r} disagree: "
)


def test_a_wrong_reference_is_measured_on_the_lessons_own_draws() -> None:
    answer = "2 * X.T @ (Y - X @ W) + W"
    lesson = lesson_of(formula(answer))
    error = descent_error(lesson, lambda values: np.asarray(values["W"], dtype=float))
    proof = [m for _, m, _ in findings(lesson) if "finite differences" in m]
    assert proof == [
        HEAD_OF_FAILURE.format(id="f", answer=answer, loss=LOSS) + f"relative error {error}"
    ]


def test_a_flipped_sign_is_named_in_full() -> None:
    answer = "-2 * X.T @ (Y - X @ W)"
    proof = [m for _, m, _ in findings(lesson_of(formula(answer))) if "finite" in m]
    assert proof == [
        HEAD_OF_FAILURE.format(id="f", answer=answer, loss=LOSS)
        + "the sign is flipped (descent means the answer is −∂loss/∂W)"
    ]


def test_a_wrong_shape_names_both_shapes_of_the_first_draw() -> None:
    answer = "2 * X.T @ (Y - X @ W) @ ones((1, 2))"
    lesson = lesson_of(formula(answer))
    first = formula_draws(find_quiz(lesson, "f"), lesson.seed)[0].dims
    m = first["m"]
    proof = [msg for _, msg, _ in findings(lesson) if "finite" in msg]
    assert proof == [
        HEAD_OF_FAILURE.format(id="f", answer=answer, loss=LOSS)
        + f"it has shape ({m}, 2) but W has shape ({m}, 1)"
    ]


SQUARE = """\
dims: {n: [5, 9], m: [2, 4]}
setup: |
  X = randn(n, m)
  W = uniform(-1, 1, (m, m))
  Y = randn(n, m)
names: [X, W, Y]
"""


def test_a_transposed_reference_is_named_transposed() -> None:
    answer = "2 * (Y - X @ W).T @ X"
    body = (
        f"id: t\nkind: formula\nprompt: Type it.\n{SQUARE}answer: {answer}\n"
        f"proves: {{loss: {LOSS}, wrt: W, convention: descent}}\n"
    )
    proof = [m for _, m, _ in findings(lesson_of(body)) if "finite" in m]
    assert proof == [HEAD_OF_FAILURE.format(id="t", answer=answer, loss=LOSS) + "it is transposed"]


SHARP = """\
dims: {m: [2, 3], h: [2, 3]}
setup: |
  W = uniform(-0.0001, 0.0001, (m, h))
names: [W]
"""


def test_a_sharp_loss_still_names_a_flipped_sign() -> None:
    """exp(10000 W) curves so fast that central differences are only good to ~2e-5 of
    the slope; the proof names the mistake all the same, within its 1e-4."""
    answer = "10000 * exp(10000 * W)"
    loss = "sum(exp(10000 * W))"
    body = (
        f"id: s\nkind: formula\nprompt: Type it.\n{SHARP}answer: {answer}\n"
        f"proves: {{loss: {loss}, wrt: W, convention: descent}}\n"
    )
    proof = [m for _, m, _ in findings(lesson_of(body)) if "finite" in m]
    assert proof == [
        HEAD_OF_FAILURE.format(id="s", answer=answer, loss=loss)
        + "the sign is flipped (descent means the answer is −∂loss/∂W)"
    ]


# -- program quizzes ----------------------------------------------------------------------

PROGRAM = """\
id: p
kind: program
prompt: Write the forward pass and the descent step.
dims: {n: [5, 9], m: [2, 4]}
setup: |
  X = randn(n, m)
  W = uniform(-1, 1, (m, 1))
  Y = randn(n, 1)
  c = randn(1, 1)
names: [X, W, Y, c]
steps:
"""

FORWARD = "  - name: Yhat\n    answer: X @ W\n"
PROVED_FORWARD = FORWARD + '    proves: {none: "the forward pass"}\n'
DESCENT = (
    "  - name: dW\n    answer: 2 * X.T @ (Y - Yhat)\n"
    f"    proves: {{loss: {LOSS}, wrt: W, convention: descent}}\n"
)


def program_lesson(steps: str, wrong: str = "", seed: int = 3) -> Lesson:
    return lesson_of(PROGRAM + steps + wrong, seed)


def body_line(lesson: Lesson, text: str) -> int:
    """The file line of the first line of the quiz block equal to ``text``."""
    block = lesson.quizzes[0]
    return block.body_line + block.body.split("\n").index(text)


def test_a_reference_program_the_learner_cannot_run_is_reported() -> None:
    """A step that uses a dimension: the learner's names hold no n."""
    lesson = program_lesson(
        "  - name: S\n    answer: ones((n, 1))\n    proves: {none: a constant}\n"
    )
    spec = find_quiz(lesson, "p")
    graded = grade_program(spec, spec.answer, seed=lesson.seed)
    assert graded.verdict == "invalid" and graded.message.startswith("Line 1: ")
    assert findings(lesson) == [
        (FENCE, f"quiz 'p': the reference program grades invalid: {graded.message}", False)
    ]


def test_a_step_that_proves_nothing_is_reported_at_its_line() -> None:
    lesson = program_lesson(FORWARD + DESCENT)
    assert findings(lesson) == [
        (
            body_line(lesson, "  - name: Yhat"),
            "quiz 'p': step Yhat proves nothing: add proves: or proves: {none: <why>}",
            False,
        )
    ]


def test_a_wrong_step_is_measured_on_the_lessons_own_draws() -> None:
    lesson = program_lesson(PROVED_FORWARD + DESCENT.replace("(Y - Yhat)", "(Y - Yhat) + W"))
    spec = find_quiz(lesson, "p")
    single = step_spec(spec, spec.steps[1])
    error = _relative(formula_draws(single, lesson.seed), lambda v: np.asarray(v["W"], dtype=float))
    answer = "2 * X.T @ (Y - Yhat) + W"
    assert findings(lesson) == [
        (
            body_line(lesson, "  - name: dW"),
            HEAD_OF_FAILURE.format(id="p.dW", answer=answer, loss=LOSS) + f"relative error {error}",
            False,
        )
    ]


def test_a_step_dead_on_every_draw_cannot_be_told_from_its_negative() -> None:
    """c < 0 on all three draws of seed 1, so relu(c) is zero and so is its negative."""
    lesson = program_lesson(
        '  - name: D\n    answer: relu(c)\n    proves: {none: "a switch"}\n', seed=1
    )
    spec = find_quiz(lesson, "p")
    assert all(float(d.environment.values["c"].reshape(())) < 0 for d in formula_draws(spec, 1))
    assert findings(lesson) == [
        (
            body_line(lesson, "  - name: D"),
            "quiz 'p': step D negated should be that step's sign error, "
            "but grades correct at no step",
            False,
        )
    ]


def test_each_wrong_program_is_reported_at_its_own_first_line() -> None:
    """The second program's first line shares its first word with the first program."""
    wrong = (
        "wrong:\n"
        "  - program: |\n"
        "      Yhat = X @ W\n"
        "      dW = 2 * X.T @ (Yhat - Y)\n"
        "    step: dW\n"
        "    verdict: sign\n"
        "  - program: |\n"
        "      Yhat = X * 1\n"
        "      dW = 2 * X.T @ (Y - X @ W)\n"
        "    step: Yhat\n"
        "    verdict: values\n"
    )
    lesson = program_lesson(PROVED_FORWARD + DESCENT, wrong)
    n, m = (formula_draws(find_quiz(lesson, "p"), lesson.seed)[0].dims[k] for k in "nm")
    assert findings(lesson) == [
        (
            body_line(lesson, "      Yhat = X * 1"),
            "quiz 'p': the wrong program should stop at step Yhat with values but grades "
            f"shape at Yhat: Step Yhat: wrong shape: it should be ({n},1), yours is ({n},{m}). "
            "It goes wrong at line 1.",
            False,
        )
    ]


def test_a_wrong_program_that_is_right_is_reported() -> None:
    wrong = (
        "wrong:\n"
        "  - program: |\n"
        "      Yhat = X @ W\n"
        "      dW = 2 * X.T @ (Y - Yhat)\n"
        "    step: dW\n"
        "    verdict: sign\n"
    )
    lesson = program_lesson(PROVED_FORWARD + DESCENT, wrong)
    assert findings(lesson) == [
        (
            body_line(lesson, "      Yhat = X @ W"),
            "quiz 'p': the wrong program should stop at step dW with sign but grades "
            "correct at no step: Correct: every step (Yhat, dW) matches on all 3 random draws.",
            False,
        )
    ]


def test_a_step_is_negated_on_its_own_line_only() -> None:
    """ "h = X @ W" is also the start of the next step's line, "dh = X @ Wt"; negating h
    there too would leave "dh = -(X @ W)t", which does not even parse."""
    steps = (
        '  - name: h\n    answer: X @ W\n    proves: {none: "a layer"}\n'
        '  - name: dh\n    answer: X @ Wt\n    proves: {none: "another layer"}\n'
    )
    body = (PROGRAM + steps).replace(
        "  c = randn(1, 1)\nnames: [X, W, Y, c]", "  Wt = randn(m, 1)\nnames: [X, W, Y, Wt]"
    )
    lesson = lesson_of(body)
    assert find_quiz(lesson, "p").answer == "h = X @ W\ndh = X @ Wt"
    assert findings(lesson) == []


#: W (m,h) with at least 8·7 = 56 entries: more than are probed one by one.
BIG = """\
dims: {n: [5, 9], m: [8, 9], h: [7, 8]}
setup: |
  X = randn(n, m)
  W = uniform(-1, 1, (m, h))
  Y = randn(n, h)
names: [X, W, Y]
"""


def test_a_matrix_too_big_to_probe_whole_still_names_sign_and_factor() -> None:
    """Entries no probe reached must not hide the mistake: a flipped sign and a lost
    factor of two are named as on a small matrix."""
    named = {}
    for answer in ("-2 * X.T @ (Y - X @ W)", "X.T @ (Y - X @ W)"):
        body = (
            f"id: g\nkind: formula\nprompt: Type it.\n{BIG}answer: {answer}\n"
            f"proves: {{loss: {LOSS}, wrt: W, convention: descent}}\n"
        )
        proof = [m for _, m, _ in findings(lesson_of(body)) if "finite" in m]
        assert len(proof) == 1
        head = HEAD_OF_FAILURE.format(id="g", answer=answer, loss=LOSS)
        assert proof[0].startswith(head)
        named[answer] = proof[0].removeprefix(head)
    assert named == {
        "-2 * X.T @ (Y - X @ W)": "the sign is flipped (descent means the answer is −∂loss/∂W)",
        "X.T @ (Y - X @ W)": "it is off by a constant factor 0.5",
    }


@pytest.mark.parametrize("seed", [0, 81])
def test_the_reference_program_is_graded_on_the_lessons_own_draws(seed: int) -> None:
    """A step that draws its own number: the learner's program draws another one, so
    the reference program grades as the draws of the lesson's seed make it (on seed 81
    both numbers are negative on every draw, relu makes both zero, and it passes)."""
    lesson = program_lesson(
        '  - name: D\n    answer: relu(randn(1, 1))\n    proves: {none: "a switch"}\n', seed=seed
    )
    spec = find_quiz(lesson, "p")
    graded = grade_program(spec, spec.answer, seed=seed)
    reported = [m for _, m, _ in findings(lesson) if "the reference program" in m]
    if graded.correct:
        assert reported == []
    else:
        assert reported == [
            f"quiz 'p': the reference program grades {graded.verdict}: {graded.message}"
        ]
    assert graded.correct == (seed == 81)


def test_a_later_step_written_inside_an_earlier_line_is_negated_on_its_own() -> None:
    """The earlier line "dh = X @ W + 1" holds "h = X @ W" too: negating h must not
    negate dh instead (which would blame a sound quiz for dh's values)."""
    steps = (
        '  - name: dh\n    answer: X @ W + 1\n    proves: {none: "a shifted layer"}\n'
        '  - name: h\n    answer: X @ W\n    proves: {none: "a layer"}\n'
    )
    lesson = program_lesson(steps)
    assert find_quiz(lesson, "p").answer == "dh = X @ W + 1\nh = X @ W"
    assert findings(lesson) == []
