"""One gradient-descent epoch, as the ordered steps a learner watches.

Notation (the article's, for any depth L): for layer k = 1..L,

    A_k = B_{k−1}·W_k      with B_0 = X        (the layer's input)
    B_k = f_k(A_k)         and Ŷ = B_L         (its output)
    Ỹ = Y − Ŷ,  Δ = the loss of Ỹ

Backward, with c the loss's constant (∂Δ/∂Ŷ = −c·Ỹ: 2 for ``sse``, 1 for
``half-sse``, 2/N for ``mse``), the error matrices are the article's D:

    D_L = Ỹ∗f_L′(A_L),     D_k = (D_{k+1}·W_{k+1}ᵀ)∗f_k′(A_k)
    δW_k = c·B_{k−1}ᵀ·D_k

so D_k = −(1/c)·∂Δ/∂A_k, and δW_k is the article's δW = −∂Δ/∂W_k (for two layers
and ``sse`` it reads δW2 = 2·B1ᵀ·(Ỹ∗f2′(A2)), exactly as the article derives it).
The update is W_k ← W_k − μ·∂Δ/∂W_k = W_k + μ·δW_k.

``Epoch.grads`` are the gradients ∂Δ/∂W_k themselves (that is, −δW_k), the
convention of the ``tutor epoch --json`` contract and of every autodiff library.

Each ``EpochStep`` carries its operands and result, so a screen can show any step
(and step backwards) without computing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tutor.core.errors import UsageError
from tutor.core.expression.budget import Budget
from tutor.core.network import (
    ACTIVATIONS,
    LOSSES,
    Network,
    NetworkSpec,
    epoch_cost,
    make_network,
)

Array = np.ndarray

PHASES = ("forward", "loss", "backward", "update")

#: ``train`` refuses more epochs than this in one call (a loss curve needs far fewer).
MAX_EPOCHS = 10_000


@dataclass(frozen=True)
class EpochStep:
    """One computation of the epoch: what it is, how it is written, and its numbers."""

    #: "forward", "loss", "backward" or "update".
    phase: str
    #: The matrix computed: "A1", "B1", "Ŷ", "Ỹ", "Δ", "D2", "δW2", "W1", "Δ_after".
    name: str
    #: The formula in the article's notation, in Unicode.
    formula: str
    #: Operand shapes as they enter the formula, then the result's: "(4,10)(10,1) -> (4,1)".
    #: Juxtaposed shapes are a matrix product; ∗, + and − are element-wise.
    shapes: str
    #: The matrices the formula reads, named as in it ("B1ᵀ", "f2′(A2)"), in order.
    operands: tuple[tuple[str, Array], ...]
    #: The computed matrix (a 0-d array for a loss).
    result: Array
    #: The weight layer it belongs to (1-based), or None for the loss of the whole network.
    layer: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The step without its matrices, for ``--json`` and other programs."""
        return {
            "phase": self.phase,
            "name": self.name,
            "formula": self.formula,
            "shapes": self.shapes,
            "layer": self.layer,
            "operands": [name for name, _ in self.operands],
            "result_shape": list(self.result.shape),
        }


@dataclass(frozen=True)
class Epoch:
    """One full-batch gradient-descent step: the data, both sets of weights, both losses."""

    spec: NetworkSpec
    X: Array
    Y: Array
    #: The weights before the step, W1 first.
    weights: tuple[Array, ...]
    #: Δ with ``weights``.
    loss: float
    #: ∂Δ/∂W_k for each layer, in the order and shapes of ``weights``.
    grads: tuple[Array, ...]
    #: W_k − μ·∂Δ/∂W_k.
    weights_after: tuple[Array, ...]
    #: Δ with ``weights_after``.
    loss_after: float
    steps: tuple[EpochStep, ...] = field(default=())

    @property
    def finite(self) -> bool:
        """False when some number overflowed (a too-large rate, scale or power)."""
        arrays = (*self.weights, *self.grads, *self.weights_after)
        return bool(
            np.isfinite(self.loss)
            and np.isfinite(self.loss_after)
            and all(np.isfinite(a).all() for a in arrays)
        )

    def steps_in(self, phase: str) -> list[EpochStep]:
        """The steps of one phase, in order."""
        return [step for step in self.steps if step.phase == phase]

    def to_json(self) -> dict[str, Any]:
        """Plain lists and floats, ready for ``json.dumps``."""
        return {
            "spec": self.spec.to_json(),
            "X": self.X.tolist(),
            "Y": self.Y.tolist(),
            "weights": [w.tolist() for w in self.weights],
            "loss": float(self.loss),
            "grads": [g.tolist() for g in self.grads],
            "weights_after": [w.tolist() for w in self.weights_after],
            "loss_after": float(self.loss_after),
            "steps": [step.to_json() for step in self.steps],
        }


@dataclass(frozen=True)
class _Pass:
    """Every intermediate of one forward and backward pass, index k for layer k.

    Each dict maps the layer k (1..L) to its matrix; ``outputs`` also has 0, for X.
    """

    inputs: dict[int, Array]  # A_k
    outputs: dict[int, Array]  # B_k, B_0 = X
    residual: Array  # Ỹ
    loss: float
    slopes: dict[int, Array]  # f_k′(A_k)
    errors: dict[int, Array]  # D_k
    deltas: dict[int, Array]  # δW_k = −∂Δ/∂W_k


def _forward(
    spec: NetworkSpec, X: Array, weights: tuple[Array, ...]
) -> tuple[dict[int, Array], dict[int, Array]]:
    """A_k and B_k for every layer (B_0 = X)."""
    inputs: dict[int, Array] = {}
    outputs: dict[int, Array] = {0: X}
    for k, (W, name) in enumerate(zip(weights, spec.activations, strict=True), 1):
        inputs[k] = outputs[k - 1] @ W
        outputs[k] = ACTIVATIONS[name].fn(inputs[k])
    return inputs, outputs


def _loss_of(spec: NetworkSpec, X: Array, Y: Array, weights: tuple[Array, ...]) -> float:
    _, outputs = _forward(spec, X, weights)
    return LOSSES[spec.loss].value(Y - outputs[spec.depth])


def _run_pass(spec: NetworkSpec, X: Array, Y: Array, weights: tuple[Array, ...]) -> _Pass:
    """Forward, loss and backward: everything the steps show and the update needs."""
    inputs, outputs = _forward(spec, X, weights)
    residual = Y - outputs[spec.depth]
    loss = LOSSES[spec.loss]
    factor = loss.factor(residual.size)
    depth = spec.depth
    slopes: dict[int, Array] = {}
    errors: dict[int, Array] = {}
    deltas: dict[int, Array] = {}
    upstream = residual
    for k in range(depth, 0, -1):
        slopes[k] = ACTIVATIONS[spec.activations[k - 1]].derivative(inputs[k])
        errors[k] = upstream * slopes[k]
        deltas[k] = factor * (outputs[k - 1].T @ errors[k])
        if k > 1:
            upstream = errors[k] @ weights[k - 1].T
    return _Pass(inputs, outputs, residual, loss.value(residual), slopes, errors, deltas)


def _descend(weights: tuple[Array, ...], deltas: dict[int, Array], lr: float) -> tuple[Array, ...]:
    """W_k + μ·δW_k for every layer: one step down the slope."""
    return tuple(W + lr * deltas[k] for k, W in enumerate(weights, 1))


def _starting_point(spec: NetworkSpec, network: Network | None) -> Network:
    """Private float64 copies of the network (a fresh seeded one if none is given)."""
    spec.validate()
    if network is None:
        return make_network(spec)
    weights = tuple(np.array(w, dtype=np.float64) for w in network.weights)
    shapes = [w.shape for w in weights]
    if shapes != spec.weight_shapes():
        raise UsageError(f"the weights' shapes {shapes} do not fit layers {spec.layers}")
    X = np.array(network.X, dtype=np.float64)
    Y = np.array(network.Y, dtype=np.float64)
    if X.shape != (spec.samples, spec.layers[1]) or Y.shape != (spec.samples, spec.layers[-1]):
        raise UsageError(f"X {X.shape} and Y {Y.shape} do not fit layers {spec.layers}")
    return Network(X=X, Y=Y, weights=weights)


def run_epoch(spec: NetworkSpec, network: Network | None = None) -> Epoch:
    """One full-batch gradient-descent step over all samples, recorded step by step.

    Args:
        spec: the network, loss and learning rate.
        network: data and starting weights; by default the seeded ``make_network(spec)``.
            It is copied, never changed.

    Returns:
        The epoch, whose arrays are read-only so that a screen cannot alter history.
    """
    start = _starting_point(spec, network)
    X, Y, weights = start.X, start.Y, start.weights
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        trace = _run_pass(spec, X, Y, weights)
        grads = tuple(-trace.deltas[k] for k in range(1, spec.depth + 1))
        after = _descend(weights, trace.deltas, spec.lr)
        _, after_outputs = _forward(spec, X, after)
        prediction_after = after_outputs[spec.depth]
        loss_after = LOSSES[spec.loss].value(Y - prediction_after)
    steps = _steps(spec, X, Y, weights, trace, after, prediction_after, loss_after)
    epoch = Epoch(
        spec=spec,
        X=X,
        Y=Y,
        weights=weights,
        loss=trace.loss,
        grads=grads,
        weights_after=after,
        loss_after=loss_after,
        steps=steps,
    )
    for array in (X, Y, *weights, *grads, *after):
        array.flags.writeable = False
    for step in steps:
        step.result.flags.writeable = False
        for _, operand in step.operands:
            operand.flags.writeable = False
    return epoch


def train(
    spec: NetworkSpec, epochs: int, network: Network | None = None, *, budget: Budget | None = None
) -> list[float]:
    """The loss curve of ``epochs`` gradient-descent steps.

    Returns ``epochs + 1`` losses: element 0 is the loss of the starting weights and
    element k the loss after k epochs. A too-large learning rate shows as a curve that
    climbs to ``inf`` or ``nan``, which is a lesson in itself, so it is not an error.
    Only the losses are kept: each epoch's matrices are let go before the next.

    Each epoch is charged to ``budget`` (its ``epoch_cost``) before it runs, so a
    lesson's plot stops, with the limit named, when its time or work runs out.

    Raises:
        UsageError: a bad epoch count.
        ExpressionError: kind "limit", when the budget runs out.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 0 <= epochs <= MAX_EPOCHS:
        raise UsageError(f"epochs must be a whole number from 0 to {MAX_EPOCHS}, not {epochs!r}")
    start = _starting_point(spec, network)
    X, Y, weights = start.X, start.Y, start.weights
    losses: list[float] = []
    work, nbytes = epoch_cost(spec)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for _ in range(epochs):
            if budget is not None:
                budget.charge(nbytes, work)
            trace = _run_pass(spec, X, Y, weights)
            losses.append(trace.loss)
            weights = _descend(weights, trace.deltas, spec.lr)
        losses.append(_loss_of(spec, X, Y, weights))
    return losses


def gradient_norms_by_layer(
    spec: NetworkSpec, network: Network | None = None, *, budget: Budget | None = None
) -> list[float]:
    """‖∂Δ/∂W_k‖ (Frobenius) for k = 1..L at the starting weights, W1 first.

    Plotted against k, this is the vanishing-gradient picture: with sigmoid each layer
    multiplies the error by f′ ≤ ¼, so the layers nearest the input get the least.
    The pass is charged to ``budget`` first, as an epoch of ``train`` is.
    """
    start = _starting_point(spec, network)
    if budget is not None:
        work, nbytes = epoch_cost(spec)
        budget.charge(nbytes, work)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        trace = _run_pass(spec, start.X, start.Y, start.weights)
        return [float(np.linalg.norm(trace.deltas[k])) for k in range(1, spec.depth + 1)]


# -- the steps ------------------------------------------------------------------------


def _shape(array: Array) -> str:
    return "(" + ",".join(str(n) for n in array.shape) + ")"


def _step(
    phase: str,
    name: str,
    formula: str,
    joined: str,
    operands: tuple[tuple[str, Array], ...],
    result: Array,
    layer: int | None,
) -> EpochStep:
    """A step whose shapes read ``joined`` filled with the operands' shapes, then the result's.

    ``joined`` is a format string with one ``{}`` per operand, so a product reads
    "(4,10)(10,1)" and an element-wise product "(10,1)∗(10,1)".
    """
    shapes = joined.format(*(_shape(a) for _, a in operands)) + f" -> {_shape(result)}"
    return EpochStep(phase, name, formula, shapes, operands, result, layer)


def _steps(
    spec: NetworkSpec,
    X: Array,
    Y: Array,
    weights: tuple[Array, ...],
    trace: _Pass,
    after: tuple[Array, ...],
    prediction_after: Array,
    loss_after: float,
) -> tuple[EpochStep, ...]:
    depth = spec.depth
    steps = _forward_steps(spec, weights, trace)
    steps += _loss_steps(spec, Y, trace)
    for k in range(depth, 0, -1):
        steps += _backward_steps(spec, k, weights, trace)
    for k in range(1, depth + 1):
        steps.append(
            _step(
                "update",
                f"W{k}",
                f"W{k} ← W{k} − μ·∂Δ/∂W{k} = W{k} + μ·δW{k}, μ = {spec.lr:g}",
                "{}+{}",
                ((f"W{k}", weights[k - 1]), (f"δW{k}", trace.deltas[k])),
                after[k - 1],
                k,
            )
        )
    loss = LOSSES[spec.loss]
    steps.append(
        _step(
            "update",
            "Δ_after",
            f"Δ_after = {loss.template.format('Ŷ_after')}, Ŷ_after = the forward pass "
            "with the new weights",
            "{}−{}",
            (("Y", Y), ("Ŷ_after", prediction_after)),
            np.array(loss_after),
            None,
        )
    )
    return tuple(steps)


def _output_name(spec: NetworkSpec, k: int) -> str:
    """B_k's name: Ŷ for the last layer, X for layer 0."""
    if k == 0:
        return "X"
    return "Ŷ" if k == spec.depth else f"B{k}"


def _forward_steps(spec: NetworkSpec, weights: tuple[Array, ...], trace: _Pass) -> list[EpochStep]:
    steps = []
    for k in range(1, spec.depth + 1):
        previous = _output_name(spec, k - 1)
        A = trace.inputs[k]
        steps.append(
            _step(
                "forward",
                f"A{k}",
                f"A{k} = {previous}·W{k}",
                "{}{}",
                ((previous, trace.outputs[k - 1]), (f"W{k}", weights[k - 1])),
                A,
                k,
            )
        )
        name = _output_name(spec, k)
        activation = ACTIVATIONS[spec.activations[k - 1]]
        suffix = f" = B{k}" if name == "Ŷ" else ""
        steps.append(
            _step(
                "forward",
                name,
                f"{name}{suffix} = f{k}(A{k}), f{k}(x) = {activation.formula}",
                "{}",
                ((f"A{k}", A),),
                trace.outputs[k],
                k,
            )
        )
    return steps


def _loss_steps(spec: NetworkSpec, Y: Array, trace: _Pass) -> list[EpochStep]:
    loss = LOSSES[spec.loss]
    return [
        _step(
            "loss",
            "Ỹ",
            "Ỹ = Y − Ŷ",
            "{}−{}",
            (("Y", Y), ("Ŷ", trace.outputs[spec.depth])),
            trace.residual,
            None,
        ),
        _step(
            "loss",
            "Δ",
            f"Δ = {loss.formula('Ŷ', Y.size)}",
            "{}",
            (("Ỹ", trace.residual),),
            np.array(trace.loss),
            None,
        ),
    ]


def _backward_steps(
    spec: NetworkSpec, k: int, weights: tuple[Array, ...], trace: _Pass
) -> list[EpochStep]:
    """D_k, then δW_k, for one layer, written the way the article writes them."""
    slope, error, delta = trace.slopes[k], trace.errors[k], trace.deltas[k]
    derivative = ACTIVATIONS[spec.activations[k - 1]].derivative_formula
    slope_name = f"f{k}′(A{k})"
    if k == spec.depth:
        error_text = f"Ỹ∗{slope_name}"
        error_step = _step(
            "backward",
            f"D{k}",
            f"D{k} = {error_text}, f{k}′(x) = {derivative}",
            "{}∗{}",
            (("Ỹ", trace.residual), (slope_name, slope)),
            error,
            k,
        )
        expanded = f"({error_text})"
    else:
        error_text = f"(D{k + 1}·W{k + 1}ᵀ)∗{slope_name}"
        next_error = trace.errors[k + 1]
        error_step = _step(
            "backward",
            f"D{k}",
            f"D{k} = {error_text}, f{k}′(x) = {derivative}",
            "{}{}∗{}",
            ((f"D{k + 1}", next_error), (f"W{k + 1}ᵀ", weights[k].T), (slope_name, slope)),
            error,
            k,
        )
        expanded = f"[{error_text}]"
    factor = LOSSES[spec.loss].factor_formula(trace.residual.size)
    previous = "X" if k == 1 else f"B{k - 1}"
    delta_step = _step(
        "backward",
        f"δW{k}",
        f"δW{k} = −∂Δ/∂W{k} = {factor}{previous}ᵀ·D{k} = {factor}{previous}ᵀ·{expanded}",
        "{}{}",
        ((f"{previous}ᵀ", trace.outputs[k - 1].T), (f"D{k}", error)),
        delta,
        k,
    )
    return [error_step, delta_step]
