"""``tutor epoch``: the table, the JSON contract, and exit 2 for bad options.

Most tests run ``tutor.cli.main`` in-process (``tutor_main``); the last ones run
``python -m tutor epoch`` in a subprocess, as a user or a script does.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tutor.cli import build_parser
from tutor.cli.epoch import spec_from
from tutor.core.plots import spec_from_options

CONTRACT = ["--layers", "10,3,4,1", "--act", "square,cube", "--loss", "sse", "--lr", "0.001"]


def _shape(matrix: list) -> tuple[int, int]:
    return len(matrix), len(matrix[0])


def test_json_contract(tutor_main) -> None:
    code, out, err = tutor_main("epoch", *CONTRACT, "--seed", "0", "--json")
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


def test_json_is_repeatable_and_follows_the_seed(tutor_main) -> None:
    first = tutor_main("epoch", *CONTRACT, "--json")[1]
    assert tutor_main("epoch", *CONTRACT, "--json")[1] == first
    assert tutor_main("epoch", *CONTRACT, "--seed", "1", "--json")[1] != first


def test_options_reach_the_spec(tutor_main) -> None:
    code, out, _ = tutor_main(
        "epoch", "--layers", "8,4,6,6,2", "--act", "relu,tanh,identity", "--loss", "mse",
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


def test_default_activations(tutor_main) -> None:
    article = json.loads(tutor_main("epoch", "--json")[1])["spec"]
    assert article["layers"] == [10, 3, 4, 1] and article["activations"] == ["square", "cube"]
    deeper = json.loads(tutor_main("epoch", "--layers", "8,4,6,6,2", "--json")[1])["spec"]
    assert deeper["activations"] == ["relu", "relu", "identity"]
    wide = tutor_main("epoch", "--layers", "1000,784,128,10", "--json")
    assert wide[0] == 0, wide[2]
    data = json.loads(wide[1])
    assert data["spec"]["activations"] == ["relu", "identity"]
    assert [_shape(g) for g in data["grads"]] == [(784, 128), (128, 10)]


def test_plain_output_is_a_table_of_steps_and_losses(tutor_main) -> None:
    code, out, _ = tutor_main("epoch", *CONTRACT)
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
    ("argv", "block"),
    [
        ([], {}),
        (["--layers", "8,4,6,6,2"], {"layers": [8, 4, 6, 6, 2]}),
        (
            ["--act", "tanh,identity", "--loss", "mse", "--lr", "0.05", "--seed", "3",
             "--init-scale", "0.5"],
            {"act": ["tanh", "identity"], "loss": "mse", "lr": 0.05, "seed": 3,
             "init_scale": 0.5},
        ),
    ],
)  # fmt: skip
def test_the_command_builds_the_network_a_lesson_block_does(argv: list[str], block: dict) -> None:
    """Same settings, same network: defaults included, so a lesson and ``tutor epoch`` agree."""
    args = build_parser().parse_args(["epoch", *argv])
    assert spec_from(args) == spec_from_options(block)


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
def test_bad_options_exit_2_with_a_message(tutor_main, args: list[str], message: str) -> None:
    code, out, err = tutor_main("epoch", *args, "--json")
    assert code == 2
    assert out == ""
    assert err.startswith("tutor: ") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [["--loss", "hinge"], ["--lr", "fast"], ["--seed", "1.5"]])
def test_argparse_refusals_exit_2(tutor_main, args: list[str]) -> None:
    code, _, err = tutor_main("epoch", *args)
    assert code == 2 and "error:" in err and "Traceback" not in err


def test_overflow_in_json_mode_exits_1(tutor_main) -> None:
    cubes = ["--layers", "10,3,8,8,8,1", "--act", "cube,cube,cube,cube", "--init-scale", "40"]
    code, out, err = tutor_main("epoch", *cubes, "--json")
    assert code == 1 and out == ""
    assert "overflowed" in err and "Traceback" not in err


def test_subprocess_json_contract(tutor_cli) -> None:
    result = tutor_cli("epoch", *CONTRACT, "--seed", "0", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [_shape(m) for m in data["grads"]] == [(3, 4), (4, 1)]


def test_subprocess_help_names_the_defaults(tutor_cli) -> None:
    result = tutor_cli("epoch", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: tutor epoch")
    assert "square,cube" in result.stdout and "4096" in result.stdout
