"""The names an expression can use: values, user functions, and a seeded generator."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from tutor.core.expression import nodes
from tutor.core.expression.budget import format_bytes
from tutor.core.expression.errors import ExpressionError
from tutor.core.expression.limits import MAX_ELEMENTS, MAX_HELD_BYTES, MAX_NAMES

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class UserFunction:
    """A one-line function such as ``f1(x) = x**2``.

    ``functions`` holds the user functions its body may call, frozen as they
    were when it was defined: a later redefinition cannot make it call itself,
    so no chain of user functions can recurse.
    """

    name: str
    params: tuple[str, ...]
    body: nodes.Node
    text: str
    functions: Mapping[str, UserFunction]


def check_name(name: str) -> None:
    """Refuse a name a lesson cannot define (underscores first, keywords, ``np``)."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ExpressionError(
            "forbidden",
            f"{name!r} cannot be defined: a name is ASCII letters, digits and _, "
            "starting with a letter",
        )
    if keyword.iskeyword(name) or name in ("np", "numpy"):
        raise ExpressionError("forbidden", f"{name} is reserved and cannot be defined")


class Environment:
    """Names (arrays and numbers), user functions, and a seeded numpy Generator.

    Values are stored as read-only float64 copies in C order: the caller's arrays
    are never touched, no expression can change a stored value in place, integers
    cannot overflow silently, and a reshape of a stored value is never a copy.

    What it holds is capped (``max_names`` names, ``max_bytes`` of values), so a
    lesson or a learner's scratchpad cannot fill memory one name at a time.

    Attributes:
        values: name -> array (a number is a 0-d array).
        functions: name -> user function.
        rng: the generator behind ``randn`` & co, so a seed replays a lesson.
    """

    def __init__(
        self,
        values: Mapping[str, object] | None = None,
        *,
        seed: int | None = 0,
        max_names: int = MAX_NAMES,
        max_bytes: int = MAX_HELD_BYTES,
    ) -> None:
        self.values: dict[str, np.ndarray] = {}
        self.functions: dict[str, UserFunction] = {}
        self.max_names = max_names
        self.max_bytes = max_bytes
        self._seed = seed
        self._rng: np.random.Generator | None = None
        for name, value in (values or {}).items():
            self.define(name, value)

    @property
    def rng(self) -> np.random.Generator:
        """The generator, made at the first draw from the seed.

        Made lazily because ``numpy.random`` takes some 15 ms to import, and a lesson
        whose blocks draw nothing (the first one) then opens without it.
        """
        if self._rng is None:
            self._rng = np.random.default_rng(self._seed)
        return self._rng

    def copy(self) -> Environment:
        """An independent copy, with the generator's state copied too."""
        twin = Environment.__new__(Environment)
        twin.values = dict(self.values)  # the arrays are read-only, so sharing them is safe
        twin.functions = dict(self.functions)
        twin.max_names = self.max_names
        twin.max_bytes = self.max_bytes
        twin._seed = self._seed
        twin._rng = None
        # Unseeded, the twin could not make the same generator itself: make it now.
        source = self.rng if self._seed is None else self._rng
        if source is not None:
            # The bit generator's state, copied: what deepcopy does, at half the cost
            # (a finite-difference proof copies an environment for every probe).
            bits = type(source.bit_generator)()
            bits.state = source.bit_generator.state
            twin._rng = np.random.Generator(bits)
        return twin

    def names(self) -> list[str]:
        """Every defined name, values and functions, sorted."""
        return sorted(set(self.values) | set(self.functions))

    @property
    def held_bytes(self) -> int:
        """Bytes of every stored value (summed when asked: values may be set directly)."""
        return sum(value.nbytes for value in self.values.values())

    def define(self, name: str, value: object) -> None:
        """Bind ``name`` to a value or a ``UserFunction`` (replacing either).

        Raises:
            ExpressionError: "forbidden" for a name that cannot be defined,
                "limit" for an array over the element cap, "math" for a value
                that is not finite.
            TypeError: for a value that is not numbers (a programming error).
        """
        check_name(name)
        new = name not in self.values and name not in self.functions
        if new and len(self.values) + len(self.functions) >= self.max_names:
            raise ExpressionError(
                "limit",
                f"{name} would be name number {len(self.values) + len(self.functions) + 1} "
                f"here; the limit is {self.max_names} (assign to a name already defined "
                "to replace its value)",
            )
        if isinstance(value, UserFunction):
            self.functions[name] = value
            self.values.pop(name, None)
            return
        array = as_value(name, value)
        old = self.values.get(name)
        total = self.held_bytes - (0 if old is None else old.nbytes) + array.nbytes
        if array.nbytes and total > self.max_bytes:
            raise ExpressionError(
                "limit",
                f"storing {name} ({format_bytes(array.nbytes)}) makes the names here hold "
                f"{format_bytes(total)}; the limit is {format_bytes(self.max_bytes)} (assign "
                "to a name already defined to replace its value)",
            )
        self.values[name] = array
        self.functions.pop(name, None)

    def __repr__(self) -> str:
        return f"Environment({', '.join(self.names())})"


def as_value(name: str, value: object) -> np.ndarray:
    """A read-only float64 copy of ``value``, checked for size and finiteness."""
    if isinstance(value, str | bytes) or np.iscomplexobj(value):
        raise TypeError(f"{name} must be a real number or an array of them")
    try:
        array = np.array(value, dtype=np.float64, order="C")
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a real number or an array of them") from error
    if array.size > MAX_ELEMENTS:
        raise ExpressionError(
            "limit", f"{name} has {array.size:,} numbers; the limit is {MAX_ELEMENTS:,}"
        )
    if not np.isfinite(array).all():
        raise ExpressionError("math", f"{name} holds a value that is not finite (inf or nan)")
    array.flags.writeable = False
    return array


def frozen_functions(functions: Mapping[str, UserFunction]) -> Mapping[str, UserFunction]:
    """A read-only snapshot of the user functions, for a new function's body."""
    return MappingProxyType(dict(functions))
