"""``einsum`` in the expression language: NumPy's results, shapes known beforehand, and
text in quotes accepted as its subscripts only, each malformed subscript refused with
what is wrong and where.

The references are written directly in NumPy with ``@``, ``.T``, ``trace``, ``outer``
and ``sum`` (never with ``einsum``), except where the point is NumPy's own reading of
the same subscripts (the implicit output, random subscripts).
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.cli import main
from tutor.core.expression import (
    Budget,
    Environment,
    ExpressionError,
    evaluate,
    infer_shapes,
    plan_cost,
    run_block,
)
from tutor.core.expression.einsum import MAX_LETTERS
from tutor.core.expression.limits import MAX_WORK

SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
DIM = st.integers(1, 5)
QUOTES = "text in quotes is not part of the language"

Reference = Callable[..., np.ndarray]


def env_of(arrays: dict[str, np.ndarray]) -> Environment:
    return Environment(arrays, seed=0)


def random_arrays(seed: int, **shapes: tuple[int, ...]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape) for name, shape in shapes.items()}


def failure(source: str, env: Environment) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, env)
    return caught.value


# -- NumPy's results ------------------------------------------------------------------------------

#: (subscripts, the shapes of its arrays from sizes (a, b, c, d), the same in NumPy without einsum)
FORMS: list[tuple[str, Callable[..., list[tuple[int, ...]]], Reference]] = [
    ("ij,jk->ik", lambda a, b, c, d: [(a, b), (b, c)], lambda A, B: A @ B),
    ("ij->ji", lambda a, b, c, d: [(a, b)], lambda A: A.T),
    ("ii->", lambda a, b, c, d: [(a, a)], lambda A: np.trace(A)),
    ("ii->i", lambda a, b, c, d: [(a, a)], lambda A: np.diagonal(A)),
    ("i,j->ij", lambda a, b, c, d: [(a,), (b,)], lambda u, v: np.outer(u, v)),
    ("ij->j", lambda a, b, c, d: [(a, b)], lambda A: A.sum(axis=0)),
    ("ij->i", lambda a, b, c, d: [(a, b)], lambda A: A.sum(axis=1)),
    ("ijk->", lambda a, b, c, d: [(a, b, c)], lambda A: A.sum()),
    ("ijk->ik", lambda a, b, c, d: [(a, b, c)], lambda A: A.sum(axis=1)),
    ("ij,ij->", lambda a, b, c, d: [(a, b), (a, b)], lambda A, B: (A * B).sum()),
    ("ij,ij->ij", lambda a, b, c, d: [(a, b), (a, b)], lambda A, B: A * B),
    ("ij,kj->ik", lambda a, b, c, d: [(a, b), (c, b)], lambda A, B: A @ B.T),
    ("ij,jk,kl->il", lambda a, b, c, d: [(a, b), (b, c), (c, d)], lambda A, B, C: A @ B @ C),
    ("bij,bjk->bik", lambda a, b, c, d: [(d, a, b), (d, b, c)], lambda A, B: A @ B),
    ("bij->bji", lambda a, b, c, d: [(d, a, b)], lambda A: np.swapaxes(A, 1, 2)),
    ("bij,bij->b", lambda a, b, c, d: [(d, a, b), (d, a, b)], lambda A, B: (A * B).sum((1, 2))),
    ("bii->b", lambda a, b, c, d: [(d, a, a)], lambda A: np.trace(A, axis1=1, axis2=2)),
    # Lesson 7's gradients: δW2 = 2 (X W1)ᵀ Ỹ, δW1 = 2 Xᵀ (Ỹ W2ᵀ).
    ("ni,ik,nl->kl", lambda a, b, c, d: [(a, b), (b, c), (a, 1)], lambda X, W, Y: (X @ W).T @ Y),
    ("ni,nl,kl->ik", lambda a, b, c, d: [(a, b), (a, 1), (c, 1)], lambda X, Y, W: X.T @ Y @ W.T),
    # No '->': NumPy's implicit output, the letters used once in alphabetical order.
    ("ij,jk", lambda a, b, c, d: [(a, b), (b, c)], lambda A, B: A @ B),
    ("ba", lambda a, b, c, d: [(a, b)], lambda A: A.T),
    ("ii", lambda a, b, c, d: [(a, a)], lambda A: np.trace(A)),
    ("aj,jB", lambda a, b, c, d: [(a, b), (b, c)], lambda A, B: (A @ B).T),  # capitals first
    (" i j , j k -> i k ", lambda a, b, c, d: [(a, b), (b, c)], lambda A, B: A @ B),
]


@pytest.mark.parametrize("subscripts, shapes, reference", FORMS, ids=[f[0] for f in FORMS])
@SETTINGS
@given(sizes=st.tuples(DIM, DIM, DIM, DIM), seed=st.integers(0, 2**16), numpy=st.booleans())
def test_einsum_matches_numpy(
    subscripts: str,
    shapes: Callable[..., list[tuple[int, ...]]],
    reference: Reference,
    sizes: tuple[int, int, int, int],
    seed: int,
    numpy: bool,
) -> None:
    names = [f"A{index}" for index in range(len(shapes(*sizes)))]
    arrays = random_arrays(seed, **dict(zip(names, shapes(*sizes), strict=True)))
    call = "np.einsum" if numpy else "einsum"
    source = f"{call}('{subscripts}', {', '.join(names)})"
    trace = evaluate(source, env_of(arrays))
    expected = reference(*arrays.values())
    assert trace.shape == np.shape(expected)
    np.testing.assert_allclose(trace.value, expected, rtol=1e-12, atol=1e-12)
    # The static pass knew the shape before anything was computed.
    assert infer_shapes(source, {n: a.shape for n, a in arrays.items()})[-1][1] == trace.shape


@st.composite
def random_subscripts(draw: st.DrawFn) -> tuple[str, list[tuple[int, ...]]]:
    """Subscripts over up to five letters (repeats, diagonals, implicit output and all)."""
    letters = draw(st.lists(st.sampled_from("ijkbXY"), min_size=1, max_size=5, unique=True))
    sizes = {letter: draw(DIM) for letter in letters}
    terms = draw(st.lists(st.lists(st.sampled_from(letters), max_size=3), min_size=1, max_size=3))
    used = sorted({letter for term in terms for letter in term})
    text = ",".join("".join(term) for term in terms)
    if draw(st.booleans()):
        output = draw(st.permutations(used).map(lambda p: p[: draw(st.integers(0, len(p)))]))
        text += "->" + "".join(output)
    shapes = [tuple(sizes[letter] for letter in term) for term in terms]
    return text, shapes


@SETTINGS
@given(case=random_subscripts(), seed=st.integers(0, 2**16))
def test_random_subscripts_match_numpy_and_the_static_shape(
    case: tuple[str, list[tuple[int, ...]]], seed: int
) -> None:
    subscripts, shapes = case
    names = [f"A{index}" for index in range(len(shapes))]
    arrays = random_arrays(seed, **dict(zip(names, shapes, strict=True)))
    source = f"einsum('{subscripts}', {', '.join(names)})"
    trace = evaluate(source, env_of(arrays))
    expected = np.einsum(subscripts, *arrays.values())
    np.testing.assert_allclose(trace.value, expected, rtol=1e-12, atol=1e-12)
    assert trace.shape == np.shape(expected)
    assert infer_shapes(source, dict(zip(names, shapes, strict=True)))[-1][1] == trace.shape
    work, nbytes = plan_cost(source, dict(zip(names, shapes, strict=True)))
    assert nbytes == 8 * trace.value.size


@pytest.mark.parametrize(
    "source",
    ["einsum('ij->ji', A)", "einsum('ii->i', S)", "reshape(einsum('ij->ji', A), (12,))"],
)
def test_a_relabelling_is_charged_what_the_static_pass_planned(source: str) -> None:
    """NumPy returns a view for 'ij->ji' and 'ii->i'; the result is a new C-ordered array
    like every product's, so what the budget is charged is exactly the plan's cost."""
    env = env_of(random_arrays(1, A=(3, 4), S=(3, 3)))
    budget = Budget()
    value = evaluate(source, env, budget=budget).value
    assert not np.shares_memory(value, env.values["A"])
    assert not np.shares_memory(value, env.values["S"])
    assert value.flags.c_contiguous and value.flags.writeable
    assert budget.bytes == plan_cost(source, {"A": (3, 4), "S": (3, 3)})[1]


def test_einsum_works_inside_blocks_and_user_functions() -> None:
    env = env_of(random_arrays(2, X=(5, 3), W1=(3, 4)))
    run_block("mm(a, b) = einsum('ij,jk->ik', a, b)\nZ = mm(X, W1) - X @ W1", env)
    assert np.abs(env.values["Z"]).max() < 1e-12


# -- traces ---------------------------------------------------------------------------------------


def test_the_trace_shows_every_operand_shape() -> None:
    env = env_of(random_arrays(3, A=(3, 4), B=(4, 5)))
    trace = evaluate("einsum('ij,jk->ik', A, B) + A @ B", env)
    lines = trace.lines()
    assert lines[0].startswith("einsum('ij,jk->ik', A, B)   ")
    assert lines[0].endswith("   (3,4),(4,5) -> (3,5)")
    assert lines[1].split()[-5:] == ["(3,4)", "@", "(4,5)", "->", "(3,5)"]


def test_tutor_trace_prints_the_einsum_step(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["trace", "einsum('ij,jk->ik', A, B)", "--shape", "A=3,4", "--shape", "B=4,5"])
    out = capsys.readouterr().out
    assert code == 0
    assert "einsum('ij,jk->ik', A, B)   (3,4),(4,5) -> (3,5)" in out
    assert "result (3,5):" in out


def test_tutor_trace_explains_a_size_mismatch(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["trace", "einsum('ij,jk->ik', A, B)", "--shape", "A=3,4", "--shape", "B=5,2"])
    err = capsys.readouterr().err
    assert code == 1
    assert "the letter j is 4 in A (3,4) but 5 in B (5,2)" in err


# -- text in quotes anywhere else -----------------------------------------------------------------


@pytest.mark.parametrize(
    "source, detail, column",
    [
        ("sum('a')", QUOTES, 5),
        ("X + 'a'", QUOTES, 5),
        ("'ij'", QUOTES, 1),
        ("einsum(X, 'ij')", QUOTES, 11),
        ("einsum('ij,jk->ik', X, 'jk')", QUOTES, 24),
        ("dot(X, 'a')", QUOTES, 8),
        ("einsum(b'ij', X)", QUOTES, 8),
        ("einsum(f'ij', X)", "an f-string is not part of the language", 8),
        ("einsum(['ij'], X)", QUOTES, 9),
        ("einsum('i' + 'j', X)", QUOTES, 8),
        ("reshape(X, 'ij')", QUOTES, 12),
        ("outer('i', X)", QUOTES, 7),
    ],
)
def test_text_in_quotes_is_refused_everywhere_but_einsums_first_argument(
    source: str, detail: str, column: int
) -> None:
    env = env_of(random_arrays(4, X=(3, 3)))
    error = failure(source, env)
    assert error.kind == "forbidden"
    assert error.detail == detail
    assert error.column == column


def test_einsum_without_subscripts_says_what_its_first_argument_is() -> None:
    error = failure("einsum(X, X)", env_of(random_arrays(5, X=(3, 3))))
    assert error.kind == "forbidden"
    assert "einsum's first argument is its subscripts in quotes" in error.detail


def test_a_user_function_named_einsum_takes_no_text() -> None:
    env = env_of(random_arrays(6, X=(3, 3)))
    run_block("einsum(a) = a + 1", env)
    error = failure("einsum('ij', X)", env)
    assert (error.kind, error.detail) == ("forbidden", QUOTES)
    # np.einsum is still NumPy's, subscripts and all.
    np.testing.assert_allclose(evaluate("np.einsum('ij->ji', X)", env).value, env.values["X"].T)


# -- malformed subscripts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, kind, fragment, column",
    [
        ("einsum('ij,j1->i', A, B)", "syntax", "'1' is not one of them", 13),
        ("einsum('i;j', A)", "syntax", "';' is not one of them", 10),
        ("einsum('ij-k', A)", "syntax", "'-' and '>' go together as '->'", 11),
        ("einsum('ij>k', A)", "syntax", "'-' and '>' go together as '->'", 11),
        ("einsum('ij->i->', A)", "syntax", "at most one '->'", 14),
        ("einsum('ij,jk->ik', A)", "syntax", "have 2 terms before '->'", 8),
        ("einsum('ij->ij', A, B)", "syntax", "1 term before '->' (separated by ',') but 2", 8),
        ("einsum('ij')", "syntax", "einsum needs an array after its subscripts", 8),
        ("einsum('ij,jk->iki', A, B)", "syntax", "the letter i appears twice after '->'", 18),
        ("einsum('ij,jk->iz', A, B)", "syntax", "the output letter z of einsum is in none", 17),
        ("einsum('ij...', A)", "forbidden", "'...' (an ellipsis) is not supported", 11),
        ("einsum('...ij->ij', A)", "forbidden", "not supported", 9),
        ("einsum('abcde,fghi->', A, B)", "limit", f"9 different letters; at most {MAX_LETTERS}", 8),
        ("einsum('i\\x00j', A)", "syntax", "'\\x00' is not one of them", 8),
    ],
)
def test_malformed_subscripts_are_refused_at_the_character(
    source: str, kind: str, fragment: str, column: int
) -> None:
    env = env_of(random_arrays(7, A=(3, 4), B=(4, 5)))
    error = failure(source, env)
    assert error.kind == kind
    assert fragment in error.detail
    assert error.column == column
    assert "\n" not in error.message


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("einsum('ijk,jk->i', A, B)", "the term 'ijk' names 3 axes but A (3,4) has 2 axes"),
        ("einsum('i,jk->i', A, B)", "the term 'i' names 1 axis but A (3,4) has 2 axes"),
        ("einsum('ij,jk->ik', A, A)", "the letter j is 4 in A (3,4) but 3 in A (3,4)"),
        ("einsum('ik,jk->ij', A, B)", "the letter k is 4 in A (3,4) but 5 in B (4,5)"),
        ("einsum('ij,jk->ik', A, C)", "the letter j is 4 in A (3,4) but 1 in C (1,5)"),
        ("einsum('ii->i', A)", "the letter i names two axes of A (3,4), of lengths 3 and 4"),
    ],
)
def test_shapes_that_do_not_fit_the_subscripts_are_shape_errors(source: str, fragment: str) -> None:
    """A length-1 axis is not stretched (NumPy would): a mismatch is a mistake in a formula."""
    env = env_of(random_arrays(8, A=(3, 4), B=(4, 5), C=(1, 5)))
    error = failure(source, env)
    assert error.kind == "shape"
    assert error.detail.startswith(f"shape mismatch in {source}: ")
    assert fragment in error.detail
    with pytest.raises(ExpressionError, match="shape mismatch"):
        infer_shapes(source, {"A": (3, 4), "B": (4, 5), "C": (1, 5)})


def test_a_kept_plan_is_not_reused_for_shapes_that_no_longer_fit() -> None:
    good = env_of(random_arrays(9, A=(3, 4), B=(4, 5)))
    evaluate("einsum('ij,jk->ik', A, B)", good)
    bad = env_of(random_arrays(9, A=(3, 4), B=(3, 5)))
    assert failure("einsum('ij,jk->ik', A, B)", bad).kind == "shape"


# -- cost -----------------------------------------------------------------------------------------


def test_the_cost_is_every_letter_combination_times_the_products_made() -> None:
    shapes = {"A": (3, 4), "B": (4, 5), "C": (5, 2)}
    assert plan_cost("einsum('ij,jk->ik', A, B)", shapes) == (3 * 4 * 5, 3 * 5 * 8)
    assert plan_cost("einsum('ij,jk,kl->il', A, B, C)", shapes) == (3 * 4 * 5 * 2 * 2, 3 * 2 * 8)
    assert plan_cost("einsum('ij->', A)", shapes) == (12, 8)


@contextmanager
def memory_limit(headroom: int = 512 * 2**20) -> Iterator[None]:
    """Cap this process's address space at what it uses now plus ``headroom``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        used = int(statm.read().split()[0]) * resource.getpagesize()
    limit = used + headroom if hard == resource.RLIM_INFINITY else min(used + headroom, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("einsum('ij,kl->', M, M)", "this needs 1.0e+12 multiply-adds"),
        ("einsum('ij,kl->ik', M, M)", "this needs 1.0e+12 multiply-adds"),
        ("einsum('ij,jk,kl,lm->im', M, M, M, M)", "multiply-adds; the limit is 20,000,000"),
        ("einsum('i,j,k->ijk', v, v, v)", "would make an array of shape (1000,1000,1000)"),
    ],
)
def test_huge_einsums_are_refused_before_anything_runs(
    source: str, fragment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = env_of({"M": np.ones((1000, 1000)), "v": np.ones(1000)})
    calls: list[str] = []
    real = np.einsum
    monkeypatch.setattr(
        np, "einsum", lambda *args, **kw: calls.append(args[0]) or real(*args, **kw)
    )
    with memory_limit():
        error = failure(source, env)
    assert error.kind == "limit"
    assert fragment in error.detail
    assert calls == []  # refused by the static pass: NumPy never saw it
    with pytest.raises(ExpressionError, match="limit is"):
        plan_cost(source, {"M": (1000, 1000), "v": (1000,)})


def test_an_einsum_at_the_work_limit_runs() -> None:
    """Just under the budget is computed: the bound is not so loose that it refuses real work."""
    n = int((MAX_WORK // 2) ** (1 / 3))
    env = env_of(random_arrays(10, A=(n, n), B=(n, n), C=(n, n)))
    with memory_limit():
        trace = evaluate("einsum('ij,jk->ik', A, B)", env)
    np.testing.assert_allclose(trace.value, env.values["A"] @ env.values["B"], rtol=1e-10)
    error = failure("einsum('ij,jk,kl->il', A, B, C)", env)  # n**4 * 2 is far over it
    assert error.kind == "limit" and "multiply-adds" in error.detail


# -- any subscripts at all ------------------------------------------------------------------------

#: Near-misses as often as valid subscripts: terms of letters, an arrow, stray characters.
SUBSCRIPT_TEXT = st.one_of(
    st.text(alphabet="ijkIJ,->. \\'\"1\u00e9\t", max_size=14),
    st.builds(
        lambda terms, arrow, output: ",".join(terms) + (f"->{output}" if arrow else ""),
        st.lists(st.text(alphabet="ijk", max_size=3), min_size=1, max_size=3),
        st.booleans(),
        st.text(alphabet="ijkl", max_size=3),
    ),
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(text=SUBSCRIPT_TEXT, fitting=st.booleans(), arrays=st.integers(0, 3))
def test_any_subscripts_compute_as_numpy_does_or_are_refused_with_a_reason(
    text: str, fitting: bool, arrays: int
) -> None:
    """Whatever the text, the outcome is NumPy's own result or a one-line ExpressionError."""
    if fitting:  # as many arrays as the text has terms, so more of them reach the shapes
        arrays = min(text.count(",") + 1, 3)
    operands = [["A", "v", "S"][(arrays + index) % 3] for index in range(arrays)]
    env = env_of(random_arrays(11, A=(2, 3), v=(3,), S=(3, 3)))
    source = f"einsum({text!r}{''.join(', ' + name for name in operands)})"
    try:
        trace = evaluate(source, env)
    except ExpressionError as error:
        assert error.kind in {"syntax", "forbidden", "limit", "shape"}
        assert error.detail and "\n" not in error.message
        if error.column is not None:
            assert 1 <= error.column <= len(source) + 1
        return
    expected = np.einsum(text, *(env.values[name] for name in operands))
    np.testing.assert_allclose(trace.value, expected, rtol=1e-12, atol=1e-12)
