"""Program quizzes: the learner writes a whole forward and backward pass.

A program quiz names the steps it checks (``Yhat``, ``dW2``, ``dW1``), each with a
reference expression. The learner's program runs line by line on each of the quiz's
draws, in an environment holding only the names the quiz gives; each named step is
then compared with the reference exactly as a formula answer is (the same verdicts,
the same tolerance), so any helper names and any order of independent lines pass.

For the first wrong step, the learner is told which line departs from a correct
program: the first line, among those the step depends on, that assigns a name the
reference also computes (a step, or a setup name) with other values. When no such
line exists (every named value was right and the mistake is in how they are
combined), it is the line that assigns the step itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.core.expression import (
    Environment,
    ExpressionError,
    StatementResult,
    evaluate,
    run_block,
)
from tutor.core.expression.budget import Budget
from tutor.core.quiz.draw import Draw, SetupError, formula_draws
from tutor.core.quiz.grading import (
    VERDICT_TITLES,
    Comparison,
    compare,
    invalid_grade,
    learner_environment,
)
from tutor.core.quiz.model import ProgramStep, QuizSpec

#: The most lines a learner's program may have (the evaluator's block limit is higher).
MAX_PROGRAM_LINES = 200
_WORD = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class StepGrade:
    """The verdict on one named step of a program."""

    name: str
    verdict: str
    message: str
    #: The learner's line that last assigned the step (None when it is never assigned).
    line: int | None = None

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "message": self.message,
            "line": self.line,
        }


@dataclass(frozen=True)
class ProgramGrade:
    """The verdict on a whole program: every step's, and where the first wrong one departs."""

    verdict: str
    message: str
    steps: tuple[StepGrade, ...] = ()
    #: The program's statements as run on the first draw, each with its shape trace.
    statements: tuple[StatementResult, ...] = ()
    #: The first step that is not correct, and the learner's line where it goes wrong.
    first_wrong: str | None = None
    departs_at: int | None = None
    caret: str | None = None
    error_line: int | None = None

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"

    @property
    def title(self) -> str:
        return VERDICT_TITLES[self.verdict]

    def to_json(self) -> dict[str, Any]:
        """The fields ``tutor grade --file --json`` prints."""
        return {
            "verdict": self.verdict,
            "message": self.message,
            "steps": [step.to_json() for step in self.steps],
            "first_wrong_step": self.first_wrong,
            "departs_at_line": self.departs_at,
            "error_line": self.error_line,
            "lines": [
                {
                    "line": statement.line,
                    "text": statement.text,
                    "shape": list(statement.trace.shape) if statement.trace is not None else None,
                }
                for statement in self.statements
            ],
        }


def grade_program(spec: QuizSpec, program: str, *, seed: int, attempt: int = 0) -> ProgramGrade:
    """Run ``program`` on every draw of the quiz and grade each of its named steps."""
    lines = program.split("\n")
    if len(lines) > MAX_PROGRAM_LINES:
        return ProgramGrade(
            "invalid",
            f"Your program has {len(lines):,} lines; the limit is {MAX_PROGRAM_LINES}.",
        )
    if not program.strip():
        names = ", ".join(step.name for step in spec.steps)
        return ProgramGrade("invalid", f"Write a program that computes {names}, one line each.")
    draws = formula_draws(spec, seed, attempt)
    pools: list[dict[str, np.ndarray]] = [{} for _ in draws]
    references = [
        reference_steps(spec, draw, pool) for draw, pool in zip(draws, pools, strict=True)
    ]
    runs: list[tuple[list[StatementResult], Environment]] = []
    for draw in draws:
        environment = learner_environment(spec, draw)
        # One budget for the whole program on a draw: its lines share it, so a program
        # cannot spread a huge computation over many cheap-looking lines.
        budget = Budget("your program")
        try:
            statements = run_block(program, environment, budget=budget)
        except ExpressionError as error:
            grade = invalid_grade(error, None)
            where = f"Line {error.line}: " if error.line is not None else ""
            return ProgramGrade(
                "invalid",
                where + grade.message,
                caret=grade.caret,
                error_line=error.line,
            )
        runs.append((statements, environment))
    steps = tuple(_step_grade(spec, step, runs, references) for step in spec.steps)
    statements = tuple(runs[0][0])
    wrong = next((step for step in steps if not step.correct), None)
    if wrong is None:
        count = len(draws)
        return ProgramGrade(
            "correct",
            f"Correct: every step ({', '.join(s.name for s in steps)}) matches on all "
            f"{count} random draws.",
            steps,
            statements,
        )
    departs = _departure(spec, wrong, runs, references, pools)
    where = f" It goes wrong at line {departs}." if departs is not None else ""
    return ProgramGrade(
        wrong.verdict,
        f"Step {wrong.name}: {wrong.message}{where}",
        steps,
        statements,
        wrong.name,
        departs,
    )


def reference_steps(
    spec: QuizSpec, draw: Draw, pool: dict[str, np.ndarray] | None = None
) -> dict[str, np.ndarray]:
    """Every setup name and every step's reference value on a draw, by name.

    With ``pool``, every sub-expression the reference computes on the way is added
    to it, by its text (``relu(X @ W1)``, ``Y - Yhat``): the intermediate values a
    correct program may also compute under names of its own.
    """
    environment = draw.environment.copy()
    values: dict[str, np.ndarray] = {}
    for step in spec.steps:
        try:
            trace = evaluate(step.answer, environment)
            value = trace.value
        except ExpressionError as error:
            raise SetupError(
                f"step {step.name} of quiz '{spec.id}' does not evaluate: {error.message}",
                step.line or spec.line,
            ) from None
        environment.define(step.name, value)
        values[step.name] = np.asarray(value, dtype=float)
        if pool is not None:
            # A step too large to keep its value (value None) is left out: as NaN it
            # would only be compared, with a warning, and never match.
            for sub in trace.steps:
                if sub.value is not None:
                    pool.setdefault(sub.source, np.asarray(sub.value, dtype=float))
    for name in environment.names():
        if name in environment.values and name not in draw.dims:
            values.setdefault(name, np.asarray(environment.values[name], dtype=float))
    return values


def step_spec(spec: QuizSpec, step: ProgramStep) -> QuizSpec:
    """A formula quiz equal to one step: the earlier steps become setup lines.

    This is what ``check`` proves a step with, so a step that uses an earlier one
    (``dW2`` using ``Yhat``) follows it when a weight is nudged.
    """
    from dataclasses import replace

    earlier = []
    for other in spec.steps:
        if other.name == step.name:
            break
        earlier.append(f"{other.name} = {other.answer}")
    setup = spec.setup.rstrip("\n") + "\n" + "\n".join(earlier) if earlier else spec.setup
    return replace(
        spec,
        id=f"{spec.id}.{step.name}",
        kind="formula",
        answer=step.answer,
        setup=setup,
        proves=step.proves,
        unproved=step.unproved,
        names=None,
        steps=(),
        wrong=(),
    )


def earlier_step_at(spec: QuizSpec, step: ProgramStep, statement: int) -> ProgramStep | None:
    """The earlier step that ``step_spec(spec, step)``'s setup runs as ``statement``
    (1-based), or None when that statement is one of the quiz's own setup lines."""
    names = [other.name for other in spec.steps]
    earlier = spec.steps[: names.index(step.name)]
    index = statement - len(spec.setup.rstrip("\n").split("\n")) - 1
    return earlier[index] if 0 <= index < len(earlier) else None


def _step_grade(
    spec: QuizSpec,
    step: ProgramStep,
    runs: list[tuple[list[StatementResult], Environment]],
    references: list[dict[str, np.ndarray]],
) -> StepGrade:
    line = _assigning_line(runs[0][0], step.name)
    if any(step.name not in environment.values for _, environment in runs):
        return StepGrade(step.name, "missing", f"your program never assigns {step.name}.", line)
    answers = [np.asarray(environment.values[step.name], dtype=float) for _, environment in runs]
    wanted = [reference[step.name] for reference in references]
    comparison = compare(answers, wanted, rtol=spec.tolerance)
    return StepGrade(
        step.name, comparison.verdict, _step_message(comparison, answers, wanted), line
    )


def _step_message(
    comparison: Comparison, answers: list[np.ndarray], references: list[np.ndarray]
) -> str:
    verdict = comparison.verdict
    if verdict == "correct":
        return "right on every draw."
    if verdict == "transposed":
        return "transposed: the transpose of your value is right."
    if verdict == "sign":
        return "the sign is flipped: the negative of your value is right."
    if verdict == "factor":
        return f"off by a constant factor {comparison.factor:.4g} on every draw."
    if verdict == "shape":
        got, wanted = answers[0].shape, references[0].shape
        return f"wrong shape: it should be {_shape(wanted)}, yours is {_shape(got)}."
    return "right shape, wrong values."


def _shape(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ",".join(str(size) for size in shape) + ")"


def _assigning_line(statements: list[StatementResult], name: str) -> int | None:
    lines = [statement.line for statement in statements if statement.target == name]
    return lines[-1] if lines else None


def _departure(
    spec: QuizSpec,
    wrong: StepGrade,
    runs: list[tuple[list[StatementResult], Environment]],
    references: list[dict[str, np.ndarray]],
    pools: list[dict[str, np.ndarray]],
) -> int | None:
    """The first line the wrong step depends on whose value departs from the reference's.

    A line departs when it assigns a name the reference computes (a step or a setup
    name) with other values, or when its value is a flipped, scaled or transposed
    copy of a value the reference computes on the way (so ``R = Yhat - Y`` departs
    where the reference has ``Y - Yhat``). A line whose value matches nothing the
    reference computes is passed over: it may well be right in a form of its own.
    """
    if wrong.line is None:
        return None
    needed = _dependencies(runs[0][0], wrong.line)
    dims = {name for name, _, _ in spec.dims}
    per_draw = [_values_by_line(statements) for statements, _ in runs]
    for statement in runs[0][0]:
        if statement.line not in needed or statement.line not in per_draw[0]:
            continue
        answers = [values[statement.line] for values in per_draw]
        if statement.target in references[0] and statement.target not in dims:
            wanted = [reference[statement.target] for reference in references]
            if compare(answers, wanted, rtol=spec.tolerance).verdict != "correct":
                return statement.line
            continue
        if _near_miss(answers, pools, spec.tolerance):
            return statement.line
    return wrong.line


def _near_miss(answers: list[np.ndarray], pools: list[dict[str, np.ndarray]], rtol: float) -> bool:
    """The values are a sign-flipped, scaled or transposed copy of a reference
    intermediate, and equal to none."""
    near = False
    for label in pools[0]:
        wanted = [pool[label] for pool in pools]
        if not all(w.size == a.size for w, a in zip(wanted, answers, strict=True)):
            continue
        verdict = compare(answers, wanted, rtol=rtol).verdict
        if verdict == "correct":
            return False
        near = near or verdict in ("sign", "factor", "transposed")
    return near


def _values_by_line(statements: list[StatementResult]) -> dict[int, np.ndarray]:
    return {
        statement.line: np.asarray(statement.trace.value, dtype=float)
        for statement in statements
        if statement.trace is not None
    }


def _dependencies(statements: list[StatementResult], last: int) -> set[int]:
    """The lines whose values flow into line ``last`` (itself included)."""
    by_line = {statement.line: statement for statement in statements}
    needed = {last}
    wanted = set(_WORD.findall(by_line[last].text.split("=", 1)[-1]))
    for statement in reversed([s for s in statements if s.line < last]):
        if statement.target in wanted:
            needed.add(statement.line)
            wanted.discard(statement.target)
            body = statement.text.split("=", 1)[-1]
            wanted |= set(_WORD.findall(body))
    return needed
