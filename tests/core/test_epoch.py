"""The epoch engine: the steps, finite-difference gradient checks, training, JSON."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tutor.core.epoch import (
    PHASES,
    Epoch,
    EpochStep,
    gradient_norms_by_layer,
    run_epoch,
    train,
)
from tutor.core.errors import UsageError
from tutor.core.network import ACTIVATIONS, LOSSES, Network, NetworkSpec, make_network

ARTICLE = NetworkSpec(layers=(10, 3, 4, 1), activations=("square", "cube"), lr=0.001)


def test_article_network_steps_in_order() -> None:
    epoch = run_epoch(ARTICLE)
    assert [(s.phase, s.name) for s in epoch.steps] == [
        ("forward", "A1"),
        ("forward", "B1"),
        ("forward", "A2"),
        ("forward", "Ŷ"),
        ("loss", "Ỹ"),
        ("loss", "Δ"),
        ("backward", "D2"),
        ("backward", "δW2"),
        ("backward", "D1"),
        ("backward", "δW1"),
        ("update", "W1"),
        ("update", "W2"),
        ("update", "Δ_after"),
    ]
    assert [s.layer for s in epoch.steps] == [1, 1, 2, 2, None, None, 2, 2, 1, 1, 1, 2, None]


def test_deeper_network_step_names() -> None:
    spec = NetworkSpec(layers=(6, 3, 5, 5, 2), activations=("relu", "tanh", "identity"))
    names = [s.name for s in run_epoch(spec).steps]
    assert names == (
        ["A1", "B1", "A2", "B2", "A3", "Ŷ", "Ỹ", "Δ"]
        + ["D3", "δW3", "D2", "δW2", "D1", "δW1"]
        + ["W1", "W2", "W3", "Δ_after"]
    )
    phases = [s.phase for s in run_epoch(spec).steps]
    assert sorted(set(phases), key=PHASES.index) == list(PHASES)
    assert phases == sorted(phases, key=PHASES.index)  # phases never interleave


def test_article_formulas_and_shapes() -> None:
    steps = {s.name: s for s in run_epoch(ARTICLE).steps}
    assert steps["A1"].formula == "A1 = X·W1"
    assert steps["A1"].shapes == "(10,3)(3,4) -> (10,4)"
    assert steps["B1"].formula == "B1 = f1(A1), f1(x) = x²"
    assert steps["Ŷ"].shapes == "(10,1) -> (10,1)"
    assert steps["Ỹ"].formula == "Ỹ = Y − Ŷ"
    assert steps["Δ"].formula == "Δ = Σ(Y − Ŷ)² = ΣỸ²" and steps["Δ"].shapes == "(10,1) -> ()"
    assert steps["δW2"].formula.endswith("= 2·B1ᵀ·(Ỹ∗f2′(A2))")
    assert steps["δW2"].shapes == "(4,10)(10,1) -> (4,1)"
    assert steps["D1"].shapes == "(10,1)(1,4)∗(10,4) -> (10,4)"
    assert steps["δW1"].formula.endswith("= 2·Xᵀ·[(D2·W2ᵀ)∗f1′(A1)]")
    assert steps["δW1"].shapes == "(3,10)(10,4) -> (3,4)"
    assert steps["W1"].formula.startswith("W1 ← W1 − μ·∂Δ/∂W1 = W1 + μ·δW1")


def test_formulas_carry_the_loss_constant() -> None:
    half = {s.name: s for s in run_epoch(NetworkSpec(loss="half-sse")).steps}
    mse = {s.name: s for s in run_epoch(NetworkSpec(loss="mse")).steps}
    assert half["δW2"].formula.endswith("= B1ᵀ·(Ỹ∗f2′(A2))")
    assert mse["δW2"].formula.endswith("= (2/10)·B1ᵀ·(Ỹ∗f2′(A2))")
    assert half["Δ"].formula == "Δ = ½Σ(Y − Ŷ)² = ½ΣỸ²"


@pytest.mark.parametrize("loss", list(LOSSES))
def test_formulas_are_unicode_not_latex(loss: str) -> None:
    spec = NetworkSpec(layers=(5, 2, 3, 3, 1), activations=("sigmoid", "tanh", "cube"), loss=loss)
    for step in run_epoch(spec).steps:
        assert "\\" not in step.formula and "^" not in step.formula, step.formula


def _shape_text(array: np.ndarray) -> str:
    return "(" + ",".join(map(str, array.shape)) + ")"


def test_shapes_are_the_operands_then_the_result() -> None:
    spec = NetworkSpec(layers=(7, 3, 5, 4, 2), activations=("relu", "sigmoid", "identity"))
    for step in run_epoch(spec).steps:
        operand_text, result_text = step.shapes.split(" -> ")
        found = re.findall(r"\([0-9,]*\)", operand_text)
        assert found == [_shape_text(a) for _, a in step.operands], step.name
        assert result_text == _shape_text(step.result)


def _recompute(step: EpochStep, spec: NetworkSpec) -> np.ndarray:
    """What a screen could check: each result follows from the operands it lists."""
    ops = [a for _, a in step.operands]
    loss = LOSSES[spec.loss]
    count = spec.samples * spec.layers[-1]
    if step.name.startswith("A"):
        return ops[0] @ ops[1]
    if step.name.startswith("B") or step.name == "Ŷ":
        return ACTIVATIONS[spec.activations[step.layer - 1]].fn(ops[0])
    if step.name in ("Ỹ",):
        return ops[0] - ops[1]
    if step.name in ("Δ",):
        return np.array(loss.value(ops[0]))
    if step.name == "Δ_after":
        return np.array(loss.value(ops[0] - ops[1]))
    if step.name.startswith("D"):
        return (ops[0] if len(ops) == 2 else ops[0] @ ops[1]) * ops[-1]
    if step.name.startswith("δW"):
        return loss.factor(count) * ops[0] @ ops[1]
    if step.name.startswith("W"):
        return ops[0] + spec.lr * ops[1]
    raise AssertionError(step.name)


@pytest.mark.parametrize("loss", list(LOSSES))
def test_each_result_follows_from_its_operands(loss: str) -> None:
    spec = NetworkSpec(layers=(6, 3, 4, 4, 2), activations=("tanh", "square", "sigmoid"), loss=loss)
    for step in run_epoch(spec).steps:
        np.testing.assert_allclose(step.result, _recompute(step, spec), rtol=1e-12, atol=1e-15)


def test_operands_chain_into_each_other() -> None:
    """The A1 step's W1 is the starting W1, D1 reads D2 and W2, and so on."""
    epoch = run_epoch(ARTICLE)
    steps = {s.name: s for s in epoch.steps}
    operands = {name: dict(s.operands) for name, s in steps.items()}
    assert operands["A1"]["W1"] is epoch.weights[0]
    np.testing.assert_array_equal(operands["A2"]["B1"], steps["B1"].result)
    np.testing.assert_array_equal(operands["D1"]["D2"], steps["D2"].result)
    np.testing.assert_array_equal(operands["D1"]["W2ᵀ"], epoch.weights[1].T)
    np.testing.assert_array_equal(operands["δW1"]["Xᵀ"], epoch.X.T)
    np.testing.assert_array_equal(operands["W2"]["δW2"], steps["δW2"].result)


def test_grads_weights_after_and_losses_agree_with_the_steps() -> None:
    epoch = run_epoch(ARTICLE)
    steps = {s.name: s for s in epoch.steps}
    for k, (W, grad, after) in enumerate(
        zip(epoch.weights, epoch.grads, epoch.weights_after, strict=True), 1
    ):
        np.testing.assert_array_equal(grad, -steps[f"δW{k}"].result)
        np.testing.assert_allclose(after, W - ARTICLE.lr * grad, rtol=1e-15)
        np.testing.assert_array_equal(after, steps[f"W{k}"].result)
    assert epoch.loss == float(steps["Δ"].result)
    assert epoch.loss_after == float(steps["Δ_after"].result)
    moved = Network(epoch.X, epoch.Y, epoch.weights_after)
    assert epoch.loss_after == pytest.approx(train(ARTICLE, 0, moved)[0], rel=1e-14)
    assert epoch.loss_after < epoch.loss


# -- central finite differences: every activation × every loss × depths 1..6 -------------


def _activations_for(name: str, depth: int) -> tuple[str, ...]:
    """The activation on every layer; x² and x³ alternate with tanh.

    Six stacked cubes are x^729: every value would vanish or overflow, so the check
    would prove nothing. Interleaving tanh keeps each layer's values near 1.
    """
    if name in ("square", "cube"):
        return tuple(name if k % 2 == 0 else "tanh" for k in range(depth))
    return (name,) * depth


def _lively(activation: str, loss: str, depth: int) -> Epoch:
    """The first seed whose gradients are all alive and whose ReLU inputs avoid the kink."""
    layers = (6, 3) + (4,) * (depth - 1) + (2,)
    for seed in range(60):
        spec = NetworkSpec(layers, _activations_for(activation, depth), loss=loss, seed=seed)
        epoch = run_epoch(spec)
        inputs = [s.result for s in epoch.steps if s.phase == "forward" and s.name[0] == "A"]
        if (
            epoch.finite
            and all(np.abs(g).max() > 1e-5 for g in epoch.grads)
            and min(np.abs(a).min() for a in inputs) > 1e-4
        ):
            return epoch
    raise AssertionError(f"no seed gives a checkable {activation}/{loss} network of depth {depth}")


def _central_differences(epoch: Epoch, h: float = 1e-6) -> list[np.ndarray]:
    network = Network(epoch.X, epoch.Y, epoch.weights)
    numeric = []
    for k, W in enumerate(epoch.weights):
        grad = np.zeros_like(W)
        for index in np.ndindex(W.shape):
            losses = []
            for sign in (1, -1):
                moved = [w.copy() for w in network.weights]
                moved[k][index] += sign * h
                losses.append(train(epoch.spec, 0, Network(epoch.X, epoch.Y, tuple(moved)))[0])
            grad[index] = (losses[0] - losses[1]) / (2 * h)
        numeric.append(grad)
    return numeric


@pytest.mark.parametrize("depth", range(1, 7))
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_gradients_match_central_differences(activation: str, loss: str, depth: int) -> None:
    epoch = _lively(activation, loss, depth)
    for k, (grad, numeric) in enumerate(
        zip(epoch.grads, _central_differences(epoch), strict=True), 1
    ):
        scale = np.abs(numeric).max()
        error = np.abs(grad - numeric).max()
        assert error <= 1e-5 * scale, f"W{k}: error {error:.2e} against {scale:.2e}"


def test_a_wrong_gradient_would_be_caught() -> None:
    """The check above can fail: a gradient off by a factor of 2 is far outside its bound."""
    epoch = _lively("sigmoid", "sse", 3)
    numeric = _central_differences(epoch)
    assert np.abs(2 * epoch.grads[0] - numeric[0]).max() > 1e-5 * np.abs(numeric[0]).max()


# -- purity, determinism, JSON ----------------------------------------------------------


def test_run_epoch_does_not_change_its_inputs() -> None:
    network = make_network(ARTICLE)
    before = [w.copy() for w in network.weights]
    epoch = run_epoch(ARTICLE, network)
    for w, b in zip(network.weights, before, strict=True):
        np.testing.assert_array_equal(w, b)
        assert w.flags.writeable
    assert epoch.weights[0] is not network.weights[0]


def test_epoch_arrays_are_read_only() -> None:
    epoch = run_epoch(ARTICLE)
    with pytest.raises(ValueError):
        epoch.weights[0][0, 0] = 1.0
    with pytest.raises(ValueError):
        epoch.steps[0].result[0, 0] = 1.0


def test_same_seed_same_epoch() -> None:
    first, again = run_epoch(ARTICLE), run_epoch(ARTICLE)
    assert first.to_json() == again.to_json()
    other = run_epoch(NetworkSpec(layers=ARTICLE.layers, activations=ARTICLE.activations, seed=1))
    assert other.loss != first.loss


def test_mismatched_network_is_refused() -> None:
    network = make_network(NetworkSpec(layers=(10, 3, 5, 1)))
    with pytest.raises(UsageError, match="do not fit"):
        run_epoch(ARTICLE, network)


def test_bad_spec_is_refused_before_computing() -> None:
    with pytest.raises(UsageError):
        run_epoch(NetworkSpec(activations=("relu",)))


def test_to_json_keys_types_and_shapes() -> None:
    data = run_epoch(ARTICLE).to_json()
    expected = {"X", "Y", "weights", "loss", "grads", "weights_after", "loss_after", "steps"}
    assert expected <= set(data)
    assert np.shape(data["X"]) == (10, 3) and np.shape(data["Y"]) == (10, 1)
    for key in ("weights", "grads", "weights_after"):
        assert [np.shape(m) for m in data[key]] == [(3, 4), (4, 1)], key
    assert type(data["loss"]) is float and type(data["loss_after"]) is float
    assert data["spec"]["layers"] == [10, 3, 4, 1]
    step = data["steps"][7]
    assert step == {
        "phase": "backward",
        "name": "δW2",
        "formula": "δW2 = −∂Δ/∂W2 = 2·B1ᵀ·D2 = 2·B1ᵀ·(Ỹ∗f2′(A2))",
        "shapes": "(4,10)(10,1) -> (4,1)",
        "layer": 2,
        "operands": ["B1ᵀ", "D2"],
        "result_shape": [4, 1],
    }
    assert json.loads(json.dumps(data)) == data


def test_overflow_is_reported_not_raised() -> None:
    spec = NetworkSpec(layers=(10, 3, 8, 8, 8, 1), activations=("cube",) * 4, init_scale=40.0)
    epoch = run_epoch(spec)
    assert not epoch.finite


# -- training and the vanishing-gradient numbers ----------------------------------------


def test_train_reduces_the_loss_on_the_article_network() -> None:
    losses = train(ARTICLE, 300)
    assert len(losses) == 301
    assert losses[0] == run_epoch(ARTICLE).loss
    assert losses[1] == pytest.approx(run_epoch(ARTICLE).loss_after, rel=1e-14)
    assert all(b <= a for a, b in zip(losses, losses[1:], strict=False))
    assert losses[-1] < 0.5 * losses[0]


def test_train_starts_from_a_given_network_without_changing_it() -> None:
    network = make_network(ARTICLE)
    first = network.weights[0].copy()
    assert train(ARTICLE, 5, network) == train(ARTICLE, 5)
    np.testing.assert_array_equal(network.weights[0], first)


@pytest.mark.parametrize("epochs", [-1, 10_001, 2.5, True])
def test_train_refuses_bad_epoch_counts(epochs: object) -> None:
    with pytest.raises(UsageError, match="epochs"):
        train(ARTICLE, epochs)  # type: ignore[arg-type]


def test_gradient_norms_are_the_grads_norms() -> None:
    spec = NetworkSpec(layers=(8, 4, 6, 6, 2), activations=("relu", "tanh", "identity"))
    norms = gradient_norms_by_layer(spec)
    expected = [np.linalg.norm(g) for g in run_epoch(spec).grads]
    np.testing.assert_allclose(norms, expected, rtol=1e-14)


def test_sigmoid_gradients_vanish_with_depth_and_relu_gradients_do_not() -> None:
    """The Q&A's point: σ′ ≤ ¼ shrinks the error at every layer; ReLU′ is 0 or 1."""
    layers = (32,) + (16,) * 12 + (1,)
    sigmoid = gradient_norms_by_layer(
        NetworkSpec(layers, ("sigmoid",) * 11 + ("identity",), init="xavier")
    )
    relu = gradient_norms_by_layer(NetworkSpec(layers, ("relu",) * 11 + ("identity",), init="he"))
    assert sigmoid[0] < 1e-4 * sigmoid[-1]
    assert relu[0] > 0.1 * relu[-1]
