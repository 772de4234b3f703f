"""Compiled plans, kept for the next evaluation of the same text on the same shapes.

``tutor check`` proves a gradient by re-running a quiz's setup hundreds of times with
one weight nudged, and grading runs the same answer on several draws: the same few
lines, compiled again and again to the same plan. Compiling (the static pass with
every shape and limit check) costs more than running the plan, so a plan is kept.

A plan depends on the expression and on what the static pass learned about the names
around it: their shapes, the numbers held by 0-d names (a shape such as
``randn(n, m)`` is baked into the plan), and the user functions it expanded. The
cache records each of those questions and its answer while compiling, and a kept plan
is reused only where every recorded question gets the same answer, so a cached plan is
exactly the one the compiler would build. Failed compilations are never kept: their
errors are raised afresh every time.
"""

from __future__ import annotations

import atexit
import threading

from tutor.core.expression.environment import Environment, UserFunction
from tutor.core.expression.plan import EnvironmentScope, Instruction, Operand
from tutor.core.expression.shapes import Shape

#: Distinct expressions kept; the whole cache is dropped when it grows past this.
MAX_EXPRESSIONS = 2048
#: Plans kept per expression (one per set of shapes it was met with), newest first.
MAX_VARIANTS = 8

_SHAPE, _CONSTANT, _FUNCTION = 0, 1, 2
Lookup = tuple[int, str, "Shape | float | UserFunction | None"]


class RecordingScope(EnvironmentScope):
    """An environment's scope that remembers every question the compiler asked of it."""

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.lookups: list[Lookup] = []
        #: False once the compiler asked for the list of names (an error message only).
        self.reusable = True

    def shape_of(self, name: str) -> Shape | None:
        answer = super().shape_of(name)
        self.lookups.append((_SHAPE, name, answer))
        return answer

    def constant(self, name: str) -> float | None:
        answer = super().constant(name)
        self.lookups.append((_CONSTANT, name, answer))
        return answer

    def function(self, name: str) -> UserFunction | None:
        answer = super().function(name)
        self.lookups.append((_FUNCTION, name, answer))
        return answer

    def value_names(self) -> list[str]:
        self.reusable = False
        return super().value_names()


def _holds(lookups: tuple[Lookup, ...], env: Environment) -> bool:
    """True when ``env`` answers every recorded question as it was answered then.

    The same questions ``EnvironmentScope`` answers, asked directly: stored values are
    always float64 arrays (``as_value``), so a shape is ``.shape`` and a number is a
    0-d array's ``float``.
    """
    values = env.values
    for kind, name, answer in lookups:
        value = values.get(name) if kind != _FUNCTION else None
        if kind == _SHAPE:
            if (None if value is None else value.shape) != answer:
                return False
        elif kind == _CONSTANT:
            now = None if value is None or value.ndim != 0 else float(value)
            if now != answer:
                return False
        else:
            function = env.functions.get(name)
            if function is not answer and function != answer:
                return False
    return True


class PlanCache:
    """Plans by expression key, each with the lookups that must still hold to reuse it."""

    def __init__(self) -> None:
        self._plans: dict[tuple, list[tuple[tuple[Lookup, ...], list[Instruction], Operand]]] = {}
        self._lock = threading.Lock()

    def find(self, key: tuple, env: Environment) -> tuple[list[Instruction], Operand] | None:
        """A kept plan for ``key`` that is valid in ``env``, or None."""
        variants = self._plans.get(key)
        if not variants:
            return None
        for index, variant in enumerate(list(variants)):
            lookups, plan, root = variant
            if _holds(lookups, env):
                if index:  # the next call is most likely for the same shapes again
                    self._to_front(variants, variant)
                return plan, root
        return None

    def _to_front(self, variants: list, variant: tuple) -> None:
        with self._lock:
            for index, each in enumerate(variants):
                if each is variant:
                    del variants[index]
                    variants.insert(0, variant)
                    break

    def keep(
        self, key: tuple, scope: RecordingScope, plan: list[Instruction], root: Operand
    ) -> None:
        """Remember a plan compiled through ``scope`` (unless it cannot be reused)."""
        if not scope.reusable:
            return
        with self._lock:
            if len(self._plans) >= MAX_EXPRESSIONS:
                self._plans.clear()
            variants = self._plans.setdefault(key, [])
            variants.insert(0, (tuple(scope.lookups), list(plan), root))
            del variants[MAX_VARIANTS:]

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()


#: The one cache every evaluation shares.
PLANS = PlanCache()
# Emptied before the interpreter's own teardown, which takes several times longer to
# free thousands of kept plans than this does (about 50 ms at the end of `tutor check`).
atexit.register(PLANS.clear)
