"""What the evaluator promises, pinned where a mutation run found nothing asserting it.

``python benchmarks/mutation.py`` changes the modules of ``tutor/core/expression/`` one
edit at a time; each test here fails on some of those edits because it asserts what a
learner or a lesson author sees: a value, a shape, the words of an error and the column
it points at, a budget's refusal.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from tutor.core.expression import (
    BUILTINS,
    Budget,
    Cancelled,
    Environment,
    ExpressionError,
    evaluate,
    format_bytes,
    format_shape,
    format_work,
    infer_shapes,
    parse_shape,
    plan_cache,
    plan_cost,
    run_block,
)
from tutor.core.expression import budget as budget_module
from tutor.core.expression.program import run_statement

#: The module (the package's ``evaluate`` is its function of that name).
evaluate_module = importlib.import_module("tutor.core.expression.evaluate")


def env() -> Environment:
    return Environment(seed=1)


def test_a_caret_sits_under_the_column_and_keeps_tabs_aligned() -> None:
    """A UI prints caret() under the message: the ^ must line up with the bad character."""
    error = ExpressionError("syntax", "unexpected name", column=3, source="\tab c\n")
    assert str(error) == "column 3: unexpected name"
    assert error.caret() == "\tab c\n\t ^"
    assert ExpressionError("math", "overflow", source="x * y").caret() == "x * y"


def test_a_mismatched_product_is_a_failure_not_a_refusal() -> None:
    """A shape error exits 1 (it failed computing), a syntax error 2 (refused)."""
    with pytest.raises(ExpressionError) as failed:
        evaluate("ones((2, 3)) @ ones((2, 3))", env())
    assert failed.value.kind == "shape" and not failed.value.refused
    assert failed.value.exit_code == 1
    with pytest.raises(ExpressionError) as refused:
        evaluate("ones((2, 3)) @", env())
    assert refused.value.refused and refused.value.exit_code == 2
    assert np.array_equal(
        evaluate("ones((2, 3)).T @ ones((2, 3))", env()).value, np.full((3, 3), 2.0)
    )


def matrices() -> Environment:
    """Named arrays whose shapes never coincide by accident (2, 3, 4 and 5 all differ)."""
    names = Environment(seed=1)
    run_block(
        "A = ones((2, 3))\nB = ones((3, 2))\nv = ones(3)\nM = ones((3, 4))\nF = ones((4, 5))\n"
        "C = ones((2, 4))\nD = ones((4, 3))\nE = ones((4, 2))\nS = ones((2, 3, 4))\n"
        "T = ones((3, 4, 5))",
        names,
    )
    return names


def message(source: str, names: Environment | None = None) -> str:
    """The one-line error a learner sees for ``source``."""
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, names if names is not None else matrices())
    return str(caught.value)


# -- shapes: how a learner writes one, and how a mismatch is explained ------------


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("(3,4)", (3, 4)),
        ("3,4", (3, 4)),
        ("3x4", (3, 4)),
        ("3X4", (3, 4)),
        ("3*4", (3, 4)),
        ("3 × 4", (3, 4)),
        ("[2, 5]", (2, 5)),
        ("  (2 , 3)  ", (2, 3)),
        ("(3,)", (3,)),
        ("3,", (3,)),
        ("3", (3,)),
        ("()", ()),
        ("(1,2,3,4,5,6,7,8)", (1, 2, 3, 4, 5, 6, 7, 8)),
        ("123456789", (123456789,)),
    ],
)
def test_a_shape_is_read_the_ways_a_learner_types_it(text: str, shape: tuple) -> None:
    """A shape quiz accepts every spelling the lessons show, and nothing is lost."""
    assert parse_shape(text) == shape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-3", "column 1: a dimension cannot be negative"),
        ("3.5", "column 2: a dimension is a whole number"),
        ("(3,4", "the bracket ( is never closed"),
        ("3,4,", "the shape ends with a separator"),
        ("3,,4", "column 3: a number is missing before this separator"),
        (",3", "column 1: a number is missing before this separator"),
        ("(3)(4)", "column 4: '(' does not belong in a shape; write it like (3,4), 3,4 or 3x4"),
        ("3 ?", "column 3: '?' does not belong in a shape; write it like (3,4), 3,4 or 3x4"),
        ("3(4", "column 2: a bracket can only open the shape"),
        ("((3", "column 2: a bracket can only open the shape"),
        ("(3,4]", "column 5: this bracket does not close one that was opened"),
        ("3,4)", "column 4: this bracket does not close one that was opened"),
        ("1234567890", "column 1: the dimension 1234567890 is too large"),
        ("1,2,3,4,5,6,7,8,9", "a shape has at most 8 dimensions"),
        ("", "a shape is a few whole numbers, like (3,4); this is empty"),
        ("   ", "a shape is a few whole numbers, like (3,4); this is empty"),
        ("1," * 50 + "1", "a shape is a few whole numbers, like (3,4); this text is too long"),
    ],
)
def test_a_shape_that_cannot_be_read_says_what_and_where(text: str, expected: str) -> None:
    """Each refusal names the fault and, when it has one, the column of the character."""
    with pytest.raises(ExpressionError) as caught:
        parse_shape(text)
    assert str(caught.value) == expected
    assert caught.value.kind == "syntax"


def test_a_shape_of_exactly_one_hundred_characters_is_still_read() -> None:
    """The length cap is 'more than 100', so a long but legal shape is not refused."""
    text = "(" + "1," * 7 + "1" + " " * 83 + ")"
    assert len(text) == 100
    assert parse_shape(text) == (1,) * 8


def test_shapes_print_the_way_the_lessons_write_them() -> None:
    """No spaces, a trailing comma for one dimension, () for a number."""
    assert format_shape(()) == "()"
    assert format_shape((3,)) == "(3,)"
    assert format_shape((10, 3)) == "(10,3)"
    assert format_shape((1, -1)) == "(1,-1)"
    assert format_shape((2, 3, 4)) == "(2,3,4)"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "A + B",
            "column 1: shape mismatch in A + B: (2,3) + (3,2): element-wise, the rows: 2 vs 3; "
            "columns: 3 vs 2 (each pair must be equal, or one of them 1). Did you mean A + B.T?",
        ),
        (
            "v + M",
            "column 1: shape mismatch in v + M: (3,) + (3,4): element-wise, the columns: 3 vs 4 "
            "(each pair must be equal, or one of them 1). Did you mean reshape(v, (3, 1)) + M?",
        ),
        (
            "M - v",
            "column 1: shape mismatch in M - v: (3,4) - (3,): element-wise, the columns: 4 vs 3 "
            "(each pair must be equal, or one of them 1). Did you mean M - reshape(v, (3, 1))?",
        ),
        (
            "2 * (A * F)",
            "column 6: shape mismatch in A * F: (2,3) * (4,5): element-wise, the rows: 2 vs 4; "
            "columns: 3 vs 5 (each pair must be equal, or one of them 1)",
        ),
        (
            "S / ones((2, 5, 4))",
            "column 1: shape mismatch in S / ones((2, 5, 4)): (2,3,4) / (2,5,4): element-wise, "
            "the dimension 2: 3 vs 5 (each pair must be equal, or one of them 1)",
        ),
        (
            "ones(5) + v",
            "column 1: shape mismatch in ones(5) + v: (5,) + (3,): element-wise, the dimension 1: "
            "5 vs 3 (each pair must be equal, or one of them 1)",
        ),
        (
            "maximum(A, B)",
            "column 1: shape mismatch in maximum(A, B): maximum((2,3), (3,2)): element-wise, the "
            "rows: 2 vs 3; columns: 3 vs 2 (each pair must be equal, or one of them 1). "
            "Did you mean maximum(A, B.T)?",
        ),
    ],
)
def test_an_element_wise_mismatch_names_the_dimensions_and_the_fix(
    source: str, expected: str
) -> None:
    """Which dimensions disagree, by name, and the transpose or reshape that would fit."""
    assert message(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "A @ C",
            "column 1: shape mismatch in A @ C: (2,3) @ (2,4): A has 3 columns but C has 2 rows "
            "(the inner dimensions must be equal). Did you mean A.T @ C? "
            "That is (3,2) @ (2,4) -> (3,4)",
        ),
        (
            "A @ D",
            "column 1: shape mismatch in A @ D: (2,3) @ (4,3): A has 3 columns but D has 4 rows "
            "(the inner dimensions must be equal). Did you mean A @ D.T? "
            "That is (2,3) @ (3,4) -> (2,4)",
        ),
        (
            "A @ E",
            "column 1: shape mismatch in A @ E: (2,3) @ (4,2): A has 3 columns but E has 4 rows "
            "(the inner dimensions must be equal). Did you mean E @ A? "
            "That is (4,2) @ (2,3) -> (4,3)",
        ),
        (
            "A @ F",
            "column 1: shape mismatch in A @ F: (2,3) @ (4,5): A has 3 columns but F has 4 rows "
            "(the inner dimensions must be equal)",
        ),
        (
            "-A @ C",
            "column 1: shape mismatch in -A @ C: (2,3) @ (2,4): -A has 3 columns but C has 2 rows "
            "(the inner dimensions must be equal). Did you mean (-A).T @ C? "
            "That is (3,2) @ (2,4) -> (3,4)",
        ),
        (
            "A.T.T @ C",
            "column 1: shape mismatch in A.T.T @ C: (2,3) @ (2,4): A.T.T has 3 columns but C has "
            "2 rows (the inner dimensions must be equal). Did you mean A.T @ C? "
            "That is (3,2) @ (2,4) -> (3,4)",
        ),
        (
            "v @ ones(4)",
            "column 1: shape mismatch in v @ ones(4): (3,) @ (4,): the last dimension of v (3) "
            "must equal the length of ones(4) (4)",
        ),
        (
            "ones(4) @ B",
            "column 1: shape mismatch in ones(4) @ B: (4,) @ (3,2): the last dimension of "
            "ones(4) (4) must equal the second-to-last dimension of B (3)",
        ),
        (
            "S @ T",
            "column 1: shape mismatch in S @ T: (2,3,4) @ (3,4,5): the leading (stacked) "
            "dimensions do not broadcast ((2,) @ (3,): element-wise, the dimension 1: 2 vs 3 "
            "(each pair must be equal, or one of them 1))",
        ),
        (
            "2 @ A",
            "column 1: shape mismatch in 2 @ A: 2 is a single number, and @ multiplies arrays; "
            "use * to multiply by a number",
        ),
        (
            "A @ 3",
            "column 1: shape mismatch in A @ 3: 3 is a single number, and @ multiplies arrays; "
            "use * to multiply by a number",
        ),
        (
            "dot(A, C)",
            "column 1: shape mismatch in dot(A, C): (2,3) dot (2,4): A has 3 columns but C has "
            "2 rows (the inner dimensions must be equal). Did you mean A.T @ C? "
            "That is (3,2) @ (2,4) -> (3,4)",
        ),
        (
            "dot(S, A)",
            "column 1: shape mismatch in dot(S, A): dot works on vectors and matrices here; "
            "use @ for stacks of matrices",
        ),
        (
            "dot(A, S)",
            "column 1: shape mismatch in dot(A, S): dot works on vectors and matrices here; "
            "use @ for stacks of matrices",
        ),
    ],
)
def test_a_product_that_does_not_fit_is_explained_with_the_fix(source: str, expected: str) -> None:
    """The inner dimensions by name, and the one transpose or swap that makes it fit."""
    assert message(source) == expected


@pytest.mark.parametrize(
    ("source", "shape"),
    [
        ("v @ v", ()),
        ("A @ v", (2,)),
        ("v @ B", (2,)),
        ("S @ ones((4, 2))", (2, 3, 2)),
        ("ones((5, 1, 2, 3)) @ ones((4, 3, 6))", (5, 4, 2, 6)),
        ("dot(3, A)", (2, 3)),
        ("dot(A, 3)", (2, 3)),
        ("dot(v, v)", ()),
        ("outer(A, v)", (6, 3)),
    ],
)
def test_products_of_vectors_and_stacks_have_numpys_shapes(source: str, shape: tuple) -> None:
    """A vector drops its axis from the result; stacked dimensions broadcast."""
    trace = evaluate(source, matrices())
    assert trace.shape == shape


def test_stacked_products_count_every_pair_of_the_stack() -> None:
    """(1000,1,1,k) @ (1000,k,1) is a million products, so a budget refuses it."""
    names = Environment()
    names.define("P", np.ones((1000, 1, 1, 30)))
    names.define("Q", np.ones((1000, 30, 1)))
    with pytest.raises(ExpressionError) as caught:
        evaluate("P @ Q", names)
    assert str(caught.value) == (
        "column 1: this needs 30,000,000 multiply-adds; the limit is 20,000,000 "
        "(most of it is P @ Q: 30,000,000)"
    )
    assert plan_cost("P @ Q", {"P": (10, 1, 1, 3), "Q": (10, 3, 1)}) == (300, 800)
    assert plan_cost("a @ b", {"a": (3,), "b": (3,)}) == (3, 8)
    assert plan_cost("dot(a, 2)", {"a": (3,)}) == (3, 24)


# -- steps as text -------------------------------------------------------------


def test_every_kind_of_step_prints_its_shapes_in_the_articles_style() -> None:
    """The trace a learner reads: each operation with its operands' and result's shapes."""
    names = Environment()
    run_block("X = ones((4, 3))\nW = ones((3, 2))\nV = ones((2, 1))\nb = ones((1, 2))", names)
    lines = {
        source: evaluate(source, names).lines()
        for source in (
            "X @ W @ V",
            "X @ W + b",
            "-X",
            "X**2",
            "X ** 0.5",
            "X.T",
            "tanh(X)",
            "maximum(X, 2)",
            "einsum('ij,jk->ik', X, W)",
            "ones((2, 2))",
            "2 * X",
        )
    }
    assert lines["X @ W @ V"] == [
        "X @ W       (4,3) @ (3,2) -> (4,2)",
        "X @ W @ V   (4,3)(3,2)(2,1) -> (4,1)",
    ]
    assert lines["X @ W + b"] == [
        "X @ W       (4,3) @ (3,2) -> (4,2)",
        "X @ W + b   (4,2) + (1,2) -> (4,2)   broadcast (1,2) -> (4,2)",
    ]
    assert lines["-X"] == ["-X   -(4,3) -> (4,3)"]
    assert lines["X**2"] == ["X**2   (4,3)**2 -> (4,3)"]
    assert lines["X ** 0.5"] == ["X ** 0.5   (4,3)**0.5 -> (4,3)"]
    assert lines["X.T"] == ["X.T   (4,3).T -> (3,4)"]
    assert lines["tanh(X)"] == ["tanh(X)   tanh (4,3) -> (4,3)"]
    assert lines["maximum(X, 2)"] == ["maximum(X, 2)   maximum (4,3), () -> (4,3)"]
    assert lines["einsum('ij,jk->ik', X, W)"] == [
        "einsum('ij,jk->ik', X, W)   (4,3),(3,2) -> (4,2)"
    ]
    assert lines["ones((2, 2))"] == ["ones((2, 2))   ones -> (2,2)"]
    assert lines["2 * X"] == ["2 * X   () * (4,3) -> (4,3)"]


def test_a_product_chain_is_summarised_only_for_a_product() -> None:
    """``chain()`` gives the article's one-line summary of a product, and nothing else."""
    names = Environment()
    run_block("X = ones((4, 3))\nW = ones((3, 2))\nV = ones((2, 1))", names)
    assert evaluate("X @ W @ V", names).chain() == "X @ W @ V   (4,3)(3,2)(2,1) -> (4,1)"
    assert evaluate("X @ W", names).chain() == "X @ W   (4,3)(3,2) -> (4,2)"
    assert evaluate("(X @ W).T", names).chain() is None
    assert evaluate("X", names).chain() is None


def test_long_sources_are_not_padded_to_line_the_shapes_up() -> None:
    """Sources up to 40 characters align; a longer one does not push the others right."""
    names = Environment()
    first, second = "Weights_of_layer_1", "Weights_of_layer_22"
    run_block(f"{first} = ones((2, 2))\n{second} = ones((2, 2))", names)
    forty = f"{first} + {second}"
    assert len(forty) == 40
    lines = evaluate(f"tanh({forty}) * ones((2, 2))", names).lines()
    assert lines == [
        f"{forty}   (2,2) + (2,2) -> (2,2)",
        f"tanh({forty})   tanh (2,2) -> (2,2)",
        f"{'ones((2, 2))':40}   ones -> (2,2)",
        f"tanh({forty}) * ones((2, 2))   (2,2) * (2,2) -> (2,2)",
    ]


# -- the raw text and the whitelist --------------------------------------------

#: Input a learner types or pastes, and the exact refusal (kind, message).
REFUSALS = [
    (
        "Х + 1",
        "syntax",
        "column 1: 'Х' (CYRILLIC CAPITAL LETTER HA) looks like the ASCII 'X' "
        "but is a different character; retype it as 'X'",
    ),
    (
        "ｘ",
        "syntax",
        "column 1: 'ｘ' (FULLWIDTH LATIN SMALL LETTER X) looks like the ASCII 'x' "
        "but is a different character; retype it as 'x'",
    ),
    ("X²", "syntax", "column 2: '²' (SUPERSCRIPT TWO) is a superscript; write a power as **2"),
    (
        "X × X",
        "syntax",
        "column 3: '×' (MULTIPLICATION SIGN) is not part of the language; "
        "type * for an element-wise product or @ for a matrix product",
    ),
    (
        "X\u200b",
        "syntax",
        "column 2: the text contains an invisible character, ZERO WIDTH SPACE (U+200B); delete it",
    ),
    (
        "X\u00a0+ 1",
        "syntax",
        "column 2: NO-BREAK SPACE cannot be used: expressions are written in plain ASCII",
    ),
    (
        "X é",
        "syntax",
        "column 3: 'é' (LATIN SMALL LETTER E WITH ACUTE) cannot be used: "
        "expressions are written in plain ASCII",
    ),
    (
        "X\x01",
        "syntax",
        "column 2: the text contains the control character U+0001, which cannot be typed here",
    ),
    (
        "X\x7f",
        "syntax",
        "column 2: the text contains the control character U+007F, which cannot be typed here",
    ),
    (
        "X\x00",
        "syntax",
        "column 2: the text contains a NUL character (code 0), which cannot "
        "be part of an expression",
    ),
    ("X\nX", "syntax", "column 2: an expression is one line; this text has a line break in it"),
    ("(" * 21 + "X" + ")" * 21, "limit", "column 21: brackets are nested more than 20 deep"),
    ("[" * 21 + "1" + "]" * 21, "limit", "column 21: brackets are nested more than 20 deep"),
    ("1 + " + "-" * 39 + "X", "limit", "column 3: more than 40 signs in a row"),
    ("- " * 40 + "X", "limit", "column 1: more than 40 signs in a row"),
    ("X" * 1001, "limit", "the expression is 1,001 characters long; the limit is 1,000"),
    ("", "syntax", "the expression is empty"),
    ("X % 2", "forbidden", "column 1: the % operator is not part of the language"),
    ("X // 2", "forbidden", "column 1: the // operator is not part of the language"),
    (
        "X ^ 2",
        "forbidden",
        "column 1: the ^ operator (for a power, write **) is not part of the language",
    ),
    ("1 + ~X", "forbidden", "column 5: the ~ operator is not part of the language"),
    ("not X", "forbidden", "column 1: 'not' is not part of the language"),
    ("X[0]", "forbidden", "column 2: indexing with [...] is not part of the language"),
    ("(X + X)[0]", "forbidden", "column 8: indexing with [...] is not part of the language"),
    ("((X)) [0]", "forbidden", "column 7: indexing with [...] is not part of the language"),
    ("X < 1", "forbidden", "column 1: a comparison is not part of the language"),
    ("'a'", "forbidden", "column 1: text in quotes is not part of the language"),
    ("b'a'", "forbidden", "column 1: text in quotes is not part of the language"),
    ("1j", "forbidden", "column 1: complex numbers are not part of the language"),
    ("True", "forbidden", "column 1: True is not part of the language"),
    ("None", "forbidden", "column 1: None is not part of the language"),
    ("...", "forbidden", "column 1: Ellipsis is not part of the language"),
    ("X + 10**16", "limit", "column 9: the exponent 16 is too large; at most 10 either way"),
    ("1e16", "limit", "column 1: the number 1e16 is too large"),
    ("-1e16", "limit", "column 2: the number 1e16 is too large"),
    ("10000000000000001", "limit", "column 1: the number 10000000000000001 is too large"),
    ("1e400", "limit", "column 1: the number 1e400 is not finite"),
    (
        "X.shape",
        "forbidden",
        "column 2: the attribute .shape is not part of the language; the "
        "only attribute is .T (transpose); write shape(X)",
    ),
    (
        "X.foo",
        "forbidden",
        "column 2: the attribute .foo is not part of the language; the only "
        "attribute is .T (transpose)",
    ),
    (
        "2 * X.sum()",
        "forbidden",
        "column 6: calling the method .sum() is not part of the "
        "language; write sum(X) or sum(X, 0)",
    ),
    ("X.foo()", "forbidden", "column 2: calling the method .foo() is not part of the language"),
    ("Y.foo()", "forbidden", "column 2: calling the method .foo() is not part of the language"),
    ("_Y.foo()", "forbidden", "column 1: names starting with _ (_Y) are not allowed"),
    ("np.dot", "forbidden", "column 1: np.dot is a function; call it, as in np.dot(X)"),
    ("np.__dict__", "forbidden", "column 1: the attribute .__dict__ is not part of the language"),
    (
        "np.__dict__(X)",
        "forbidden",
        "column 1: the attribute .__dict__ is not part of the language",
    ),
    (
        "sum(X, axis=0)",
        "forbidden",
        "column 8: keyword argument axis= is not part of the "
        "language; arguments are positional only; write sum(X, 0)",
    ),
    (
        "sum(X, keepdims=1)",
        "forbidden",
        "column 8: keyword argument keepdims= is not part of "
        "the language; arguments are positional only",
    ),
    (
        "sum(X, **{})",
        "forbidden",
        "column 8: keyword argument ** is not part of the language; arguments are positional only",
    ),
    ("_X", "forbidden", "column 1: names starting with _ (_X) are not allowed"),
    ("_f(X)", "forbidden", "column 1: names starting with _ (_f) are not allowed"),
    (
        "np",
        "forbidden",
        "column 1: np on its own is not a value; call a function, like np.dot(X, W1)",
    ),
    (
        "X ** X",
        "forbidden",
        "column 6: the exponent of ** must be a number written out, like 2, 3, -1 or 0.5 (not X)",
    ),
    ("X ** -11", "limit", "column 6: the exponent -11 is too large; at most 10 either way"),
    (
        "X ** (1/0)",
        "forbidden",
        "column 7: the exponent of ** must be a number written out, like 2, 3, -1 or 0.5 (not 1/0)",
    ),
    (
        "X ** (1.5/2)",
        "forbidden",
        "column 7: the exponent of ** must be a number written out, "
        "like 2, 3, -1 or 0.5 (not 1.5/2)",
    ),
    (
        "X ** (3/1.5)",
        "forbidden",
        "column 7: the exponent of ** must be a number written out, "
        "like 2, 3, -1 or 0.5 (not 3/1.5)",
    ),
    (
        "X ** (X/2)",
        "forbidden",
        "column 7: the exponent of ** must be a number written out, like 2, 3, -1 or 0.5 (not X/2)",
    ),
    (
        "X ** (2/X)",
        "forbidden",
        "column 7: the exponent of ** must be a number written out, like 2, 3, -1 or 0.5 (not 2/X)",
    ),
    (
        "X ** (2*2)",
        "forbidden",
        "column 7: the exponent of ** must be a number written out, like 2, 3, -1 or 0.5 (not 2*2)",
    ),
    ("power(X, 11)", "limit", "column 10: the exponent 11 is too large; at most 10 either way"),
    (
        "power(X, X)",
        "forbidden",
        "column 10: the exponent of power must be a number written "
        "out, like 2, 3, -1 or 0.5 (not X)",
    ),
    ("X +", "syntax", "column 4: the expression ends too soon; something is missing at the end"),
    ("X )", "syntax", "column 3: this is not a valid expression (unmatched ')')"),
    ("1 2", "syntax", "column 3: this is not a valid expression here"),
    (
        "(X)(1)",
        "unknown-name",
        "column 2: unknown function X. The functions are: " + ", ".join(sorted(BUILTINS)),
    ),
    (
        "[X, X]",
        "forbidden",
        "column 1: [X, X]: a list or tuple can only be an argument of array, "
        "reshape, ones, zeros, randint or uniform",
    ),
    ("tanh", "unknown-name", "column 1: tanh is a function; call it, as in tanh(X)"),
    ("x", "unknown-name", "column 1: unknown name x. Did you mean X? The names defined here are X"),
    ("Q", "unknown-name", "column 1: unknown name Q. The names defined here are X"),
    (
        "tanhh(X)",
        "unknown-name",
        "column 1: unknown function tanhh. Did you mean tanh? The "
        "functions are: " + ", ".join(sorted(BUILTINS)),
    ),
    ("(lambda: 1)()", "forbidden", "column 2: only named functions can be called, not lambda"),
    ("X(1)(2)", "forbidden", "column 1: only named functions can be called, not an expression"),
]


@pytest.mark.parametrize(("source", "kind", "expected"), REFUSALS)
def test_refused_input_says_what_is_wrong_and_where(source: str, kind: str, expected: str) -> None:
    """Every refusal: its kind (exit status), its words and the column it points at."""
    names = Environment()
    names.define("X", np.ones((2, 2)))
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, names)
    assert (caught.value.kind, str(caught.value)) == (kind, expected)


def test_numpy_spellings_and_typeset_minus_are_accepted() -> None:
    """np.pi, np.e, np.random.randn and a pasted minus sign mean what they say."""
    names = Environment(seed=4)
    names.define("X", np.full((2, 2), 3.0))
    assert evaluate("X\u2212X", names).value.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert evaluate("np.pi", names).value == pytest.approx(np.pi)
    assert evaluate("2 * np.e", names).value == pytest.approx(2 * np.e)
    assert evaluate("numpy.tanh(0)", names).value == 0.0
    drawn = evaluate("np.random.randn(2, 3)", names).value
    assert drawn.shape == (2, 3)
    assert np.array_equal(drawn, np.random.default_rng(4).standard_normal((2, 3)))
    assert evaluate("-" * 38 + "X", names).value.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert evaluate("+X", names).value.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert evaluate("-(2)", names).value == -2.0
    assert evaluate("X ** (1/2)", names).value[0, 0] == pytest.approx(np.sqrt(3))
    assert evaluate("X ** -1", names).value[0, 0] == pytest.approx(1 / 3)
    assert evaluate("1e15", names).value == 1e15
    assert evaluate("-1000000000000000", names).value == -1e15
    nested = "(" * 20 + "X" + ")" * 20
    assert evaluate(nested, names).shape == (2, 2)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("np.foo(X)", "np.foo"),
        ("np.foo", "np.foo"),
        ("np.random.foo(2)", "np.random.foo"),
        ("np.linalg.norm(X)", "np.linalg.norm"),
        ("np.random.tanh(X)", "np.random.tanh"),
        ("np.tanh.x(X)", "np.tanh.x"),
    ],
)
def test_a_numpy_function_the_language_lacks_is_named_with_the_list(
    source: str, expected: str
) -> None:
    """Only the built-ins exist behind np.; the message lists them."""
    names = Environment()
    names.define("X", np.ones((2, 2)))
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, names)
    assert caught.value.kind == "unknown-name"
    assert str(caught.value) == (
        f"column 1: {expected} is not available: only these NumPy functions are, each also "
        f"without np.: {', '.join(sorted(BUILTINS))}"
    )


# -- blocks, names and budgets -------------------------------------------------


def results_of(block: str) -> list[tuple]:
    """What each statement of a block did: (line, text, target, value or None)."""
    return [
        (
            result.line,
            result.text,
            result.target,
            None if result.trace is None else result.trace.value.tolist(),
        )
        for result in run_block(block, Environment(seed=2), first_line=10)
    ]


def test_a_block_runs_statements_in_order_and_numbers_their_lines() -> None:
    """Lines count from first_line, blank and comment-only lines are skipped, CRLF is read."""
    assert results_of("A = 1  # note\r\n\n   \n# only a comment\nA + 1\ng() = 2\ng()") == [
        (10, "A = 1", "A", 1.0),
        (14, "A + 1", None, 2.0),
        (15, "g() = 2", "g", None),
        (16, "g()", None, 2.0),
    ]
    assert results_of("h(x) = tanh(x)\nk(x, y) = h(x) * y\nk(1, 2)")[-1] == (
        12,
        "k(1, 2)",
        None,
        pytest.approx(2 * np.tanh(1)),
    )


@pytest.mark.parametrize(
    ("block", "kind", "expected", "line"),
    [
        ("f(x,) = x", "syntax", "column 3: a parameter of f is missing", 10),
        ("f( , x) = x", "syntax", "column 3: a parameter of f is missing", 10),
        ("f(x, x) = x", "syntax", "column 3: f names a parameter twice", 10),
        ("f(a,b,c,d,e,g,h,i,j) = a", "limit", "column 3: f has more than 8 parameters", 10),
        (
            "f(_x) = 1",
            "forbidden",
            "column 3: '_x' cannot be defined: a name is ASCII letters, digits and _, "
            "starting with a letter",
            10,
        ),
        (
            "f(x) = f(x)",
            "forbidden",
            "column 8: f calls itself; a function here cannot be recursive",
            10,
        ),
        (
            "X = 1\nf(x) = x + zz",
            "unknown-name",
            "column 12: unknown name zz in the body of f. It can use its parameters and the "
            "names defined so far: X, x",
            11,
        ),
        (
            "A[0] = 1",
            "syntax",
            "column 6: only a plain name can be assigned to, as in A = X @ W1 (or define "
            "f(x) = x**2)",
            10,
        ),
        ("for = 1", "forbidden", "column 1: for is reserved and cannot be defined", 10),
        ("  np = 1", "forbidden", "column 3: np is reserved and cannot be defined", 10),
        ("if(x) = 1", "forbidden", "column 1: if is reserved and cannot be defined", 10),
        (
            "A = ones((2,2))\n\n  \nB = A @ Q",
            "unknown-name",
            "column 9: unknown name Q. The names defined here are A",
            13,
        ),
    ],
)
def test_a_bad_statement_is_reported_at_its_line_and_column(
    block: str, kind: str, expected: str, line: int
) -> None:
    """``path:line:`` comes from error.line; the column points into that line."""
    with pytest.raises(ExpressionError) as caught:
        run_block(block, Environment(), first_line=10)
    error = caught.value
    assert (error.kind, str(error), error.line) == (kind, expected, line)
    assert error.source == block.split("\n")[line - 10]


def test_a_function_defined_with_no_parameters_takes_none() -> None:
    """``g() = 2`` is called as ``g()``; ``g(1)`` is refused with its usage."""
    names = Environment()
    run_block("g() = 2", names)
    assert names.functions["g"].params == ()
    with pytest.raises(ExpressionError) as caught:
        evaluate("g(1)", names)
    assert str(caught.value) == "column 1: g takes 0 arguments, not 1: write g()"


def test_a_function_may_call_numpys_function_of_its_own_name() -> None:
    """``tanh(x) = np.tanh(x)`` is not recursion: np. names the built-in."""
    names = Environment()
    run_block("tanh(x) = 2 * np.tanh(x)", names)
    assert evaluate("tanh(1)", names).value == pytest.approx(2 * np.tanh(1))


def test_a_block_over_its_limits_is_refused_whole() -> None:
    """A block of more than 20,000 characters or 300 lines runs no statement at all."""
    names = Environment()
    with pytest.raises(ExpressionError) as long:
        run_block("A = 1\n" + "#" * 19_995, names)
    assert str(long.value) == "the block is 20,001 characters long; the limit is 20,000"
    with pytest.raises(ExpressionError) as tall:
        run_block("A = 1" + "\n" * 300, names)
    assert str(tall.value) == "the block has 301 lines; the limit is 300"
    assert names.names() == []
    run_block("A = 1" + "\n" * 299, names)
    run_block("A = 1\n" + "#" * 19_994, names)
    assert names.names() == ["A"]


def test_storing_past_the_names_byte_cap_points_at_the_target() -> None:
    """A statement whose result cannot be kept says so at the assigned name."""
    names = Environment(max_bytes=100)
    with pytest.raises(ExpressionError) as caught:
        run_block("x = 1\n  big = ones(13)", names)
    assert caught.value.kind == "limit"
    assert caught.value.column == 3
    assert caught.value.line == 2
    assert str(caught.value).startswith("column 3: storing big (104 bytes) makes the names")


def test_an_environment_holds_read_only_float_copies_within_its_caps() -> None:
    """Values are copied and frozen; names, bytes, sizes and finiteness are capped."""
    original = np.array([[1, 2]])
    names = Environment(max_names=2, max_bytes=100)
    names.define("a", original)
    original[0, 0] = 9
    assert names.values["a"].tolist() == [[1.0, 2.0]]
    assert names.values["a"].dtype == np.float64
    assert not names.values["a"].flags.writeable
    names.define("b", 2)
    with pytest.raises(ExpressionError) as third:
        names.define("c", 3)
    assert str(third.value) == (
        "c would be name number 3 here; the limit is 2 (assign to a name already defined to "
        "replace its value)"
    )
    names.define("a", np.zeros(11))  # replacing frees the old value's bytes
    with pytest.raises(ExpressionError) as heavy:
        names.define("b", np.zeros(2))
    assert str(heavy.value) == (
        "storing b (16 bytes) makes the names here hold 104 bytes; the limit is 100 bytes "
        "(assign to a name already defined to replace its value)"
    )
    names.define("b", np.zeros((0, 3)))  # holding nothing never passes the cap
    names.define("b", np.zeros(1))  # 88 + 8 bytes fit
    assert names.held_bytes == 96
    assert repr(names) == "Environment(a, b)"


def test_a_function_replaces_a_value_of_the_same_name_and_back() -> None:
    """A name is a value or a function, never both."""
    names = Environment()
    names.define("f", 1.0)
    run_block("f(x) = x", names)
    assert "f" not in names.values and names.names() == ["f"]
    names.define("f", 2.0)
    assert "f" not in names.functions and float(names.values["f"]) == 2.0


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (np.inf, "math", "Z holds a value that is not finite (inf or nan)"),
        ([1.0, np.nan], "math", "Z holds a value that is not finite (inf or nan)"),
        (np.zeros(1_000_001), "limit", "Z has 1,000,001 numbers; the limit is 1,000,000"),
    ],
)
def test_a_value_that_cannot_be_held_is_refused(value: object, kind: str, expected: str) -> None:
    """Infinite, undefined or oversized values never enter an environment."""
    with pytest.raises(ExpressionError) as caught:
        Environment().define("Z", value)
    assert (caught.value.kind, str(caught.value)) == (kind, expected)


@pytest.mark.parametrize("value", ["abc", b"ab", 1j, np.array([1j]), [1, "a"], object()])
def test_a_value_that_is_not_real_numbers_is_a_type_error(value: object) -> None:
    """Text, complex numbers and objects are a programming error, not a learner's."""
    with pytest.raises(TypeError, match="^Z must be a real number or an array of them$"):
        Environment().define("Z", value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("1a", "'1a' cannot be defined"),
        ("a-b", "'a-b' cannot be defined"),
        ("a\n", "'a\\n' cannot be defined"),
        ("", "'' cannot be defined"),
        (5, "5 cannot be defined"),
        ("if", "if is reserved and cannot be defined"),
        ("numpy", "numpy is reserved and cannot be defined"),
    ],
)
def test_names_that_cannot_be_defined(name: object, expected: str) -> None:
    """Letters first, then letters, digits and _; no keyword, no np/numpy."""
    with pytest.raises(ExpressionError) as caught:
        Environment().define(name, 1.0)  # type: ignore[arg-type]
    assert caught.value.kind == "forbidden"
    assert str(caught.value).startswith(expected)
    Environment().define("a_1B", 1.0)


def test_a_copy_draws_the_same_numbers_and_then_goes_its_own_way() -> None:
    """A proof's probe copies the environment: its draws repeat the original's."""
    names = Environment(seed=11)
    run_block("X = randn(2, 2)", names)
    twin = names.copy()
    assert np.array_equal(evaluate("randn(3)", twin).value, evaluate("randn(3)", names).value)
    twin.define("Y", 1.0)
    assert "Y" not in names.values
    assert twin.max_names == names.max_names and twin.max_bytes == names.max_bytes
    fresh = Environment(seed=11).copy()  # nothing drawn yet: the copy starts at the seed
    assert np.array_equal(
        evaluate("randn(2)", fresh).value, np.random.default_rng(11).standard_normal(2)
    )
    unseeded = Environment(seed=None)
    unseeded_twin = unseeded.copy()
    assert np.array_equal(
        evaluate("rand(4)", unseeded).value, evaluate("rand(4)", unseeded_twin).value
    )


def test_sizes_and_counts_are_said_the_way_a_person_says_them() -> None:
    """Decimal units, one decimal under ten, none from ten up; huge counts in powers of ten."""
    assert [format_bytes(n) for n in (0, 999, 1000, 9_500, 10_000, 10**6, 9.5e6, 12e9)] == [
        "0 bytes",
        "999 bytes",
        "1.0 KB",
        "9.5 KB",
        "10 KB",
        "1.0 MB",
        "9.5 MB",
        "12 GB",
    ]
    assert [format_work(n) for n in (0, 1234, 1e12 - 1, 1e12, 3.4e15)] == [
        "0",
        "1,234",
        "999,999,999,999",
        "1.0e+12",
        "3.4e+15",
    ]


def test_a_budget_names_what_ran_out_and_where() -> None:
    """Bytes or multiply-adds past a limit, in this budget or a parent, name both."""
    own = Budget(max_bytes=100, max_work=10, max_seconds=None)
    own.charge(100, 10, "X @ W")  # exactly at the limits
    with pytest.raises(ExpressionError) as bytes_out:
        own.charge(1, 0, "X @ W")
    assert str(bytes_out.value) == (
        "this needs more than 101 bytes of arrays at X @ W; the limit is 100 bytes"
    )
    assert bytes_out.value.kind == "limit"
    lesson = Budget("the lesson", max_bytes=None, max_work=10)
    plot = lesson.open("this plot", max_work=100)
    with pytest.raises(ExpressionError) as work_out:
        plot.charge(0, 11)
    assert str(work_out.value) == "the lesson needs more than 11 multiply-adds; the limit is 10"
    assert (plot.work, lesson.work) == (11, 11)


def test_time_spent_in_finished_units_counts_against_the_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A lesson's seconds add up over its blocks; the next check past the limit stops."""
    clock = {"now": 100.0}
    monkeypatch.setattr(budget_module.time, "monotonic", lambda: clock["now"])
    lesson = Budget("the lesson's blocks and plots", max_seconds=0.5)
    block = lesson.open()
    clock["now"] += 0.4
    block.close()
    assert lesson.seconds == pytest.approx(0.4)
    second = lesson.open()
    clock["now"] += 0.1  # 0.4 + 0.1: at the limit, not past it
    second.check()
    clock["now"] += 0.05
    with pytest.raises(ExpressionError) as caught:
        second.check()
    assert str(caught.value) == "the lesson's blocks and plots takes longer than 0.5 s, the limit"
    alone = Budget(max_seconds=1.0)
    clock["now"] += 1.5
    with pytest.raises(ExpressionError, match="^this takes longer than 1 s, the limit$"):
        alone.check()


def test_a_child_inherits_its_parents_cancel_flag() -> None:
    """A scratchpad's cancel flag stops every evaluation opened under it."""
    stop = {"now": False}
    parent = Budget(cancelled=lambda: stop["now"])
    child = parent.open()
    child.check()
    stop["now"] = True
    with pytest.raises(Cancelled):
        child.check()
    with pytest.raises(Cancelled):
        child.charge(0, 0)
    assert Budget(parent=Budget()).cancelled is None


# -- the built-in functions ----------------------------------------------------


def numbers() -> Environment:
    """X has negative entries, so relu, step, abs and log can each be told apart."""
    names = Environment(seed=3)
    run_block("X = array([[1, -2], [3, -4]])\nv = array([1, 2, 3])\nn = 2", names)
    names.define("Z", np.zeros((2, 0)))
    return names


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("relu(X)", [[1.0, 0.0], [3.0, 0.0]]),
        ("sigmoid(X)", (1 / (1 + np.exp(-np.array([[1.0, -2.0], [3.0, -4.0]])))).tolist()),
        ("step(X)", [[1.0, 0.0], [1.0, 0.0]]),
        ("step(0)", 0.0),
        ("abs(X)", [[1.0, 2.0], [3.0, 4.0]]),
        ("exp(X) * exp(-X)", [[1.0, 1.0], [1.0, 1.0]]),
        ("log(exp(X))", [[1.0, -2.0], [3.0, -4.0]]),
        ("sqrt(X * X)", [[1.0, 2.0], [3.0, 4.0]]),
        ("tanh(0 * X)", [[0.0, 0.0], [0.0, 0.0]]),
        ("sum(X)", -2.0),
        ("sum(X, 0)", [4.0, -6.0]),
        ("sum(X, 1)", [-1.0, -1.0]),
        ("sum(X, -1)", [-1.0, -1.0]),
        ("sum(X, -2)", [4.0, -6.0]),
        ("mean(X)", -0.5),
        ("mean(X, 0)", [2.0, -3.0]),
        ("mean(X, 1)", [-0.5, -0.5]),
        ("mean(Z, 0)", []),
        ("sum(Z)", 0.0),
        ("multiply(X, X)", [[1.0, 4.0], [9.0, 16.0]]),
        ("maximum(X, 0)", [[1.0, 0.0], [3.0, 0.0]]),
        ("maximum(-1, X)", [[1.0, -1.0], [3.0, -1.0]]),
        ("power(X, 2)", [[1.0, 4.0], [9.0, 16.0]]),
        ("power(X, -1)", [[1.0, -0.5], [1 / 3, -0.25]]),
        ("outer(v, v)", [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]]),
        ("dot(X, X)", [[-5.0, 6.0], [-9.0, 10.0]]),
        ("reshape(v, (3, 1))", [[1.0], [2.0], [3.0]]),
        ("reshape(X, -1)", [1.0, -2.0, 3.0, -4.0]),
        ("reshape(X, (n, -1))", [[1.0, -2.0], [3.0, -4.0]]),
        ("reshape(X.T, (4,))", [1.0, 3.0, -2.0, -4.0]),
        ("transpose(X)", [[1.0, 3.0], [-2.0, -4.0]]),
        ("ones(n)", [1.0, 1.0]),
        ("zeros((1, 3))", [[0.0, 0.0, 0.0]]),
        ("ones_like(X)", [[1.0, 1.0], [1.0, 1.0]]),
        ("zeros_like(v)", [0.0, 0.0, 0.0]),
        ("eye(2)", [[1.0, 0.0], [0.0, 1.0]]),
        ("ndim(X)", 2.0),
        ("ndim(v)", 1.0),
        ("shape(X)", [2.0, 2.0]),
        ("shape(v)", [3.0]),
        ("ones(ndim(X) + 1)", [1.0, 1.0, 1.0]),
        ("ones((n, n + 1))", [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]),
        ("ones(n * 1.5)", [1.0, 1.0, 1.0]),
        ("ones(n / 2)", [1.0]),
        ("ones(n - 1)", [1.0]),
        ("array([[1, 2], [3, 4.5]])", [[1.0, 2.0], [3.0, 4.5]]),
        ("array(-2)", -2.0),
        ("einsum('ij->ji', X)", [[1.0, 3.0], [-2.0, -4.0]]),
        ("einsum('ii->i', X)", [1.0, -4.0]),
        ("einsum('ij,jk', X, X)", [[-5.0, 6.0], [-9.0, 10.0]]),
        ("ones((2, 3)) @ ones(3) + shape(ones((4, 5)))", [7.0, 8.0]),
    ],
)
def test_each_built_in_computes_what_numpy_would(source: str, expected: object) -> None:
    """Values a learner checks by hand, on inputs where a wrong function shows."""
    value = evaluate(source, numbers()).value
    assert value.shape == np.shape(expected)
    assert np.allclose(value, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("source", "kind", "expected"),
    [
        ("mean(Z)", "math", "column 1: mean(Z): the mean of an empty array is undefined"),
        ("mean(Z, 1)", "math", "column 1: mean(Z, 1): the mean of an empty array is undefined"),
        (
            "log(X)",
            "math",
            "column 1: log(X) has no real value here (the square root or log of "
            "a negative number, or 0/0)",
        ),
        (
            "1 + sqrt(X)",
            "math",
            "column 5: sqrt(X) has no real value here (the square root or "
            "log of a negative number, or 0/0)",
        ),
        (
            "exp(1000)",
            "math",
            "column 1: exp(1000) overflows: a result is too large for a float (over about 1.8e308)",
        ),
        (
            "2 * exp(v * 300)",
            "math",
            "column 5: exp(v * 300) overflows: a result is too large "
            "for a float (over about 1.8e308)",
        ),
        ("X / 0", "math", "column 1: X / 0 divides by zero (or takes the log of 0)"),
        (
            "0/0",
            "math",
            "column 1: 0/0 has no real value here (the square root or log of a "
            "negative number, or 0/0)",
        ),
        ("ones(2 / 0)", "math", "column 6: 2 / 0 divides by zero (or takes the log of 0)"),
        (
            "randint(0.5, 2, 3)",
            "math",
            "column 1: randint(0.5, 2, 3): randint needs whole numbers low < high, not 0.5 and 2",
        ),
        (
            "randint(1, 1.5, 3)",
            "math",
            "column 1: randint(1, 1.5, 3): randint needs whole numbers low < high, not 1 and 1.5",
        ),
        (
            "randint(2, 2, 3)",
            "math",
            "column 1: randint(2, 2, 3): randint needs whole numbers low < high, not 2 and 2",
        ),
        (
            "randint(-2 * 1e15, 0, 3)",
            "math",
            "column 1: randint(-2 * 1e15, 0, 3): randint draws "
            "whole numbers within ±1e+15, not from -2e+15 to 0",
        ),
        (
            "uniform(2, 1, 2)",
            "math",
            "column 1: uniform(2, 1, 2): uniform needs low < high, not 2 and 1",
        ),
        (
            "uniform(1, 1, 2)",
            "math",
            "column 1: uniform(1, 1, 2): uniform needs low < high, not 1 and 1",
        ),
        (
            "array([[1, 2], [3]])",
            "shape",
            "column 7: [[1, 2], [3]]: every row must have the same length",
        ),
        (
            "array([1, X])",
            "forbidden",
            "column 11: X must be a number known before computing "
            "(written out, or a name holding a number)",
        ),
        (
            "randn(v)",
            "forbidden",
            "column 7: v must be a number known before computing (written "
            "out, or a name holding a number)",
        ),
        (
            "sum(X, n)",
            "shape",
            "column 1: shape mismatch in sum(X, n): axis 2 is out of range for "
            "X of shape (2,2) (its axes are 0, 1)",
        ),
        (
            "sum(X, -3)",
            "shape",
            "column 1: shape mismatch in sum(X, -3): axis -3 is out of range "
            "for X of shape (2,2) (its axes are 0, 1)",
        ),
        (
            "mean(v, 1)",
            "shape",
            "column 1: shape mismatch in mean(v, 1): axis 1 is out of range "
            "for v of shape (3,) (its axes are 0)",
        ),
        (
            "sum(2, 0)",
            "shape",
            "column 1: shape mismatch in sum(2, 0): axis 0 is out of range "
            "for 2 of shape () (its axes are none)",
        ),
        ("sum(X, 0.5)", "shape", "column 8: 0.5 must be a whole number, not 0.5"),
        ("ones((2.5, 2))", "shape", "column 7: 2.5 must be a whole number of at least 1, not 2.5"),
        ("ones((0, 2))", "shape", "column 7: 0 must be a whole number of at least 1, not 0"),
        ("eye(-1)", "shape", "column 5: -1 must be a whole number of at least 1, not -1"),
        (
            "reshape(X, (0, -1))",
            "shape",
            "column 13: 0 must be a whole number of at least 1 (or -1), not 0",
        ),
        (
            "reshape(X, (-2, 2))",
            "shape",
            "column 13: -2 must be a whole number of at least 1 (or -1), not -2",
        ),
        (
            "reshape(X, (1.5, -1))",
            "shape",
            "column 13: 1.5 must be a whole number of at least 1 (or -1), not 1.5",
        ),
        (
            "reshape(X, (3, -1))",
            "shape",
            "column 1: shape mismatch in reshape(X, (3, -1)): X has "
            "4 numbers, which do not fill (3,-1)",
        ),
        (
            "reshape(Z, (-1, 2, -1))",
            "shape",
            "column 1: shape mismatch in reshape(Z, (-1, 2, -1)): "
            "reshape takes at most one -1 in the new shape",
        ),
        (
            "reshape(X, (5,))",
            "shape",
            "column 1: shape mismatch in reshape(X, (5,)): X of shape "
            "(2,2) has 4 numbers, but (5,) holds 5",
        ),
        (
            "reshape(X, (2, 3))",
            "shape",
            "column 1: shape mismatch in reshape(X, (2, 3)): X of "
            "shape (2,2) has 4 numbers, but (2,3) holds 6",
        ),
        ("ones((2, 3, 1, 1, 1, 1, 1, 1, 1))", "limit", "column 6: a shape of 9 axes: at most 8"),
        (
            "ones((1000, 1001))",
            "limit",
            "column 1: ones((1000, 1001)) would make an array of "
            "shape (1000,1001), 1,001,000 numbers; the limit is 1,000,000",
        ),
        (
            "ones(1000001)",
            "limit",
            "column 6: 1000001 is 1,000,001, larger than any array may be (1,000,000 numbers)",
        ),
        (
            "ones(-1000001)",
            "shape",
            "column 6: -1000001 must be a whole number of at least 1, not -1e+06",
        ),
        (
            "sum(X, 1000001)",
            "limit",
            "column 8: 1000001 is 1,000,001, larger than any array may be (1,000,000 numbers)",
        ),
        (
            "uniform(X, 1, 2)",
            "shape",
            "column 9: X must be a single number here, not an array of shape (2,2)",
        ),
        (
            "randint(0, v, 2)",
            "shape",
            "column 12: v must be a single number here, not an array of shape (3,)",
        ),
        (
            "randn(2, 2, 2)",
            "syntax",
            "column 1: randn takes 1 to 2 arguments, not 3: write randn(r, c)",
        ),
        ("tanh()", "syntax", "column 1: tanh takes 1 argument, not 0: write tanh(X)"),
        ("np.dot(X)", "syntax", "column 1: np.dot takes 2 arguments, not 1: write dot(A, B)"),
        (
            "v + (X, X)",
            "forbidden",
            "column 5: (X, X): a list or tuple can only be an argument of "
            "array, reshape, ones, zeros, randint or uniform",
        ),
    ],
)
def test_a_built_in_refuses_bad_arguments_with_the_reason(
    source: str, kind: str, expected: str
) -> None:
    """Every argument check of the built-ins, by its words and column."""
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, numbers())
    assert (caught.value.kind, str(caught.value)) == (kind, expected)


def test_random_constructors_draw_from_the_environments_generator() -> None:
    """Same seed, same numbers, in NumPy's own order; ranges and whole numbers hold."""
    names = Environment(seed=7)
    reference = np.random.default_rng(7)
    assert np.array_equal(evaluate("randn(2, 3)", names).value, reference.standard_normal((2, 3)))
    assert np.array_equal(evaluate("rand(4)", names).value, reference.random((4,)))
    assert np.array_equal(
        evaluate("randint(-3, 3, (2, 2))", names).value, reference.integers(-3, 3, (2, 2))
    )
    assert np.array_equal(
        evaluate("uniform(-1, 2, 5)", names).value, reference.uniform(-1.0, 2.0, (5,))
    )
    drawn = evaluate("randint(5, 7, 200)", names).value
    assert set(drawn.tolist()) == {5.0, 6.0}


# -- the static pass: user functions, costs, strict mode -----------------------


def functions_env() -> Environment:
    names = Environment(seed=3)
    run_block(
        "X = ones((2, 3))\nW = ones((3, 4))\nb = ones((1, 4))\nf(x) = x @ W\ng(x) = f(x) + b\n"
        "h(x, y) = x * y\nbad(x) = x @ x\nsq(x) = x ** 2\n"
        "m(x) = ones((1000, 1000)) @ ones((1000, 7)) * x\nb2(x) = ones((1000, 1000)) * x",
        names,
    )
    return names


@pytest.mark.parametrize(
    ("source", "kind", "expected"),
    [
        (
            "1 + bad(X)",
            "shape",
            "column 5: in bad (called by bad(X)): shape mismatch in x @ x: "
            "(2,3) @ (2,3): x has 3 columns but x has 2 rows (the inner dimensions must be equal). "
            "Did you mean x.T @ x? That is (3,2) @ (2,3) -> (3,3)",
        ),
        (
            "g(W)",
            "shape",
            "column 1: in g (called by g(W)): shape mismatch in x @ W: (3,4) @ "
            "(3,4): x has 4 columns but W has 3 rows (the inner dimensions must be equal). Did you "
            "mean x.T @ W? That is (4,3) @ (3,4) -> (4,4)",
        ),
        ("h(X)", "syntax", "column 1: h takes 2 arguments, not 1: write h(x, y)"),
        ("sq(1, 2)", "syntax", "column 1: sq takes 1 argument, not 2: write sq(x)"),
        (
            "m(1) + m(2) + m(3)",
            "limit",
            "column 1: in m (called by m(1)): this needs 24,056,000 "
            "multiply-adds; the limit is 20,000,000 (most of it is ones((1000, 1000)) @ "
            "ones((1000, 7)): 7,000,000 each time, 3 times)",
        ),
        (
            " + ".join(f"b2({i})" for i in range(11)),
            "limit",
            "column 1: in b2 (called by b2(0)): "
            "this needs 32,000,000 multiply-adds; the limit is 20,000,000 (most of it is "
            "ones((1000, 1000)): 1,000,000 each time, 11 times)",
        ),
        (
            "2 * sum(ones((1000, 1000)) @ ones((1000, 30)))",
            "limit",
            "column 9: this needs "
            "31,060,001 multiply-adds; the limit is 20,000,000 (most of it is ones((1000, 1000)) @ "
            "ones((1000, 30)): 30,000,000)",
        ),
        (
            "W1",
            "unknown-name",
            "column 1: unknown name W1. Did you mean W? The names defined here are W, X, b",
        ),
        (
            "w",
            "unknown-name",
            "column 1: unknown name w. Did you mean W? The names defined here are W, X, b",
        ),
        ("g", "unknown-name", "column 1: g is a function; call it, as in g(X)"),
        ("sum", "unknown-name", "column 1: sum is a function; call it, as in sum(X)"),
        (
            "ones(sum(X))",
            "forbidden",
            "column 6: sum(X) must be a number known before computing "
            "(written out, or a name holding a number)",
        ),
        (
            "ones(rand(1))",
            "forbidden",
            "column 6: rand(1) must be a number known before computing "
            "(written out, or a name holding a number)",
        ),
        (
            "ones(X)",
            "forbidden",
            "column 6: X must be a number known before computing (written "
            "out, or a name holding a number)",
        ),
        (
            "einsum(X, X)",
            "forbidden",
            "column 8: einsum's first argument is its subscripts in "
            "quotes, as in einsum('ij,jk->ik', A, B), not X",
        ),
    ],
)
def test_static_pass_refusals_name_the_function_and_the_cost(
    source: str, kind: str, expected: str
) -> None:
    """Errors inside a user function say so and point at the call; costs name the worst part."""
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, functions_env())
    assert (caught.value.kind, str(caught.value)) == (kind, expected)


def test_a_parameter_named_like_a_function_is_not_a_value_outside_the_body() -> None:
    """Inside f, x is the argument; outside, an unknown x suggests the names there are."""
    names = functions_env()
    with pytest.raises(ExpressionError) as caught:
        evaluate("f(X) + x", names)
    assert str(caught.value) == (
        "column 8: unknown name x. Did you mean X? The names defined here are W, X, b"
    )
    empty = Environment()
    with pytest.raises(ExpressionError) as nothing:
        evaluate("Y", empty)
    assert str(nothing.value) == "column 1: unknown name Y. No names are defined yet"


def test_user_functions_compute_in_place_and_show_one_step_per_call() -> None:
    """A call's body runs, but only the call is a step of the trace."""
    names = functions_env()
    trace = evaluate("sq(X) @ W", names)
    assert trace.lines() == ["sq(X)       sq (2,3) -> (2,3)", "sq(X) @ W   (2,3) @ (3,4) -> (2,4)"]
    assert trace.value.tolist() == [[3.0] * 4] * 2
    assert evaluate("g(X)", names).value.tolist() == [[4.0] * 4] * 2
    assert evaluate("h(X, 3)", names).value.tolist() == [[3.0] * 3] * 2
    assert evaluate("ones(sq(2))", names).shape == (4,)  # a number known through a function
    assert evaluate("ones(h(2, 3))", names).shape == (6,)
    assert evaluate("m(1) + m(2)", names).shape == (1000, 7)


def test_user_functions_may_nest_sixteen_deep_and_no_deeper() -> None:
    """The call-depth cap: f15 calls fifteen functions below it; f16 is one too many."""
    names = Environment()
    chain = ["f0(x) = x + 1", *(f"f{i}(x) = f{i - 1}(x) + 1" for i in range(1, 17))]
    run_block("\n".join(chain), names)
    assert evaluate("f15(1)", names).value == 17.0
    with pytest.raises(ExpressionError) as caught:
        evaluate("2 * f16(1)", names)
    assert str(caught.value) == (
        "column 5: in f16 (called by f16(1)): user functions call each other more than 16 deep"
    )


def test_a_function_that_doubles_at_each_level_is_stopped_by_the_operation_cap() -> None:
    """2,000 operations at most, counted with every body expanded."""
    names = Environment()
    doubling = ["d0(x) = x + x", *(f"d{i}(x) = d{i - 1}(x) + d{i - 1}(x)" for i in range(1, 11))]
    run_block("\n".join(doubling), names)
    assert evaluate("d8(1)", names).value == 512.0
    with pytest.raises(ExpressionError) as caught:
        evaluate("d10(1)", names)
    assert str(caught.value) == (
        "column 1: in d10 (called by d10(1)): the expression expands to more than 2,000 operations"
    )
    with pytest.raises(ExpressionError, match="expands to more than 2,000 operations"):
        evaluate("ones(d10(1))", names)  # counted while computing a shape too


def test_a_shape_error_carries_the_steps_computed_before_it() -> None:
    """The trace shows how far it got; a too costly beginning is not computed."""
    names = functions_env()
    with pytest.raises(ExpressionError) as caught:
        evaluate("(X @ W) + ones((3, 4))", names)
    assert [step.source for step in caught.value.steps] == ["X @ W", "ones((3, 4))"]
    assert caught.value.steps[0].value.tolist() == [[3.0] * 4] * 2
    with pytest.raises(ExpressionError) as costly:
        evaluate("ones((1000, 1000)) @ ones((1000, 30)) + X", names)
    assert costly.value.kind == "shape" and costly.value.steps == ()
    with pytest.raises(ExpressionError) as first:
        evaluate("X @ X", names)
    assert first.value.steps == ()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "X @ W + b",
            "column 1: X @ W + b stretches b (1,4) to (2,4) (broadcasting); here both "
            "sides must have the same shape",
        ),
        (
            "X * ones((2, 1))",
            "column 1: X * ones((2, 1)) stretches ones((2, 1)) (2,1) to (2,3) "
            "(broadcasting); here both sides must have the same shape",
        ),
        (
            "ones((2, 1)) - X",
            "column 1: ones((2, 1)) - X stretches ones((2, 1)) (2,1) to (2,3) "
            "(broadcasting); here both sides must have the same shape",
        ),
        (
            "1 + maximum(X, ones(3))",
            "column 5: maximum(X, ones(3)) stretches ones(3) (3,) to "
            "(2,3) (broadcasting); here both sides must have the same shape",
        ),
        (
            "ones((2, 1)) + ones((1, 3))",
            "column 1: ones((2, 1)) + ones((1, 3)) stretches "
            "ones((2, 1)) (2,1), ones((1, 3)) (1,3) to (2,3) (broadcasting); here both sides must "
            "have the same shape",
        ),
    ],
)
def test_strict_mode_refuses_a_stretched_array_but_not_a_number(source: str, expected: str) -> None:
    """Quizzes grade in strict mode: broadcasting an array would hide a wrong answer."""
    names = functions_env()
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, names, strict=True)
    assert (caught.value.kind, str(caught.value)) == ("shape", expected)
    assert any(step.broadcast for step in evaluate(source, names).steps)  # shown when not strict


def test_strict_mode_accepts_numbers_and_equal_shapes() -> None:
    """A number times an array, and arrays of one shape, are not broadcasting."""
    names = functions_env()
    assert evaluate("2 * X + X", names, strict=True).value.tolist() == [[3.0] * 3] * 2
    assert evaluate("maximum(X, 0)", names, strict=True).shape == (2, 3)
    assert not evaluate("X + 1", names).steps[0].broadcast
    assert evaluate("X + ones(3)", names).steps[-1].broadcast


def test_the_static_pass_alone_gives_shapes_and_costs() -> None:
    """infer_shapes and plan_cost know every shape without a number, and refuse the same."""
    assert infer_shapes("X @ W + b", {"X": (2, 3), "W": (3, 4), "b": (1, 4)}) == [
        ("X @ W", (2, 4)),
        ("X @ W + b", (2, 4)),
    ]
    assert infer_shapes("  tanh(X) * 2", {"X": [2, 3]}) == [
        ("tanh(X)", (2, 3)),
        ("tanh(X) * 2", (2, 3)),
    ]
    with pytest.raises(ExpressionError) as caught:
        infer_shapes("  X @ X", {"X": (2, 3)})
    assert str(caught.value).startswith("column 3: shape mismatch in X @ X: (2,3) @ (2,3)")
    with pytest.raises(ExpressionError) as unknown:
        infer_shapes("n + randn(n, 2)", {"n": ()})
    assert str(unknown.value) == (
        "column 11: n must be a number known before computing (written out, or a name holding "
        "a number)"
    )
    with pytest.raises(ExpressionError) as costly:
        infer_shapes("A @ A", {"A": (1000, 1000)})
    assert costly.value.kind == "limit"
    with pytest.raises(ExpressionError) as costly_plan:
        plan_cost(" A @ A", {"A": (1000, 1000)})
    assert str(costly_plan.value) == (
        "column 2: this needs 1,000,000,000 multiply-adds; the limit is 20,000,000 (most of it "
        "is A @ A: 1,000,000,000)"
    )
    assert plan_cost("  A.T @ A", {"A": (4, 3)}) == (36, 72)


@pytest.mark.parametrize(
    ("code", "caret"),
    [
        ("f(x,) = x", "  ^"),
        ("f(x, x) = x", "  ^"),
        ("f(a,b,c,d,e,g,h,i,j) = a", "  ^"),
        ("f(_x) = 1", "  ^"),
        ("f(x) = f(x)", "       ^"),
        ("f(x) = zz", "       ^"),
        ("  if(x) = 1", "  ^"),
        ("A[0] = 1", "     ^"),
        ("B = Q", "    ^"),
        ("f(x) = x +", "          ^"),
        ("g(x)= np.g(x)", "      ^"),
    ],
)
def test_one_statement_on_its_own_points_its_caret_into_its_own_text(code: str, caret: str) -> None:
    """run_statement (the scratchpad's one line) keeps the line, so caret() can be drawn."""
    with pytest.raises(ExpressionError) as caught:
        run_statement(code, Environment(), 4)
    assert caught.value.source == code
    assert caught.value.caret() == f"{code}\n{caret}"


def test_a_caret_keeps_the_line_as_written_and_drops_only_its_line_break() -> None:
    """Trailing spaces are part of what the learner typed; the newline is not."""
    error = ExpressionError("syntax", "here", column=2, source="a b  \n")
    assert error.caret() == "a b  \n ^"
    assert ExpressionError("syntax", "x", source="a b  \n").caret() == "a b  "
    with pytest.raises(ValueError, match="unknown expression error kind 'oops'"):
        ExpressionError("oops", "x")
    assert ExpressionError("limit", "too big").exit_code == 2
    assert ExpressionError("math", "overflow").exit_code == 1


# -- the plan cache --------------------------------------------------------------


def key(source: str, strict: bool = False, functions: frozenset[str] = frozenset()) -> tuple:
    """The cache key of an expression evaluated on its own line (no offset)."""
    return (source, functions, 0, source, strict)


def with_width(width: int) -> Environment:
    names = Environment()
    names.define("A", np.ones((1, width)))
    return names


def test_eight_shapes_of_one_expression_are_kept_and_the_least_recent_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ninth shape pushes out the plan used longest ago, not one just reused."""
    monkeypatch.setattr(plan_cache, "PLANS", plan_cache.PlanCache())
    monkeypatch.setattr(evaluate_module, "PLANS", plan_cache.PLANS)
    for width in range(1, 9):
        evaluate("A + 1", with_width(width))
    assert all(plan_cache.PLANS.find(key("A + 1"), with_width(w)) for w in range(1, 9))
    # Found in that order, width 1 became the oldest; finding it again makes it the newest.
    assert plan_cache.PLANS.find(key("A + 1"), with_width(1)) is not None
    evaluate("A + 1", with_width(9))
    assert plan_cache.PLANS.find(key("A + 1"), with_width(2)) is None
    assert plan_cache.PLANS.find(key("A + 1"), with_width(1)) is not None
    assert plan_cache.PLANS.find(key("A + 1"), with_width(9)) is not None
    found = plan_cache.PLANS.find(key("A + 1"), with_width(3))
    assert found is not None and found[0][-1].shape == (1, 3)


def test_the_cache_is_emptied_when_it_holds_too_many_expressions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """2,048 expressions at most; the next one starts the cache afresh."""
    cache = plan_cache.PlanCache()
    monkeypatch.setattr(evaluate_module, "PLANS", cache)
    names = with_width(2)
    assert cache.find(key("A + 1"), names) is None  # a new cache holds nothing
    evaluate("A + 1", names)
    for number in range(2, plan_cache.MAX_EXPRESSIONS + 1):
        evaluate(f"A + {number}", names)
    assert cache.find(key("A + 1"), names) is not None
    evaluate("A + 0", names)
    assert cache.find(key("A + 1"), names) is None
    assert cache.find(key("A + 0"), names) is not None
    cache.clear()
    assert cache.find(key("A + 0"), names) is None


def test_a_plan_is_kept_per_strictness_and_found_only_where_its_lookups_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same text in strict mode, or with a function redefined, is another plan."""
    cache = plan_cache.PlanCache()
    monkeypatch.setattr(evaluate_module, "PLANS", cache)
    names = Environment()
    run_block("A = ones((2, 2))\nn = 2\nf(x) = x * n", names)
    F = frozenset({"f"})  # noqa: N806 (the key's set of function names)
    evaluate("f(A) + ones(n)", names)
    assert cache.find(key("f(A) + ones(n)", functions=F), names) is not None
    assert cache.find(key("f(A) + ones(n)", strict=True, functions=F), names) is None
    other_n = names.copy()
    other_n.define("n", 3.0)
    assert cache.find(key("f(A) + ones(n)", functions=F), other_n) is None
    other_f = names.copy()
    run_block("f(x) = x * 2", other_f)
    assert cache.find(key("f(A) + ones(n)", functions=F), other_f) is None
    same_f = Environment()  # the same block run again: equal definitions reuse the plan
    run_block("A = ones((2, 2))\nn = 2\nf(x) = x * n", same_f)
    assert cache.find(key("f(A) + ones(n)", functions=F), same_f) is not None
    no_a = Environment()
    run_block("n = 2\nf(x) = x * n", no_a)
    assert cache.find(key("f(A) + ones(n)", functions=F), no_a) is None
    vector_n = names.copy()
    vector_n.define("n", np.ones(1))
    assert cache.find(key("f(A) + ones(n)", functions=F), vector_n) is None


# -- suggestions and einsum's subscripts -----------------------------------------


def test_fixes_and_suggestions_are_written_as_a_learner_would_type_them() -> None:
    """A transposed bracket loses its .T, a near-miss name is suggested, 10 is a legal power."""
    names = Environment(seed=1)
    run_block("A = ones((2, 3))\nC = ones((2, 4))\nE = ones((4, 2))\ndelta = 1", names)
    assert message("(A.T @ C).T @ E", names) == (
        "column 1: shape mismatch in (A.T @ C).T @ E: (4,3) @ (4,2): (A.T @ C).T has 3 columns "
        "but E has 4 rows (the inner dimensions must be equal). Did you mean (A.T @ C) @ E? "
        "That is (3,4) @ (4,2) -> (3,2)"
    )
    assert message("A @ ones(4)", names) == (
        "column 1: shape mismatch in A @ ones(4): (2,3) @ (4,): the last dimension of A (3) "
        "must equal the length of ones(4) (4)"
    )
    assert message("dt", names) == (
        "column 1: unknown name dt. Did you mean delta? The names defined here are A, C, E, delta"
    )
    assert evaluate("A ** 10 + A ** -10", names).value.tolist() == [[2.0] * 3] * 2
    assert evaluate("power(A, 10)", names).shape == (2, 3)


@pytest.mark.parametrize(
    ("source", "kind", "expected"),
    [
        (
            "einsum('ij->ii', X)",
            "syntax",
            "column 14: the letter i appears twice after '->'; an "
            "output letter appears once at most",
        ),
        (
            "einsum('i j->j j', X)",
            "syntax",
            "column 16: the letter j appears twice after '->'; an "
            "output letter appears once at most",
        ),
        (
            "einsum('ij->iz', X)",
            "syntax",
            "column 14: the output letter z of einsum is in none of "
            "the input terms; every output axis must come from an input",
        ),
        (
            "einsum('...i...', X)",
            "forbidden",
            "column 9: '...' (an ellipsis) is not supported in "
            "einsum subscripts here; name every axis with its own letter",
        ),
        (
            "einsum('ij,jk', X)",
            "syntax",
            "column 8: einsum subscripts 'ij,jk' have 2 terms before "
            "'->' (separated by ',') but 1 array follows; write one term per array",
        ),
        (
            "einsum('i', X, X, X)",
            "syntax",
            "column 8: einsum subscripts 'i' have 1 term before "
            "'->' (separated by ',') but 3 arrays follow; write one term per array",
        ),
        ("einsum('ij->i->', X)", "syntax", "column 14: einsum subscripts have at most one '->'"),
        (
            "einsum('i-j', X)",
            "syntax",
            "column 10: einsum subscripts are letters, ',' and '->' "
            "only; '-' and '>' go together as '->'",
        ),
        (
            "einsum('i>j', X)",
            "syntax",
            "column 10: einsum subscripts are letters, ',' and '->' "
            "only; '-' and '>' go together as '->'",
        ),
        (
            "einsum('i1', X)",
            "syntax",
            "column 10: einsum subscripts are letters, ',' and '->' only; '1' is not one of them",
        ),
        (
            "einsum('abcdefghi', X)",
            "limit",
            "column 8: einsum subscripts 'abcdefghi' use 9 different letters; at most 8",
        ),
        (
            "einsum('ijk', X)",
            "shape",
            "column 1: shape mismatch in einsum('ijk', X): the term "
            "'ijk' names 3 axes but X (2,2) has 2 axes; write one letter per axis",
        ),
        (
            "einsum('i,j', v, X)",
            "shape",
            "column 1: shape mismatch in einsum('i,j', v, X): the "
            "term 'j' names 1 axis but X (2,2) has 2 axes; write one letter per axis",
        ),
        (
            "einsum('ii', ones((2, 3)))",
            "shape",
            "column 1: shape mismatch in einsum('ii', "
            "ones((2, 3))): the letter i names two axes of ones((2, 3)) (2,3), of lengths 2 and 3; "
            "a repeated letter (a diagonal) needs axes of the same length",
        ),
    ],
)
def test_einsum_subscripts_are_refused_at_the_character_at_fault(
    source: str, kind: str, expected: str
) -> None:
    """The caret lands on the character inside the quotes that is wrong."""
    names = Environment(seed=1)
    run_block("X = randn(2, 2)\nv = ones(3)", names)
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, names)
    assert (caught.value.kind, str(caught.value)) == (kind, expected)


def test_einsum_reads_spaces_implicit_outputs_and_eight_letters_as_numpy_does() -> None:
    """Without '->' the output is the single letters in order, capitals first: 'bA' is A.T."""
    names = Environment(seed=1)
    run_block("X = randn(2, 2)\nY = randn(2, 3)", names)
    x, y = names.values["X"], names.values["Y"]
    assert np.array_equal(evaluate("einsum('bA', X)", names).value, x.T)
    assert np.array_equal(evaluate("einsum('ab', X)", names).value, x)
    assert np.array_equal(evaluate("einsum('ij,jk', X, Y)", names).value, np.einsum("ij,jk", x, y))
    assert np.array_equal(evaluate("einsum('iB,Bj', X, Y)", names).value, np.einsum("ij,jk", x, y))
    assert np.array_equal(evaluate("einsum('ii', X)", names).value, np.trace(x))
    spaced = evaluate("einsum(' i j , j k -> k i ', X, Y)", names).value
    assert np.allclose(spaced, (x @ y).T, rtol=1e-15, atol=0)
    eight = evaluate("einsum('abcdefgh,h->a', ones((1,1,1,1,1,1,1,2)), ones(2))", names)
    assert eight.value.tolist() == [2.0]


def test_einsum_computes_by_the_plain_loop_it_was_costed_for() -> None:
    """Bit for bit NumPy's unoptimised einsum, and a relabelled stored value is one copy."""
    names = Environment(seed=6)
    run_block("A = randn(20, 20)\nB = randn(20, 20)\nC = randn(20, 20)", names)
    a, b, c = (names.values[name] for name in "ABC")
    value = evaluate("einsum('ij,jk,kl->il', A, B, C)", names).value
    assert np.array_equal(value, np.einsum("ij,jk,kl->il", a, b, c, optimize=False))
    budget = Budget()
    same = evaluate("einsum('ij->ij', A)", names, budget=budget)
    assert np.array_equal(same.value, a) and same.value.flags.writeable
    assert budget.bytes == a.nbytes  # the copy einsum's result is, and nothing more


def test_a_child_budget_is_named_and_limited_by_its_own_words_and_limits() -> None:
    """open() gives a plot its own name and caps, under the lesson's."""
    lesson = Budget("the lesson", max_work=1000)
    plot = lesson.open("this plot", max_work=5, max_bytes=None)
    assert plot.max_bytes is None
    with pytest.raises(ExpressionError) as caught:
        plot.charge(0, 6)
    assert str(caught.value) == "this plot needs more than 6 multiply-adds; the limit is 5"


def test_steps_before_a_shape_error_are_charged_and_fail_as_they_would_when_run() -> None:
    """Computing the steps before a mismatch costs what they cost; if one of them fails
    numerically, that failure is what the learner sees, at its own column."""
    names = Environment()
    run_block("X = ones((2, 3))", names)
    budget = Budget()
    with pytest.raises(ExpressionError) as shape:
        evaluate("ones((2, 3)) + X @ X", names, budget=budget)
    assert [step.source for step in shape.value.steps] == ["ones((2, 3))"]
    assert budget.bytes == 48
    with pytest.raises(ExpressionError) as math:
        evaluate("2 * log(0 * X) + X @ X", names)
    assert math.value.kind == "math"
    assert math.value.caret() == "2 * log(0 * X) + X @ X\n    ^"


def test_a_known_number_may_itself_need_a_known_number() -> None:
    """ones(ndim(reshape(X, (2, 2)))): a shape inside a shape, and the rest still runs."""
    names = Environment()
    run_block("X = ones((2, 2))", names)
    trace = evaluate("ones(ndim(reshape(X, (2, 2)))) + 1", names)
    assert trace.value.tolist() == [2.0, 2.0]
    assert trace.lines() == [
        "ones(ndim(reshape(X, (2, 2))))       ones -> (2,)",
        "ones(ndim(reshape(X, (2, 2)))) + 1   (2,) + () -> (2,)",
    ]


def test_a_transpose_is_a_view_only_while_one_axis_at_most_is_longer_than_one() -> None:
    """reshape of a transposed row costs nothing; of a transposed square, a copy."""
    assert plan_cost("reshape(X.T, (-1,))", {"X": (1, 3)}) == (0, 0)
    assert plan_cost("reshape(transpose(X), (-1,))", {"X": (1, 3)}) == (0, 0)
    assert plan_cost("reshape(X.T, (-1,))", {"X": (2, 2)}) == (4, 32)
    assert plan_cost("reshape(X.T, (-1,))", {"X": (3, 3)}) == (9, 72)
    names = Environment()
    run_block("v = ones(3)", names)
    assert message("einsum('ij', v)", names) == (
        "column 1: shape mismatch in einsum('ij', v): the term 'ij' names 2 axes but v (3,) has "
        "1 axis; write one letter per axis"
    )


def test_a_product_is_c_ordered_whatever_its_factors_were() -> None:
    """X.T @ W makes a new C-ordered array, so reshaping it is a view and costs nothing."""
    assert plan_cost("reshape(X.T @ W, (-1,))", {"X": (3, 2), "W": (3, 2)}) == (12, 32)


def test_a_failing_line_is_shown_as_written_without_its_line_ending() -> None:
    """CRLF is dropped; trailing spaces and the comment are kept, as the lesson has them."""
    for block, shown in (("A = 1\r\nB = Q  \r\n", "B = Q  "), ("A = 1\nB = Q   # why", None)):
        with pytest.raises(ExpressionError) as caught:
            run_block(block, Environment())
        expected = shown if shown is not None else block.split("\n")[1]
        assert caught.value.source == expected
        assert caught.value.line == 2
        assert caught.value.caret() == f"{expected}\n    ^"


def test_one_statement_is_line_one_and_points_into_itself() -> None:
    """run_statement alone: line 1 by default, and its target and storage errors have carets."""
    assert run_statement("1 + 1", Environment()).line == 1
    with pytest.raises(ExpressionError) as target:
        run_statement("_A = 1", Environment())
    assert target.value.caret() == "_A = 1\n^"
    with pytest.raises(ExpressionError) as stored:
        run_statement("  big = ones(13)", Environment(max_bytes=100))
    assert stored.value.caret() == "  big = ones(13)\n  ^"


def test_every_statement_of_a_block_is_charged_to_the_blocks_budget() -> None:
    """Bare expressions and assignments alike count against a lesson's budget."""
    budget = Budget()
    run_block("ones(3)\nA = zeros(2)", Environment(), budget=budget)
    assert (budget.bytes, budget.work) == (40, 5)


def test_too_many_bytes_are_refused_with_the_part_that_needs_most() -> None:
    """sigmoid makes three temporaries: five of them need more memory than one evaluation may."""
    source = "1 + " + " + ".join(["sigmoid(ones((1000, 1000)))"] * 5)
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, Environment())
    assert str(caught.value) == (
        "column 5: this needs 240 MB of arrays; the limit is 160 MB (most of it is "
        "sigmoid(ones((1000, 1000))): 32 MB each time, 5 times)"
    )
    assert plan_cost("sigmoid(X)", {"X": (10, 10)}) == (100, 3200)
    assert plan_cost("step(X)", {"X": (10, 10)}) == (100, 900)
    assert plan_cost("randint(0, 5, (10, 10))", {}) == (100, 1600)


def test_a_function_of_a_transposed_array_is_still_known_to_need_a_copy_to_reshape() -> None:
    """Refused totals are exact: reshaping idf(X.T) counts its copy (6), idf(X) none."""
    names = Environment()
    run_block(
        "X = ones((2, 3))\nW = ones((3, 4))\nidf(x) = x\nf(x) = x @ W\ng(x) = f(x) + 1", names
    )
    big = "sum(ones((1000, 1000)) @ ones((1000, 21)))"
    totals = {}
    for inner in ("idf(X.T)", "idf(X)"):
        with pytest.raises(ExpressionError) as caught:
            evaluate(f"{big} + sum(reshape({inner}, (-1,)))", names)
        totals[inner] = str(caught.value).split(" multiply-adds")[0]
    assert totals == {
        "idf(X.T)": "column 5: this needs 22,042,013",
        "idf(X)": "column 5: this needs 22,042,007",
    }
    # An error two functions deep points at the outer call and names the outer function.
    assert message("1 + g(W)", names) == (
        "column 5: in g (called by g(W)): shape mismatch in x @ W: (3,4) @ (3,4): x has 4 "
        "columns but W has 3 rows (the inner dimensions must be equal). Did you mean x.T @ W? "
        "That is (4,3) @ (3,4) -> (4,4)"
    )


@pytest.mark.parametrize(
    ("inner", "total"),
    [
        ("tanh(X)", "22,042,013"),  # C-ordered in, C-ordered out: reshaping is free
        ("tanh(X.T)", "22,042,019"),  # NumPy keeps the transposed layout: a copy of 6
        ("dot(X.T, W)", "22,042,037"),  # a product is C-ordered whatever its factors
        ("reshape(X, (3, 2))", "22,042,007"),  # a reshape of a C-ordered array stays one
        ("sum(S, 0)", "22,042,037"),  # sum over a C-ordered array: C-ordered
        ("sum(S.T, 2)", "22,042,049"),  # sum keeps its input's layout: a copy of 12
        ("ones(abs(-2))", "22,042,005"),  # abs(-2) is a number known before computing
    ],
)
def test_refused_totals_count_a_copy_exactly_where_numpy_makes_one(inner: str, total: str) -> None:
    """The static pass knows which results are C-ordered, so it counts reshape copies right."""
    names = Environment()
    run_block("X = ones((2, 3))\nW = ones((2, 4))\nS = ones((2, 3, 4))", names)
    big = "sum(ones((1000, 1000)) @ ones((1000, 21)))"
    with pytest.raises(ExpressionError) as caught:
        evaluate(f"{big} + sum(reshape({inner}, (-1,)))", names)
    assert str(caught.value).startswith(f"column 5: this needs {total} multiply-adds;")


def test_a_reshape_is_charged_what_numpy_really_copied() -> None:
    """The static pass assumes sum(X.T, 1) needs a copy to reshape; NumPy makes a view,
    and the run charges only the sum's own result."""
    names = Environment()
    run_block("X = ones((2, 3))", names)
    assert plan_cost("reshape(sum(X.T, 1), (-1,))", {"X": (2, 3)})[1] == 48
    budget = Budget()
    evaluate("reshape(sum(X.T, 1), (-1,))", names, budget=budget)
    assert budget.bytes == 24


def test_a_random_draw_shows_no_operands_and_a_built_in_of_numbers_folds() -> None:
    """uniform's bounds are numbers, not arrays the step shows; abs(-2) is known at once."""
    names = Environment()
    assert evaluate("uniform(0, 1, (2, 3))", names).lines() == [
        "uniform(0, 1, (2, 3))   uniform -> (2,3)"
    ]
    assert evaluate("ones(abs(-2))", names).shape == (2,)
    with pytest.raises(ExpressionError, match="must be a number known before computing"):
        evaluate("ones(1 + uniform(1, 2, ()))", names)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("(X*" * 21 + "X" + ")" * 21, "column 61: brackets are nested more than 20 deep"),
        ("(" * 19 + "(1) * ((1))" + ")" * 19, "column 27: brackets are nested more than 20 deep"),
    ],
)
def test_bracket_depth_is_counted_open_minus_closed(source: str, expected: str) -> None:
    """Depth goes up at each opening bracket and down at each closing one, nothing else."""
    names = Environment()
    names.define("X", 1.0)
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, names)
    assert str(caught.value) == expected
    assert evaluate("(1) + " + "(" * 20 + "1" + ")" * 20, names).value == 2.0


def test_a_new_plan_goes_in_front_so_the_oldest_is_the_one_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nine shapes one after the other: the first is dropped, the second kept."""
    cache = plan_cache.PlanCache()
    monkeypatch.setattr(evaluate_module, "PLANS", cache)
    for width in range(1, 10):
        evaluate("A * 2", with_width(width))
    assert cache.find(key("A * 2"), with_width(1)) is None
    assert all(cache.find(key("A * 2"), with_width(w)) is not None for w in range(2, 10))


def test_expansion_may_nest_exactly_one_hundred_deep() -> None:
    """Nine functions, each ten additions over the next: 100 levels run, 101 are refused."""
    names = Environment()
    tail = " + 1" * 10
    chain = [f"d0(x) = x{tail}", *(f"d{i}(x) = d{i - 1}(x){tail}" for i in range(1, 9))]
    run_block("\n".join(chain), names)
    assert evaluate("d8(1)", names).value == 91.0
    assert message("1 + d8(1)", names) == (
        "column 5: in d8 (called by d8(1)): the expression, with its functions expanded, is "
        "nested more than 100 deep"
    )


def test_an_expression_may_expand_to_exactly_two_thousand_operations() -> None:
    """Counted with every body expanded: 2,000 run, 2,002 are refused where they pass it."""
    names = Environment()
    run_block(
        "e0(x) = x + x + x + x + x + x + x + x + x + x\n"
        "e1(x) = e0(e0(e0(e0(e0(e0(e0(e0(e0(e0(x))))))))))",
        names,
    )
    source = " + ".join(["e1(1)"] * 19 + ["e0(1)"] * 3 + ["1"] * 4)
    assert evaluate(source, names).value == 19e10 + 3 * 10 + 4
    assert message(source + " + 1", names) == (
        "column 193: the expression expands to more than 2,000 operations"
    )


def test_exactly_the_work_limit_runs_and_a_body_run_twice_is_named_per_run() -> None:
    """20,000,000 multiply-adds are allowed; over it, the worst part is named per call,
    rounded down, with a caret under the call that ran it."""
    names = Environment()
    names.define("A", np.ones((1000, 1000)))
    names.define("B", np.ones((1000, 20)))
    assert evaluate("A @ B", names).shape == (1000, 20)
    run_block("m(x) = A @ x", names)
    with pytest.raises(ExpressionError) as twice:
        evaluate("2 * sum(m(ones((1000, 11)))) + sum(m(ones((1000, 11))))", names)
    assert str(twice.value) == (
        "column 9: in m (called by m(ones((1000, 11)))): this needs 22,044,002 multiply-adds; "
        "the limit is 20,000,000 (most of it is A @ x: 11,000,000 each time, 2 times)"
    )
    assert twice.value.caret().endswith("\n        ^")
    uneven = " + ".join(f"sum(m(ones((1000, {n}))))" for n in (7, 8, 8))
    with pytest.raises(ExpressionError) as thrice:
        evaluate(uneven, names)
    assert "(most of it is A @ x: 7,666,666 each time, 3 times)" in str(thrice.value)


def test_step_lines_for_powers_of_powers_two_stretched_operands_and_no_steps() -> None:
    """The exponent printed is the outer one; both stretched operands are listed; a bare
    name has no steps; a reshape's -1 is printed as the whole number it stands for."""
    names = Environment(seed=2)
    run_block("X = randn(2, 2)", names)
    assert evaluate("(X ** 2) ** 3", names).lines()[-1] == "(X ** 2) ** 3   (2,2)**3 -> (2,2)"
    assert evaluate("ones((2, 1)) + ones((1, 3))", names).lines()[-1] == (
        "ones((2, 1)) + ones((1, 3))   (2,1) + (1,3) -> (2,3)   broadcast (2,1) -> (2,3), "
        "(1,3) -> (2,3)"
    )
    assert evaluate("X", names).lines() == []
    assert evaluate("reshape(X, (1, -1))", names).lines() == [
        "reshape(X, (1, -1))   reshape (2,2) -> (1,4)"
    ]


def test_einsum_checks_every_character_and_counts_letters_without_commas() -> None:
    """A bad character after '->' is named; the second of three repeats is pointed at;
    the implicit output counts each letter, the capital X too."""
    names = Environment(seed=2)
    run_block("X = randn(2, 2)\nY = randn(2, 3)", names)
    assert message("einsum('ij->i1', X)", names) == (
        "column 14: einsum subscripts are letters, ',' and '->' only; '1' is not one of them"
    )
    assert message("einsum('ij->iii', X)", names) == (
        "column 14: the letter i appears twice after '->'; an output letter appears once at most"
    )
    expected = np.einsum("Xj,jk", names.values["X"], names.values["Y"])
    assert np.array_equal(evaluate("einsum('Xj,jk', X, Y)", names).value, expected)


def test_randint_accepts_bounds_up_to_the_largest_literal() -> None:
    """1e15 is a legal bound (the cap is 'more than'), and draws stay below it."""
    drawn = evaluate("randint(0, 1e15, 50)", Environment(seed=3)).value
    assert drawn.min() >= 0 and drawn.max() < 1e15
