"""Verdicts on a learner's answer, in words, with no UI.

A formula answer is evaluated with the restricted evaluator on several random draws
and compared numerically with the reference, so any equivalent form passes and a
wrong one is named precisely. The verdicts are tried in one fixed order (invalid,
shape, transposed, correct, sign, factor, values): the first that holds on every draw
is the one given. A choice or a bug quiz's line that is not the right one is ``wrong``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.core.errors import UsageError
from tutor.core.expression import Environment, ExpressionError, Trace, evaluate, format_shape
from tutor.core.expression import parse_shape as parse_shape_text
from tutor.core.lesson import Lesson
from tutor.core.quiz.draw import (
    Draw,
    SetupError,
    formula_draws,
    setup_names,
    shape_dims,
)
from tutor.core.quiz.model import QuizSpec, find_quiz

#: Each verdict as a word a learner reads; the colour in the app only repeats it.
VERDICT_TITLES = {
    "correct": "Correct",
    "transposed": "Transposed",
    "sign": "Sign flipped",
    "factor": "Off by a factor",
    "shape": "Wrong shape",
    "values": "Wrong values",
    "wrong": "Wrong pick",
    "missing": "Step missing",
    "invalid": "Not understood",
}
_ERROR_TITLES = {
    "syntax": "Syntax error",
    "forbidden": "Not allowed",
    "unknown-name": "Unknown name",
    "limit": "Too big",
    "shape": "Shape mismatch",
    "math": "Numerical problem",
}
_PICK = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer, and what a learner needs to see about it."""

    verdict: str
    message: str
    expected_shape: tuple[int, ...] | None = None
    got_shape: tuple[int, ...] | None = None
    trace: Trace | None = None
    caret: str | None = None
    error: ExpressionError | None = None

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"

    @property
    def title(self) -> str:
        """The verdict in words (never colour alone)."""
        return VERDICT_TITLES[self.verdict]

    def to_json(self) -> dict[str, Any]:
        """The fields ``tutor grade --json`` prints."""
        return {
            "verdict": self.verdict,
            "message": self.message,
            "expected_shape": list(self.expected_shape)
            if self.expected_shape is not None
            else None,
            "got_shape": list(self.got_shape) if self.got_shape is not None else None,
        }


@dataclass(frozen=True)
class Comparison:
    """How answer values relate to reference values over every draw."""

    verdict: str
    factor: float | None = None
    relative_error: float | None = None


# -- entry points -----------------------------------------------------------------------


def grade(
    lesson: Lesson, quiz_id: str, answer_text: str, *, seed: int | None = None, attempt: int = 0
) -> Grade:
    """Grade an answer to any quiz of ``lesson`` (a bug quiz's answer is its fix).

    ``seed`` replaces the lesson's seed, so ``tutor grade --seed N`` repeats a draw;
    ``attempt`` makes each attempt of a shape quiz draw new dimensions.
    """
    spec = find_quiz(lesson, quiz_id)
    seed = lesson.seed if seed is None else seed
    if spec.is_program:
        raise UsageError(
            f"'{spec.id}' is a program quiz: grade a whole program (tutor grade --file)"
        )
    if spec.kind == "choice":
        return grade_choice(spec, answer_text)
    if spec.kind == "shape":
        return grade_shape(spec, answer_text, seed=seed, attempt=attempt)
    return grade_formula(spec, answer_text, seed=seed, attempt=attempt)


def grade_formula(spec: QuizSpec, answer_text: str, *, seed: int, attempt: int = 0) -> Grade:
    """Grade a formula (or a bug quiz's fix) on several draws against the reference."""
    draws = formula_draws(spec, seed, attempt)
    return grade_on_draws(spec, answer_text, draws, [reference_value(spec, d) for d in draws])


def grade_bug_line(spec: QuizSpec, line: int) -> bool:
    """Whether the learner picked the faulty line of a bug quiz's listing."""
    return line == spec.bug_line


def grade_choice(spec: QuizSpec, answer: str | Iterable[int]) -> Grade:
    """Grade option numbers (``"2"``, ``"1,3"`` or ``[1, 3]``) against the right ones."""
    picks = _parse_picks(answer, len(spec.choices))
    if isinstance(picks, str):
        return Grade("invalid", picks)
    if len(picks) > 1 and not spec.multiple:
        return Grade("invalid", "This question has one right option: pick a single number.")
    right = set(spec.picks)
    if picks == right:
        return Grade("correct", _with_explain("Correct.", spec.explain))
    reasons = _reasons(spec, sorted(picks - right), "Option")
    if not spec.multiple:
        return Grade("wrong", f"Option {next(iter(picks))} is not the right one.{reasons}")
    hits, extra, missed = len(picks & right), len(picks - right), len(right - picks)
    return Grade(
        "wrong",
        f"Not quite: {hits} of your picks {'is' if hits == 1 else 'are'} right, "
        f"{extra} {'is' if extra == 1 else 'are'} not, and you missed {missed}.{reasons}",
    )


def grade_line(spec: QuizSpec, line: int) -> Grade:
    """Grade the line a learner picked as a bug quiz's faulty one, with the author's reason."""
    count = len(spec.code_lines)
    if not 1 <= line <= count:
        return Grade("invalid", f"There is no line {line}: the listing has lines 1 to {count}.")
    if grade_bug_line(spec, line):
        return Grade("correct", f"Correct: line {line} is the faulty one.")
    reason = spec.why_of(line)
    message = f"Line {line} is not the faulty one" + (
        f": {reason}" if reason else "; read each line's shapes and meaning again."
    )
    return Grade("wrong", message if message.endswith((".", "?", "!")) else message + ".")


def _reasons(spec: QuizSpec, wrong_picks: list[int], what: str) -> str:
    """ " Option 2: why it is wrong." for each wrong pick the author explained."""
    found = [(number, spec.why_of(number)) for number in wrong_picks]
    return "".join(f" {what} {number}: {reason}" for number, reason in found if reason)


def grade_shape(spec: QuizSpec, answer_text: str, *, seed: int, attempt: int = 0) -> Grade:
    """Grade a typed shape against the shape quiz's answer for this attempt's draw."""
    dims = shape_dims(spec, seed, attempt)
    expected = expected_shape(spec, dims)
    try:
        got = tuple(int(n) for n in parse_shape_text(answer_text))
    except (ExpressionError, ValueError, TypeError):
        return Grade("invalid", "Type a shape such as (3,4), 3,4, 3x4 or 3 × 4.", expected)
    shown, wanted = format_shape(got), format_shape(expected)
    if got == expected:
        return Grade("correct", _with_explain(f"Correct: {wanted}.", spec.explain), expected, got)
    # The expected shape is not said: the learner has attempts left, and the solution
    # (shown when they run out) says it.
    if len(got) == len(expected) == 2 and got == expected[::-1]:
        message = f"Not {shown}: rows and columns are swapped."
    elif len(got) != len(expected):
        message = f"Not {shown}: the result has {len(expected)} axes, not {len(got)}."
    else:
        right = sum(g == e for g, e in zip(got, expected, strict=True))
        message = (
            f"Not {shown}: {right} of its {len(got)} sizes {'is' if right == 1 else 'are'} right."
        )
    return Grade("shape", message, expected, got)


def expected_shape(spec: QuizSpec, dims: dict[str, int]) -> tuple[int, ...]:
    """A shape quiz's answer with its dimension names replaced by the drawn values."""
    return tuple(dims[item] if isinstance(item, str) else item for item in spec.shape_items)


# -- formula grading -------------------------------------------------------------------------


def reference_value(spec: QuizSpec, draw: Draw) -> np.ndarray:
    """The reference answer on a draw, in the full setup environment."""
    try:
        trace = evaluate(spec.answer, draw.environment.copy())
    except ExpressionError as error:
        raise SetupError(
            f"the reference answer of quiz '{spec.id}' does not evaluate: {error.message}",
            spec.line,
        ) from None
    return np.asarray(trace.value, dtype=float)


def allowed_names(spec: QuizSpec, draw: Draw) -> tuple[str, ...]:
    """The names an answer may use: ``names``, or every name ``setup`` defined."""
    return spec.names if spec.names is not None else setup_names(draw)


def learner_environment(spec: QuizSpec, draw: Draw) -> Environment:
    """An environment holding only the names the question lets the learner use."""
    environment = Environment(seed=draw.seed)
    source = draw.environment
    # Bound as the source holds them, not through ``define``: its values are already
    # checked read-only arrays (shared, as ``Environment.copy`` shares them), and a
    # quiz grades every answer on every draw, so copying them each time adds up.
    for name in allowed_names(spec, draw):
        if name in source.values:
            environment.values[name] = source.values[name]
        elif name in source.functions:
            environment.functions[name] = source.functions[name]
    return environment


def grade_on_draws(
    spec: QuizSpec, answer_text: str, draws: list[Draw], references: list[np.ndarray]
) -> Grade:
    """Evaluate the answer on each draw and name how it differs from the references."""
    expected = tuple(references[0].shape)
    if not answer_text.strip():
        return Grade("invalid", "Type an expression, e.g. X.T @ Yt.", expected)
    answers: list[np.ndarray] = []
    first_trace: Trace | None = None
    for draw in draws:
        try:
            trace = evaluate(answer_text, learner_environment(spec, draw), strict=spec.strict)
        except ExpressionError as error:
            return invalid_grade(error, expected)
        if first_trace is None:
            first_trace = trace
        value = np.asarray(trace.value, dtype=float)
        if not np.all(np.isfinite(value)):
            return Grade(
                "invalid",
                "Your answer gives values that are not finite numbers (inf or nan).",
                expected,
                tuple(value.shape),
                trace=first_trace,
            )
        answers.append(value)
    comparison = compare(answers, references, rtol=spec.tolerance)
    message = _formula_message(spec, comparison, answers, references, draws)
    return Grade(comparison.verdict, message, expected, tuple(answers[0].shape), first_trace)


def compare(
    answers: list[np.ndarray], references: list[np.ndarray], *, rtol: float = 1e-6
) -> Comparison:
    """The first verdict, in the fixed order, that holds on every draw.

    Also used by the finite-difference proof, with the numerical gradient in place of
    the reference, so an author's wrong reference is named the way a learner's is.
    """
    pairs = list(zip(answers, references, strict=True))
    atol = absolute_tolerance(references, rtol)
    if any(a.shape != r.shape for a, r in pairs):
        if all(
            a.ndim == 2 and a.T.shape == r.shape and close(a.T, r, rtol, atol) for a, r in pairs
        ):
            return Comparison("transposed")
        return Comparison("shape")
    if all(close(a, r, rtol, atol) for a, r in pairs):
        return Comparison("correct")
    if all(_is_square(a) and close(a.T, r, rtol, atol) for a, r in pairs):
        return Comparison("transposed")
    if all(close(-a, r, rtol, atol) for a, r in pairs):
        return Comparison("sign")
    factor = constant_factor(pairs, rtol, atol)
    if factor is not None:
        return Comparison("factor", factor=factor)
    return Comparison("values", relative_error=relative_error(pairs, atol))


#: The absolute part of the tolerance, relative to the largest reference entry over
#: all draws: an entry that cancels to almost zero (a reordered sum gives 1e-17
#: against 3e-17) must not fail an equivalent rewrite.
ATOL_RATIO = 1e-3
#: The absolute tolerance's floor, for a reference that is zero on every draw (a dead
#: ReLU layer's gradient): rounding in an equivalent answer stays far below it, and a
#: wrong answer is of the size of the matrices, far above it.
ATOL_FLOOR = 1e-10


def absolute_tolerance(references: list[np.ndarray], rtol: float) -> float:
    """``atol`` for ``close``, scaled by the references' magnitude across every draw.

    Scaling by all draws (not each one's own) keeps a draw where the reference happens
    to be zero (a ReLU layer that died on that draw only) from being held to a bar no
    rounding can meet, and lets a reference that is zero on every draw be asked for.
    """
    scale = max((float(np.max(np.abs(r), initial=0.0)) for r in references), default=0.0)
    return ATOL_FLOOR + ATOL_RATIO * rtol * scale


def close(
    answer: np.ndarray, reference: np.ndarray, rtol: float, atol: float | None = None
) -> bool:
    """Equal up to rounding: |answer − reference| <= atol + rtol·|reference| per entry."""
    if atol is None:
        atol = absolute_tolerance([reference], rtol)
    return bool(np.allclose(answer, reference, rtol=rtol, atol=atol))


def relative_error(pairs: list[tuple[np.ndarray, np.ndarray]], atol: float) -> float:
    """The worst draw's error in norm, relative to the reference (never divided by ~0)."""
    errors = []
    for answer, reference in pairs:
        size = max(float(np.linalg.norm(reference)), atol * np.sqrt(max(reference.size, 1)))
        errors.append(float(np.linalg.norm(answer - reference)) / size)
    return max(errors)


def constant_factor(
    pairs: list[tuple[np.ndarray, np.ndarray]], rtol: float, atol: float | None = None
) -> float | None:
    """The constant c with answer = c · reference on every draw, if there is one (c ≠ 0, ±1)."""
    factors = []
    for answer, reference in pairs:
        norm = float(np.sum(reference * reference))
        if norm == 0.0 or not np.any(np.abs(reference) > (atol or 0.0)):
            continue  # a zero reference says nothing about a factor
        factor = float(np.sum(answer * reference)) / norm
        if not close(answer, factor * reference, rtol, atol):
            return None
        factors.append(factor)
    # The draws' factors agree, and keep clear of ±1, within a band that grows with the
    # tolerance but is capped, so a quiz with tolerance 1e-2 still names a factor 2.
    band = min(1e3 * rtol, 0.1)
    if not factors or any(abs(f - factors[0]) > band * abs(factors[0]) for f in factors):
        return None
    factor = factors[0]
    if abs(factor) < 1e-12 or min(abs(factor - 1), abs(factor + 1)) <= band:
        return None
    return factor


def _is_square(value: np.ndarray) -> bool:
    return value.ndim == 2 and value.shape[0] == value.shape[1] > 1


# -- messages --------------------------------------------------------------------------------


def _formula_message(
    spec: QuizSpec,
    comparison: Comparison,
    answers: list[np.ndarray],
    references: list[np.ndarray],
    draws: list[Draw],
) -> str:
    answer, reference = answers[0], references[0]
    what, dims = _quantity(spec), draws[0].dims
    got, wanted = _shape_words(answer.shape, dims), _shape_words(reference.shape, dims)
    verdict = comparison.verdict
    if verdict == "correct":
        return _with_explain(
            f"Correct: it equals {what} on every one of {len(draws)} random draws of the matrices.",
            spec.explain,
        )
    hint = spec.feedback.for_verdict(verdict)
    if verdict == "transposed":
        if answer.shape != reference.shape:
            message = (
                f"Transposed: your answer has shape {got} but {what} is {wanted}; "
                "the transpose of your answer is right."
            )
        else:
            message = "Transposed: the shapes agree, but the transpose of your answer is right."
    elif verdict == "sign":
        message = _sign_message(spec)
    elif verdict == "factor":
        factor = comparison.factor or 0.0
        hint = spec.feedback.for_factor(factor)
        message = f"Off by a constant factor {factor:.4g} on every draw"
        return f"{message}: {_sentence(hint)}" if hint else message + "."
    elif verdict == "shape":
        message = _shape_message(answer, reference, what, got, wanted, spec.tolerance)
    else:
        message = _values_message(answers, references, comparison)
    return f"{message} {_sentence(hint)}" if hint else message


def _values_message(
    answers: list[np.ndarray], references: list[np.ndarray], comparison: Comparison
) -> str:
    """Wrong values, said without absurd numbers when the right answer is (near) zero."""
    atol = absolute_tolerance(references, 0.0)
    if all(not np.any(np.abs(r) > atol) for r in references):
        largest = max(float(np.max(np.abs(a), initial=0.0)) for a in answers)
        return (
            f"Right shape, wrong values: the right answer is zero on every draw, but "
            f"yours is not (its largest entry is {largest:.3g})."
        )
    error = comparison.relative_error
    if error is None or error > 1e3:
        return "Right shape, wrong values: far from the right answer on every draw."
    return f"Right shape, wrong values (relative error {error:.2g})."


def _quantity(spec: QuizSpec) -> str:
    """What the question asks for, in the lesson's words, for messages."""
    if spec.proves is None:
        return "the right answer"
    wrt = spec.proves.wrt
    if spec.proves.convention == "descent":
        return spec.notation.descent_of(wrt)
    return spec.notation.gradient_of(wrt)


def _sign_message(spec: QuizSpec) -> str:
    if spec.proves is None:
        return "Sign flipped: the negative of your answer is right."
    wrt, notation = spec.proves.wrt, spec.notation
    if spec.proves.convention == "descent":
        return (
            f"Sign flipped: this question asks for {notation.descent_of(wrt)} (the downhill "
            f"direction); your answer is {notation.gradient_of(wrt)} itself."
        )
    return (
        f"Sign flipped: this question asks for {notation.gradient_of(wrt)}; your answer is "
        f"its negative, {notation.descent_of(wrt)}."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _shape_message(
    answer: np.ndarray, reference: np.ndarray, what: str, got: str, wanted: str, rtol: float
) -> str:
    message = f"Wrong shape: {what} is {wanted}, your answer is {got}."
    if reference.ndim == 0 and answer.size == 1:
        return message + " The question asks for a plain number, not a matrix."
    if answer.ndim == 2 and answer.T.shape == reference.shape:
        return message + " Its transpose has the right shape but not the right values."
    if answer.size == reference.size and close(answer.reshape(reference.shape), reference, rtol):
        return message + " The numbers are right but laid out in the wrong shape."
    return message


def _shape_words(shape: tuple[int, ...], dims: dict[str, int]) -> str:
    """``(3,4)``, followed by ``= (m,h)`` when the sizes are the quiz's dimensions."""
    numeric = format_shape(shape)
    names = {value: name for name, value in dims.items()}
    symbolic = "(" + ",".join(names.get(n, str(n)) for n in shape) + ")"
    if len(shape) == 1:
        symbolic = symbolic[:-1] + ",)"
    return numeric if symbolic == numeric or not shape else f"{numeric} = {symbolic}"


def invalid_grade(error: ExpressionError, expected: tuple[int, ...] | None) -> Grade:
    """An answer the evaluator refused or could not compute, with its message and caret.

    The evaluator's own words already name what went wrong (an unknown name with the
    names there are, a product whose inner dimensions differ, a refused broadcast),
    so they are passed on as they are, after the kind of error and its column.
    """
    where = f" at column {error.column}" if error.column is not None else ""
    message = f"{_ERROR_TITLES.get(error.kind, 'Error')}{where}: {error.detail}"
    if not message.endswith((".", "?", "!")):
        message += "."
    return Grade("invalid", message, expected, None, caret=error.caret() or None, error=error)


def _with_explain(message: str, explain: str) -> str:
    return f"{message} {explain}" if explain else message


def _parse_picks(answer: str | Iterable[int], count: int) -> set[int] | str:
    """Option numbers as a set, or the message saying why they cannot be read."""
    if isinstance(answer, str):
        words = [w for w in _PICK.split(answer.strip().strip("[]()")) if w]
        if not words or not all(w.isdigit() for w in words):
            return f"Type the number of an option (1 to {count}), or several like 1,3."
        picks = {int(w) for w in words}
    else:
        picks = set(answer)
    outside = sorted(p for p in picks if not 1 <= p <= count)
    if outside:
        return f"There is no option {outside[0]}: the options are numbered 1 to {count}."
    return picks
