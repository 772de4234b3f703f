"""``tutor trace``: evaluate one expression on seeded random matrices, every shape shown.

For a teacher at a projector and for scripts: the same seed always gives the
same numbers, each operation is printed with its operand and result shapes, and
a mismatch is explained. Exit status: 0 computed, 1 a valid expression failed
(a shape mismatch, an overflow), 2 the input was refused.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence

import numpy as np

from tutor.cli.common import seed_option
from tutor.core.expression import (
    Environment,
    ExpressionError,
    Shape,
    Step,
    evaluate,
    format_shape,
    parse_shape,
)
from tutor.core.expression.limits import MAX_ELEMENTS
from tutor.core.expression.render import step_lines

#: The article's toy network, used when no ``--shape`` is given.
DEFAULT_SHAPES: dict[str, Shape] = {"X": (10, 3), "W1": (3, 4), "W2": (4, 1), "Y": (10, 1)}
#: Results with more numbers than this are described, not printed.
MAX_PRINTED = 100
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``tutor trace`` to the command line."""
    defaults = ", ".join(f"{name}={format_shape(shape)}" for name, shape in DEFAULT_SHAPES.items())
    parser = subparsers.add_parser(
        "trace",
        help="Evaluate an expression on random matrices and show every shape.",
        description=(
            "Evaluate EXPR in tutor's expression language on matrices filled with "
            "seeded random numbers, and print every operation with its operand and "
            "result shapes, then the result. Exit 0 when it computes, 1 when a valid "
            "expression fails (a shape mismatch, an overflow), 2 when the input is refused."
        ),
        epilog=(
            f"Without --shape, the article's network is defined: {defaults}. "
            'Example: tutor trace "X @ W1 @ W2" --shape X=10,3 --shape W1=3,4 --shape W2=4,1. '
            "An expression that starts with '-' goes after '--': tutor trace -- \"-X\"."
        ),
    )
    parser.add_argument("expression", metavar="EXPR", help='the expression, e.g. "X @ W1 @ W2"')
    parser.add_argument(
        "--shape",
        action="append",
        type=shape_option,
        metavar="NAME=R,C",
        help="define NAME as a random matrix of this shape (repeatable; 3,4 or 3x4 or (3,4)); "
        "when given, only these names are defined",
    )
    parser.add_argument(
        "--seed", type=seed_option, default=0, help="seed of the random numbers (default: 0)"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse element-wise operations that stretch (broadcast) an array",
    )
    parser.set_defaults(func=run)


def shape_option(text: str) -> tuple[str, Shape]:
    """Read ``NAME=R,C`` (argparse calls this, so a bad one exits 2 with the reason)."""
    name, equals, shape_text = text.partition("=")
    name = name.strip()
    if not equals or not _NAME.match(name):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not NAME=SHAPE, e.g. X=10,3 (a name is letters, digits and _)"
        )
    try:
        shape = parse_shape(shape_text)
    except ExpressionError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error.detail}") from None
    size = math.prod(shape)
    if size > MAX_ELEMENTS:
        raise argparse.ArgumentTypeError(
            f"{text!r} has {size:,} numbers; the limit is {MAX_ELEMENTS:,}"
        )
    return name, shape


def run(args: argparse.Namespace) -> int:
    """Fill the matrices, evaluate, print the steps and the result; return the exit status."""
    shapes = dict(args.shape) if args.shape else dict(DEFAULT_SHAPES)
    env = Environment(seed=args.seed)
    for name, shape in shapes.items():
        env.define(name, env.rng.standard_normal(shape))
    try:
        trace = evaluate(args.expression, env, strict=args.strict)
    except ExpressionError as error:
        if not error.refused:  # it computed part of the way: show how far
            _print_trace(shapes, args, error.steps)
        _print_error(error)
        return error.exit_code
    _print_trace(shapes, args, trace.steps)
    print(f"result {format_shape(trace.shape)}:")
    print(_value_text(trace.value))
    return 0


def _print_trace(shapes: dict[str, Shape], args: argparse.Namespace, steps: Sequence[Step]) -> None:
    """What the names hold, then one line per step computed."""
    defined = ", ".join(f"{name} {format_shape(shape)}" for name, shape in shapes.items())
    origin = "as given" if args.shape else "the article's network; set your own with --shape"
    print(f"{defined}: random numbers, seed {args.seed} ({origin})")
    if steps:
        print()
        for line in step_lines(steps):
            print(line)
    print()


def _print_error(error: ExpressionError) -> None:
    """One paragraph: the message, and the line with a caret under the column."""
    print(f"tutor: {error.message}", file=sys.stderr)
    if error.column is not None and error.source:
        for line in error.caret().splitlines():
            print(f"  {line}", file=sys.stderr)


def _value_text(value: np.ndarray) -> str:
    if value.size > MAX_PRINTED:
        return f"({value.size:,} numbers; not shown)"
    return np.array2string(value, precision=4, suppress_small=True, max_line_width=100)
