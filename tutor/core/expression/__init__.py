"""tutor's own expression language: safe NumPy evaluation with every shape traced.

Lessons, quiz answers and the learner's scratchpad all go through here. Text is
bounded and screened, parsed with ``ast.parse`` only, checked against a
whitelist, compiled by a static pass that knows every shape, size and cost
before any number exists, and only then computed with NumPy, one recorded
step per operation. Python's ``eval``/``exec``/``compile`` are never used.

Modules: ``text`` (raw-text checks), ``language`` (the whitelist), ``functions``
(the built-ins), ``plan`` (the static pass), ``evaluate`` (the numeric pass),
``budget`` (what one evaluation, or a lesson, may allocate, compute and spend),
``program`` (blocks), ``render`` (steps as text), ``shapes`` (shape rules).
"""

from __future__ import annotations

from tutor.core.expression.budget import Budget, Cancelled, format_bytes, format_work
from tutor.core.expression.environment import Environment, UserFunction
from tutor.core.expression.errors import FAILED_KINDS, REFUSED_KINDS, ExpressionError
from tutor.core.expression.evaluate import evaluate, infer_shapes, plan_cost
from tutor.core.expression.functions import BUILTINS, CONSTANTS
from tutor.core.expression.program import StatementResult, run_block
from tutor.core.expression.shapes import Shape, format_shape, parse_shape
from tutor.core.expression.trace import Step, Trace

__all__ = [
    "BUILTINS",
    "CONSTANTS",
    "FAILED_KINDS",
    "REFUSED_KINDS",
    "Budget",
    "Cancelled",
    "Environment",
    "ExpressionError",
    "Shape",
    "StatementResult",
    "Step",
    "Trace",
    "UserFunction",
    "evaluate",
    "format_bytes",
    "format_shape",
    "format_work",
    "infer_shapes",
    "parse_shape",
    "plan_cost",
    "run_block",
]
