"""Hostile and malformed input: every one refused (or failed) with the right kind of
message, fast, and with no side effect at all.

An audit hook watches for any file opened, process started, module imported or code
executed while the evaluator runs; the arrays passed in are compared before and after;
and the working directory (a fresh temporary one) must stay empty.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tutor.core.expression import (
    Environment,
    ExpressionError,
    evaluate,
    infer_shapes,
    run_block,
)

#: Audit events that would mean the evaluator touched the world outside NumPy's maths.
_WATCHED_PREFIXES = (
    "open",
    "os.",
    "subprocess.",
    "shutil.",
    "socket.",
    "ctypes.",
    "exec",
    "import",
    "builtins.input",
    "pickle.",
    "marshal.",
    "sys._getframe",
    "object.__getattr__",
    "object.__setattr__",
    "code.__new__",
    "glob.",
)
_seen: list[tuple[str, tuple]] = []
_watching = False


def _audit(event: str, args: tuple) -> None:
    if _watching and event.startswith(_WATCHED_PREFIXES):
        _seen.append((event, args))


sys.addaudithook(_audit)  # stays for the session; records only while _watching is set

DEEP_TANH = "tanh(" * 100 + "X" + ")" * 100

#: (input, expected kind, a phrase the message must contain, expected column or None)
HOSTILE: list[tuple[str, str, str, int | None]] = [
    ("().__class__.__mro__", "forbidden", "attribute .__class__", 3),
    ("X.__class__", "forbidden", "attribute .__class__", 2),
    ("X.T.__class__", "forbidden", "attribute .__class__", 4),
    ("X.__array_interface__", "forbidden", "attribute .__array_interface__", 2),
    ("X.ctypes.data", "forbidden", "attribute .ctypes", 2),
    ("X.tofile('p')", "forbidden", "method .tofile()", 2),
    ("X.dump('p')", "forbidden", "method .dump()", 2),
    ("X.fill(0)", "forbidden", "method .fill()", 2),
    ("__import__('os')", "forbidden", "names starting with _", 1),
    ("np.__dict__", "forbidden", "attribute .__dict__", 1),
    ("open('/etc/passwd')", "unknown-name", "unknown function open", 1),
    ("np.load('a.npy')", "unknown-name", "np.load is not available", 1),
    ("np.fromfile('f')", "unknown-name", "np.fromfile is not available", 1),
    ("np.save('p', X)", "unknown-name", "np.save is not available", 1),
    ("numpy.loadtxt('f')", "unknown-name", "np.loadtxt is not available", 1),
    ("loadtxt('f')", "unknown-name", "unknown function loadtxt", 1),
    ("seterr(all='ignore')", "unknown-name", "unknown function seterr", 1),
    ("np.random.seed(0)", "unknown-name", "np.random.seed is not available", 1),
    ("getattr(X, 'T')", "unknown-name", "unknown function getattr", 1),
    ("eval('1')", "unknown-name", "unknown function eval", 1),
    ("exec('import os')", "unknown-name", "unknown function exec", 1),
    ("compile('1', '', 'eval')", "unknown-name", "unknown function compile", 1),
    ("tanh(X, out=X)", "forbidden", "keyword argument out=", 9),
    ("sum(X, axis=0)", "forbidden", "write sum(X, 0)", 8),
    ("tanh(*[X])", "forbidden", "*-unpacking", 6),
    ("tanh(**{'x': X})", "forbidden", "keyword argument **", 6),
    ("lambda: 1", "forbidden", "lambda", 1),
    ("(a:=1)", "forbidden", "walrus", 2),
    ("[x for x in X]", "forbidden", "comprehension", 1),
    ("(x for x in X)", "forbidden", "generator", 1),
    ("X[0]", "forbidden", "indexing", 2),
    ("X[::-1]", "forbidden", "indexing", 2),
    ("f'{X}'", "forbidden", "f-string", 1),
    ("X if 1 else W1", "forbidden", "conditional expression", 1),
    ("X < W1", "forbidden", "comparison", 1),
    ("X and W1", "forbidden", "'and'/'or'", 1),
    ("not X", "forbidden", "'not'", 1),
    ("~X", "forbidden", "~", 1),
    ("X % 2", "forbidden", "%", 1),
    ("X // 2", "forbidden", "//", 1),
    ("X ^ 2", "forbidden", "write **", 1),
    ("{1: X}", "forbidden", "dictionary", 1),
    ("{X}", "forbidden", "a set", 1),
    ("'-'*100000+'X'", "forbidden", "text in quotes", 1),
    ("b'x'", "forbidden", "text in quotes", 1),
    ("True * X", "forbidden", "True", 1),
    ("None", "forbidden", "None", 1),
    ("...", "forbidden", "Ellipsis", 1),
    ("1j * X", "forbidden", "complex", 1),
    ("(X)(1)", "unknown-name", "unknown function X", 2),
    ("(1)(2)", "forbidden", "only named functions", 2),
    ("W1(X)", "unknown-name", "unknown function W1", 1),
    ("9**9**9", "forbidden", "exponent of ** must be a number written out", 4),
    ("X**X", "forbidden", "exponent of ** must be a number written out", 4),
    ("X**(10**6)", "forbidden", "exponent of ** must be a number written out", 5),
    ("(2**10000)**10000", "limit", "exponent 10000 is too large", 5),
    ("X**11", "limit", "exponent 11 is too large", 4),
    ("power(X, 100)", "limit", "exponent 100 is too large", 10),
    ("power(X, W1)", "forbidden", "exponent of power", 10),
    ("1e400 * X", "limit", "not finite", 1),
    ("100000000000000000000 * X", "limit", "too large", 1),
    ("ones((10**6,10**6))", "limit", "1,000,000,000,000 numbers", 1),
    ("randn(10**6, 10**6)", "limit", "numbers; the limit", 1),
    ("zeros(10**7)", "limit", "larger than any array", 7),
    ("ones((1000, 1000)) @ ones((1000, 1000))", "limit", "multiply-adds", 1),
    ("-" * 100000 + "X", "limit", "100,001 characters", None),
    ("(" * 1000 + "X" + ")" * 1000, "limit", "characters", None),
    ("(" * 300 + "X" + ")" * 300, "limit", "nested more than 20 deep", 21),
    ("-" * 900 + "X", "limit", "signs in a row", 1),
    ("X" + "+X" * 400, "limit", "nested more than 40 deep", 723),
    (DEEP_TANH, "limit", "nested more than 20 deep", 105),
    ("X.T" + ".T" * 100, "limit", "nested more than 40 deep", 1),
    ("X\x00 + W1", "syntax", "NUL character", 2),
    ("X\u200b + W1", "syntax", "invisible character, ZERO WIDTH SPACE", 2),
    ("X @ W1\ufeff", "syntax", "invisible character", 7),
    ("X\n@ W1", "syntax", "line break", 2),
    ("X @ W1\x1b[2J", "syntax", "control character", 7),
    ("\u0425 @ W1", "syntax", "looks like the ASCII 'X'", 1),  # Cyrillic Ha
    ("X @ W\u0399", "syntax", "looks like the ASCII 'I'", 6),  # Greek Iota
    ("\uff38 @ W1", "syntax", "looks like the ASCII 'X'", 1),  # fullwidth X
    ("\U0001d417 @ W1", "syntax", "looks like the ASCII 'X'", 1),  # mathematical bold X
    ("X\u00b2", "syntax", "superscript; write a power as **2", 2),
    ("X \u00b7 W1", "syntax", "type * for an element-wise product or @", 3),
    ("X\u1d40", "syntax", "type .T to transpose", 2),
    ("caf\u00e9", "syntax", "plain ASCII", 4),
    ("import os", "syntax", "not a valid expression", 1),
    ("X = 1", "syntax", "not a valid expression", 3),
    ("X @ W1 +", "syntax", "ends too soon", 9),
    ("X W1", "syntax", "not a valid expression here", 3),
    ("X; W1", "syntax", "not a valid expression", 2),
    ("", "syntax", "empty", None),
    ("dot(X)", "syntax", "dot takes 2 arguments, not 1", 1),
    ("tanh()", "syntax", "tanh takes 1 argument, not 0", 1),
    ("Q + X", "unknown-name", "unknown name Q", 1),
    ("_secret", "forbidden", "names starting with _", 1),
    ("np", "forbidden", "np on its own", 1),
    ("np.dot", "forbidden", "np.dot is a function", 1),
    # valid expressions that fail while computing
    ("exp(1000*X)", "math", "overflows", 1),
    ("1/0", "math", "divides by zero", 1),
    ("log(X - X)", "math", "divides by zero", 1),
    ("X @ W2", "shape", "X has 3 columns but W2 has 4 rows", 1),
]


@pytest.fixture
def arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "X": rng.standard_normal((10, 3)),
        "W1": rng.standard_normal((3, 4)),
        "W2": rng.standard_normal((4, 1)),
    }


@pytest.fixture
def quiet_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory with the files the inputs name, so reads could succeed."""
    for name in ("p", "f", "a.npy"):
        (tmp_path / name).write_bytes(b"\x93NUMPY")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_there_are_at_least_forty_hostile_inputs() -> None:
    refused = [case for case in HOSTILE if case[1] not in ("shape", "math")]
    assert len(refused) >= 40
    assert len({case[0] for case in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize("source, kind, phrase, column", HOSTILE, ids=lambda v: repr(v)[:40])
def test_hostile_input_is_refused_without_side_effects(
    source: str,
    kind: str,
    phrase: str,
    column: int | None,
    arrays: dict[str, np.ndarray],
    quiet_directory: Path,
) -> None:
    global _watching
    before = {name: value.copy() for name, value in arrays.items()}
    env = Environment(arrays, seed=0)
    listing = sorted(os.listdir(quiet_directory))
    _seen.clear()
    _watching = True
    started = time.perf_counter()
    try:
        with pytest.raises(ExpressionError) as caught:
            evaluate(source, env)
    finally:
        _watching = False
    elapsed = time.perf_counter() - started
    error = caught.value
    assert error.kind == kind, error.message
    assert phrase in error.message
    assert error.column == column
    assert error.exit_code == (1 if kind in ("shape", "math") else 2)
    assert "\n" not in error.message  # one paragraph
    assert elapsed < 0.5
    assert _seen == []
    assert sorted(os.listdir(quiet_directory)) == listing
    for name, value in before.items():
        np.testing.assert_array_equal(arrays[name], value)
        np.testing.assert_array_equal(env.values[name], value)
    assert env.names() == ["W1", "W2", "X"]


@pytest.mark.parametrize("source, kind, phrase, column", HOSTILE, ids=lambda v: repr(v)[:40])
def test_hostile_input_is_refused_by_the_static_pass_too(
    source: str, kind: str, phrase: str, column: int | None
) -> None:
    shapes = {"X": (10, 3), "W1": (3, 4), "W2": (4, 1)}
    if kind == "math":  # only computing finds these (1/0 is known beforehand, so it is too)
        return
    with pytest.raises(ExpressionError) as caught:
        infer_shapes(source, shapes)
    assert caught.value.kind == kind


@pytest.mark.parametrize(
    "block",
    [
        "A = X.tofile('p')",
        "B = np.save('p', X)",
        "f(x) = open(x)",
        "f(x) = x.dump('p')",
        "A = 1\nB = __import__('os')",
        "A = X\nA[0] = 1",
    ],
)
def test_hostile_blocks_leave_no_trace(
    block: str, arrays: dict[str, np.ndarray], quiet_directory: Path
) -> None:
    global _watching
    env = Environment(arrays)
    listing = sorted(os.listdir(quiet_directory))
    _seen.clear()
    _watching = True
    try:
        with pytest.raises(ExpressionError) as caught:
            run_block(block, env)
    finally:
        _watching = False
    assert caught.value.refused
    assert _seen == []
    assert sorted(os.listdir(quiet_directory)) == listing


def test_the_audit_hook_would_notice_a_file_being_opened(quiet_directory: Path) -> None:
    """Guards the guard: the hook records a write the way a broken evaluator would make it."""
    global _watching
    _seen.clear()
    _watching = True
    try:
        np.ones(2).tofile("written")
    finally:
        _watching = False
    assert any(event == "open" for event, _ in _seen)
