"""The error an expression can cause, with where in its text the problem is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor.core.errors import TutorError

if TYPE_CHECKING:
    from tutor.core.expression.trace import Step

#: Kinds that mean "refused before anything was computed" (exit status 2).
REFUSED_KINDS = frozenset({"syntax", "forbidden", "unknown-name", "limit"})
#: Kinds that mean "a valid expression failed while computing" (exit status 1).
FAILED_KINDS = frozenset({"shape", "math"})


class ExpressionError(TutorError):
    """A refused or failed expression.

    The message is one line, ``column N: what went wrong``, so that it reads the
    same after ``tutor check``'s ``path:line:`` prefix. ``caret()`` gives the two
    lines a UI shows under it. A shape error also carries the steps that were
    computed before the mismatch, so a trace can show how far it got.

    Attributes:
        kind: "syntax", "forbidden", "unknown-name" or "limit" (refused), or
            "shape" or "math" (failed).
        detail: the message without the column.
        column: 1-based column in ``source``, when the problem has one.
        line: 1-based line within a block, set by ``run_block``.
        source: the line of text the column points into.
        steps: the steps computed before a shape error, in order.
    """

    def __init__(
        self,
        kind: str,
        detail: str,
        *,
        column: int | None = None,
        source: str = "",
        line: int | None = None,
    ) -> None:
        if kind not in REFUSED_KINDS | FAILED_KINDS:
            raise ValueError(f"unknown expression error kind {kind!r}")
        self.kind = kind
        self.detail = detail
        self.column = column
        self.source = source
        self.line = line
        self.steps: tuple[Step, ...] = ()
        super().__init__(f"column {column}: {detail}" if column is not None else detail)

    @property
    def refused(self) -> bool:
        """True when the input was refused before any computation."""
        return self.kind in REFUSED_KINDS

    @property  # type: ignore[override]
    def exit_code(self) -> int:
        """2 for a refused input, 1 for a valid expression that failed."""
        return 2 if self.refused else 1

    def caret(self) -> str:
        """The source line and a ``^`` under the column (just the line without one)."""
        text = self.source.rstrip("\n")
        if self.column is None:
            return text
        pad = "".join("\t" if char == "\t" else " " for char in text[: self.column - 1])
        return f"{text}\n{pad}^"
