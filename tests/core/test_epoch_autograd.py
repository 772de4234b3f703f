"""The epoch's gradients against a tiny reverse-mode autodiff written here.

The ``Tensor`` below shares no code with the engine: it knows nothing of the article's
D matrices or loss constants, only the derivative of each primitive operation, and
chains them backwards through the graph. x² and x³ are built from products, so even
their derivatives come from the product rule rather than from the engine's formulas.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest

from tutor.core.epoch import run_epoch
from tutor.core.network import NetworkSpec


class Tensor:
    """A value, the gradient flowing into it, and how to pass that gradient to its parents."""

    def __init__(self, value: np.ndarray, parents: tuple[Tensor, ...] = ()) -> None:
        self.value = np.asarray(value, dtype=np.float64)
        self.grad = np.zeros_like(self.value)
        self.parents = parents
        self.send_back: Callable[[], None] = lambda: None

    def __add__(self, other: Tensor) -> Tensor:
        out = Tensor(self.value + other.value, (self, other))

        def send_back() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out.send_back = send_back
        return out

    def __neg__(self) -> Tensor:
        return self.scale(-1.0)

    def __sub__(self, other: Tensor) -> Tensor:
        return self + (-other)

    def __mul__(self, other: Tensor) -> Tensor:
        out = Tensor(self.value * other.value, (self, other))

        def send_back() -> None:
            self.grad += out.grad * other.value
            other.grad += out.grad * self.value

        out.send_back = send_back
        return out

    def scale(self, c: float) -> Tensor:
        out = Tensor(c * self.value, (self,))

        def send_back() -> None:
            self.grad += c * out.grad

        out.send_back = send_back
        return out

    def __matmul__(self, other: Tensor) -> Tensor:
        out = Tensor(self.value @ other.value, (self, other))

        def send_back() -> None:
            self.grad += out.grad @ other.value.T
            other.grad += self.value.T @ out.grad

        out.send_back = send_back
        return out

    def elementwise(self, value: np.ndarray, slope: np.ndarray) -> Tensor:
        """f(self) given f's value and f′ at self, for the non-polynomial activations."""
        out = Tensor(value, (self,))

        def send_back() -> None:
            self.grad += out.grad * slope

        out.send_back = send_back
        return out

    def total(self) -> Tensor:
        out = Tensor(np.array(self.value.sum()), (self,))

        def send_back() -> None:
            self.grad += out.grad * np.ones_like(self.value)

        out.send_back = send_back
        return out

    def backward(self) -> None:
        order: list[Tensor] = []
        seen: set[int] = set()

        def visit(node: Tensor) -> None:
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = np.ones_like(self.value)
        for node in reversed(order):
            node.send_back()


def apply(name: str, x: Tensor) -> Tensor:
    v = x.value
    if name == "identity":
        return x
    if name == "square":
        return x * x
    if name == "cube":
        return x * x * x
    if name == "relu":
        return x.elementwise(np.where(v > 0, v, 0.0), np.where(v > 0, 1.0, 0.0))
    if name == "tanh":
        t = np.tanh(v)
        return x.elementwise(t, 1.0 - t * t)
    if name == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-v))
        return x.elementwise(s, s * (1.0 - s))
    raise AssertionError(name)


def autograd(data: dict, activations: list[str], loss: str) -> tuple[float, list[np.ndarray]]:
    """The loss and ∂loss/∂W_k for the X, Y and weights in an epoch's JSON."""
    weights = [Tensor(np.array(w)) for w in data["weights"]]
    Y = Tensor(np.array(data["Y"]))
    out = Tensor(np.array(data["X"]))
    for W, name in zip(weights, activations, strict=True):
        out = apply(name, out @ W)
    residual = Y - out
    squares = (residual * residual).total()
    value = {
        "sse": squares,
        "half-sse": squares.scale(0.5),
        "mse": squares.scale(1.0 / residual.value.size),
    }[loss]
    value.backward()
    return float(value.value), [W.grad for W in weights]


def assert_close(got: np.ndarray, expected: np.ndarray) -> None:
    """Relative to the matrix's size: 1e-8, far below any mistake in a formula."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape
    assert np.linalg.norm(got - expected) <= 1e-8 * np.linalg.norm(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-12 * np.abs(expected).max())


def deep(activation: str, depth: int, loss: str = "sse", **extra) -> NetworkSpec:
    layers = (16, 5) + (8,) * (depth - 1) + (3,)
    return NetworkSpec(layers, (activation,) * (depth - 1) + ("identity",), loss=loss, **extra)


NETWORKS = {
    "article": NetworkSpec((10, 3, 4, 1), ("square", "cube"), lr=0.001),
    "article-default-lr": NetworkSpec((10, 3, 4, 1), ("square", "cube")),
    "article-half-sse": NetworkSpec((10, 3, 4, 1), ("square", "cube"), loss="half-sse"),
    "relu-6": deep("relu", 6, seed=2),
    "relu-12-he": deep("relu", 12, init="he"),
    "sigmoid-6-mse": deep("sigmoid", 6, loss="mse"),
    "sigmoid-12": deep("sigmoid", 12, loss="half-sse"),
    "tanh-8": deep("tanh", 8, init="xavier"),
    "tanh-output": NetworkSpec((12, 4, 6, 6, 2), ("tanh", "tanh", "tanh")),
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_grads_and_weights_after_match_autograd(name: str) -> None:
    spec = NETWORKS[name]
    data = json.loads(json.dumps(run_epoch(spec).to_json()))
    loss, grads = autograd(data, list(spec.activations), spec.loss)
    assert data["loss"] == pytest.approx(loss, rel=1e-12)
    for k, (got, expected) in enumerate(zip(data["grads"], grads, strict=True), 1):
        assert np.abs(expected).max() > 0, f"W{k} has no gradient: the check would be empty"
        assert_close(got, expected)
    for W, after, grad in zip(data["weights"], data["weights_after"], grads, strict=True):
        assert_close(after, np.array(W) - spec.lr * grad)
    after_data = {**data, "weights": data["weights_after"]}
    assert data["loss_after"] == pytest.approx(
        autograd(after_data, list(spec.activations), spec.loss)[0], rel=1e-10
    )


def test_autograd_itself_matches_finite_differences() -> None:
    """The reference must be right too, or agreeing with it proves nothing."""
    spec = NETWORKS["tanh-output"]
    data = run_epoch(spec).to_json()
    _, grads = autograd(data, list(spec.activations), "sse")
    W1 = np.array(data["weights"][0])
    h = 1e-6
    for index in [(0, 0), (1, 3), (3, 5)]:
        moved = []
        for sign in (1, -1):
            W = W1.copy()
            W[index] += sign * h
            moved.append(
                autograd({**data, "weights": [W, *data["weights"][1:]]}, ["tanh"] * 3, "sse")[0]
            )
        assert grads[0][index] == pytest.approx((moved[0] - moved[1]) / (2 * h), rel=1e-6)


def test_autograd_would_catch_the_articles_code_bug() -> None:
    """The article's code uses Ŷ where Ỹ belongs; such a gradient is far from the truth."""
    spec = NETWORKS["article"]
    epoch = run_epoch(spec)
    steps = {s.name: s for s in epoch.steps}
    B1 = steps["B1"].result
    A2 = steps["A2"].result
    buggy = -2 * B1.T @ (steps["Ŷ"].result * 3 * A2**2)
    _, grads = autograd(epoch.to_json(), list(spec.activations), spec.loss)
    assert np.linalg.norm(buggy - grads[1]) > 1e-3 * np.linalg.norm(grads[1])
