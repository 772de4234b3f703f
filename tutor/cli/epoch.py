"""``tutor epoch``: one gradient-descent epoch of the toy network, as a table or JSON."""

from __future__ import annotations

import argparse
import json

from tutor.core.epoch import Epoch, run_epoch
from tutor.core.errors import TutorError, UsageError
from tutor.core.network import (
    ACTIVATIONS,
    DEFAULT_LAYERS,
    INITS,
    LOSSES,
    MAX_MATRIX_CELLS,
    MAX_SIZE,
    MAX_WEIGHT_LAYERS,
    NetworkSpec,
)
from tutor.core.plots import spec_from_options

_DESCRIPTION = f"""\
Run one full-batch gradient-descent epoch and print every step: the forward pass
(A1 = X·W1, B1 = f1(A1), ..., Ŷ), the loss (Ỹ = Y − Ŷ, Δ), the backward pass (the
error matrices D_k and the article's δW_k = −∂Δ/∂W_k) and the update
W_k ← W_k − μ·∂Δ/∂W_k, each with its formula and shapes, and the loss before and
after. X is uniform in [0, 1); Y = sin(X·T) for a fixed random T; weights start
uniform in [-1, 1] (the article's choice) unless --init says otherwise. The same
seed gives the same numbers every time.

Limits: 1 to {MAX_WEIGHT_LAYERS} weight layers; every size 1 to {MAX_SIZE}; no matrix
(samples × width, or width × next width) over {MAX_MATRIX_CELLS:,} numbers."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``tutor epoch`` and its options."""
    parser = sub.add_parser(
        "epoch",
        help="run one gradient-descent epoch and show every step (or --json)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_network_arguments(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: X, Y, weights, loss, grads (∂Δ/∂W_k), "
        "weights_after, loss_after, steps",
    )
    parser.set_defaults(func=run)


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that describe a network: ``tutor epoch`` and ``tutor play`` share them."""
    parser.add_argument(
        "--layers",
        metavar="N,I,H...,O",
        help="samples, inputs, hidden widths..., outputs "
        f"(default: the article's {','.join(map(str, DEFAULT_LAYERS))})",
    )
    parser.add_argument(
        "--act",
        metavar="F1,F2,...",
        help=f"one activation per weight layer, W1's first, from: {', '.join(ACTIVATIONS)}. "
        "Default: square,cube (the article's f1 = x², f2 = x³) for the article's "
        "network 10,3,4,1; for any other, relu on hidden layers and identity on the output",
    )
    parser.add_argument(
        "--loss",
        choices=list(LOSSES),
        help="sse: Σ(Y − Ŷ)² (the article's, default); half-sse: ½Σ(Y − Ŷ)²; "
        "mse: the mean of (Y − Ŷ)²",
    )
    parser.add_argument("--lr", type=float, metavar="μ", help="learning rate (default 0.01)")
    parser.add_argument("--seed", type=int, help="seed of the data and weights")
    parser.add_argument(
        "--init",
        choices=list(INITS),
        help="weight ranges: uniform [-1, 1] (default), or xavier/he, narrowed by fan-in",
    )
    parser.add_argument(
        "--init-scale",
        type=float,
        metavar="S",
        help="multiply the initial weights by S (default 1)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the epoch; bad options raise ``UsageError`` (exit 2), overflow in JSON exit 1."""
    spec = spec_from(args)
    epoch = run_epoch(spec)
    if args.json:
        if not epoch.finite:
            raise TutorError(
                "the numbers overflowed (the loss is not finite), so there is no JSON to "
                "give; try a smaller --lr or --init-scale, or bounded activations"
            )
        print(json.dumps(epoch.to_json()))
    else:
        print(format_epoch(epoch))
    return 0


def spec_from(args: argparse.Namespace) -> NetworkSpec:
    """The network the options describe, validated (a ``UsageError`` if not).

    Only the command-line syntax is read here: comma-separated text, with messages that
    name the option. The defaults and the validation are ``spec_from_options``'s, the
    code a lesson's ``epoch`` block goes through, so the two cannot drift apart: an
    option left out is a key left out.
    """
    options: dict[str, object] = {
        key: getattr(args, key)
        for key in ("loss", "lr", "seed", "init", "init_scale")
        if getattr(args, key) is not None
    }
    if args.layers is not None:
        options["layers"] = _split_layers(args.layers)
    if args.act is not None:
        options["act"] = _split_names(args.act)
    return spec_from_options(options)


def _split_layers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(word) for word in text.split(","))
    except ValueError:
        raise UsageError(
            f"--layers takes whole-number sizes separated by commas, like 10,3,4,1, not {text!r}"
        ) from None


def _split_names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise UsageError(f"--act takes names separated by commas, not {text!r}")
    return names


def format_epoch(epoch: Epoch) -> str:
    """The steps as an aligned table, then the losses: readable in any terminal."""
    spec = epoch.spec
    shapes = " → ".join(
        [f"X {_shape(epoch.X)}"] + [f"W{k} {_shape(w)}" for k, w in enumerate(epoch.weights, 1)]
    )
    lines = [
        f"network {','.join(map(str, spec.layers))}: {shapes}",
        f"activations {','.join(spec.activations)}; loss {spec.loss}; μ = {spec.lr:g}; "
        f"init {spec.init} ×{spec.init_scale:g}; seed {spec.seed}",
        "",
    ]
    rows = [("#", "phase", "step", "shapes", "formula")]
    rows += [
        (str(n), step.phase, step.name, step.shapes, step.formula)
        for n, step in enumerate(epoch.steps, 1)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [row[0].rjust(widths[0])]
        cells += [cell.ljust(width) for cell, width in zip(row[1:4], widths[1:], strict=True)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
    lines.append("")
    change = epoch.loss_after - epoch.loss
    lines.append(f"loss before  Δ = {epoch.loss:.6g}")
    lines.append(f"loss after   Δ = {epoch.loss_after:.6g}   (change {change:+.6g})")
    norms = ", ".join(
        f"W{k} {float((g * g).sum()) ** 0.5:.3g}" for k, g in enumerate(epoch.grads, 1)
    )
    lines.append(f"‖∂Δ/∂W‖      {norms}")
    if not epoch.finite:
        lines.append("the numbers overflowed: try a smaller --lr or --init-scale")
    return "\n".join(lines)


def _shape(array: object) -> str:
    return "(" + ",".join(str(n) for n in getattr(array, "shape", ())) + ")"
