"""The network description: activations, losses, validation and seeded data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tutor.core.errors import UsageError
from tutor.core.network import (
    ACTIVATIONS,
    DEFAULT_LAYERS,
    LOSSES,
    MAX_EPOCH_WORK,
    MAX_SIZE,
    MAX_WEIGHT_LAYERS,
    NetworkSpec,
    default_activations,
    epoch_cost,
    make_network,
)


def test_registry_has_the_issue_activations_with_their_formulas() -> None:
    assert list(ACTIVATIONS) == ["identity", "relu", "sigmoid", "tanh", "square", "cube"]
    assert (
        ACTIVATIONS["square"].formula == "x²" and ACTIVATIONS["square"].derivative_formula == "2x"
    )
    assert ACTIVATIONS["cube"].formula == "x³" and ACTIVATIONS["cube"].derivative_formula == "3x²"
    for activation in ACTIVATIONS.values():
        assert "\\" not in activation.formula + activation.derivative_formula


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_matches_central_differences(name: str) -> None:
    activation = ACTIVATIONS[name]
    x = np.linspace(-3.0, 3.0, 61) + 0.013  # never exactly on ReLU's kink at 0
    h = 1e-6
    numeric = (activation.fn(x + h) - activation.fn(x - h)) / (2 * h)
    np.testing.assert_allclose(activation.derivative(x), numeric, rtol=1e-6, atol=1e-8)


def test_activation_values() -> None:
    x = np.array([-2.0, 0.0, 0.5])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].fn(x), [0.0, 0.0, 0.5])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].fn(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(ACTIVATIONS["cube"].fn(x), x**3)
    np.testing.assert_allclose(ACTIVATIONS["square"].fn(x), x**2)


def test_relu_derivative_at_zero_is_zero() -> None:
    """The documented convention Step(0) = 0."""
    assert ACTIVATIONS["relu"].derivative(np.array([0.0]))[0] == 0.0


def test_sigmoid_is_stable_for_large_inputs() -> None:
    x = np.array([-1000.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = ACTIVATIONS["sigmoid"].fn(x)
        slopes = ACTIVATIONS["sigmoid"].derivative(x)
    np.testing.assert_allclose(values, [0.0, 1.0], atol=1e-300)
    np.testing.assert_allclose(slopes, [0.0, 0.0], atol=1e-300)


def test_loss_values() -> None:
    residual = np.array([[1.0], [-2.0], [3.0], [0.5]])
    assert LOSSES["sse"].value(residual) == pytest.approx(14.25)
    assert LOSSES["half-sse"].value(residual) == pytest.approx(7.125)
    assert LOSSES["mse"].value(residual) == pytest.approx(14.25 / 4)


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_factor_is_minus_the_gradient_over_the_residual(name: str) -> None:
    """∂Δ/∂Ŷ = −c·Ỹ, checked with central differences in Ŷ."""
    loss = LOSSES[name]
    rng = np.random.default_rng(3)
    Y, Yhat = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    h = 1e-6
    numeric = np.zeros_like(Yhat)
    for index in np.ndindex(Yhat.shape):
        bump = np.zeros_like(Yhat)
        bump[index] = h
        numeric[index] = (loss.value(Y - Yhat - bump) - loss.value(Y - Yhat + bump)) / (2 * h)
    np.testing.assert_allclose(numeric, -loss.factor(Y.size) * (Y - Yhat), rtol=1e-6)


def test_loss_formulas_read_like_the_article() -> None:
    assert LOSSES["sse"].formula("Ŷ", 10) == "Σ(Y − Ŷ)² = ΣỸ²"
    assert LOSSES["mse"].formula("Ŷ", 10).endswith("N = 10")
    assert LOSSES["sse"].factor_formula(10) == "2·"
    assert LOSSES["half-sse"].factor_formula(10) == ""
    assert LOSSES["mse"].factor_formula(40) == "(2/40)·"


def test_default_spec_is_the_articles_network() -> None:
    spec = NetworkSpec().validate()
    assert spec.layers == DEFAULT_LAYERS == (10, 3, 4, 1)
    assert spec.activations == ("square", "cube") and spec.loss == "sse"
    assert spec.weight_shapes() == [(3, 4), (4, 1)] and spec.depth == 2


def test_default_activations() -> None:
    assert default_activations((10, 3, 4, 1)) == ("square", "cube")
    assert default_activations((1000, 784, 128, 10)) == ("relu", "identity")
    assert default_activations((8, 5, 1)) == ("identity",)
    assert default_activations((8, 5, 6, 6, 2)) == ("relu", "relu", "identity")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"activations": ("relu",)}, "need 2 activation(s)"),
        ({"activations": ("relu", "relu", "relu")}, "got 3"),
        ({"activations": ("square", "swish")}, "unknown activation 'swish'"),
        ({"layers": (10, 0, 4, 1), "activations": ("relu", "relu")}, "from 1 to 4096, not 0"),
        ({"layers": (10, 3, -4, 1)}, "not -4"),
        ({"layers": (10, 3, MAX_SIZE + 1, 1)}, f"not {MAX_SIZE + 1}"),
        ({"layers": (10, 3, 4.5, 1)}, "whole number"),
        ({"layers": (10, 3), "activations": ()}, "between 3 and"),
        ({"layers": (4,) * (MAX_WEIGHT_LAYERS + 3), "activations": ("relu",) * 17}, "not 19"),
        ({"layers": (4096, 4096, 4096, 1)}, "too big"),
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"init": "orthogonal"}, "unknown init"),
        ({"lr": 0.0}, "learning rate must be a positive number"),
        ({"lr": float("nan")}, "learning rate"),
        ({"lr": "0.1"}, "learning rate"),
        ({"init_scale": -1.0}, "init scale"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_specs_raise_usage_errors(changes: dict, message: str) -> None:
    spec = NetworkSpec(**changes)
    with pytest.raises(UsageError) as caught:
        spec.validate()
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_total_size_cap() -> None:
    layers = (1000,) + (1000,) * 4 + (1,)  # each matrix fits; together 4 million numbers
    with pytest.raises(UsageError, match="holds"):
        NetworkSpec(layers=layers, activations=("relu",) * 4 + ("identity",)).validate()


def test_epoch_work_cap_names_the_need_and_the_limit() -> None:
    # Under both size caps, but one epoch is over a billion multiply-adds.
    spec = NetworkSpec(layers=(724, 724, 724, 1), activations=("relu", "identity"))
    assert epoch_cost(spec)[0] > MAX_EPOCH_WORK
    with pytest.raises(UsageError) as caught:
        spec.validate()
    assert "1,144,282,000 multiply-adds; the limit is 500,000,000" in str(caught.value)


def test_epoch_cost_counts_three_products_per_layer() -> None:
    work, nbytes = epoch_cost(NetworkSpec(layers=(10, 3, 4, 1)))
    products = 10 * 3 * 4 + 10 * 4 * 1
    assert work == 3 * products + 8 * (10 * 4 + 10 * 1)
    assert nbytes == 8 * (7 * 40 + 30 + 2 * 12) + 8 * (7 * 10 + 40 + 2 * 4)


def test_caps_allow_the_benchmark_and_deep_networks() -> None:
    NetworkSpec(layers=(1000, 784, 128, 10), activations=("relu", "identity")).validate()
    deep = (8,) + (6,) * MAX_WEIGHT_LAYERS + (1,)
    NetworkSpec(layers=deep, activations=("sigmoid",) * MAX_WEIGHT_LAYERS).validate()


def test_make_network_shapes_and_ranges() -> None:
    network = make_network(NetworkSpec())
    assert network.X.shape == (10, 3) and network.Y.shape == (10, 1)
    assert [w.shape for w in network.weights] == [(3, 4), (4, 1)]
    assert network.X.min() >= 0.0 and network.X.max() < 1.0
    assert all(np.abs(w).max() <= 1.0 for w in network.weights)
    assert np.abs(network.Y).max() <= 1.0  # sin of the teacher


def test_make_network_is_seeded() -> None:
    first, again = make_network(NetworkSpec(seed=5)), make_network(NetworkSpec(seed=5))
    other = make_network(NetworkSpec(seed=6))
    np.testing.assert_array_equal(first.X, again.X)
    np.testing.assert_array_equal(first.weights[0], again.weights[0])
    assert not np.array_equal(first.X, other.X)
    assert not np.array_equal(first.weights[0], other.weights[0])


def test_data_does_not_depend_on_the_hidden_layers() -> None:
    """Changing the depth changes the weights, never X and Y, so runs compare fairly."""
    shallow = make_network(NetworkSpec(layers=(10, 3, 4, 1)))
    deep = make_network(NetworkSpec(layers=(10, 3, 8, 8, 1), activations=("relu",) * 3))
    np.testing.assert_array_equal(shallow.X, deep.X)
    np.testing.assert_array_equal(shallow.Y, deep.Y)


def test_init_scale_and_fan_in_inits() -> None:
    layers, acts = (10, 100, 50, 1), ("relu", "identity")
    plain = make_network(NetworkSpec(layers=layers, activations=acts))
    scaled = make_network(NetworkSpec(layers=layers, activations=acts, init_scale=0.1))
    np.testing.assert_allclose(scaled.weights[0], 0.1 * plain.weights[0])
    he = make_network(NetworkSpec(layers=layers, activations=acts, init="he"))
    xavier = make_network(NetworkSpec(layers=layers, activations=acts, init="xavier"))
    assert np.abs(he.weights[0]).max() <= np.sqrt(6 / 100)
    assert np.abs(xavier.weights[0]).max() <= np.sqrt(6 / 150)
    assert np.abs(he.weights[0]).max() > 0.9 * np.sqrt(6 / 100)
