"""The toy network the epoch lessons train: its description, activations, losses and data.

The article's network is X (10,3) → W1 (3,4) → W2 (4,1) with f1(x) = x² and
f2(x) = x³ and the loss Δ = Σ(Y − Ŷ)². The same description stretches to any depth
(the vanishing-gradient lesson needs a dozen layers) and to the other activations and
losses the lessons compare. Everything here is seeded, so a class sees the same
numbers on every run.

Caps (checked by ``NetworkSpec.validate`` before anything is allocated):

- at most ``MAX_WEIGHT_LAYERS`` (16) weight layers, at least one;
- every size (samples, inputs, each hidden width, outputs) between 1 and ``MAX_SIZE`` (4096);
- no single matrix (X, a weight matrix, or one layer's activations, samples × width)
  over ``MAX_MATRIX_CELLS`` (2²⁰ ≈ 1.05 million numbers);
- all of them together at most ``MAX_TOTAL_CELLS`` (2²¹ ≈ 2.1 million numbers);
- one epoch (forward, backward, update) at most ``MAX_EPOCH_WORK`` multiply-adds.

A 1000,784,128,10 network (an MNIST-sized batch) is inside these, and a lesson's epoch
block (someone else's text) cannot ask for gigabytes or minutes per epoch.
``epoch_cost`` estimates an epoch's multiply-adds and bytes before any is computed,
which is how a lesson's plots are budgeted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.core.errors import UsageError

MAX_WEIGHT_LAYERS = 16
MAX_SIZE = 4096
MAX_MATRIX_CELLS = 1 << 20
MAX_TOTAL_CELLS = 1 << 21
MAX_EPOCH_WORK = 500_000_000

#: The article's network: 10 samples of 3 features, 4 hidden neurons, 1 output.
DEFAULT_LAYERS: tuple[int, ...] = (10, 3, 4, 1)

Array = np.ndarray
ArrayFn = Callable[[Array], Array]


@dataclass(frozen=True)
class Activation:
    """An element-wise function, its derivative, and both written for a learner."""

    name: str
    fn: ArrayFn
    derivative: ArrayFn
    formula: str
    derivative_formula: str


def _sigmoid(x: Array) -> Array:
    # 1/(1+e^-x) written so that neither branch overflows for large |x|.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_derivative(x: Array) -> Array:
    s = _sigmoid(x)
    return s * (1.0 - s)


#: Every activation a weight layer may use, by the name the command line and lessons use.
#: ReLU′(0) is taken as 0 (Step(0) = 0, NumPy's ``heaviside(x, 0)``); the Q&A notes that
#: 0, ½ or 1 at the single kink are all valid and make no practical difference.
ACTIVATIONS: dict[str, Activation] = {
    activation.name: activation
    for activation in (
        Activation("identity", lambda x: x, np.ones_like, "x", "1"),
        Activation(
            "relu",
            lambda x: np.maximum(x, 0.0),
            lambda x: (x > 0).astype(x.dtype),
            "max(x, 0)",
            "Step(x): 1 if x > 0, else 0",
        ),
        Activation("sigmoid", _sigmoid, _sigmoid_derivative, "1/(1 + e⁻ˣ)", "σ(x)·(1 − σ(x))"),
        Activation("tanh", np.tanh, lambda x: 1.0 - np.tanh(x) ** 2, "tanh x", "1 − tanh²x"),
        Activation("square", lambda x: x * x, lambda x: 2.0 * x, "x²", "2x"),
        Activation("cube", lambda x: x * x * x, lambda x: 3.0 * x * x, "x³", "3x²"),
    )
}


@dataclass(frozen=True)
class Loss:
    """A loss of the residual Ỹ = Y − Ŷ.

    Every loss here is a constant times ΣỸ², so ∂Δ/∂Ŷ = −c·Ỹ with the ``factor`` c.
    That constant is what stands in front of the article's δW formulas (the 2 of
    δW2 = 2·B1ᵀ·(Ỹ∗f2′(A2)) for ``sse``), so the engine keeps it apart.
    """

    name: str
    #: Δ written with the prediction, "{}" standing for it: "Σ(Y − {})²".
    template: str
    #: Δ written with the residual: "ΣỸ²".
    residual_formula: str
    description: str

    def value(self, residual: Array) -> float:
        """Δ for the residual Ỹ."""
        total = float(np.sum(residual * residual))
        if self.name == "half-sse":
            return 0.5 * total
        if self.name == "mse":
            return total / residual.size
        return total

    def factor(self, count: int) -> float:
        """The c in ∂Δ/∂Ŷ = −c·Ỹ, for a residual of ``count`` numbers."""
        return {"sse": 2.0, "half-sse": 1.0, "mse": 2.0 / count}[self.name]

    def factor_formula(self, count: int) -> str:
        """c as written in front of a product: "2·", "" or "(2/40)·"."""
        return {"sse": "2·", "half-sse": "", "mse": f"(2/{count})·"}[self.name]

    def formula(self, prediction: str, count: int) -> str:
        """Δ in both forms, e.g. "Σ(Y − Ŷ)² = ΣỸ²", with N spelled out for ``mse``."""
        text = f"{self.template.format(prediction)} = {self.residual_formula}"
        return f"{text}, N = {count}" if self.name == "mse" else text


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("sse", "Σ(Y − {})²", "ΣỸ²", "sum of squared errors, the article's Δ"),
        Loss("half-sse", "½Σ(Y − {})²", "½ΣỸ²", "half the sum of squares, as in the ReLU Q&A"),
        Loss("mse", "Σ(Y − {})²/N", "ΣỸ²/N", "mean squared error over all N numbers of Y"),
    )
}

#: Weight initialisations. ``uniform`` is the article's U[-1, 1]; ``xavier`` and ``he``
#: shrink that range with the layer's fan-in (and fan-out), which is what keeps deep
#: sigmoid/tanh and ReLU stacks from saturating or exploding.
INITS = ("uniform", "xavier", "he")


def default_activations(layers: tuple[int, ...]) -> tuple[str, ...]:
    """The activations used when none are given.

    The article's own network (10,3,4,1) gets its f1(x) = x² and f2(x) = x³. Any other
    network gets ReLU on the hidden layers and the identity on the output, the usual
    regression network, which stays finite for wide inputs where x³ of x² would not.
    """
    if tuple(layers) == DEFAULT_LAYERS:
        return ("square", "cube")
    return ("relu",) * (len(layers) - 3) + ("identity",)


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that determines one training run, and nothing computed from it.

    ``layers`` is (samples, inputs, hidden..., outputs), so a spec with n sizes has
    n − 2 weight layers and needs that many ``activations``, W1 first.
    """

    layers: tuple[int, ...] = DEFAULT_LAYERS
    activations: tuple[str, ...] = ("square", "cube")
    loss: str = "sse"
    lr: float = 0.01
    seed: int = 0
    init: str = "uniform"
    #: Multiplies the initial weights, to show how their scale changes the gradients.
    init_scale: float = 1.0

    @property
    def samples(self) -> int:
        return self.layers[0]

    @property
    def depth(self) -> int:
        """The number of weight layers."""
        return len(self.layers) - 2

    def to_json(self) -> dict[str, Any]:
        """The spec as plain lists and numbers: what every ``--json`` report starts with."""
        return {
            "layers": list(self.layers),
            "activations": list(self.activations),
            "loss": self.loss,
            "lr": self.lr,
            "seed": self.seed,
            "init": self.init,
            "init_scale": self.init_scale,
        }

    def weight_shapes(self) -> list[tuple[int, int]]:
        """(rows, columns) of W1, W2, ..., in order."""
        return list(zip(self.layers[1:-1], self.layers[2:], strict=True))

    def validate(self) -> NetworkSpec:
        """Raise ``UsageError`` naming the first thing wrong; return self if all is well."""
        self._validate_layers()
        if len(self.activations) != self.depth:
            given = ",".join(self.activations) or "none"
            raise UsageError(
                f"layers {','.join(map(str, self.layers))} have {self.depth} weight layer(s), "
                f"so they need {self.depth} activation(s), one per layer, W1's first; "
                f"got {len(self.activations)} ({given})"
            )
        for name in self.activations:
            if name not in ACTIVATIONS:
                raise UsageError(
                    f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}"
                )
        if self.loss not in LOSSES:
            raise UsageError(f"unknown loss {self.loss!r}; choose from {', '.join(LOSSES)}")
        if self.init not in INITS:
            raise UsageError(f"unknown init {self.init!r}; choose from {', '.join(INITS)}")
        _check_positive(self.lr, "the learning rate")
        _check_positive(self.init_scale, "the init scale")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise UsageError(f"the seed must be a whole number, not {self.seed!r}")
        if not 0 <= self.seed < 2**63:
            raise UsageError(f"the seed must be a whole number from 0 to 2⁶³ − 1, not {self.seed}")
        return self

    def _validate_layers(self) -> None:
        if not 3 <= len(self.layers) <= MAX_WEIGHT_LAYERS + 2:
            raise UsageError(
                "layers are samples, inputs, any hidden widths, outputs: between 3 and "
                f"{MAX_WEIGHT_LAYERS + 2} sizes (1 to {MAX_WEIGHT_LAYERS} weight layers), "
                f"not {len(self.layers)}"
            )
        for size in self.layers:
            if isinstance(size, bool) or not isinstance(size, int | np.integer):
                raise UsageError(f"every layer size must be a whole number, not {size!r}")
            if not 1 <= size <= MAX_SIZE:
                raise UsageError(f"every layer size must be from 1 to {MAX_SIZE}, not {size}")
        cells = [self.samples * width for width in self.layers[1:]]
        cells += [rows * cols for rows, cols in self.weight_shapes()]
        if max(cells) > MAX_MATRIX_CELLS:
            raise UsageError(
                f"a {max(cells):,}-number matrix is too big to show; keep each matrix "
                f"(samples × width, or width × next width) at most {MAX_MATRIX_CELLS:,}"
            )
        if sum(cells) > MAX_TOTAL_CELLS:
            raise UsageError(
                f"this network holds {sum(cells):,} numbers; at most {MAX_TOTAL_CELLS:,} "
                "are allowed"
            )
        work, _ = epoch_cost(self)
        if work > MAX_EPOCH_WORK:
            raise UsageError(
                f"one epoch of this network needs {work:,} multiply-adds; the limit is "
                f"{MAX_EPOCH_WORK:,} (make the samples or the widths smaller)"
            )


def epoch_cost(spec: NetworkSpec) -> tuple[int, int]:
    """(multiply-adds, bytes of arrays made) of one training pass, before computing it.

    Each weight layer k, from width a to width b over s samples, costs three products
    (B·W forward, Bᵀ·D for the gradient, D·Wᵀ back to the layer before: 3·s·a·b) and a
    few element-wise passes over its s·b activations; it makes A, B, f′(A), D and the
    activation's temporaries (about seven s·b arrays), D·Wᵀ (s·a), the gradient and
    the new weights (2·a·b). Reading the sizes only, it works on specs not yet valid.
    """
    samples = spec.layers[0]
    work = nbytes = 0
    for rows, cols in zip(spec.layers[1:-1], spec.layers[2:], strict=False):
        work += 3 * samples * rows * cols + 8 * samples * cols
        nbytes += 8 * (7 * samples * cols + samples * rows + 2 * rows * cols)
    return work, nbytes


def _check_positive(value: object, what: str) -> None:
    """Refuse anything but a finite number above zero (bools and text included)."""
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not (math.isfinite(number) and number > 0):
        raise UsageError(f"{what} must be a positive number, not {value!r}")


@dataclass(frozen=True)
class Network:
    """A network's data and starting weights: X (samples, inputs), Y (samples, outputs)."""

    X: Array
    Y: Array
    weights: tuple[Array, ...]


def make_network(spec: NetworkSpec) -> Network:
    """Seeded data and weights for ``spec``.

    X is uniform in [0, 1) (one of the article's fillings, and a modest scale that
    x² and x³ keep finite). Y comes from a fixed "teacher", Y = sin(X·T) with T drawn
    uniform in [-1, 1] from the same seed, so there is a real pattern for training to
    find and the loss falls. The weights are uniform in [-1, 1] as in the article
    (``xavier``/``he`` narrow the range), times ``init_scale``. X, Y and the weights
    come from separate streams of the seed, so changing the depth or the activations
    never changes the data.
    """
    spec.validate()
    samples, inputs, outputs = spec.samples, spec.layers[1], spec.layers[-1]
    data_rng = np.random.default_rng([spec.seed, 0])
    X = data_rng.random((samples, inputs))
    teacher = np.random.default_rng([spec.seed, 1]).uniform(-1.0, 1.0, (inputs, outputs))
    Y = np.sin(X @ teacher)
    weight_rng = np.random.default_rng([spec.seed, 2])
    weights = tuple(
        weight_rng.uniform(-1.0, 1.0, shape) * _init_limit(spec.init, *shape) * spec.init_scale
        for shape in spec.weight_shapes()
    )
    return Network(X=X, Y=Y, weights=weights)


def _init_limit(init: str, fan_in: int, fan_out: int) -> float:
    """Half-width of the uniform range each weight is drawn from."""
    if init == "xavier":
        return math.sqrt(6.0 / (fan_in + fan_out))
    if init == "he":
        return math.sqrt(6.0 / fan_in)
    return 1.0
