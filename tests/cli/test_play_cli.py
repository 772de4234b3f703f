"""``tutor play --json``: the run against an independent NumPy computation, and its refusals.

The reference below is written from the equations alone (forward products,
Ỹ = Y − Ŷ, the chain rule back through each activation, W ← W − μ·∂Δ/∂W), not with
any of the engine's functions; only the seeded data and starting weights come from
``make_network``, so both start from the same numbers.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tutor.cli.play import playground_app
from tutor.core.library import load_library
from tutor.core.network import NetworkSpec, make_network

CAPSTONE = ["--layers", "10,3,4,1", "--act", "square,cube", "--loss", "sse", "--seed", "0"]

#: f and f′ for each activation, written out again here.
REFERENCE_ACTIVATIONS = {
    "identity": (lambda x: x, lambda x: np.ones_like(x)),
    "relu": (lambda x: np.where(x > 0, x, 0.0), lambda x: np.where(x > 0, 1.0, 0.0)),
    "sigmoid": (
        lambda x: 1 / (1 + np.exp(-x)),
        lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,
    ),
    "tanh": (np.tanh, lambda x: 1 / np.cosh(x) ** 2),
    "square": (lambda x: x**2, lambda x: 2 * x),
    "cube": (lambda x: x**3, lambda x: 3 * x**2),
}


def reference_run(spec: NetworkSpec, epochs: int) -> tuple[list[float], list[list[float]]]:
    """Losses (epochs + 1) and ‖∂Δ/∂W_k‖ per layer per epoch, by plain NumPy."""
    network = make_network(spec)
    X, Y = network.X, network.Y
    weights = [np.array(w) for w in network.weights]
    losses: list[float] = []
    norms: list[list[float]] = [[] for _ in weights]
    for epoch in range(epochs + 1):
        inputs, outputs = [], [X]
        for W, name in zip(weights, spec.activations, strict=True):
            inputs.append(outputs[-1] @ W)
            outputs.append(REFERENCE_ACTIVATIONS[name][0](inputs[-1]))
        residual = Y - outputs[-1]
        if spec.loss == "sse":
            loss, dloss = np.sum(residual**2), -2 * residual
        elif spec.loss == "half-sse":
            loss, dloss = 0.5 * np.sum(residual**2), -residual
        else:
            loss, dloss = np.mean(residual**2), -2 * residual / residual.size
        losses.append(float(loss))
        grads = [np.zeros_like(W) for W in weights]
        upstream = dloss  # ∂Δ/∂B_k, from the output down
        for k in reversed(range(len(weights))):
            dA = upstream * REFERENCE_ACTIVATIONS[spec.activations[k]][1](inputs[k])
            grads[k] = outputs[k].T @ dA
            upstream = dA @ weights[k].T
        for k, grad in enumerate(grads):
            norms[k].append(float(np.sqrt(np.sum(grad * grad))))
        if epoch < epochs:
            weights = [W - spec.lr * grad for W, grad in zip(weights, grads, strict=True)]
    return losses, norms


def play_json(tutor_main, *args: str) -> dict:
    code, out, err = tutor_main("play", *args, "--json")
    assert code == 0, err
    # Strict JSON: a NaN or Infinity would be refused here.
    return json.loads(out, parse_constant=lambda word: pytest.fail(f"not JSON: {word}"))


@pytest.mark.parametrize(
    ("args", "spec"),
    [
        (
            ["--lr", "0.001", "--epochs", "30"],
            NetworkSpec(lr=0.001),
        ),
        (
            ["--layers", "12,5,8,6,2", "--act", "relu,tanh,identity", "--loss", "mse"]
            + ["--lr", "0.05", "--init", "he", "--seed", "3", "--epochs", "25"],
            NetworkSpec(
                layers=(12, 5, 8, 6, 2),
                activations=("relu", "tanh", "identity"),
                loss="mse",
                lr=0.05,
                init="he",
                seed=3,
            ),
        ),
        (
            ["--layers", "8,4,6,1", "--act", "sigmoid,identity", "--loss", "half-sse"]
            + ["--lr", "0.1", "--init", "xavier", "--init-scale", "2", "--epochs", "15"],
            NetworkSpec(
                layers=(8, 4, 6, 1),
                activations=("sigmoid", "identity"),
                loss="half-sse",
                lr=0.1,
                init="xavier",
                init_scale=2.0,
            ),
        ),
    ],
    ids=["article", "relu-tanh-mse", "sigmoid-half-sse"],
)
def test_json_matches_an_independent_numpy_run(tutor_main, args, spec) -> None:
    data = play_json(tutor_main, *args)
    epochs = data["epochs"]
    losses, norms = reference_run(spec, epochs)
    assert len(data["loss"]) == epochs + 1
    np.testing.assert_allclose(data["loss"], losses, rtol=1e-10, atol=1e-12)
    assert len(data["grad_norms"]) == spec.depth
    np.testing.assert_allclose(data["grad_norms"], norms, rtol=1e-10, atol=1e-12)
    assert data["diverged_at"] is None and data["messages"] == []
    assert data["spec"]["layers"] == list(spec.layers)
    assert data["loss"][-1] < data["loss"][0], "these runs learn"


def test_the_capstone_network_diverges_at_0_05_and_not_at_0_001(tutor_main) -> None:
    steady = play_json(tutor_main, *CAPSTONE, "--lr", "0.001", "--epochs", "100")
    assert steady["diverged_at"] is None
    assert steady["messages"] == []
    assert all(math.isfinite(value) for value in steady["loss"])

    wild = play_json(tutor_main, *CAPSTONE, "--lr", "0.05", "--epochs", "100")
    diverged = wild["diverged_at"]
    assert diverged is not None and 1 <= diverged <= 10
    # The epoch it names is the first whose loss is past 1000× the start, or not finite.
    start = wild["loss"][0]
    first_bad = next(
        t for t, value in enumerate(wild["loss"]) if value is None or value > 1000 * start
    )
    assert diverged == first_bad
    assert wild["loss"][-1] is None, "training stops at the loss that overflowed"
    texts = [message["text"] for message in wild["messages"]]
    assert any("too large" in text and "μ = 0.05" in text for text in texts), texts
    assert {message["lesson"] for message in wild["messages"]} == {"capstone-epoch"}
    assert wild["messages"][0]["epoch"] == diverged


def test_sigmoid_gradients_shrink_with_depth_and_relu_ones_do_not(tutor_main) -> None:
    layers = ",".join(["16"] * 13 + ["1"])

    def first_epoch_norms(act: str) -> list[float]:
        acts = ",".join([act] * 11 + ["identity"])
        data = play_json(
            tutor_main, "--layers", layers, "--act", acts, "--init", "he", "--epochs", "1"
        )
        return [layer[0] for layer in data["grad_norms"]]

    sigmoid, relu = first_epoch_norms("sigmoid"), first_epoch_norms("relu")
    assert sigmoid[0] / sigmoid[-1] < 1e-4, sigmoid
    # Shrinking layer after layer, towards the input, over the sigmoid stack.
    assert sum(a < b for a, b in zip(sigmoid, sigmoid[1:], strict=False)) >= 10, sigmoid
    assert min(relu) / max(relu) > 0.1, relu


def test_a_vanishing_gradient_is_named_with_its_layer_and_lesson(tutor_main) -> None:
    layers = ",".join(["16"] * 17 + ["1"])
    acts = ",".join(["sigmoid"] * 15 + ["identity"])
    data = play_json(
        tutor_main, "--layers", layers, "--act", acts, "--init", "xavier", "--epochs", "2"
    )
    first = data["messages"][0]
    assert first["kind"] == "vanished" and first["layer"] == 1 and first["epoch"] == 0
    assert first["lesson"] == "vanishing-gradients"
    assert "layers 1 and 2's gradients fell below 1e-08" in first["text"]
    assert "sigmoid" in first["text"]
    assert data["grad_norms"][0][0] < 1e-8 <= data["grad_norms"][2][0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--epochs", "99999"], "epochs must be a whole number from 0 to 5000"),
        (["--lr", "-1"], "the learning rate must be a positive number"),
        (["--act", "relu,bogus"], "unknown activation 'bogus'"),
        (["--layers", "10,x,1"], "--layers takes whole-number sizes"),
        (["--init-scale", "0"], "the init scale must be a positive number"),
        (
            ["--layers", "1000,784,128,10", "--act", "relu,identity", "--epochs", "500"],
            "train at most",
        ),
    ],
)
def test_bad_options_exit_2_with_one_line(tutor_main, args, words) -> None:
    code, out, err = tutor_main("play", *args, "--json")
    assert code == 2
    assert out == ""
    assert words in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_help_names_the_command_and_its_limits(tutor_main) -> None:
    code, out, _ = tutor_main("--help")
    assert code == 0 and "play" in out
    code, out, _ = tutor_main("play", "--help")
    assert code == 0
    for words in ("--epochs", "--init-scale", "--json", "5000"):
        assert words in out


async def test_without_json_the_app_opens_on_the_playground_above_a_lesson(tmp_path):
    from tutor.screens.lesson import LessonScreen
    from tutor.screens.playground import PlaygroundScreen

    (tmp_path / "01-only.md").write_text(
        "---\nid: only\ntitle: Only\norder: 1\nsummary: One lesson.\n---\n\nSome text.\n"
    )
    spec = NetworkSpec(lr=0.002, seed=4)
    app = playground_app(load_library(tmp_path), spec, 7)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen)
        assert screen.spec == spec and screen.epochs == 7
        assert isinstance(app.screen_stack[-2], LessonScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)
