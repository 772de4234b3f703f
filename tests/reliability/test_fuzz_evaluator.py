"""The expression evaluator fuzzed with random strings and random syntax trees: every
input is either evaluated to finite numbers or refused with an ``ExpressionError``
that says why, in bounded time, and nothing else ever escapes.

Each input goes through the three entry points lessons and learners reach:
``evaluate`` (the scratchpad, quiz answers), ``run_block`` (compute blocks) and
``infer_shapes`` (``tutor trace --shape``). The environment's arrays must come out
untouched. Seeded (``derandomize``) and bounded, so a run is the same every time.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.core.expression import (
    BUILTINS,
    FAILED_KINDS,
    REFUSED_KINDS,
    Environment,
    ExpressionError,
    evaluate,
    infer_shapes,
    run_block,
)

#: Examples per test; the README's "fuzzed evaluator inputs" is their sum.
EXAMPLES = {
    "text": 800,
    "expression-text": 800,
    "trees": 2000,
    "hostile-trees": 1000,
    "blocks": 300,
}
#: Wall-clock bound for one input through all three entry points.
SECONDS_PER_INPUT = 2.0

VALUES = {
    "X": np.arange(30.0).reshape(10, 3) / 7,
    "W1": np.linspace(-1, 1, 12).reshape(3, 4),
    "W2": np.linspace(-1, 1, 4).reshape(4, 1),
    "v": np.array([1.0, -2.0, 3.0]),
    "s": np.array(2.0),
    "big": np.full((2, 2), 1e300),
    "z": np.zeros((3, 3)),
}
SHAPES = {name: value.shape for name, value in VALUES.items()}
ENVIRONMENT = Environment(VALUES, seed=0)
run_block("f(x) = x**2 + 1\ng(a, b) = a @ b.T", ENVIRONMENT)


FUZZ_PROFILE = "tutor-fuzz"


def fuzz_settings(examples: int) -> settings:
    """The reliability suite's fuzzing policy (tests/reliability/conftest.py), N examples."""
    return settings(settings.get_profile(FUZZ_PROFILE), max_examples=examples)


def check_input(text: str) -> None:
    """The property, for one input through every entry point."""
    started = time.perf_counter()
    env = ENVIRONMENT.copy()
    for attempt in (
        lambda: evaluate(text, env),
        lambda: evaluate(text, env, strict=True),
        lambda: run_block(text, env),
        lambda: infer_shapes(text, SHAPES),
    ):
        try:
            result = attempt()
        except ExpressionError as error:
            assert error.kind in REFUSED_KINDS | FAILED_KINDS
            assert error.message.strip() and error.detail.strip()
            if error.column is not None:
                assert 1 <= error.column <= len(error.source) + 1
            continue
        values = [getattr(result, "value", None)]
        if isinstance(result, list):
            values = [item.trace.value for item in result if getattr(item, "trace", None)]
        for value in values:
            if isinstance(value, np.ndarray):
                assert np.isfinite(value).all()
    for name, value in VALUES.items():
        assert np.array_equal(ENVIRONMENT.values[name], value)
    assert time.perf_counter() - started < SECONDS_PER_INPUT, text


# -- random strings ------------------------------------------------------------------------------

EXPRESSION_CHARACTERS = "XWvsbigzfg123 0.5e+-*/@()[]{},.T_:;=<>!%&|^~'\"\\#\tnpdotsumrelushape"


@fuzz_settings(EXAMPLES["text"])
@given(st.text(max_size=120))
def test_random_unicode_text_is_evaluated_or_refused(text: str) -> None:
    check_input(text)


@fuzz_settings(EXAMPLES["expression-text"])
@given(
    st.text(alphabet=EXPRESSION_CHARACTERS, max_size=80)
    | st.text(alphabet="(X@W1.T)+-*1", min_size=900, max_size=1200)
)
def test_random_expression_like_text_is_evaluated_or_refused(text: str) -> None:
    check_input(text)


# -- random syntax trees --------------------------------------------------------------------------

NAMES = st.sampled_from(
    ["X", "W1", "W2", "v", "s", "big", "z", "Q", "x", "np", "_secret", "__class__", "e", "pi"]
)
NUMBERS = st.one_of(
    st.integers(-(10**18), 10**18).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e999", "-1e999", "1e-320", "0x1F", "1_000", "1j", "True", "None", "0.0"]),
)
BINARY = st.sampled_from(["+", "-", "*", "/", "@", "**", "%", "//", " and ", "==", "<", "|"])
UNARY = st.sampled_from(["-", "+", "~", "not "])
FUNCTIONS = st.sampled_from(
    [*BUILTINS, "f", "g", "open", "eval", "__import__", "np.linalg.inv", "np.random.randn"]
)
#: Tuples up to 12 items: shapes beyond the evaluator's limit of 8 axes are refused.
SHAPE_LITERALS = st.lists(st.integers(-2, 1200).map(str), min_size=0, max_size=12).map(
    lambda items: "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
)


def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One level of the grammar over already built sub-expressions."""
    return st.one_of(
        st.builds(lambda a, op, b: f"{a} {op} {b}", children, BINARY, children),
        st.builds(lambda op, a: f"{op}{a}", UNARY, children),
        st.builds(lambda a: f"({a})", children),
        st.builds(lambda a: f"{a}.T", children),
        st.builds(lambda a, attr: f"{a}.{attr}", children, st.sampled_from(["shape", "__class__"])),
        st.builds(lambda a, b: f"{a}[{b}]", children, children),
        st.builds(
            lambda name, args: f"{name}({', '.join(args)})",
            FUNCTIONS,
            st.lists(children | SHAPE_LITERALS, max_size=4),
        ),
        st.builds(lambda a: f"lambda: {a}", children),
        st.builds(lambda a: f"[{a} for i in X]", children),
        st.builds(lambda a, b: f"{a} if {b} else {a}", children, children),
    )


EXPRESSIONS = st.recursive(NAMES | NUMBERS | SHAPE_LITERALS, combine, max_leaves=24)


#: Trees in the language itself, so most inputs reach the static and numeric passes
#: (shapes that mismatch, sizes over the caps, overflow, log of zero...).
LANGUAGE_LEAVES = st.one_of(
    st.sampled_from(["X", "W1", "W2", "v", "s", "big", "z", "e", "pi", "X.T", "W1.T"]),
    st.integers(-5, 5).map(str),
    st.sampled_from(["0.5", "1e15", "1e-300", "3.25", "0"]),
)
DIMENSIONS = st.sampled_from(["1", "2", "3", "4", "10", "s", "1000", "2000", "0", "-1", "1.5"])
UNARY_BUILTINS = st.sampled_from(
    ["exp", "log", "tanh", "sqrt", "abs", "relu", "sigmoid", "step", "f", "ndim", "shape"]
)
PAIR_BUILTINS = st.sampled_from(["dot", "multiply", "maximum", "outer", "g"])


def language(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One level of the language's own grammar."""
    shape = st.lists(DIMENSIONS, min_size=1, max_size=3).map(lambda dims: f"({', '.join(dims)},)")
    return st.one_of(
        st.builds(lambda a, op, b: f"({a} {op} {b})", children, st.sampled_from("+-*/@"), children),
        st.builds(
            lambda a, k: f"({a}) ** {k}",
            children,
            st.sampled_from(["2", "3", "-1", "0.5", "1/3", "10", "11"]),
        ),
        st.builds(lambda a: f"-({a})", children),
        st.builds(lambda a: f"({a}).T", children),
        st.builds(lambda name, a: f"{name}({a})", UNARY_BUILTINS, children),
        st.builds(lambda name, a, b: f"{name}({a}, {b})", PAIR_BUILTINS, children, children),
        st.builds(
            lambda name, a, axis: f"{name}({a}{axis})",
            st.sampled_from(["sum", "mean"]),
            children,
            st.sampled_from(["", ", 0", ", 1", ", -1", ", 2"]),
        ),
        st.builds(lambda a, target: f"reshape({a}, {target})", children, shape),
        st.builds(lambda name, size: f"{name}({size})", st.sampled_from(["ones", "zeros"]), shape),
        st.builds(lambda r, c: f"randn({r}, {c})", DIMENSIONS, DIMENSIONS),
        st.builds(lambda size: f"uniform(-1, 1, {size})", shape),
        st.builds(lambda n: f"eye({n})", DIMENSIONS),
    )


LANGUAGE = st.recursive(LANGUAGE_LEAVES, language, max_leaves=16)


@fuzz_settings(EXAMPLES["trees"])
@given(LANGUAGE)
def test_random_expressions_in_the_language_are_evaluated_or_refused(text: str) -> None:
    check_input(text)


@fuzz_settings(EXAMPLES["hostile-trees"])
@given(EXPRESSIONS)
def test_random_hostile_expressions_are_refused(text: str) -> None:
    check_input(text)


@fuzz_settings(EXAMPLES["blocks"])
@given(
    st.lists(
        st.one_of(
            st.builds(lambda name, value: f"{name} = {value}", NAMES, EXPRESSIONS),
            st.builds(lambda name, value: f"{name} = {value}", NAMES, LANGUAGE),
            st.builds(lambda value: f"h(x, y) = {value}", EXPRESSIONS | LANGUAGE),
            EXPRESSIONS,
            LANGUAGE,
            st.just("# a comment"),
        ),
        max_size=6,
    ).map("\n".join)
)
def test_random_blocks_run_or_stop_with_an_error(text: str) -> None:
    check_input(text)


def test_a_refused_mean_prints_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            evaluate("mean(shape(s))", ENVIRONMENT.copy())
        except ExpressionError as error:
            assert error.kind == "math"
