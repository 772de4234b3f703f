"""``tutor epoch``: the table, the JSON contract, and exit 2 for bad options.

Most tests run the real ``tutor.cli.main`` in-process with ``epoch`` added to the
command table, so they run whether or not the lead has registered the sub-command
yet; the subprocess tests run once it is registered.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import tutor.cli
from tutor.cli import COMMANDS

CONTRACT = ["--layers", "10,3,4,1", "--act", "square,cube", "--loss", "sse", "--lr", "0.001"]
REGISTERED = pytest.mark.skipif("epoch" not in COMMANDS, reason="'epoch' not in COMMANDS yet")


@pytest.fixture
def epoch_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``tutor epoch ARGS`` in-process; returns (exit code, stdout, stderr)."""
    monkeypatch.setitem(COMMANDS, "epoch", "epoch")

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = tutor.cli.main(["epoch", *args])
        except SystemExit as exit_:  # argparse's own usage errors
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _shape(matrix: list) -> tuple[int, int]:
    return len(matrix), len(matrix[0])


def test_json_contract(epoch_cli) -> None:
    code, out, err = epoch_cli(*CONTRACT, "--seed", "0", "--json")
    assert code == 0, err
    data = json.loads(out)
    for key in ("X", "Y", "weights", "loss", "grads", "weights_after", "loss_after", "steps"):
        assert key in data, key
    assert _shape(data["X"]) == (10, 3) and _shape(data["Y"]) == (10, 1)
    for key in ("weights", "grads", "weights_after"):
        assert [_shape(m) for m in data[key]] == [(3, 4), (4, 1)], key
    assert isinstance(data["loss"], float) and isinstance(data["loss_after"], float)
    assert data["steps"] and all(
        {"phase", "name", "formula", "shapes"} <= set(step) for step in data["steps"]
    )
    assert data["loss_after"] < data["loss"]
    for W, after, grad in zip(data["weights"], data["weights_after"], data["grads"], strict=True):
        np.testing.assert_allclose(after, np.array(W) - 0.001 * np.array(grad), rtol=1e-14)


def test_json_is_repeatable_and_follows_the_seed(epoch_cli) -> None:
    first = epoch_cli(*CONTRACT, "--json")[1]
    assert epoch_cli(*CONTRACT, "--json")[1] == first
    assert epoch_cli(*CONTRACT, "--seed", "1", "--json")[1] != first


def test_options_reach_the_spec(epoch_cli) -> None:
    code, out, _ = epoch_cli(
        "--layers", "8,4,6,6,2", "--act", "relu,tanh,identity", "--loss", "mse",
        "--lr", "0.05", "--seed", "3", "--init", "he", "--init-scale", "0.5", "--json",
    )  # fmt: skip
    assert code == 0
    spec = json.loads(out)["spec"]
    assert spec == {
        "layers": [8, 4, 6, 6, 2],
        "activations": ["relu", "tanh", "identity"],
        "loss": "mse",
        "lr": 0.05,
        "seed": 3,
        "init": "he",
        "init_scale": 0.5,
    }


def test_default_activations(epoch_cli) -> None:
    article = json.loads(epoch_cli("--json")[1])["spec"]
    assert article["layers"] == [10, 3, 4, 1] and article["activations"] == ["square", "cube"]
    deeper = json.loads(epoch_cli("--layers", "8,4,6,6,2", "--json")[1])["spec"]
    assert deeper["activations"] == ["relu", "relu", "identity"]
    wide = epoch_cli("--layers", "1000,784,128,10", "--json")
    assert wide[0] == 0, wide[2]
    data = json.loads(wide[1])
    assert data["spec"]["activations"] == ["relu", "identity"]
    assert [_shape(g) for g in data["grads"]] == [(784, 128), (128, 10)]


def test_plain_output_is_a_table_of_steps_and_losses(epoch_cli) -> None:
    code, out, _ = epoch_cli(*CONTRACT)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "network 10,3,4,1: X (10,3) → W1 (3,4) → W2 (4,1)"
    header = next(line for line in lines if line.lstrip().startswith("#"))
    assert header.split() == ["#", "phase", "step", "shapes", "formula"]
    rows = [line.split() for line in lines if line[:3].strip().isdigit()]
    assert [row[2] for row in rows][:4] == ["A1", "B1", "A2", "Ŷ"]
    assert rows[7][:4] == ["8", "backward", "δW2", "(4,10)(10,1)"]
    assert any(line.startswith("loss before") for line in lines)
    assert any(line.startswith("loss after") for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layers", "10,3,4,1", "--act", "relu"], "need 2 activation(s)"),
        (["--act", "square,swish"], "unknown activation 'swish'"),
        (["--layers", "10,3,0,1"], "from 1 to 4096, not 0"),
        (["--layers", "10,3,4097,1"], "not 4097"),
        (["--layers", "10,3,x,1"], "--layers takes whole-number sizes"),
        (["--layers", "10"], "between 3 and"),
        (["--act", "square,"], "--act takes names"),
        (["--lr", "0"], "learning rate"),
        (["--lr", "-1"], "learning rate"),
        (["--init-scale", "0"], "init scale"),
    ],
)
def test_bad_options_exit_2_with_a_message(epoch_cli, args: list[str], message: str) -> None:
    code, out, err = epoch_cli(*args, "--json")
    assert code == 2
    assert out == ""
    assert err.startswith("tutor: ") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [["--loss", "hinge"], ["--lr", "fast"], ["--seed", "1.5"]])
def test_argparse_refusals_exit_2(epoch_cli, args: list[str]) -> None:
    code, _, err = epoch_cli(*args)
    assert code == 2 and "error:" in err and "Traceback" not in err


def test_overflow_in_json_mode_exits_1(epoch_cli) -> None:
    code, out, err = epoch_cli(
        "--layers", "10,3,8,8,8,1", "--act", "cube,cube,cube,cube", "--init-scale", "40", "--json"
    )
    assert code == 1 and out == ""
    assert "overflowed" in err and "Traceback" not in err


@REGISTERED
def test_subprocess_json_contract(tutor_cli) -> None:
    result = tutor_cli("epoch", *CONTRACT, "--seed", "0", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [_shape(m) for m in data["grads"]] == [(3, 4), (4, 1)]


@REGISTERED
def test_subprocess_wrong_activation_count_exits_2(tutor_cli) -> None:
    result = tutor_cli("epoch", "--layers", "10,3,4,1", "--act", "relu", "--json")
    assert result.returncode == 2
    assert result.stderr.startswith("tutor: ") and "Traceback" not in result.stderr


@REGISTERED
def test_subprocess_help_names_the_defaults(tutor_cli) -> None:
    result = tutor_cli("epoch", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: tutor epoch")
    assert "square,cube" in result.stdout and "4096" in result.stdout
