"""What one evaluation (or a whole lesson) may allocate, compute and spend in time.

The static pass already knows, before anything runs, every array an expression will
make and every multiply-add it will do, so an expression that needs too much is
refused with the total it would need. The budget here is the same accounting kept
while running: each operation is charged the bytes NumPy really allocated for it
(a reshape that only makes a view costs nothing, one that copies costs the copy) and
its multiply-adds, and the time spent is checked between operations. A budget can
have a parent (a lesson's, shared by all its blocks and plots), which every charge
reaches too, and a cancel flag (a scratchpad evaluation that a newer one replaced),
which stops the work at the next operation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tutor.core.expression.errors import ExpressionError
from tutor.core.expression.limits import MAX_BYTES, MAX_SECONDS, MAX_WORK


class Cancelled(Exception):  # noqa: N818 (it is an outcome, not a fault)
    """The evaluation was stopped because whoever asked for it no longer wants it."""


def format_bytes(count: float) -> str:
    """``8.0 GB``, ``160 MB``, ``977 KB``: a size the way a person says it (decimal units)."""
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if count >= size:
            value = count / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{int(count)} bytes"


def format_work(count: float) -> str:
    """A count of multiply-adds: digits grouped, or powers of ten once it is huge."""
    return f"{count:,.0f}" if count < 1e12 else f"{count:.1e}"


class Budget:
    """Bytes, multiply-adds and seconds left to one unit of work, and to its parents.

    Attributes:
        what: how a message names what ran out ("this", "the lesson's blocks and plots").
        max_bytes, max_work, max_seconds: the limits (None: no limit of that kind).
        bytes, work: charged so far.
        seconds: time of the units that have finished (``open``/``close``).
    """

    def __init__(
        self,
        what: str = "this",
        *,
        max_bytes: int | None = MAX_BYTES,
        max_work: int | None = MAX_WORK,
        max_seconds: float | None = MAX_SECONDS,
        parent: Budget | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.what = what
        self.max_bytes = max_bytes
        self.max_work = max_work
        self.max_seconds = max_seconds
        self.parent = parent
        self.cancelled = cancelled if cancelled is not None else (parent and parent.cancelled)
        self.bytes = 0
        self.work = 0
        self.seconds = 0.0
        self._started = time.monotonic()

    def open(self, what: str = "this", **limits: int | float | None) -> Budget:
        """A child budget for one evaluation (or one plot) charged against this one."""
        return Budget(what, parent=self, **limits)  # type: ignore[arg-type]

    def close(self) -> None:
        """Count this unit's time into every parent; call once, when it is done."""
        elapsed = time.monotonic() - self._started
        parent = self.parent
        while parent is not None:
            with _CLOSING:
                parent.seconds += elapsed
            parent = parent.parent

    def charge(self, nbytes: int, work: int, at: str = "") -> None:
        """Count an operation's bytes and multiply-adds here and in every parent.

        Called once per operation, so it stays a short loop. A budget is charged from
        one thread (each evaluation, plot or lesson run has its own).

        Raises:
            ExpressionError: kind "limit", naming the limit that was passed, and ``at``
                (the operation that passed it) when given.
            Cancelled: the cancel flag is set.
        """
        budget: Budget | None = self
        while budget is not None:
            budget.bytes += nbytes
            budget.work += work
            if budget.max_bytes is not None and budget.bytes > budget.max_bytes:
                raise budget._passed(f"{format_bytes(budget.bytes)} of arrays", at)
            if budget.max_work is not None and budget.work > budget.max_work:
                raise budget._passed(f"{format_work(budget.work)} multiply-adds", at)
            budget = budget.parent
        self.check()

    def _passed(self, need: str, at: str) -> ExpressionError:
        where = f" at {at}" if at else ""
        limit = (
            format_bytes(self.max_bytes or 0)
            if need.endswith("arrays")
            else format_work(self.max_work or 0)
        )
        return ExpressionError(
            "limit", f"{self.what} needs more than {need}{where}; the limit is {limit}"
        )

    def check(self) -> None:
        """Stop if the unit was cancelled or any budget in the chain ran out of time.

        Raises:
            Cancelled: the cancel flag is set.
            ExpressionError: kind "limit", when time ran out.
        """
        if self.cancelled is not None and self.cancelled():
            raise Cancelled
        elapsed = time.monotonic() - self._started
        budget: Budget | None = self
        while budget is not None:
            limit = budget.max_seconds
            if limit is not None and budget.seconds + elapsed > limit:
                raise ExpressionError(
                    "limit", f"{budget.what} takes longer than {limit:g} s, the limit"
                )
            budget = budget.parent


#: Guards a parent's seconds, added to by units that finish in different threads.
_CLOSING = threading.Lock()
