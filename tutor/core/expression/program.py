"""Blocks of statements: assignments, one-line functions and bare expressions.

A ``compute`` block or a quiz's ``setup`` is a few lines in the expression
language. ``A = X @ W1`` assigns, ``f1(x) = x**2`` defines a function, anything
else is an expression whose value is shown; ``#`` starts a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.core.expression import nodes
from tutor.core.expression.budget import Budget
from tutor.core.expression.environment import (
    Environment,
    UserFunction,
    check_name,
    frozen_functions,
)
from tutor.core.expression.errors import ExpressionError
from tutor.core.expression.evaluate import evaluate_text
from tutor.core.expression.functions import CONSTANTS
from tutor.core.expression.language import parse_expression
from tutor.core.expression.limits import MAX_BLOCK_CHARS, MAX_BLOCK_LINES, MAX_PARAMETERS
from tutor.core.expression.trace import Trace

_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
#: ``name(params) =``; the parameters are checked one by one afterwards (a pattern
#: that matched them here could backtrack exponentially on a long word).
_DEFINITION = re.compile(rf"\s*({_WORD})\s*\(([^()]*)\)\s*=(?!=)")
_ASSIGNMENT = re.compile(rf"\s*({_WORD})\s*=(?!=)")
#: A lone ``=`` (not ``==``, ``<=``, ``>=``, ``!=``) outside an assignment's target.
_LONE_EQUALS = re.compile(r"(?<![=<>!])=(?!=)")


@dataclass(frozen=True)
class StatementResult:
    """One statement of a block, after it ran.

    Attributes:
        line: the statement's line number (the block's first line is ``first_line``).
        text: the statement as written, without its comment.
        target: the name assigned or the function defined; None for an expression.
        trace: the evaluation's steps and value; None for a function definition.
    """

    line: int
    text: str
    target: str | None
    trace: Trace | None


def run_block(
    source: str, env: Environment, *, first_line: int = 1, budget: Budget | None = None
) -> list[StatementResult]:
    """Run a block's statements in order, defining names in ``env`` as it goes.

    Statements before a failing one keep their effect on ``env``. Each statement is
    one evaluation with its own budget; ``budget``, when given, is charged by all of
    them (a lesson's total, or a scratchpad's cancel flag).

    Raises:
        ExpressionError: the first failure, with ``line`` set to its line number
            (counted from ``first_line``) and ``source`` to that line.
    """
    if len(source) > MAX_BLOCK_CHARS:
        raise ExpressionError(
            "limit",
            f"the block is {len(source):,} characters long; the limit is {MAX_BLOCK_CHARS:,}",
        )
    lines = source.split("\n")
    if len(lines) > MAX_BLOCK_LINES:
        raise ExpressionError(
            "limit", f"the block has {len(lines):,} lines; the limit is {MAX_BLOCK_LINES:,}"
        )
    results: list[StatementResult] = []
    for index, raw in enumerate(lines):
        number = first_line + index
        line = raw.rstrip("\r")
        code = line.split("#", 1)[0].rstrip()
        if not code.strip():
            continue
        try:
            results.append(run_statement(code, env, number, budget=budget))
        except ExpressionError as error:
            error.line = number
            error.source = line
            raise
    return results


def run_statement(
    code: str, env: Environment, number: int = 1, *, budget: Budget | None = None
) -> StatementResult:
    """Run one statement (without its comment) and say what it defined."""
    if budget is not None:
        budget.check()  # a cancelled or spent budget stops before the next statement
    definition = _DEFINITION.match(code)
    if definition is not None:
        function = define_function(code, definition, env)
        return StatementResult(number, code.strip(), function.name, None)
    assignment = _ASSIGNMENT.match(code)
    if assignment is not None:
        target = assignment.group(1)
        _check_target(target, code, assignment.start(1))
        trace = evaluate_text(code, env, start=assignment.end(), line=code, budget=budget)
        try:
            env.define(target, trace.value)
        except ExpressionError as error:  # the names here would hold too much
            raise ExpressionError(
                error.kind, error.detail, column=assignment.start(1) + 1, source=code
            ) from None
        return StatementResult(number, code.strip(), target, trace)
    equals = _LONE_EQUALS.search(code)
    if equals is not None:
        raise ExpressionError(
            "syntax",
            "only a plain name can be assigned to, as in A = X @ W1 (or define f(x) = x**2)",
            column=equals.start() + 1,
            source=code,
        )
    return StatementResult(number, code.strip(), None, evaluate_text(code, env, budget=budget))


def _check_target(name: str, code: str, start: int) -> None:
    try:
        check_name(name)
    except ExpressionError as error:
        raise ExpressionError("forbidden", error.detail, column=start + 1, source=code) from None


def define_function(code: str, match: re.Match[str], env: Environment) -> UserFunction:
    """Check ``name(params) = body`` and bind it in ``env``.

    The body may use the parameters, the environment's values and the functions
    defined so far; it may not mention the function itself, so no function can
    recurse.
    """
    name = match.group(1)
    _check_target(name, code, match.start(1))
    params_column = match.start(2) + 1
    parts = [part.strip() for part in match.group(2).split(",")]
    if parts == [""]:
        parts = []
    if "" in parts:
        raise ExpressionError(
            "syntax", f"a parameter of {name} is missing", column=params_column, source=code
        )
    params = tuple(parts)
    if len(params) > MAX_PARAMETERS:
        raise ExpressionError(
            "limit",
            f"{name} has more than {MAX_PARAMETERS} parameters",
            column=params_column,
            source=code,
        )
    if len(set(params)) != len(params):
        raise ExpressionError(
            "syntax", f"{name} names a parameter twice", column=params_column, source=code
        )
    for param in params:
        try:
            check_name(param)
        except ExpressionError as error:
            raise ExpressionError(
                "forbidden", error.detail, column=params_column, source=code
            ) from None
    body_text = code[match.end() :]
    offset = match.end() + len(body_text) - len(body_text.lstrip())
    # The function's own name is parsed as known, so calling it is refused below
    # for what it is (recursion), not as an unknown function.
    callable_names = frozenset(env.functions) | {name}
    body = parse_expression(body_text.strip(), callable_names, offset, code)
    _check_body(name, params, body, env, code)
    function = UserFunction(name, params, body, code.strip(), frozen_functions(env.functions))
    env.define(name, function)
    return function


def _check_body(
    name: str, params: tuple[str, ...], body: nodes.Node, env: Environment, code: str
) -> None:
    """Refuse a body that calls its own function or reads a name that is not defined."""
    stack = [body]
    known = set(params) | set(env.values) | set(CONSTANTS)
    while stack:
        node = stack.pop()
        if (
            isinstance(node, nodes.Call)
            and node.name == name
            and not node.spelled.startswith("np.")
        ):
            raise ExpressionError(
                "forbidden",
                f"{name} calls itself; a function here cannot be recursive",
                column=node.column,
                source=code,
            )
        if isinstance(node, nodes.Name) and node.id not in known:
            listing = ", ".join(sorted(known - set(CONSTANTS)))
            raise ExpressionError(
                "unknown-name",
                f"unknown name {node.id} in the body of {name}. It can use its parameters "
                f"and the names defined so far: {listing}",
                column=node.column,
                source=code,
            )
        stack.extend(reversed(nodes.children(node)))  # leftmost problem first
