"""The numbers behind a lesson's plots, and the network an epoch or plot block describes.

A ``plot`` block names one of three pictures (``function``, ``gradient-depth``,
``loss-curve``); this module turns the block's YAML into the data for it, with NumPy
and the epoch engine and without any UI, so the numbers can be tested on their own
and computed in a worker thread while the app stays responsive. Drawing them is the
widgets' job.

``spec_from_options`` is shared by ``epoch`` blocks, ``loss-curve`` plots and the
epoch screen, so a lesson block and ``tutor epoch`` with the same settings train the
same network.

A plot is someone else's text asking for work, so ``block_cost`` says what it needs
(multiply-adds, and bytes of arrays made) from its options alone, before anything
runs; ``plot_data`` refuses a plot that needs more than ``PLOT_WORK`` or
``PLOT_BYTES`` and charges the rest, epoch by epoch, to a budget that also stops it
after ``PLOT_SECONDS``. A loss curve keeps one number per epoch, nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.core.epoch import gradient_norms_by_layer, train
from tutor.core.errors import TutorError, UsageError
from tutor.core.expression.budget import Budget, format_bytes, format_work
from tutor.core.network import (
    ACTIVATIONS,
    DEFAULT_LAYERS,
    MAX_WEIGHT_LAYERS,
    NetworkSpec,
    default_activations,
    epoch_cost,
)

#: Samples of x across a function plot's range: enough for a braille grid 80 cells wide.
FUNCTION_SAMPLES = 161
#: A function plot's range may not be wider than this (the evaluator bounds sizes, not spans).
MAX_RANGE = 1e6
#: The loss curve a block gets when it names no ``epochs``.
DEFAULT_EPOCHS = 30
#: The gradient-depth plot's defaults: the vanishing-gradient lesson's network.
DEFAULT_DEPTH = 12
DEFAULT_WIDTH = 16
DEFAULT_DEPTH_ACTS = ("sigmoid", "relu")
#: Every network of a gradient-depth plot starts from He's initialisation: the same
#: starting range for every activation, so only the activation differs between bars,
#: and one that keeps a deep ReLU stack finite.
DEPTH_PLOT_INIT = "he"
#: Epochs a loss curve may train, and activations a gradient-depth plot may compare.
MAX_PLOT_EPOCHS = 1000
MAX_DEPTH_ACTS = len(ACTIVATIONS)
#: What one plot may need: multiply-adds, bytes of arrays made (all epochs together),
#: and seconds. A lesson's plots and epochs share the same amounts (``lesson_budget``).
PLOT_WORK = 1_000_000_000
PLOT_BYTES = 1_000_000_000
PLOT_SECONDS = 5.0


def spec_from_options(options: Mapping[str, Any]) -> NetworkSpec:
    """The validated network an ``epoch`` block (or a ``loss-curve`` plot) describes.

    Keys and defaults are those of ``tutor epoch``: ``layers`` (10,3,4,1), ``act`` (one
    per weight layer; the engine's ``default_activations`` when absent), ``loss``
    (sse), ``lr`` (0.01), ``seed`` (0), ``init`` (uniform), ``init_scale`` (1). Lists
    may also be written as comma-separated text ("10,3,4,1"), as on the command line.
    Keys that are not about the network (``epochs``, ``kind``, ``title``) are ignored.

    Raises:
        UsageError: naming the first option that is wrong, worded by the engine's own
            validation wherever it can be.
    """
    layers = _int_tuple(options.get("layers", DEFAULT_LAYERS), "layers")
    act = options.get("act")
    if act is None:
        fits = 3 <= len(layers) <= MAX_WEIGHT_LAYERS + 2
        activations = default_activations(layers) if fits else ()
    else:
        activations = _name_tuple(act, "act")
    spec = NetworkSpec(
        layers=layers,
        activations=activations,
        loss=str(options.get("loss", "sse")),
        lr=_number(options.get("lr", 0.01), "lr"),
        seed=options.get("seed", 0),
        init=str(options.get("init", "uniform")),
        init_scale=_number(options.get("init_scale", 1.0), "init_scale"),
    )
    return spec.validate()


def _int_tuple(value: Any, key: str) -> tuple[int, ...]:
    """A list of whole numbers, from a YAML list or from "10,3,4,1"."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise UsageError(f"{key} must be a list of whole numbers like [10, 3, 4, 1], not {value!r}")
    numbers = []
    for item in items:
        text = item.strip() if isinstance(item, str) else item
        if isinstance(text, str) and text.lstrip("-").isdigit():
            text = int(text)
        if isinstance(text, bool) or not isinstance(text, int):
            raise UsageError(
                f"{key} must be a list of whole numbers like [10, 3, 4, 1], not {value!r}"
            )
        numbers.append(text)
    return tuple(numbers)


def _name_tuple(value: Any, key: str) -> tuple[str, ...]:
    """A list of activation names, from a YAML list, one name, or "relu,identity"."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not all(isinstance(item, str) for item in items):
        raise UsageError(f"{key} must be a list of activation names, not {value!r}")
    names = tuple(item.strip() for item in items)
    if any(not name for name in names):
        raise UsageError(f"{key} has an empty activation name: {value!r}")
    return names


def _number(value: Any, key: str) -> float:
    """A YAML number (``1e-3`` arrives as text from YAML 1.1, so text is read too)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise UsageError(f"{key} must be a number, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{key} must be a number, not {value!r}")
    return float(value)


def _whole(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UsageError(f"{key} must be a whole number from {low} to {high}, not {value!r}")
    return value


# -- the three plots --------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionPlot:
    """f and its slope f′ sampled across a range, for a ``function`` plot."""

    expr: str
    x: np.ndarray
    y: np.ndarray
    #: f′ by central differences, so any expression the evaluator takes has a slope.
    slope: np.ndarray
    title: str = ""


@dataclass(frozen=True)
class GradientDepthPlot:
    """‖∂Δ/∂W_k‖ for k = 1..depth, one row of norms per activation."""

    depth: int
    width: int
    norms: dict[str, tuple[float, ...]]
    title: str = ""


@dataclass(frozen=True)
class LossCurvePlot:
    """Δ before training and after each epoch: ``epochs + 1`` values."""

    spec: NetworkSpec
    losses: tuple[float, ...]
    title: str = ""


PlotData = FunctionPlot | GradientDepthPlot | LossCurvePlot


def plot_data(options: Mapping[str, Any], *, budget: Budget | None = None) -> PlotData:
    """The data a ``plot`` block's YAML asks for (heavy: call it off the event loop).

    Args:
        options: the block's YAML.
        budget: charged with the plot's work as it runs (a fresh one with the plot
            limits when None); its cancel flag and time limit stop the plot.

    Raises:
        TutorError: a message fit to show in place of the plot (an unknown kind, a bad
            option, an expression the evaluator refuses, a plot that needs too much).
    """
    work, nbytes = plot_cost(options)
    check_plot_cost("this plot", work, nbytes)
    if budget is None:
        budget = plot_budget()
    kind = options.get("kind")
    title = str(options.get("title", ""))
    if kind == "function":
        low, high = _range(options.get("range", [-3, 3]))
        return function_samples(str(options.get("expr", "")), low, high, title=title, budget=budget)
    if kind == "gradient-depth":
        acts, depth, width = _depth_options(options)
        seed = options.get("seed", 0)
        scale = _number(options.get("init_scale", 1.0), "init_scale")
        return gradient_depth(
            acts, depth, width, seed=seed, init_scale=scale, title=title, budget=budget
        )
    epochs = _whole(options.get("epochs", DEFAULT_EPOCHS), "epochs", 1, MAX_PLOT_EPOCHS)
    return loss_curve(spec_from_options(options), epochs, title=title, budget=budget)


def plot_budget() -> Budget:
    """A budget with one plot's limits."""
    return Budget("this plot", max_work=PLOT_WORK, max_bytes=PLOT_BYTES, max_seconds=PLOT_SECONDS)


def check_plot_cost(what: str, work: int, nbytes: int) -> None:
    """Refuse, before computing, a plot (or the plots so far) that needs too much."""
    if work > PLOT_WORK:
        raise UsageError(
            f"{what} needs {format_work(work)} multiply-adds; the limit is "
            f"{format_work(PLOT_WORK)} (fewer epochs, or smaller layers)"
        )
    if nbytes > PLOT_BYTES:
        raise UsageError(
            f"{what} needs {format_bytes(nbytes)} of arrays; the limit is "
            f"{format_bytes(PLOT_BYTES)} (fewer epochs, or smaller layers)"
        )


def block_cost(kind: str, options: Mapping[str, Any]) -> tuple[int, int]:
    """(multiply-adds, bytes) an ``epoch`` or ``plot`` block needs, from its options alone.

    An epoch block shows one epoch (a pass, and the forward pass with the new weights).

    Raises:
        TutorError: options that do not describe a plot or network.
    """
    if kind == "epoch":
        work, nbytes = epoch_cost(spec_from_options(options))
        return 2 * work, 2 * nbytes
    return plot_cost(options)


def plot_cost(options: Mapping[str, Any]) -> tuple[int, int]:
    """(multiply-adds, bytes) a ``plot`` block needs; nothing is computed.

    Raises:
        TutorError: a bad kind or option.
    """
    kind = options.get("kind")
    if kind == "function":
        from tutor.core.expression import ExpressionError, plan_cost

        expr = str(options.get("expr", ""))
        if not expr.strip():
            return 0, 0  # refused, with its own message, when it is drawn
        try:
            work, nbytes = plan_cost(expr, {"x": (FUNCTION_SAMPLES, 1)})
        except ExpressionError as error:
            raise TutorError(
                f"the plot's expression {expr!r} cannot be drawn: {error.message}"
            ) from None
        return 3 * work, 3 * nbytes  # f at x, x + h and x - h
    if kind == "gradient-depth":
        acts, depth, width = _depth_options(options)
        work, nbytes = epoch_cost(_depth_spec(acts[0] if acts else "relu", depth, width))
        return len(acts) * work, len(acts) * nbytes
    if kind == "loss-curve":
        epochs = _whole(options.get("epochs", DEFAULT_EPOCHS), "epochs", 1, MAX_PLOT_EPOCHS)
        work, nbytes = epoch_cost(spec_from_options(options))
        return (epochs + 1) * work, (epochs + 1) * nbytes
    raise UsageError(f"plot kind must be function, gradient-depth or loss-curve, not {kind!r}")


def _depth_options(options: Mapping[str, Any]) -> tuple[tuple[str, ...], int, int]:
    acts = _name_tuple(options.get("acts", list(DEFAULT_DEPTH_ACTS)), "acts")
    if len(acts) > MAX_DEPTH_ACTS:
        raise UsageError(f"acts lists at most {MAX_DEPTH_ACTS} activations, not {len(acts)}")
    depth = _whole(options.get("depth", DEFAULT_DEPTH), "depth", 1, MAX_WEIGHT_LAYERS)
    width = _whole(options.get("width", DEFAULT_WIDTH), "width", 1, 256)
    return acts, depth, width


def _range(value: Any) -> tuple[float, float]:
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise UsageError(f"range must be [low, high], not {value!r}")
    low, high = (_number(end, "range") for end in value)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise UsageError(f"range must be [low, high] with low < high, not {value!r}")
    if high - low > MAX_RANGE or max(abs(low), abs(high)) > MAX_RANGE:
        raise UsageError(f"range must lie within ±{MAX_RANGE:g}, not {value!r}")
    return low, high


def function_samples(
    expr: str,
    low: float,
    high: float,
    count: int = FUNCTION_SAMPLES,
    *,
    title: str = "",
    budget: Budget | None = None,
) -> FunctionPlot:
    """f(x) and f′(x) at ``count`` evenly spaced x in [low, high].

    ``expr`` is in the lesson expression language with ``x`` bound to a column of the
    sample points, so it runs through the restricted evaluator like every other lesson
    text. The slope is a central difference with a step far below the sample spacing:
    exact for polynomials of degree two, and for ReLU it is 0 left of the kink and 1
    right of it, which is the step function the lesson is about.

    Raises:
        TutorError: the expression is empty, refused or does not give one value per x.
    """
    if not expr.strip():
        raise UsageError("a function plot needs expr, an expression in x such as relu(x)")
    x = np.linspace(low, high, count)
    step = (high - low) * 1e-6
    y = _evaluate_at(expr, x, budget)
    with np.errstate(all="ignore"):
        slope = (_evaluate_at(expr, x + step, budget) - _evaluate_at(expr, x - step, budget)) / (
            2 * step
        )
    return FunctionPlot(expr=expr, x=x, y=y, slope=slope, title=title)


def _evaluate_at(expr: str, x: np.ndarray, budget: Budget | None = None) -> np.ndarray:
    """The expression's value for each x, through the lesson evaluator (never Python's)."""
    from tutor.core.expression import Environment, ExpressionError, evaluate

    environment = Environment(seed=0)
    environment.define("x", x.reshape(-1, 1))
    try:
        value = np.asarray(evaluate(expr, environment, budget=budget).value, dtype=float)
    except ExpressionError as error:
        raise TutorError(
            f"the plot's expression {expr!r} cannot be drawn: {error.message}"
        ) from None
    if value.size == 1:
        return np.full(x.shape, float(value.reshape(())))
    if value.size != x.size:
        raise TutorError(
            f"the plot's expression {expr!r} gives {value.size} numbers for {x.size} values "
            "of x; it must work element by element"
        )
    return value.reshape(x.shape)


def gradient_depth(
    acts: Sequence[str],
    depth: int = DEFAULT_DEPTH,
    width: int = DEFAULT_WIDTH,
    *,
    seed: int = 0,
    init_scale: float = 1.0,
    title: str = "",
    budget: Budget | None = None,
) -> GradientDepthPlot:
    """The gradient's size at each layer of a deep network, one network per activation.

    Each network has ``depth`` weight layers of ``width`` neurons, ``width`` samples and
    one output; the hidden layers use the activation and the output is linear (as the
    engine's own default network). With sigmoid every layer the error passes back
    through multiplies it by f′ ≤ ¼, so ‖∂Δ/∂W1‖ ends up orders of magnitude below
    ‖∂Δ/∂W_depth‖; ReLU's slope is 0 or 1, so its norms stay of one size.
    """
    norms: dict[str, tuple[float, ...]] = {}
    for act in acts:
        if act not in ACTIVATIONS:
            raise UsageError(f"unknown activation {act!r}; choose from {', '.join(ACTIVATIONS)}")
        spec = _depth_spec(act, depth, width, seed=seed, init_scale=init_scale)
        norms[act] = tuple(gradient_norms_by_layer(spec, budget=budget))
    return GradientDepthPlot(depth=depth, width=width, norms=norms, title=title)


def _depth_spec(
    act: str, depth: int, width: int, *, seed: int = 0, init_scale: float = 1.0
) -> NetworkSpec:
    """The gradient-depth plot's network for one activation."""
    return NetworkSpec(
        layers=(width,) * (depth + 1) + (1,),
        activations=(act,) * (depth - 1) + ("identity",),
        seed=seed,
        init=DEPTH_PLOT_INIT,
        init_scale=init_scale,
    )


def loss_curve(
    spec: NetworkSpec, epochs: int, *, title: str = "", budget: Budget | None = None
) -> LossCurvePlot:
    """Δ over ``epochs`` epochs of gradient descent from the spec's seeded weights."""
    return LossCurvePlot(spec=spec, losses=tuple(train(spec, epochs, budget=budget)), title=title)
