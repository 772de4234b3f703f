"""The playground's knobs: each turn gives a new, validated network description.

A knob never edits a spec in place: it returns a new ``NetworkSpec`` (or raises
``UsageError`` saying why the turn is refused, e.g. a seventeenth layer), so the
screen can keep the old settings and show the reason. The steps are on a log scale
where the quantity spans decades (the learning rate, the init scale, the widths), so
a few presses go from "crawls" to "diverges".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tutor.core.errors import UsageError
from tutor.core.network import ACTIVATIONS, INITS, LOSSES, MAX_WEIGHT_LAYERS, NetworkSpec


def _one_two_five(low_power: int, high_power: int) -> tuple[float, ...]:
    """1, 2, 5 times each power of ten: even steps on a log scale that read well."""
    return tuple(
        float(f"{mantissa}e{power}")
        for power in range(low_power, high_power + 1)
        for mantissa in (1, 2, 5)
    )


#: The learning rates ``[`` and ``]`` step through: 1e-5 to 5.
RATES = _one_two_five(-5, 0)
#: The initial-weight scales ``<`` and ``>`` step through: 0.001 to 50.
INIT_SCALES = _one_two_five(-3, 1)
#: Hidden widths ``-`` and ``+`` step through.
WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
#: A hidden layer added with ``d`` uses this when the network has none to copy.
NEW_LAYER_ACTIVATION = "relu"


def step_in(values: Sequence[float], current: float, direction: int) -> float:
    """The value ``direction`` steps from ``current`` along ``values`` (sorted, positive).

    A current value between two steps (a lesson's μ = 0.03) moves to the neighbouring
    step in that direction, never back onto itself; the ends stay put.
    """
    if direction > 0:
        return next((v for v in values if v > current * (1 + 1e-9)), values[-1])
    return next((v for v in reversed(values) if v < current * (1 - 1e-9)), values[0])


def step_rate(spec: NetworkSpec, direction: int) -> NetworkSpec:
    return replace(spec, lr=step_in(RATES, spec.lr, direction)).validate()


def step_init_scale(spec: NetworkSpec, direction: int) -> NetworkSpec:
    return replace(spec, init_scale=step_in(INIT_SCALES, spec.init_scale, direction)).validate()


def _cycle(names: Sequence[str], current: str) -> str:
    index = list(names).index(current) if current in names else -1
    return names[(index + 1) % len(names)]


def cycle_activation(spec: NetworkSpec, layer: int) -> NetworkSpec:
    """The next activation (in ``ACTIVATIONS`` order) for weight layer ``layer`` (1-based)."""
    _check_layer(spec, layer)
    activations = list(spec.activations)
    activations[layer - 1] = _cycle(tuple(ACTIVATIONS), activations[layer - 1])
    return replace(spec, activations=tuple(activations)).validate()


def cycle_init(spec: NetworkSpec) -> NetworkSpec:
    return replace(spec, init=_cycle(INITS, spec.init)).validate()


def cycle_loss(spec: NetworkSpec) -> NetworkSpec:
    return replace(spec, loss=_cycle(tuple(LOSSES), spec.loss)).validate()


def next_seed(spec: NetworkSpec) -> NetworkSpec:
    return replace(spec, seed=spec.seed + 1).validate()


def step_width(spec: NetworkSpec, layer: int, direction: int) -> NetworkSpec:
    """Widen or narrow the output of weight layer ``layer``: a hidden layer's neurons.

    The last layer's output is Y's width, set by the data, so it cannot change.
    """
    _check_layer(spec, layer)
    if layer == spec.depth:
        raise UsageError(
            f"W{layer} is the output layer: its width is Y's ({spec.layers[-1]}); "
            "choose a hidden layer with ←/→"
        )
    layers = list(spec.layers)
    layers[layer + 1] = int(step_in(WIDTHS, layers[layer + 1], direction))
    return replace(spec, layers=tuple(layers)).validate()


def deeper(spec: NetworkSpec) -> NetworkSpec:
    """One more hidden layer just before the output, like the last hidden one."""
    if spec.depth >= MAX_WEIGHT_LAYERS:
        raise UsageError(f"{MAX_WEIGHT_LAYERS} weight layers is the most the playground trains")
    width = spec.layers[-2]
    activation = spec.activations[-2] if spec.depth > 1 else NEW_LAYER_ACTIVATION
    layers = (*spec.layers[:-1], width, spec.layers[-1])
    activations = (*spec.activations[:-1], activation, spec.activations[-1])
    return replace(spec, layers=layers, activations=activations).validate()


def shallower(spec: NetworkSpec) -> NetworkSpec:
    """One hidden layer fewer: the last hidden layer goes, the output layer stays."""
    if spec.depth <= 1:
        raise UsageError("one weight layer is the fewest a network can have")
    layers = (*spec.layers[:-2], spec.layers[-1])
    activations = (*spec.activations[:-2], spec.activations[-1])
    return replace(spec, layers=layers, activations=activations).validate()


def _check_layer(spec: NetworkSpec, layer: int) -> None:
    if not 1 <= layer <= spec.depth:
        raise UsageError(f"there is no layer W{layer}: this network has W1 to W{spec.depth}")
