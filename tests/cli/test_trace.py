"""``tutor trace``: the chain with every step, exit 1 on a mismatch, exit 2 when refused.

Most tests run ``tutor.cli.main`` in-process (``tutor_main``); the issue's "Done when"
tests at the end run ``python -m tutor trace`` in a subprocess.
"""

from __future__ import annotations

import time

import pytest

NETWORK = ["--shape", "X=10,3", "--shape", "W1=3,4", "--shape", "W2=4,1"]


def test_chain_is_printed_with_every_step(tutor_main) -> None:
    code, out, err = tutor_main("trace", "X @ W1 @ W2", *NETWORK)
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert "X @ W1        (10,3) @ (3,4) -> (10,4)" in lines
    assert "X @ W1 @ W2   (10,3)(3,4)(4,1) -> (10,1)" in lines
    assert "result (10,1):" in lines
    assert lines[0].startswith("X (10,3), W1 (3,4), W2 (4,1): random numbers, seed 0")
    assert out.count("[") == 11  # the ten rows of the (10,1) value, in one outer bracket


def test_same_seed_same_numbers_other_seed_others(tutor_main) -> None:
    first = tutor_main("trace", "X @ W1", *NETWORK, "--seed", "5")[1]
    again = tutor_main("trace", "X @ W1", *NETWORK, "--seed", "5")[1]
    other = tutor_main("trace", "X @ W1", *NETWORK, "--seed", "6")[1]
    assert first == again
    assert first != other


def test_mismatch_exits_1_naming_the_dimensions(tutor_main) -> None:
    code, out, err = tutor_main("trace", "X @ W2", *NETWORK)
    assert code == 1
    assert "X has 3 columns but W2 has 4 rows" in err
    assert "(10,3) @ (4,1)" in err
    assert "Traceback" not in out + err
    assert err.splitlines()[0].startswith("tutor: column 1: shape mismatch in X @ W2")


def test_mismatch_shows_the_steps_before_it_and_the_fix(tutor_main) -> None:
    code, out, err = tutor_main(
        "trace", "tanh(X @ W1) @ Y", "--shape", "X=10,3", "--shape", "W1=3,4", "--shape", "Y=10,1"
    )
    assert code == 1
    assert "X @ W1         (10,3) @ (3,4) -> (10,4)" in out
    assert "tanh(X @ W1)   tanh (10,4) -> (10,4)" in out
    assert "result" not in out
    assert "Did you mean tanh(X @ W1).T @ Y?" in err


def test_default_network_is_the_articles(tutor_main) -> None:
    code, out, _ = tutor_main("trace", "X @ W1 @ W2 - Y")
    assert code == 0
    assert "X (10,3), W1 (3,4), W2 (4,1), Y (10,1)" in out
    assert "X @ W1 @ W2 - Y   (10,1) - (10,1) -> (10,1)" in out
    code, out, _ = tutor_main("trace", "--help")
    assert code == 0
    assert "X=(10,3), W1=(3,4), W2=(4,1), Y=(10,1)" in " ".join(out.split())


def test_names_not_given_are_unknown_and_listed(tutor_main) -> None:
    code, out, err = tutor_main("trace", "X @ W1 @ Y", *NETWORK)
    assert code == 2
    assert "unknown name Y" in err and "W1, W2, X" in err
    assert out == ""


def test_broadcast_is_shown_and_strict_refuses_it(tutor_main) -> None:
    shapes = ["--shape", "A=10,4", "--shape", "b=1,4"]
    code, out, _ = tutor_main("trace", "A + b", *shapes)
    assert code == 0
    assert "A + b   (10,4) + (1,4) -> (10,4)   broadcast (1,4) -> (10,4)" in out
    code, _, err = tutor_main("trace", "A + b", *shapes, "--strict")
    assert code == 1
    assert "broadcasting" in err


def test_overflow_exits_1(tutor_main) -> None:
    code, _, err = tutor_main("trace", "exp(1000 * X)")
    assert code == 1
    assert "overflows" in err


@pytest.mark.parametrize(
    "args, phrase",
    [
        (["X", "--shape", "X=10"], None),  # a vector is fine
        (["X", "--shape", "X=10,a"], "'a' does not belong in a shape"),
        (["X", "--shape", "X"], "is not NAME=SHAPE"),
        (["X", "--shape", "_X=2,2"], "is not NAME=SHAPE"),
        (["X", "--shape", "X=100000,100000"], "the limit is 1,000,000"),
        (["X", "--seed", "-1"], "is not a whole number from 0"),
        (["X", "--seed", "x"], "is not a whole number from 0"),
    ],
)
def test_bad_options_exit_2(tutor_main, args: list[str], phrase: str | None) -> None:
    code, _, err = tutor_main("trace", *args)
    if phrase is None:
        assert code == 0, err
        return
    assert code == 2
    assert phrase in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "expression",
    [
        "().__class__.__mro__",
        "X.tofile('p')",
        "np.load('a.npy')",
        "open('/etc/passwd')",
        "__import__('os')",
        "9**9**9",
        "ones((10**6,10**6))",
        "(" * 1000 + "X" + ")" * 1000,
        "-" * 100000 + "X",
        "X\u200b @ W1",
        "\u0425 @ W1",
        "X[0]",
    ],
    ids=lambda e: repr(e)[:30],
)
def test_refused_input_exits_2_with_one_paragraph(
    tutor_main, expression: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    code, out, err = tutor_main("trace", *NETWORK, "--", expression)  # "--": some start with "-"
    assert time.perf_counter() - started < 1.0
    assert code == 2
    assert out == ""
    assert err.startswith("tutor: ")
    assert "Traceback" not in err
    assert "\n\n" not in err.strip()  # one paragraph
    assert list(tmp_path.iterdir()) == []


def test_syntax_error_shows_a_caret(tutor_main) -> None:
    code, _, err = tutor_main("trace", "X @ @ W1", *NETWORK)
    assert code == 2
    assert err.splitlines()[1:] == ["  X @ @ W1", "      ^"]


# -- the real command, in a subprocess --------------------------------------------------------


def test_done_when_chain(tutor_cli) -> None:
    result = tutor_cli("trace", "X @ W1 @ W2", *NETWORK, env={"TERM": "dumb"})
    assert result.returncode == 0, result.stderr
    assert "(10,3)(3,4)(4,1) -> (10,1)" in result.stdout
    assert "\x1b[" not in result.stdout  # plain text with NO_COLOR and TERM=dumb


def test_done_when_mismatch(tutor_cli) -> None:
    result = tutor_cli("trace", "X @ W2", *NETWORK)
    assert result.returncode == 1
    assert "X has 3 columns but W2 has 4 rows" in result.stderr
    assert "Traceback" not in result.stderr


def test_done_when_refused(tutor_cli, tmp_path) -> None:
    for expression in ("().__class__", "X.tofile('p')", "tanh(" * 100 + "X" + ")" * 100):
        result = tutor_cli("trace", expression, *NETWORK)
        assert result.returncode == 2, expression
        assert "Traceback" not in result.stderr
