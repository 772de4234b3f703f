"""``tutor check`` for quizzes: every reference answer proved before a learner sees it.

A gradient quiz says what it asks for (``proves``: the loss, the matrix, and whether
the answer is ∂loss/∂W or the article's δW = −∂loss/∂W); its reference answer is then
compared with central finite differences of the loss on several random draws. The
author's list of common wrong answers is graded too, each against the verdict the
author says it must get, and so is a fixed battery (the negative is a sign error,
half is a factor, the transpose is transposed...) that keeps every quiz able to tell
a learner precisely what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from tutor.core.blocks import block_problems
from tutor.core.expression import Environment, ExpressionError, evaluate
from tutor.core.lesson import Block, Lesson, Problem
from tutor.core.quiz.draw import (
    Draw,
    SetupCheckpoint,
    SetupError,
    formula_draws,
    placeholders,
    resume_setup,
    run_setup,
    setup_checkpoint,
    shape_dims,
    single_valued_dims,
)
from tutor.core.quiz.grading import (
    absolute_tolerance,
    compare,
    expected_shape,
    grade_on_draws,
    reference_value,
)
from tutor.core.quiz.model import ProgramStep, QuizFormatError, QuizSpec, quiz_spec

#: Central-difference step, relative to the entry (float64: error ~ h² + eps/h).
FD_STEP = 1e-6
#: Largest relative error (in norm) between the reference and the numerical gradient.
FD_TOLERANCE = 1e-5
#: At most this many entries of ``wrt`` are perturbed per draw (chosen at random).
MAX_PROBED_ENTRIES = 48
#: Random directions the loss's slope is checked along, per draw, before any entry is.
PROBE_DIRECTIONS = 3
#: The second look along directions takes this fraction of ``FD_STEP``.
FINE_STEP_RATIO = 0.01
#: The slope along a direction, relative to the loss, that rounding alone can give
#: (float64 rounding of the loss is about 1e-16 of it; directions are ~1e-6 long).
DIRECTION_NOISE = 1e-9
#: The same for one entry's central difference (divided by its 2e-6 step).
GRADIENT_NOISE = 1e-4
#: Shape quizzes are checked on this many attempts' draws.
SHAPE_ATTEMPTS = 3

Finding = tuple[int, str]
#: A finding that is not a problem: what ``check --verbose`` says it did not check.
NOTE_PREFIX = "note: "


def quiz_problems(lesson: Lesson) -> Iterator[Problem]:
    """Every problem with the quizzes of a lesson, proved on random draws."""
    from tutor.core.checking import Note

    return (found for found in quiz_findings(lesson) if not isinstance(found, Note))


def quiz_findings(lesson: Lesson) -> Iterator[Problem]:
    """Every problem with the quizzes of a lesson, and the notes ``--verbose`` shows.

    Blocks with structural problems are skipped: ``tutor.core.blocks`` reports those,
    and running a quiz without its keys would only repeat them less clearly. Notes
    (what was deliberately left unchecked, and why) come as ``Note``s.
    """
    from tutor.core.checking import Note

    for block in lesson.quizzes:
        if block.data is None or block_problems(block):
            continue
        for line, message in _findings(block, lesson):
            if message.startswith(NOTE_PREFIX):
                yield Note(lesson.path, line, message.removeprefix(NOTE_PREFIX))
            else:
                yield Problem(lesson.path, line, message)


def standard_battery(
    answer: str, reference: np.ndarray, *, zero: bool = False
) -> list[tuple[str, str]]:
    """(answer, verdict) pairs every formula quiz must grade as stated.

    The transpose is left out for a square (or scalar) reference, where it is
    not a different shape and may even be the same matrix. For a reference that is
    zero on every draw (``zero``), its negative and its half are zero too, so the
    sign and factor probes are left out: they cannot be told apart from it.
    """
    battery = [(answer, "correct")]
    if not zero:
        battery += [(f"-({answer})", "sign"), (f"0.5 * ({answer})", "factor")]
    battery += [(f"({answer}) + 1", "values"), ("import os", "invalid")]
    if reference.ndim == 2 and reference.shape[0] != reference.shape[1]:
        battery.insert(-2, (f"({answer}).T", "transposed"))
    return battery


def _findings(block: Block, lesson: Lesson) -> list[Finding]:
    try:
        spec = quiz_spec(block, lesson)
        if spec.kind == "shape":
            return _shape_findings(spec, lesson.seed)
        if spec.is_program:
            return _program_findings(spec, block, lesson.seed)
        if spec.is_formula:
            return _formula_findings(spec, block, lesson.seed)
        return _choice_findings(spec)
    except SetupError as error:
        return [(error.line, error.message)]
    except QuizFormatError as error:
        return [(block.line, f"quiz '{block.quiz_id}': {error.message}")]


# -- shape quizzes ----------------------------------------------------------------------------


def _shape_findings(spec: QuizSpec, seed: int) -> list[Finding]:
    dim_names = {name for name, _, _ in spec.dims}
    findings: list[Finding] = []
    unknown = sorted(placeholders(spec.prompt) - dim_names)
    if unknown:
        findings.append(
            (
                spec.line,
                _quiz(spec, f"the prompt uses {{{unknown[0]}}}, which is not one of its dims"),
            )
        )
    for item in spec.shape_items:
        if isinstance(item, str) and item not in dim_names:
            findings.append(
                (spec.line, _quiz(spec, f"the answer uses '{item}', which is not one of its dims"))
            )
        elif isinstance(item, str) and item not in placeholders(spec.prompt):
            findings.append(
                (
                    spec.line,
                    _quiz(
                        spec, f"the answer depends on {item}, but the prompt never shows {{{item}}}"
                    ),
                )
            )
    if not spec.of:
        findings.append(
            (
                spec.line,
                _quiz(
                    spec,
                    "names no expression (of: ...), so its answer cannot be checked: add "
                    "of: with the expression the question asks about, and given: or setup:",
                ),
            )
        )
    if findings:
        return findings
    for attempt in range(SHAPE_ATTEMPTS):
        dims = shape_dims(spec, seed, attempt)
        environment = run_setup(spec, dims, seed)
        try:
            computed = tuple(np.shape(evaluate(spec.of, environment).value))
        except ExpressionError as error:
            return [(spec.line, _quiz(spec, f"its expression {spec.of!r} fails: {error.message}"))]
        answer = expected_shape(spec, dims)
        if computed != answer:
            return [
                (
                    spec.line,
                    _quiz(
                        spec,
                        f"the answer {spec.answer} is {answer} for {dims}, but {spec.of!r} "
                        f"has shape {computed}",
                    ),
                )
            ]
    return []


def _choice_findings(spec: QuizSpec) -> list[Finding]:
    """A choice quiz's reasons (``why``) explain wrong options only."""
    explained_right = [number for number, _ in spec.why if number in spec.picks]
    if explained_right:
        return [
            (
                spec.line,
                _quiz(
                    spec,
                    f"why explains option {explained_right[0]}, which is a right one "
                    "(why is for wrong options; explain is for the answer)",
                ),
            )
        ]
    return []


# -- formula and bug quizzes --------------------------------------------------------------------


def _formula_findings(spec: QuizSpec, block: Block, seed: int) -> list[Finding]:
    findings: list[Finding] = []
    if spec.kind == "bug" and not 1 <= spec.bug_line <= len(spec.code_lines):
        findings.append(
            (
                spec.line,
                _quiz(
                    spec,
                    f"bug_line {spec.bug_line} is not a line of "
                    f"its code (1 to {len(spec.code_lines)})",
                ),
            )
        )
    draws = formula_draws(spec, seed)
    defined = draws[0].environment.names()
    missing = [name for name in spec.names or () if name not in defined]
    if missing:
        return [
            *findings,
            (
                spec.line,
                _quiz(spec, f"names lists {', '.join(missing)}, which setup does not define"),
            ),
        ]
    if spec.kind == "bug" and spec.why_of(spec.bug_line):
        findings.append(
            (spec.line, _quiz(spec, f"why explains line {spec.bug_line}, the faulty line itself"))
        )
    findings += _constant_dims_findings(spec)
    if spec.proves is None and not spec.unproved:
        findings.append(
            (
                spec.line,
                _quiz(
                    spec,
                    "proves nothing: add proves: {loss: ..., wrt: ..., convention: ...} for a "
                    "gradient, or proves: {none: <why>} for an answer that is not one",
                ),
            )
        )
    references = [reference_value(spec, draw) for draw in draws]
    zero = not any(np.any(np.abs(r) > absolute_tolerance(references, 0.0)) for r in references)
    if zero:
        findings.append(
            (
                spec.line,
                NOTE_PREFIX
                + _quiz(
                    spec,
                    "the reference is zero on every draw, so the sign and factor probes "
                    "(its negative, its half) are skipped: they equal it",
                ),
            )
        )
    for answer, verdict in standard_battery(spec.answer, references[0], zero=zero):
        findings += _verdict_finding(spec, block, answer, verdict, draws, references, "standard")
    for wrong in spec.wrong:
        findings += _verdict_finding(
            spec, block, wrong.answer, wrong.verdict, draws, references, "listed"
        )
    if spec.proves is not None:
        findings += _proof_findings(spec, draws, references)
    elif spec.unproved:
        findings.append((spec.line, NOTE_PREFIX + _quiz(spec, f"not proved: {spec.unproved}")))
    return findings


def _program_findings(spec: QuizSpec, block: Block, seed: int) -> list[Finding]:
    """A program quiz: every step proved (or excused), its reference program graded
    correct, each step flipped graded as that step's sign error, and every listed
    wrong program stopped at the step and with the verdict the author says."""
    from tutor.core.quiz.program import grade_program

    findings: list[Finding] = []
    reference = grade_program(spec, spec.answer, seed=seed)
    if not reference.correct:
        return [
            (
                spec.line,
                _quiz(
                    spec, f"the reference program grades {reference.verdict}: {reference.message}"
                ),
            )
        ]
    for step in spec.steps:
        line = step.line or spec.line
        if step.proves is None and not step.unproved:
            findings.append(
                (
                    line,
                    _quiz(
                        spec,
                        f"step {step.name} proves nothing: add proves: or proves: {{none: <why>}}",
                    ),
                )
            )
        elif step.proves is not None:
            findings += _step_proof_findings(spec, step, seed)
        # Rebuilt line by line: a step's text may also end an earlier step's line.
        flipped = "\n".join(
            f"{other.name} = " + (f"-({other.answer})" if other is step else other.answer)
            for other in spec.steps
        )
        graded = grade_program(spec, flipped, seed=seed)
        if graded.first_wrong != step.name or graded.verdict not in ("sign", "correct"):
            findings.append(
                (
                    line,
                    _quiz(
                        spec,
                        f"step {step.name} negated should be that step's sign "
                        f"error, but grades {graded.verdict} at "
                        f"{graded.first_wrong or 'no step'}",
                    ),
                )
            )
    for wrong in spec.wrong:
        graded = grade_program(spec, wrong.answer, seed=seed)
        if (graded.first_wrong or "", graded.verdict) != (wrong.step, wrong.verdict):
            findings.append(
                (
                    _line_of(block, wrong.answer.split("\n")[0]),
                    _quiz(
                        spec,
                        f"the wrong program should stop at step {wrong.step} with "
                        f"{wrong.verdict} but grades {graded.verdict} at "
                        f"{graded.first_wrong or 'no step'}: {graded.message}",
                    ),
                )
            )
    return findings


def _constant_dims_findings(spec: QuizSpec) -> list[Finding]:
    """A dimension the answer uses whose range allows one value: a typed number passes."""
    findings = []
    for name, value in single_valued_dims(spec.dims):
        if re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", spec.answer):
            findings.append(
                (
                    spec.line,
                    _quiz(
                        spec,
                        f"dims '{name}' allows one value only ({value}), and the answer uses "
                        f"{name}: an answer that writes {value} instead would pass; widen "
                        "the range",
                    ),
                )
            )
    return findings


def _verdict_finding(
    spec: QuizSpec,
    block: Block,
    answer: str,
    verdict: str,
    draws: list[Draw],
    references: list[np.ndarray],
    origin: str,
) -> list[Finding]:
    """A finding when ``answer`` does not get ``verdict`` (empty when it does)."""
    grade = grade_on_draws(spec, answer, draws, references)
    if grade.verdict == verdict:
        return []
    if answer == spec.answer:
        what = "the reference answer"
    elif origin == "listed":
        what = f"the wrong answer {answer!r}"
    else:
        what = f"{answer!r} (checked for every formula quiz)"
    line = _line_of(block, answer) if origin == "listed" else spec.line
    return [
        (
            line,
            _quiz(
                spec, f"{what} should grade {verdict} but grades {grade.verdict}: {grade.message}"
            ),
        )
    ]


def _proof_findings(
    spec: QuizSpec, draws: list[Draw], references: list[np.ndarray]
) -> list[Finding]:
    """Compare the reference with central finite differences of the loss, draw by draw.

    The directional check comes first: it costs a few evaluations of the loss where
    the entry by entry one costs two per probed entry, and a right gradient passes it.
    Only a reference it does not confirm is probed entry by entry, which is what
    names the mistake (a flipped sign, a factor, a transpose).
    """
    assert spec.proves is not None
    proof = spec.proves
    claimed = [proof.sign * reference for reference in references]
    if any(proof.wrt not in draw.environment.names() for draw in draws):
        return [(spec.line, _quiz(spec, f"proves wrt '{proof.wrt}', which setup does not define"))]
    try:
        along = [directional_error(spec, draw, c) for draw, c in zip(draws, claimed, strict=True)]
        if all(error <= FD_TOLERANCE for error in along):
            return []
        numeric = [numerical_gradient(spec, draw) for draw in draws]
    except ExpressionError as error:
        return [(spec.line, _quiz(spec, f"the loss does not evaluate: {error.message}"))]
    floors = [GRADIENT_NOISE * max(1.0, abs(_loss(spec, d.environment))) for d in draws]
    pairs = zip(claimed, numeric, floors, strict=True)
    if not all(_gradient_error(c, n, floor) <= FD_TOLERANCE for c, n, floor in pairs):
        return [(spec.line, _quiz(spec, _proof_failure(spec, claimed, numeric)))]
    if not any(np.isnan(n).any() for n in numeric):
        # Every entry was probed and agrees: the directions crossed a kink (a ReLU
        # switching), where a slope along them means nothing.
        return []
    # The probed entries agree, the directions did not. A step along a direction moves
    # every weight at once and may cross a kink no single-entry step crosses; a wrong
    # entry that no probe reached disagrees at any step. So look again, along other
    # directions with a hundredth of the step, before blaming an entry.
    again = [
        directional_error(spec, draw, c, fine=True) for draw, c in zip(draws, claimed, strict=True)
    ]
    if all(error <= FD_TOLERANCE for error in again):
        return []
    return [(spec.line, _quiz(spec, _unprobed_failure(spec, max(again))))]


def directional_error(
    spec: QuizSpec, draw: Draw, claimed: np.ndarray, *, fine: bool = False
) -> float:
    """How far ``claimed`` is from the loss's slope along a few random directions.

    For each direction D (seeded by the draw), the central difference
    (loss(W + hD) − loss(W − hD)) / 2h is the derivative of the loss along D, which
    the gradient G must give as the sum of G * D. A wrong G escapes only if its error
    is orthogonal to every direction, which random directions make vanishingly
    unlikely. The directions come from a stream of their own (not the one ``setup``
    drew the weights from); ``fine`` takes other directions and a hundredth of the
    step. Returns the relative error in norm over the directions (inf when the shapes
    differ, so the entry by entry check reports it).
    """
    assert spec.proves is not None
    weights = np.array(draw.environment.values[spec.proves.wrt], dtype=float)
    if claimed.shape != weights.shape:
        return float("inf")
    loss = _loss(spec, draw.environment)  # a loss that is not a number fails here
    checkpoint = setup_checkpoint(spec, draw.dims, draw.seed, spec.proves.wrt)
    rng = np.random.default_rng([draw.seed, 2 if fine else 1])
    # Each entry moves in proportion to its size, as an entry by entry probe would.
    step = FD_STEP * (FINE_STEP_RATIO if fine else 1.0)
    scale = step * np.maximum(1.0, np.abs(weights))
    predicted, measured = [], []
    for _ in range(PROBE_DIRECTIONS):
        direction = rng.standard_normal(weights.shape) * scale
        ahead = _loss_value(spec, resume_setup(spec, checkpoint, weights + direction))
        behind = _loss_value(spec, resume_setup(spec, checkpoint, weights - direction))
        measured.append((ahead - behind) / 2)
        predicted.append(float(np.sum(claimed * direction)))
    difference = np.linalg.norm(np.subtract(predicted, measured))
    # Rounding in the loss (about 1e-16 of it) is all a zero gradient's slope measures;
    # the floor keeps that noise from reading as a relative error of 1.
    floor = DIRECTION_NOISE * max(1.0, abs(loss))
    size = max(np.linalg.norm(predicted), np.linalg.norm(measured), floor)
    return float(difference / size)


def numerical_gradient(spec: QuizSpec, draw: Draw) -> np.ndarray:
    """∂loss/∂wrt by central differences, re-running ``setup`` with ``wrt`` perturbed.

    In a matrix with more than ``MAX_PROBED_ENTRIES`` entries only a random sample is
    probed; the others are NaN, and the comparison skips them. The statements of
    ``setup`` before ``wrt`` is assigned run once (``setup_checkpoint``); each probe
    runs the rest, which is what depends on ``wrt``.
    """
    assert spec.proves is not None
    wrt = spec.proves.wrt
    weights = np.array(draw.environment.values[wrt], dtype=float)
    _loss(spec, draw.environment)  # a loss that is not a number fails here, unperturbed
    checkpoint = setup_checkpoint(spec, draw.dims, draw.seed, wrt)
    gradient = np.full(weights.shape, np.nan)
    for index in _probed_entries(weights, draw.seed):
        step = FD_STEP * max(1.0, abs(float(weights[index])))
        gradient[index] = (
            _loss_at(spec, checkpoint, weights, index, step)
            - _loss_at(spec, checkpoint, weights, index, -step)
        ) / (2 * step)
    return gradient


def _probed_entries(weights: np.ndarray, seed: int) -> list[tuple[int, ...]]:
    entries = list(np.ndindex(weights.shape))
    if len(entries) <= MAX_PROBED_ENTRIES:
        return entries
    chosen = np.random.default_rng(seed).choice(len(entries), MAX_PROBED_ENTRIES, replace=False)
    return [entries[i] for i in sorted(chosen)]


def _loss_at(
    spec: QuizSpec,
    checkpoint: SetupCheckpoint,
    weights: np.ndarray,
    index: tuple[int, ...],
    step: float,
) -> float:
    moved = weights.copy()
    moved[index] += step
    # A fresh environment of its own: the loss may draw from its generator unshared.
    return _loss_value(spec, resume_setup(spec, checkpoint, moved))


def _loss(spec: QuizSpec, environment: Environment) -> float:
    return _loss_value(spec, environment.copy())


def _loss_value(spec: QuizSpec, environment: Environment) -> float:
    """The loss in ``environment`` (whose generator it may advance)."""
    assert spec.proves is not None
    value = np.asarray(evaluate(spec.proves.loss, environment).value, dtype=float)
    if value.size != 1:
        raise QuizFormatError(
            f"the loss must be a number or a (1,1) matrix, but it has shape {value.shape}"
        )
    return float(value.reshape(()))


def _gradient_error(claimed: np.ndarray, numeric: np.ndarray, floor: float = 1e-12) -> float:
    """Relative error in norm over the probed entries (inf when the shapes differ).

    ``floor`` is the size below which a gradient counts as zero: the rounding noise of
    a central difference of the loss, so a zero gradient is proved as zero.
    """
    if claimed.shape != numeric.shape:
        return float("inf")
    probed = ~np.isnan(numeric)
    difference = np.linalg.norm(claimed[probed] - numeric[probed])
    scale = max(np.linalg.norm(claimed[probed]), np.linalg.norm(numeric[probed]), floor)
    return float(difference / scale)


def _failure_head(spec: QuizSpec) -> str:
    assert spec.proves is not None
    proof = spec.proves
    what = f"−∂loss/∂{proof.wrt}" if proof.convention == "descent" else f"∂loss/∂{proof.wrt}"
    return (
        f"the reference answer {spec.answer!r} is not {what} (convention: {proof.convention}); "
        f"central finite differences of {proof.loss!r} disagree: "
    )


def _unprobed_failure(spec: QuizSpec, error: float) -> str:
    """A reference wrong only in entries the entry by entry sample left out."""
    return _failure_head(spec) + (
        f"along random directions the relative error is {error:.2g}, though the "
        f"{MAX_PROBED_ENTRIES} entries probed one by one agree (some other entry is wrong)"
    )


def _proof_failure(spec: QuizSpec, claimed: list[np.ndarray], numeric: list[np.ndarray]) -> str:
    """Why the reference is not the gradient it claims to be, named like a learner's error."""
    assert spec.proves is not None
    proof = spec.proves
    head = _failure_head(spec)
    if any(c.shape != n.shape for c, n in zip(claimed, numeric, strict=True)):
        return head + (
            f"it has shape {claimed[0].shape} but {proof.wrt} has shape {numeric[0].shape}"
        )
    # Entries no probe reached count as zero on both sides: filled with the claim, they
    # would agree with it where its negative or half must, and hide a sign or a factor.
    probed = [np.where(np.isnan(n), 0.0, c) for c, n in zip(claimed, numeric, strict=True)]
    filled = [np.nan_to_num(n, nan=0.0) for n in numeric]
    comparison = compare(probed, filled, rtol=1e-4)
    if comparison.verdict == "sign":
        return head + "the sign is flipped (descent means the answer is −∂loss/∂W)"
    if comparison.verdict == "factor":
        return head + f"it is off by a constant factor {comparison.factor:.4g}"
    if comparison.verdict == "transposed":
        return head + "it is transposed"
    worst = max(_gradient_error(c, n) for c, n in zip(claimed, numeric, strict=True))
    return head + f"relative error {worst:.2g}"


def _step_proof_findings(spec: QuizSpec, step: ProgramStep, seed: int) -> list[Finding]:
    """One step proved as a formula quiz whose setup runs the steps before it, on
    draws of its own: an earlier step that fails on those draws is reported at its
    own line and in its own columns, not at a line past the quiz's setup."""
    from tutor.core.quiz.program import earlier_step_at, step_spec

    single = step_spec(spec, step)
    try:
        draws = formula_draws(single, seed)
        references = [reference_value(single, draw) for draw in draws]
    except SetupError as error:
        earlier = earlier_step_at(spec, step, error.statement)
        if earlier is None or error.cause is None:
            raise
        cause = error.cause
        # The statement was ``name = answer``: columns count from the answer's start.
        prefix = len(f"{earlier.name} = ")
        where = f"column {cause.column - prefix}: " if (cause.column or 0) > prefix else ""
        return [
            (
                earlier.line or spec.line,
                f"step {earlier.name} of quiz '{spec.id}' does not evaluate on the draws "
                f"that prove step {step.name}: {where}{cause.detail}",
            )
        ]
    line = step.line or spec.line
    return [(line, message) for _, message in _proof_findings(single, draws, references)]


def _quiz(spec: QuizSpec, message: str) -> str:
    return f"quiz '{spec.id}': {message}"


def _line_of(block: Block, text: str) -> int:
    """The file line of the ``wrong:`` entry holding ``text`` (the fence line if none).

    The search starts at the ``wrong:`` key: a wrong answer is often the reference
    with a piece left out, so it also appears inside the ``answer:`` line above it.
    """
    lines = block.body.split("\n")
    start = next((i for i, line in enumerate(lines) if _WRONG_KEY.match(line)), 0)
    order = [*range(start, len(lines)), *range(start)]
    # A line holding the text whole comes before one that only contains it: a wrong
    # program's ``Yhat = X`` is also the start of another's ``Yhat = X @ W``.
    whole = next((i for i in order if _entry_text(lines[i]) == text.strip()), None)
    if whole is None:
        whole = next((i for i in order if text in lines[i]), None)
    return block.line if whole is None else block.body_line + whole


#: The ``wrong:`` key at the start of a line, quoted or not.
_WRONG_KEY = re.compile(r"""^(wrong|"wrong"|'wrong')\s*:""")
#: What comes before a YAML entry's text on its line: a list dash, a key, a quote.
_ENTRY_LEAD = re.compile(r"""^\s*(-\s+)?(\w+\s*:\s+)?["']?""")


def _entry_text(line: str) -> str:
    """A YAML line's text without its list dash, key and quotes."""
    return _ENTRY_LEAD.sub("", line).rstrip().rstrip("\"'")
