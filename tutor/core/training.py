"""Many epochs of gradient descent, watched: the loss, each layer's gradient, and what went wrong.

The playground turns a knob and trains again; a learner should see the consequence
the lessons describe, named as it happens: a learning rate so large that the loss
overflows, a deep sigmoid stack whose first layer hears nothing, weights so large
that the gradient explodes. This module runs that training on the epoch engine's own
forward and backward pass (``tutor.core.epoch``), one epoch at a time, so a screen can
draw each epoch as it arrives and a script gets the same numbers as JSON.

Epoch numbering: record t is the network after t updates. Record 0 holds the seeded
starting weights, their loss and their gradients; record t holds Δ and ∂Δ/∂W_k at
W⁽ᵗ⁾ = W⁽ᵗ⁻¹⁾ − μ·∂Δ/∂W⁽ᵗ⁻¹⁾. A run of N epochs has N + 1 records, and its losses are
the list ``tutor.core.epoch.train`` returns.

What is watched (each reported once, as a ``TrainingNote`` naming its lesson):

- divergence: the loss is not finite, or has grown past ``DIVERGENCE_GROWTH`` times
  its starting value. Training stops at the first loss that is not finite: every
  epoch after it would be NaN.
- vanishing: a layer's ‖∂Δ/∂W_k‖ fell below ``VANISHING_NORM`` at the start (before
  anything could be learnt), or later while another layer's is ``VANISHING_SPREAD`` times
  larger, or every gradient is exactly 0 (dead units). Gradients that all shrink together
  as the loss reaches its minimum are a run that has finished, not one that vanished.
- exploding: a layer's ‖∂Δ/∂W_k‖ rose above ``EXPLODING_NORM``.

Sizes are bounded before anything is computed: the network by ``NetworkSpec.validate``,
the run by ``MAX_PLAY_EPOCHS`` and by ``MAX_RUN_WORK`` multiply-adds, so no setting can
keep a worker busy for minutes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The engine's own pass and update, so an epoch here is exactly a ``run_epoch`` epoch
# without the recorded steps the animation needs.
from tutor.core.epoch import _descend, _run_pass, _starting_point
from tutor.core.errors import UsageError
from tutor.core.network import DEFAULT_LAYERS, Network, NetworkSpec

Array = np.ndarray

#: The epochs a run trains when none are asked for (lesson 13's loss curve has 100).
DEFAULT_PLAY_EPOCHS = 100
#: At most this many epochs in one run.
MAX_PLAY_EPOCHS = 5000
#: At most this many multiply-adds in one run (about ten seconds of one core): a
#: 1000,784,128,10 network may train about 95 epochs, the article's a thousand times more.
MAX_RUN_WORK = 3 * 10**10
#: The loss has diverged once it is this many times its starting value.
DIVERGENCE_GROWTH = 1e3
#: A layer's gradient norm below this has vanished: its weights no longer move.
VANISHING_NORM = 1e-8
#: After epoch 0, only a gradient this many times smaller than another layer's vanished.
VANISHING_SPREAD = 1e3
#: A layer's gradient norm above this has exploded.
EXPLODING_NORM = 1e8

#: The lesson that explains each kind of note, by lesson id.
LESSON_FOR = {
    "diverged": "gradient-descent",
    "overflow": "gradient-descent",
    "vanished": "vanishing-gradients",
    "exploded": "vanishing-gradients",
}
#: The capstone lesson trains the article's network and says where it diverges.
CAPSTONE_LESSON = "capstone-epoch"
_ARTICLE_ACTIVATIONS = ("square", "cube")


@dataclass(frozen=True)
class TrainingNote:
    """Something a learner should notice about a run, with the lesson that explains it."""

    #: "diverged", "overflow", "vanished" or "exploded".
    kind: str
    #: The epoch (the number of updates so far) at which it was seen.
    epoch: int
    #: The weight layer it concerns (1-based), or None for the whole network's loss.
    layer: int | None
    #: What happened and why, in a sentence: "loss became inf at epoch 4: ...".
    text: str
    #: The id of the lesson that explains it.
    lesson: str

    @property
    def message(self) -> str:
        """The sentence with the lesson to read, as the screen and the CLI show it."""
        return f"{self.text} (lesson: {self.lesson})"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "epoch": self.epoch,
            "layer": self.layer,
            "lesson": self.lesson,
            "text": self.message,
        }


@dataclass(frozen=True)
class TrainingEpoch:
    """The network after ``number`` updates, and everything needed to carry on from it.

    Records are immutable and hold no reference to the generator that made them, so a
    screen can keep the latest, pause, and resume from it in another worker thread.
    """

    spec: NetworkSpec
    number: int
    #: Δ at these weights.
    loss: float
    #: ‖∂Δ/∂W_k‖ (Frobenius) at these weights, W1 first.
    grad_norms: tuple[float, ...]
    #: X, Y and the weights after ``number`` updates (read-only arrays).
    network: Network
    #: ∂Δ/∂W_k at these weights: the next update, should training go on.
    grads: tuple[Array, ...]
    #: Δ of record 0, the yardstick for divergence.
    start_loss: float
    #: What was first noticed at this epoch.
    notes: tuple[TrainingNote, ...] = ()
    #: The first epoch at which the loss diverged so far, or None.
    diverged_at: int | None = None
    #: (kind, layer) of every note raised so far, so none is raised twice.
    raised: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)

    @property
    def finite(self) -> bool:
        """False once the loss has overflowed: nothing further can be learnt."""
        return math.isfinite(self.loss)

    @property
    def weights(self) -> tuple[Array, ...]:
        return self.network.weights


def multiply_adds_per_epoch(spec: NetworkSpec) -> int:
    """Multiply-adds of one forward and backward pass (the products dominate the cost).

    Each layer's product B_{k−1}·W_k runs once forwards and once more for δW_k, and
    every layer above the first passes the error back through W_kᵀ: three products a
    layer, two for W1.
    """
    samples = spec.samples
    total = 0
    for k, (rows, cols) in enumerate(spec.weight_shapes(), 1):
        total += (3 if k > 1 else 2) * samples * rows * cols
    return total


def check_run(spec: NetworkSpec, epochs: int) -> NetworkSpec:
    """Refuse a run that is too long or too costly, with what to change; return the spec."""
    spec.validate()
    if (
        isinstance(epochs, bool)
        or not isinstance(epochs, int)
        or not 0 <= epochs <= MAX_PLAY_EPOCHS
    ):
        raise UsageError(
            f"epochs must be a whole number from 0 to {MAX_PLAY_EPOCHS}, not {epochs!r}"
        )
    per_epoch = multiply_adds_per_epoch(spec)
    if per_epoch * (epochs + 1) > MAX_RUN_WORK:
        most = max(MAX_RUN_WORK // per_epoch - 1, 0)
        raise UsageError(
            f"layers {','.join(map(str, spec.layers))} for {epochs} epochs take "
            f"{per_epoch * (epochs + 1):.1e} multiply-adds, over the limit of "
            f"{MAX_RUN_WORK:.0e} for one run; train at most {most} epochs or use a "
            "smaller network"
        )
    return spec


def training_epochs(
    spec: NetworkSpec,
    epochs: int = DEFAULT_PLAY_EPOCHS,
    *,
    network: Network | None = None,
    resume: TrainingEpoch | None = None,
) -> Iterator[TrainingEpoch]:
    """Train ``spec`` up to epoch ``epochs``, yielding a record per epoch as it is computed.

    Args:
        spec: the network, loss, learning rate, initialisation and seed.
        epochs: the last epoch number to reach (record ``epochs`` is the last yielded).
        network: data and starting weights; by default the seeded ``make_network(spec)``.
        resume: a record of an earlier run of the same spec to carry on from; its
            next record is the first yielded. The result is the same numbers an
            uninterrupted run gives.

    Raises:
        UsageError: the network, the epochs or the run's cost is over its limit (raised
            at the first ``next``, before anything is computed).
    """
    check_run(spec, epochs)
    if resume is not None:
        if resume.spec != spec:
            raise UsageError("a run can only be resumed with the settings it was started with")
        yield from _carry_on(spec, epochs, resume)
        return
    start = _starting_point(spec, network)
    first = _record(spec, 0, start, None)
    yield first
    yield from _carry_on(spec, epochs, first)


def _carry_on(spec: NetworkSpec, epochs: int, previous: TrainingEpoch) -> Iterator[TrainingEpoch]:
    """Records ``previous.number + 1`` to ``epochs``, stopping after a loss that overflowed."""
    while previous.number < epochs and previous.finite:
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            deltas = {k: -g for k, g in enumerate(previous.grads, 1)}
            weights = _descend(previous.weights, deltas, spec.lr)
        network = Network(previous.network.X, previous.network.Y, weights)
        previous = _record(spec, previous.number + 1, network, previous)
        yield previous


def _record(
    spec: NetworkSpec, number: int, network: Network, previous: TrainingEpoch | None
) -> TrainingEpoch:
    """One forward and backward pass at ``network``'s weights, and what it shows."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        trace = _run_pass(spec, network.X, network.Y, network.weights)
        grads = tuple(-trace.deltas[k] for k in range(1, spec.depth + 1))
        norms = tuple(float(np.linalg.norm(g)) for g in grads)
    for array in (*network.weights, *grads):
        array.flags.writeable = False
    loss = float(trace.loss)
    start_loss = loss if previous is None else previous.start_loss
    raised = set() if previous is None else set(previous.raised)
    diverged_at = None if previous is None else previous.diverged_at
    notes = _notice(spec, number, loss, norms, start_loss, raised)
    if diverged_at is None and any(n.kind in ("diverged", "overflow") for n in notes):
        diverged_at = number
    return TrainingEpoch(
        spec=spec,
        number=number,
        loss=loss,
        grad_norms=norms,
        network=network,
        grads=grads,
        start_loss=start_loss,
        notes=tuple(notes),
        diverged_at=diverged_at,
        raised=frozenset(raised),
    )


# -- what a learner should notice -------------------------------------------------------


def _notice(
    spec: NetworkSpec,
    number: int,
    loss: float,
    norms: tuple[float, ...],
    start_loss: float,
    raised: set[tuple[str, int | None]],
) -> list[TrainingNote]:
    """Notes first seen at this epoch; ``raised`` is updated with their (kind, layer)."""
    found: list[TrainingNote] = []

    def add(kind: str, layer: int | None, text: str, lesson: str | None = None) -> None:
        if (kind, layer) in raised:
            return
        raised.add((kind, layer))
        found.append(TrainingNote(kind, number, layer, text, lesson or LESSON_FOR[kind]))

    exploded_before = any(kind == "exploded" for kind, _ in raised)
    rate_lesson = "vanishing-gradients" if exploded_before else None
    if rate_lesson is None and _is_article_network(spec):
        rate_lesson = CAPSTONE_LESSON
    if not math.isfinite(loss):
        if number == 0:
            add("overflow", None, _overflow_at_start(spec, loss), "vanishing-gradients")
        else:
            add("overflow", None, _overflow(spec, number, loss, exploded_before), rate_lesson)
        # Once the loss is not finite, neither is any gradient: nothing more to say.
        return found
    diverging = start_loss > 0 and loss > DIVERGENCE_GROWTH * start_loss
    if diverging:
        add("diverged", None, _grew(spec, number, loss, start_loss, exploded_before), rate_lesson)
    if diverging or ("diverged", None) in raised:
        # The rate, not the weights' scale, is what blew the gradients up: say that only.
        return found
    exploded = [k for k, n in enumerate(norms, 1) if math.isfinite(n) and n > EXPLODING_NORM]
    vanished = [k for k, n in enumerate(norms, 1) if _vanished_at(number, n, norms, loss)]
    for kind, layers, describe in (
        ("exploded", exploded, _exploded),
        ("vanished", vanished, _vanished),
    ):
        new = [k for k in layers if (kind, k) not in raised]
        if new:
            # One note for the layers it first happens to, named by the first of them.
            raised.update((kind, k) for k in new)
            found.append(
                TrainingNote(
                    kind, number, new[0], describe(spec, number, new, norms), LESSON_FOR[kind]
                )
            )
    return found


def _vanished_at(number: int, norm: float, norms: tuple[float, ...], loss: float) -> bool:
    """Whether a gradient this small means the layer cannot learn (see the module's notes)."""
    if not norm < VANISHING_NORM:
        return False
    if number == 0:
        return loss > 0
    largest = max(norms)
    return largest >= VANISHING_SPREAD * norm if largest > 0 else loss > 0


def _is_article_network(spec: NetworkSpec) -> bool:
    return spec.layers == DEFAULT_LAYERS and spec.activations == _ARTICLE_ACTIVATIONS


def _number(value: float) -> str:
    """3 significant digits; inf and nan as the words a learner will recognise."""
    if not math.isfinite(value):
        return str(value)
    return f"{value:.3g}" if value == 0 or 1e-3 <= abs(value) < 1e5 else f"{value:.2e}"


def _init_words(spec: NetworkSpec) -> str:
    scale = "" if spec.init_scale == 1 else f" × {spec.init_scale:g}"
    return f"init {spec.init}{scale}"


def _layers_words(layers: list[int]) -> str:
    """ "layer 1's gradient", "layers 1 and 2's gradients", "layers 1–5's gradients"."""
    if len(layers) == 1:
        return f"layer {layers[0]}'s gradient"
    if len(layers) == 2:
        return f"layers {layers[0]} and {layers[1]}'s gradients"
    if layers == list(range(layers[0], layers[-1] + 1)):
        return f"layers {layers[0]}–{layers[-1]}'s gradients"
    return f"layers {', '.join(map(str, layers))}'s gradients"


def _rate_cause(spec: NetworkSpec, exploded_before: bool) -> str:
    if exploded_before:
        return (
            f"the exploded gradients make every step of μ = {spec.lr:g} far too long "
            "(try a smaller init scale)"
        )
    return f"the learning rate μ = {spec.lr:g} is too large for this network (try a smaller μ)"


def _or_other_init(spec: NetworkSpec) -> str:
    """The fan-in initialisations are worth a try only if the weights are not already one."""
    return ", or init he/xavier" if spec.init == "uniform" else ""


def _overflow(spec: NetworkSpec, number: int, loss: float, exploded_before: bool) -> str:
    return (
        f"loss became {_number(loss)} at epoch {number}: each step overshoots the valley "
        f"until the numbers overflow; {_rate_cause(spec, exploded_before)}"
    )


def _overflow_at_start(spec: NetworkSpec, loss: float) -> str:
    return (
        f"loss is {_number(loss)} before any training: the starting weights "
        f"({_init_words(spec)}) are so large that the forward pass overflows (try a "
        "smaller init scale)"
    )


def _grew(spec: NetworkSpec, number: int, loss: float, start: float, exploded_before: bool) -> str:
    return (
        f"loss grew from {_number(start)} to {_number(loss)} by epoch {number}, over "
        f"{DIVERGENCE_GROWTH:g} times its start: {_rate_cause(spec, exploded_before)}"
    )


def _exploded(spec: NetworkSpec, number: int, layers: list[int], norms: tuple[float, ...]) -> str:
    top = max(layers, key=lambda k: norms[k - 1])
    return (
        f"{_layers_words(layers)} grew above {EXPLODING_NORM:.0e} at epoch {number} "
        f"(‖∂Δ/∂W{top}‖ = {_number(norms[top - 1])}): large weights ({_init_words(spec)}) "
        f"multiply the error at every layer on the way back (try a smaller init scale"
        f"{_or_other_init(spec)})"
    )


def _vanished(spec: NetworkSpec, number: int, layers: list[int], norms: tuple[float, ...]) -> str:
    first = layers[0]
    finite = [k for k in range(1, len(norms) + 1) if math.isfinite(norms[k - 1])]
    largest = max(finite, key=lambda k: norms[k - 1]) if finite else first
    against = (
        f" against {_number(norms[largest - 1])} for W{largest}" if largest not in layers else ""
    )
    return (
        f"{_layers_words(layers)} fell below {VANISHING_NORM:.0e} at epoch {number} "
        f"(‖∂Δ/∂W{first}‖ = {_number(norms[first - 1])}{against}): "
        f"{_vanishing_cause(spec, first, norms[first - 1])}"
    )


def _vanishing_cause(spec: NetworkSpec, layer: int, norm: float) -> str:
    """Why the error reaching W_k is so small: the slopes and weights it passed through.

    The error at layer k is the output's error times f_L′, W_Lᵀ, ..., W_{k+1}ᵀ and
    f_k′, so the activations from layer k up are the suspects.
    """
    above = spec.activations[layer - 1 :]
    sigmoids = above.count("sigmoid")
    if sigmoids:
        return (
            f"on the way back the error is multiplied by sigmoid′ ≤ ¼ at each of "
            f"{sigmoids} sigmoid layer{'s' if sigmoids > 1 else ''} (try relu)"
        )
    if norm == 0 and "relu" in above:
        return (
            "every path back crosses a ReLU that is off for every sample, and "
            "Step(x) = 0 passes nothing (try another seed or init)"
        )
    if "tanh" in above:
        return "tanh′ is near 0 where its units saturate, and each layer multiplies the error by it"
    return (
        f"the weights above it are small ({_init_words(spec)}), and each Wᵀ on the way "
        f"back shrinks the error further (try a larger init scale{_or_other_init(spec)})"
    )


# -- a whole run, for scripts ------------------------------------------------------------


@dataclass(frozen=True)
class TrainingRun:
    """Every record's numbers of a finished run (no weights), as ``tutor play --json`` prints."""

    spec: NetworkSpec
    epochs: int
    #: Δ at epoch 0, 1, ...: ``epochs + 1`` values, fewer if the loss overflowed.
    losses: tuple[float, ...]
    #: ``grad_norms[k - 1][t]`` = ‖∂Δ/∂W_k‖ at epoch t.
    grad_norms: tuple[tuple[float, ...], ...]
    diverged_at: int | None
    notes: tuple[TrainingNote, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain lists; a loss or norm that is not finite is written as null (JSON has no inf)."""
        return {
            "spec": self.spec.to_json(),
            "epochs": self.epochs,
            "loss": [_json_number(v) for v in self.losses],
            "grad_norms": [[_json_number(v) for v in layer] for layer in self.grad_norms],
            "diverged_at": self.diverged_at,
            "messages": [note.to_json() for note in self.notes],
        }


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def run_training(
    spec: NetworkSpec, epochs: int = DEFAULT_PLAY_EPOCHS, network: Network | None = None
) -> TrainingRun:
    """Train to the end (or to the first overflow) and keep the numbers, not the weights."""
    losses: list[float] = []
    norms: list[tuple[float, ...]] = []
    notes: list[TrainingNote] = []
    last: TrainingEpoch | None = None
    for record in training_epochs(spec, epochs, network=network):
        losses.append(record.loss)
        norms.append(record.grad_norms)
        notes.extend(record.notes)
        last = record
    by_layer = tuple(zip(*norms, strict=True)) if norms else ()
    return TrainingRun(
        spec=spec,
        epochs=epochs,
        losses=tuple(losses),
        grad_norms=tuple(tuple(layer) for layer in by_layer),
        diverged_at=last.diverged_at if last else None,
        notes=tuple(notes),
    )
