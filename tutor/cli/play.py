"""``tutor play``: train a network for many epochs; the Playground in the app, or JSON.

The options describe the network as ``tutor epoch``'s do (and are read by the same
code), plus ``--epochs``. Without ``--json`` the app opens on the Playground screen
with those settings; with ``--json`` the same run is printed for scripts and tests.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.cli import epoch as epoch_command
from tutor.cli.app_options import add_theme_option
from tutor.cli.common import add_lessons_option, library_from
from tutor.core.errors import UsageError
from tutor.core.network import NetworkSpec
from tutor.core.training import (
    DEFAULT_PLAY_EPOCHS,
    DIVERGENCE_GROWTH,
    EXPLODING_NORM,
    MAX_PLAY_EPOCHS,
    MAX_RUN_WORK,
    VANISHING_NORM,
    check_run,
    run_training,
)

if TYPE_CHECKING:
    from tutor.app import TutorApp
    from tutor.core.library import Library

_DESCRIPTION = f"""\
Train a network by full-batch gradient descent and watch what the settings do: the
loss at every epoch, the size of each layer's gradient ‖∂Δ/∂W_k‖, and, named as they
happen, a loss that diverges (not finite, or over {DIVERGENCE_GROWTH:g} times its start),
a gradient that vanishes (below {VANISHING_NORM:g}) or explodes (above {EXPLODING_NORM:g}),
each with the lesson that explains it.

Without --json the app opens on the Playground: turn a knob (learning rate, an
activation, a width, the depth, the initialisation, the loss, the seed) and training
starts again from the same seed, so runs compare fairly. Space runs and pauses.

Epoch t is the network after t updates, so a run of N epochs has N + 1 losses.
Limits: at most {MAX_PLAY_EPOCHS} epochs, and at most {MAX_RUN_WORK:.0e} multiply-adds in
one run; the network's own limits are those of 'tutor epoch'."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``tutor play`` and its options."""
    parser = sub.add_parser(
        "play",
        help="the Playground: change the network and watch training respond (or --json)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    epoch_command.add_network_arguments(parser)
    parser.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        default=DEFAULT_PLAY_EPOCHS,
        help=f"epochs to train (default {DEFAULT_PLAY_EPOCHS}, at most {MAX_PLAY_EPOCHS})",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: spec, epochs, loss (epochs + 1 values, null where "
        "not finite), grad_norms (one list per layer), diverged_at (an epoch or null), "
        "messages",
    )
    add_lessons_option(parser)
    add_theme_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the run as JSON, or open the app on the Playground; bad options exit 2."""
    spec = check_run(epoch_command.spec_from(args), args.epochs)
    if args.json:
        print(json.dumps(run_training(spec, args.epochs).to_json()))
        return 0
    return open_playground(spec, args)


def open_playground(spec: NetworkSpec, args: argparse.Namespace) -> int:
    """The app, with the Playground on top of where the learner left off (Esc goes there)."""
    if args.epochs < 1:
        raise UsageError("the Playground trains at least 1 epoch at a time; use --epochs 1 or more")
    playground_app(library_from(args), spec, args.epochs, theme=args.theme).run()
    return 0


def playground_app(
    library: Library, spec: NetworkSpec, epochs: int, *, theme: str | None = None
) -> TutorApp:
    """A ``TutorApp`` that opens as ``tutor`` does, then shows the Playground above the lesson."""
    from tutor import app as app_module
    from tutor.app import TutorApp
    from tutor.screens.playground import open_playground as show

    class PlaygroundApp(TutorApp):
        # Textual reads a relative CSS_PATH beside the module that defines the class.
        CSS_PATH = str(Path(app_module.__file__).with_name(str(TutorApp.CSS_PATH)))

        def on_mount(self) -> None:
            # TutorApp's own on_mount runs after this one and opens the lesson; the
            # Playground goes on top once it has.
            self.call_later(show, self, spec, epochs)

    return PlaygroundApp(library, theme=theme)
