"""What ``tutor check`` says about a quiz, pinned where a mutation run found nothing asserting it.

Each test asserts what an author reads (the exact words and line of a finding, a note
kept apart from the problems, a check that follows the lesson's seed) or what the proof
by finite differences promises (its noise floors scale with the loss, its steps with the
entry, its directions are its own and reproducible).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tutor.core.checking import Note
from tutor.core.lesson import Lesson, parse_lesson_text
from tutor.core.quiz import proving, standard_battery
from tutor.core.quiz.draw import formula_draws, shape_dims
from tutor.core.quiz.grading import reference_value
from tutor.core.quiz.model import quiz_spec

#: The article's network (X · W1 · W2 with the residual Yt), every name open to the answer.
NETWORK = """\
dims: {n: [7, 12], m: [2, 3], h: [4, 6]}
setup: |
  X = randn(n, m)
  W1 = uniform(-1, 1, (m, h))
  W2 = uniform(-1, 1, (h, 1))
  Y = randn(n, 1)
  Yt = Y - X @ W1 @ W2
names: [X, W1, W2, Yt]
"""

#: The loss of NETWORK as the proofs below write it.
LOSS = "sum((Y - X @ W1 @ W2)**2)"

#: The fence of the first quiz is this line of every lesson built by ``text``.
FENCE = 11


def text(*bodies: str, seed: int = 5, front: str = "") -> str:
    """A lesson whose quizzes have these bodies (the first fence is line ``FENCE``)."""
    head = f"---\nid: p\ntitle: P\norder: 1\nsummary: S.\nseed: {seed}\n{front}---\n\n## Quiz\n\n"
    return head + "\n".join(f"```quiz\n{body}```\n" for body in bodies)


def lesson_of(*bodies: str, seed: int = 5, front: str = "") -> Lesson:
    return parse_lesson_text(text(*bodies, seed=seed, front=front), Path("p.md"))


def findings(*bodies: str, seed: int = 5, front: str = "") -> list[tuple[int, str]]:
    """(line, message) of everything check says, notes included."""
    found = proving.quiz_findings(lesson_of(*bodies, seed=seed, front=front))
    return [(item.line, item.message) for item in found]


def formula(answer: str, *, loss: str = LOSS, wrt: str = "W2", extra: str = "") -> str:
    """A formula quiz on NETWORK proving ``answer`` as the descent step of ``loss``."""
    return (
        f"id: dw\nkind: formula\nprompt: Type it.\n{NETWORK}answer: {answer}\n"
        f"proves:\n  loss: {loss}\n  wrt: {wrt}\n  convention: descent\n{extra}"
    )


# -- choice and shape quizzes -----------------------------------------------------------


def test_a_reason_given_for_right_options_names_the_first_of_them() -> None:
    body = (
        'id: c\nkind: choice\nprompt: Which?\nchoices: ["a", "b", "c"]\nanswer: [1, 3]\n'
        'why: {3: "c is right", 1: "a is right", 2: "b is not"}\n'
    )
    assert findings(body) == [
        (
            FENCE,
            "quiz 'c': why explains option 1, which is a right one "
            "(why is for wrong options; explain is for the answer)",
        )
    ]


SHAPE = (
    "id: s\nkind: shape\nprompt: X is ({n},{m}). Its shape?\n"
    "dims: {n: [3, 40], m: [41, 64]}\ngiven: {X: [n, m]}\n"
)


def test_a_shape_answer_outside_its_dims_is_named() -> None:
    assert findings(SHAPE + "of: X\nanswer: (n, k)\n") == [
        (FENCE, "quiz 's': the answer uses 'k', which is not one of its dims")
    ]


def test_a_shape_quiz_with_a_blank_expression_is_told_to_add_one() -> None:
    assert findings(SHAPE + 'of: " "\nanswer: (n, m)\n') == [
        (
            FENCE,
            "quiz 's': names no expression (of: ...), so its answer cannot be checked: add "
            "of: with the expression the question asks about, and given: or setup:",
        )
    ]


def test_a_shape_expression_that_fails_is_reported_with_the_evaluator_words() -> None:
    found = findings(SHAPE + "of: X @ X\nanswer: (n, m)\n")
    assert len(found) == 1
    line, message = found[0]
    assert line == FENCE
    assert message.startswith("quiz 's': its expression 'X @ X' fails: column 1: shape mismatch")


def test_a_wrong_shape_answer_shows_the_dims_of_the_lessons_first_attempt() -> None:
    lesson = lesson_of(SHAPE + "of: X.T\nanswer: (n, m)\n", seed=7)
    spec = quiz_spec(lesson.quizzes[0], lesson)
    dims = shape_dims(spec, 7, 0)
    assert dims != shape_dims(spec, 8, 0)  # the seed decides them
    n, m = dims["n"], dims["m"]
    assert [(p.line, p.message) for p in proving.quiz_findings(lesson)] == [
        (
            FENCE,
            f"quiz 's': the answer (n, m) is ({n}, {m}) for {{'n': {n}, 'm': {m}}}, "
            f"but 'X.T' has shape ({m}, {n})",
        )
    ]


#: A setup line whose value, drawn from the quiz's random stream, has a square root on
#: some seeds and none on others: what check says then depends on the lesson's seed.
SHAPE_DRAWN = (
    "id: s\nkind: shape\nprompt: X is ({n},{m}). Shape of X.T?\ndims: {n: [3, 9], m: [10, 16]}\n"
    "setup: |\n  C = sqrt(uniform(-0.9, 0.1, (1, 1)))\n  X = randn(n, m)\nof: X.T\nanswer: (m, n)\n"
)
SQRT_FAILS = "has no real value here"


def test_a_shape_quiz_setup_runs_on_the_lessons_seed() -> None:
    assert findings(SHAPE_DRAWN, seed=4) == []
    failed = findings(SHAPE_DRAWN, seed=1)
    assert [line for line, _ in failed] == [FENCE + 6]
    assert SQRT_FAILS in failed[0][1]


def test_a_formula_quiz_is_drawn_from_the_lessons_seed() -> None:
    body = formula("2 * (X @ W1).T @ Yt").replace(
        "setup: |\n", "setup: |\n  C = sqrt(uniform(-1, 1, (1, 1)))\n"
    )
    assert findings(body, seed=2) == []
    failed = findings(body, seed=1)
    assert [line for line, _ in failed] == [FENCE + 6]
    assert SQRT_FAILS in failed[0][1]


PROGRAM = """\
id: two
kind: program
prompt: Write the forward pass and δW2.
dims: {n: [5, 12], m: [2, 6], h: [2, 6]}
setup: |
  C = sqrt(uniform(-0.1, 1, (1, 1)))
  X = randn(n, m)
  W1 = uniform(-1, 1, (m, h))
  W2 = uniform(-1, 1, (h, 1))
  Y = randn(n, 1)
names: [X, W1, W2, Y]
steps:
  - name: Yhat
    answer: X @ W1 @ W2
    proves: {none: "the forward pass, not a gradient"}
  - name: dW2
    answer: 2 * (X @ W1).T @ (Y - Yhat)
    proves: {loss: sum((Y - X @ W1 @ W2)**2), wrt: W2, convention: descent}
"""


def test_a_program_quiz_is_graded_on_the_lessons_seed() -> None:
    assert findings(PROGRAM, seed=1) == []
    failed = findings(PROGRAM, seed=3)
    assert [line for line, _ in failed] == [FENCE + 6]
    assert SQRT_FAILS in failed[0][1]


# -- formula quizzes: the words and lines of each finding ---------------------------------


def test_a_dimension_with_one_value_is_reported_in_full() -> None:
    body = formula("n * (X @ W1).T @ Yt").replace("n: [7, 12]", "n: [7, 7]")
    body = body.replace("names: [X, W1, W2, Yt]", "names: [X, W1, W2, Yt, n]")
    assert (
        FENCE,
        "quiz 'dw': dims 'n' allows one value only (7), and the answer uses n: an answer "
        "that writes 7 instead would pass; widen the range",
    ) in findings(body)


def test_a_descent_reference_that_fails_is_named_against_minus_the_gradient() -> None:
    assert findings(formula("(X @ W1).T @ Yt")) == [
        (
            FENCE,
            "quiz 'dw': the reference answer '(X @ W1).T @ Yt' is not −∂loss/∂W2 "
            f"(convention: descent); central finite differences of {LOSS!r} disagree: "
            "it is off by a constant factor 0.5",
        )
    ]


def test_a_proof_against_a_name_setup_lacks_says_so() -> None:
    assert findings(formula("2 * (X @ W1).T @ Yt", wrt="Q")) == [
        (FENCE, "quiz 'dw': proves wrt 'Q', which setup does not define")
    ]


def test_a_loss_that_does_not_evaluate_is_reported_with_the_evaluator_words() -> None:
    found = findings(formula("2 * (X @ W1).T @ Yt", loss="sum(Q)"))
    assert found == [
        (
            FENCE,
            "quiz 'dw': the loss does not evaluate: column 5: unknown name Q. "
            "The names defined here are W1, W2, X, Y, Yt, h, m, n",
        )
    ]


def test_a_loss_written_as_a_one_by_one_matrix_is_proved() -> None:
    loss = "(Y - X @ W1 @ W2).T @ (Y - X @ W1 @ W2)"
    assert findings(formula("2 * (X @ W1).T @ Yt", loss=loss)) == []


def test_a_listed_wrong_answer_is_quoted_at_its_own_line() -> None:
    extra = 'wrong:\n  - {answer: "-2 * (X @ W1).T @ Yt", verdict: factor}\n'
    body = formula("2 * (X @ W1).T @ Yt", extra=extra)
    found = findings(body)
    assert len(found) == 1
    line, message = found[0]
    assert line == FENCE + body.split("\n").index(extra.split("\n")[1]) + 1
    assert message.startswith(
        "quiz 'dw': the wrong answer '-2 * (X @ W1).T @ Yt' should grade factor but "
        "grades sign: Sign flipped:"
    )


def test_a_standard_probe_that_fails_is_quoted_as_one_at_the_fence() -> None:
    """A constant reference: adding 1 scales it, so the values probe grades factor."""
    body = "id: dw\nkind: formula\nprompt: Type it.\n" + NETWORK
    body += "answer: W2 * 0 + 1\nproves: {none: a constant}\n"
    assert findings(body)[0] == (
        FENCE,
        "quiz 'dw': '(W2 * 0 + 1) + 1' (checked for every formula quiz) should grade "
        "values but grades factor: Off by a constant factor 2 on every draw.",
    )


def test_a_reference_that_fails_its_own_grading_is_reported_at_the_fence() -> None:
    found = findings(formula("2 * (X @ W1).T @ (Y - X @ W1 @ W2)"))
    reference = [(line, m) for line, m in found if "the reference answer should" in m]
    assert [line for line, _ in reference] == [FENCE]


def test_a_wrong_entry_under_a_quoted_key_is_found_from_the_top_of_the_block() -> None:
    """No line starts with ``wrong:``; the entry is the block's first line, and the
    prompt further down holds the same text."""
    body = '"wrong": [{answer: "-2 * (X @ W1).T @ Yt", verdict: factor}]\n' + formula(
        "2 * (X @ W1).T @ Yt"
    ).replace("Type it.", "Type -2 * (X @ W1).T @ Yt")
    found = findings(body)
    assert [line for line, _ in found] == [FENCE + 1]
    assert "the wrong answer '-2 * (X @ W1).T @ Yt'" in found[0][1]


def test_the_lessons_feedback_reaches_the_findings() -> None:
    extra = 'wrong:\n  - {answer: "-2 * (X @ W1).T @ Yt", verdict: factor}\n'
    found = findings(
        formula("2 * (X @ W1).T @ Yt", extra=extra), front="feedback: {sign: Mind the sign.}\n"
    )
    assert len(found) == 1
    assert found[0][1].endswith("Mind the sign.")


def test_a_lesson_notation_that_cannot_be_read_is_reported_for_its_quiz() -> None:
    assert findings(formula("2 * (X @ W1).T @ Yt"), front="notation: 5\n") == [
        (
            FENCE + 1,
            "quiz 'dw': notation takes loss (the loss's symbol) and descent (how the "
            "descent direction is named, with {wrt}), not 5",
        )
    ]


# -- notes, and quizzes after a broken one ------------------------------------------------


def test_a_note_keeps_its_path_and_line_and_loses_its_prefix() -> None:
    body = "id: dw\nkind: formula\nprompt: Type it.\n" + NETWORK
    body += "answer: W2 * 0\nproves: {none: a constant}\n"
    found = list(proving.quiz_findings(lesson_of(body)))
    assert all(isinstance(item, Note) for item in found)
    assert [(item.path, item.line, item.message) for item in found] == [
        (
            Path("p.md"),
            FENCE,
            "quiz 'dw': the reference is zero on every draw, so the sign and factor probes "
            "(its negative, its half) are skipped: they equal it",
        ),
        (Path("p.md"), FENCE, "quiz 'dw': not proved: a constant"),
    ]


def test_a_structurally_broken_quiz_does_not_stop_the_quizzes_after_it() -> None:
    broken = "id: f\nkind: formula\nprompt: Type it.\n"
    found = findings(broken, formula("(X @ W1).T @ Yt"))
    assert len(found) == 1
    assert "off by a constant factor 0.5" in found[0][1]


# -- the standard battery -----------------------------------------------------------------


def test_the_standard_battery_of_a_wide_reference() -> None:
    assert standard_battery("A", np.ones((2, 3))) == [
        ("A", "correct"),
        ("-(A)", "sign"),
        ("0.5 * (A)", "factor"),
        ("(A).T", "transposed"),
        ("(A) + 1", "values"),
        ("import os", "invalid"),
    ]


def test_the_standard_battery_leaves_the_transpose_out_for_a_square_reference() -> None:
    assert standard_battery("A", np.ones((3, 3)), zero=True) == [
        ("A", "correct"),
        ("(A) + 1", "values"),
        ("import os", "invalid"),
    ]


# -- the proof by finite differences ------------------------------------------------------


def spec_and_draws(body: str):
    """A formula quiz's spec, its draws and its references (lesson seed 5)."""
    lesson = lesson_of(body)
    spec = quiz_spec(lesson.quizzes[0], lesson)
    draws = formula_draws(spec, lesson.seed)
    return spec, draws, [reference_value(spec, draw) for draw in draws]


def true_descent(body: str, right: str) -> list[np.ndarray]:
    """The descent step on each draw of ``body``, from the right reference ``right``."""
    _, _, references = spec_and_draws(formula(right).replace(NETWORK, body_network(body)))
    return references


def body_network(body: str) -> str:
    start = body.index("dims:")
    return body[start : body.index("answer:")]


@pytest.mark.parametrize(
    ("reference", "note"),
    [
        ("0.004 * (X @ W1).T @ Yt + 0.001 * W2", "larger than the gradient"),
        ("0.0002 * (X @ W1).T @ Yt + 0.0001 * W2", "smaller than the gradient"),
    ],
)
def test_a_wrong_reference_reports_its_relative_error_in_norm(reference: str, note: str) -> None:
    """The error is |reference − gradient| over the larger of the two norms (here both
    below 1, so no floor of 1 could pass for either)."""
    loss = "0.001 * sum((Y - X @ W1 @ W2)**2)"
    body = formula(reference, loss=loss)
    _, _, references = spec_and_draws(body)
    truth = true_descent(body, "0.002 * (X @ W1).T @ Yt")
    assert all(np.linalg.norm(t) < 1 for t in truth)
    worst = max(
        np.linalg.norm(r - t) / max(np.linalg.norm(r), np.linalg.norm(t))
        for r, t in zip(references, truth, strict=True)
    )
    proof = [m for _, m in findings(body) if "finite differences" in m]
    assert len(proof) == 1, note
    assert proof[0].endswith(f"disagree: relative error {worst:.2g}")


def big(loss: str, answer: str = "0 * W1") -> str:
    """A quiz on a W1 of at least 8x7, more entries than are probed one by one."""
    body = formula(answer, loss=loss, wrt="W1")
    return body.replace("m: [2, 3], h: [4, 6]", "m: [8, 9], h: [7, 8]")


def off_where_unprobed(spec, draws, references, by: float) -> list[np.ndarray]:
    """The references moved by ``by`` at an entry no single-entry probe reaches."""
    altered = []
    for draw, reference in zip(draws, references, strict=True):
        numeric = proving.numerical_gradient(spec, draw)
        assert np.isnan(numeric).any()
        moved = reference.copy()
        moved[tuple(np.argwhere(np.isnan(numeric))[0])] += by
        altered.append(moved)
    return altered


def test_rounding_noise_of_a_large_loss_is_not_blamed_on_the_probed_entries() -> None:
    """The loss is about 10000 and its slope (1e-6) moves it by half a rounding step: the
    probed entries measure rounding noise, which agrees with a zero reference (the floor
    scales with the loss), so what is reported is the entry no probe reached."""
    spec, draws, references = spec_and_draws(big("10000 + 1e-6 * sum(W1)"))
    numeric = [proving.numerical_gradient(spec, draw) for draw in draws]
    assert any(np.nanmax(np.abs(n)) > 0 for n in numeric)  # the noise this test is about
    found = proving._proof_findings(spec, draws, off_where_unprobed(spec, draws, references, 10))
    assert len(found) == 1
    assert "along random directions" in found[0][1]


def test_a_tiny_gradient_of_a_small_loss_is_above_the_floor() -> None:
    """Against a loss below 1 the floor is 1e-4: probed entries whose slopes have a norm
    of 1.5e-9 are a relative error of 1.5e-5 of it, too much for a zero reference."""
    spec, draws, references = spec_and_draws(big("2.165e-10 * sum(W1)"))
    found = proving._proof_findings(spec, draws, off_where_unprobed(spec, draws, references, 0.5))
    assert len(found) == 1
    assert "finite differences" in found[0][1]
    assert "along random directions" not in found[0][1]


@pytest.fixture
def network():
    """The network quiz's spec, draws and the loss's gradient (minus the descent step)."""
    spec, draws, references = spec_and_draws(formula("2 * (X @ W1).T @ Yt"))
    return spec, draws, [-reference for reference in references]


def test_the_directional_error_is_relative_to_the_larger_slope(network) -> None:
    spec, draws, gradients = network
    for draw, gradient in zip(draws, gradients, strict=True):
        assert proving.directional_error(spec, draw, 0 * gradient) == pytest.approx(1.0)
        assert proving.directional_error(spec, draw, 2 * gradient) == pytest.approx(0.5)
        assert proving.directional_error(spec, draw, 0.5 * gradient) == pytest.approx(0.5)


def test_the_directions_are_reproducible_and_the_fine_look_takes_others(network) -> None:
    spec, draws, gradients = network
    for draw, gradient in zip(draws, gradients, strict=True):
        wrong = gradient + 0.3
        coarse = proving.directional_error(spec, draw, wrong)
        assert proving.directional_error(spec, draw, wrong) == coarse
        fine = proving.directional_error(spec, draw, wrong, fine=True)
        assert proving.directional_error(spec, draw, wrong, fine=True) == fine
        assert abs(fine - coarse) > 1e-3 * coarse


def test_the_directional_noise_floor_scales_with_the_loss() -> None:
    """A slope below the floor reads as slope / (1e-9 × max(1, |loss|)): the same slope
    reads 100 times smaller against a loss of 100 than against one below 1."""
    errors = []
    for constant in ("", "100 + "):
        spec, draws, _ = spec_and_draws(formula("0 * W2", loss=f"{constant}1e-4 * sum(W2)"))
        errors.append(
            proving.directional_error(
                spec, draws[0], np.zeros((len(draws[0].environment.values["W2"]), 1))
            )
        )
    small, large = errors
    assert 1e-3 < small < 1
    assert small / large == pytest.approx(100, rel=1e-3)


LARGE_WEIGHTS = NETWORK.replace("W2 = uniform(-1, 1, (h, 1))", "W2 = 1000 * uniform(-1, 1, (h, 1))")


def test_steps_grow_with_large_weights_so_rounding_stays_small() -> None:
    body = formula("2 * (X @ W1).T @ Yt").replace(NETWORK, LARGE_WEIGHTS)
    spec, draws, references = spec_and_draws(body)
    for draw, reference in zip(draws, references, strict=True):
        assert np.abs(draw.environment.values["W2"]).max() > 100
        assert proving.directional_error(spec, draw, -reference) < 1e-7
        numeric = proving.numerical_gradient(spec, draw)
        assert np.allclose(numeric, -reference, rtol=1e-7, atol=0)


def kink(offset: float) -> str:
    """W1 sits ``offset`` below a ReLU's kink in every entry (and the loss is flat there)."""
    body = big("sum(relu(W1 - T))")
    return body.replace(
        "  W1 = uniform(-1, 1, (m, h))\n",
        f"  T = uniform(-0.5, 0.5, (m, h))\n  W1 = T - {offset}\n",
    ).replace("names: [X, W1, W2, Yt]", "names: [X, W1, W2, Yt, T]")


def test_an_entry_probe_steps_one_millionth_and_stops_short_of_a_kink() -> None:
    spec, draws, _ = spec_and_draws(kink(1.5 * proving.FD_STEP))
    for draw in draws:
        numeric = proving.numerical_gradient(spec, draw)
        assert np.nanmax(np.abs(numeric)) == 0


def test_a_direction_steps_one_millionth_per_unit_and_stops_short_of_a_kink() -> None:
    spec, draws, references = spec_and_draws(kink(4 * proving.FD_STEP))
    for draw, reference in zip(draws, references, strict=True):
        assert proving.directional_error(spec, draw, 0 * reference) == 0


def nudged(statement: str) -> str:
    """A network quiz whose W2 starts as a copy of T, and whose setup ends with a
    statement that fails for some nudges of W2 (never for W2 itself)."""
    body = formula("(X @ W1).T @ Yt").replace(
        "  W2 = uniform(-1, 1, (h, 1))\n", "  T = uniform(-1, 1, (h, 1))\n  W2 = T * 1\n"
    )
    return body.replace("  Yt = Y - X @ W1 @ W2\n", f"  Yt = Y - X @ W1 @ W2\n{statement}")


def test_a_setup_that_fails_only_when_w_is_nudged_is_reported_at_its_line() -> None:
    """The slopes along a random direction nudge W2 ahead and behind; the sum of the
    nudges is positive one way and negative the other, so one of these square roots
    fails ahead and the other behind: each is a fault of the setup, at its line."""
    for statement in ("  S = sqrt(sum(W2 - T))\n", "  S = sqrt(-sum(W2 - T))\n"):
        found = findings(nudged(statement))
        assert [line for line, _ in found] == [FENCE + 12]
        assert found[0][1].startswith("setup of quiz 'dw' failed: column 5: sqrt(")


def test_a_setup_that_fails_only_when_one_entry_is_nudged_is_reported_at_its_line() -> None:
    """C counts the entries of W2 that moved: 0 as drawn, every one along a direction,
    one in an entry by entry probe, which alone makes (C − 0.5)(C − 2) negative. The
    reference is off by a factor, so the entry by entry probes run."""
    statement = "  C = sum(step(abs(W2 - T)))\n  S = sqrt((C - 0.5) * (C - 2))\n"
    found = findings(nudged(statement))
    assert [line for line, _ in found] == [FENCE + 13]
    assert found[0][1].startswith("setup of quiz 'dw' failed: column 5: sqrt(")
