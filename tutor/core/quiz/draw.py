"""Random draws for quizzes: dimensions, then the quiz's ``setup`` run on them.

A memorised (3,4) must not pass a shape quiz, and a formula that only happens to
match on one set of matrices must not pass a formula quiz, so every attempt draws
fresh dimensions (all distinct and > 1) and formulas are compared on several draws.
Across a formula quiz's draws every dimension takes at least two values wherever its
range allows, so an answer that writes 7 where the formula needs n never passes.
Every draw is seeded from (lesson seed, quiz id, attempt, draw number) with a stable
hash, so the same ``--seed`` gives the same numbers in every process.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from tutor.core.expression import Environment, ExpressionError, run_block
from tutor.core.quiz.model import QuizFormatError, QuizSpec

#: How many draws a formula answer is compared on.
FORMULA_DRAWS = 3
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")


class SetupError(QuizFormatError):
    """A quiz's ``setup`` failed: a fault of the lesson, reported at its file line."""

    def __init__(
        self,
        message: str,
        line: int,
        *,
        statement: int = 0,
        cause: ExpressionError | None = None,
    ) -> None:
        super().__init__(message)
        self.line = line
        #: The failing statement's number in ``setup`` (1-based; 0 when no one statement
        #: failed) and the evaluator's own error: a caller that built the setup out of
        #: other text (a program quiz's earlier steps) can then say where it failed.
        self.statement = statement
        self.cause = cause


@dataclass(frozen=True)
class Draw:
    """One draw of a quiz: its dimensions and the names ``setup`` defined with them."""

    index: int
    seed: int
    dims: dict[str, int]
    environment: Environment


def draw_seed(seed: int, quiz_id: str, attempt: int, index: int = 0) -> int:
    """A 63-bit seed for one draw; hashlib, because Python's ``hash`` differs per process."""
    digest = hashlib.sha256(f"{seed}:{quiz_id}:{attempt}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


#: The smallest dimension drawn: a 1 would make a row and a column indistinguishable
#: from a number, and a transpose from no transpose.
MIN_DIMENSION = 2


def draw_dims(
    ranges: tuple[tuple[str, int, int], ...],
    seed: int,
    avoid: dict[str, int] | None = None,
) -> dict[str, int]:
    """One value per dimension from its [low, high] range, every value distinct.

    ``avoid`` names a value each dimension should not take (the value it took on an
    earlier draw); it is kept wherever the ranges leave room, and given up for the
    dimensions where they do not. The narrowest range picks first, so a feasible set
    of ranges is almost always drawn in one pass; a few reseeded passes cover the rest.
    """
    rng = np.random.default_rng(seed)
    order = sorted(ranges, key=lambda item: item[2] - item[1])
    avoid = avoid or {}
    for attempt in range(128):
        # The first half of the passes keep away from every avoided value.
        keep_away = avoid if attempt < 64 else {}
        chosen: dict[str, int] = {}
        for name, low, high in order:
            taken = set(chosen.values())
            free = [v for v in range(max(low, MIN_DIMENSION), high + 1) if v not in taken]
            preferred = [v for v in free if v != keep_away.get(name)]
            pool = preferred or free
            if not pool:
                break
            chosen[name] = int(rng.choice(pool))
        else:
            return {name: chosen[name] for name, _, _ in ranges}
    raise QuizFormatError("dims ranges are too narrow to draw every dimension distinct")


def single_valued_dims(ranges: tuple[tuple[str, int, int], ...]) -> list[tuple[str, int]]:
    """The dimensions whose range allows one value only: (name, that value)."""
    return [
        (name, max(low, MIN_DIMENSION))
        for name, low, high in ranges
        if high <= max(low, MIN_DIMENSION)
    ]


def shape_dims(spec: QuizSpec, seed: int, attempt: int) -> dict[str, int]:
    """The dimensions of a shape quiz's attempt (what its prompt shows)."""
    return draw_dims(spec.dims, draw_seed(seed, spec.id, attempt))


def format_prompt(text: str, dims: dict[str, int]) -> str:
    """The prompt with each ``{name}`` of a dimension replaced by its drawn value.

    Only known names are replaced, so braces in math (``W^{(2)}``) are left alone.
    """
    return _PLACEHOLDER.sub(lambda m: str(dims.get(m.group(1), m.group(0))), text)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders a prompt uses."""
    return set(_PLACEHOLDER.findall(text))


def run_setup(
    spec: QuizSpec,
    dims: dict[str, int],
    seed: int,
    *,
    override: tuple[str, np.ndarray] | None = None,
) -> Environment:
    """Run ``setup`` with the dimensions bound to whole numbers.

    With ``override`` = (name, value), the statement that assigns ``name`` still runs
    (so the random stream, and every other name, is the same as without it) and its
    result is then replaced, so names derived from it afterwards follow the new value.
    This is what lets a finite-difference proof perturb ``W2`` and see ``Yt`` change.
    """
    environment = _dims_environment(dims, seed)
    target = _assigns(override[0]) if override else None
    for number, statement in _statements(spec):
        _run_setup_line(spec, environment, number, statement)
        if override is not None and target is not None and target.match(statement):
            environment.define(override[0], override[1])
    return environment


@dataclass(frozen=True)
class SetupCheckpoint:
    """``setup`` run up to the first statement that assigns ``name``, ready to resume.

    A finite-difference proof runs ``setup`` once per nudged weight; the statements
    before the weight is assigned give the same result every time, so they run once
    and each nudge resumes from here (``resume_setup``), exactly as ``run_setup`` with
    ``override`` would have run them.
    """

    name: str
    #: The environment just after that statement, before any override.
    environment: Environment
    #: The statements after it, with their setup line numbers.
    rest: tuple[tuple[int, str], ...]
    #: False when no statement assigns ``name`` (nothing is then overridden).
    found: bool


def setup_checkpoint(spec: QuizSpec, dims: dict[str, int], seed: int, name: str) -> SetupCheckpoint:
    """Run ``setup`` until it first assigns ``name`` (all of it if it never does)."""
    environment = _dims_environment(dims, seed)
    target = _assigns(name)
    statements = _statements(spec)
    for index, (number, statement) in enumerate(statements):
        _run_setup_line(spec, environment, number, statement)
        if target.match(statement):
            return SetupCheckpoint(name, environment, tuple(statements[index + 1 :]), True)
    return SetupCheckpoint(name, environment, (), False)


def resume_setup(spec: QuizSpec, checkpoint: SetupCheckpoint, value: np.ndarray) -> Environment:
    """The environment ``run_setup(..., override=(checkpoint.name, value))`` returns."""
    environment = checkpoint.environment.copy()
    if not checkpoint.found:
        return environment
    environment.define(checkpoint.name, value)
    target = _assigns(checkpoint.name)
    for number, statement in checkpoint.rest:
        _run_setup_line(spec, environment, number, statement)
        if target.match(statement):
            environment.define(checkpoint.name, value)
    return environment


def _dims_environment(dims: dict[str, int], seed: int) -> Environment:
    environment = Environment(seed=seed)
    for name, value in dims.items():
        environment.define(name, value)
    return environment


def _assigns(name: str) -> re.Pattern[str]:
    """Matches a setup statement that assigns ``name``."""
    return re.compile(rf"^\s*{re.escape(name)}\s*=(?!=)")


def _statements(spec: QuizSpec) -> list[tuple[int, str]]:
    """The non-blank statements of ``setup``, numbered by their line in it."""
    return [
        (number, statement)
        for number, statement in enumerate(spec.setup.split("\n"), 1)
        if statement.strip()
    ]


def _run_setup_line(spec: QuizSpec, environment: Environment, number: int, statement: str) -> None:
    try:
        run_block(statement, environment, first_line=number)
    except ExpressionError as error:
        line = spec.setup_line + number - 1
        raise SetupError(
            f"setup of quiz '{spec.id}' failed: {error.message}",
            line,
            statement=number,
            cause=error,
        ) from None


def formula_draws(
    spec: QuizSpec, seed: int, attempt: int = 0, count: int = FORMULA_DRAWS
) -> list[Draw]:
    """``count`` draws of a formula quiz: fresh dimensions and matrices each time.

    Each draw after the first keeps every dimension away from the value it took on
    the draw before, so no dimension is constant across the draws where its range
    has room: a number typed in place of a dimension then fails on some draw.
    """
    draws: list[Draw] = []
    for index in range(count):
        draw = draw_seed(seed, spec.id, attempt, index)
        avoid = draws[-1].dims if draws else None
        dims = draw_dims(spec.dims, draw, avoid) if spec.dims else {}
        draws.append(Draw(index, draw, dims, run_setup(spec, dims, draw)))
    return draws


def setup_names(draw: Draw) -> tuple[str, ...]:
    """The names ``setup`` defined (the dimensions are not among them)."""
    return tuple(name for name in draw.environment.names() if name not in draw.dims)
