"""The ``tutor`` command line: the app, and sub-commands for scripts and teachers.

Each sub-command lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to the function
that runs it. ``main`` turns every ``TutorError`` into a one-line message and its
exit code, so no user ever sees a traceback for a mistake of theirs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from tutor import __version__, startup
from tutor.core.errors import TutorError

#: Sub-command name -> module in this package, in the order ``--help`` lists them.
COMMANDS: dict[str, str] = {
    "list": "listing",
    "show": "show",
    "check": "check",
    "trace": "trace",
    "epoch": "epoch",
    "play": "play",
    "quizzes": "quizzes",
    "grade": "grade",
    "shot": "shot",
    "serve": "serve",
    "class": "classroom",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2, without the usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser: app options at the top level, then every sub-command.

    With ``only`` (a sub-command's name), that sub-command alone is registered, so its
    module is the only one imported: ``tutor check`` need not load what ``tutor epoch``
    or ``tutor serve`` import, and a script's start stays short.
    """
    parser = _Parser(
        prog="tutor",
        description="Learn the matrix calculus of a small neural network, live with NumPy.",
        epilog="Run 'tutor' alone to open the app where you left off, "
        "or 'tutor LESSON' to open a lesson by number or id. The app takes --lessons DIR, "
        "--present, --autoplay SECONDS, --seed N, --theme NAME and --no-save "
        "(see 'tutor 1 --help').",
    )
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in [only] if only else COMMANDS:
        importlib.import_module(f"tutor.cli.{COMMANDS[name]}").register(sub)
    parser.set_defaults(command_parsers=sub.choices)
    return parser


def build_app_parser() -> argparse.ArgumentParser:
    """The parser for ``tutor [LESSON]``, which opens the app."""
    from tutor.cli import app_options

    parser = _Parser(prog="tutor", description="Open the tutor app.")
    app_options.add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the process's exit status."""
    # Before NumPy loads: its BLAS would start a thread per core, costing ~30 ms of CPU
    # at start-up and spinning after every product, for matrices far too small to gain.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    startup.begin()  # the app or the sub-command turns collection back on
    args_list = sys.argv[1:] if argv is None else argv
    try:
        if _opens_app(args_list):
            from tutor.cli import app_options

            args = build_app_parser().parse_args(args_list)
            return app_options.run(args)
        args, extra = build_parser(_command_of(args_list)).parse_known_args(args_list)
        if extra:
            # Name the sub-command's own help, where the options it takes are listed.
            args.command_parsers[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
        startup.settle()
        return int(args.func(args) or 0)
    except TutorError as error:
        from tutor.core.safe_text import clean  # a message may quote a lesson's text

        print(f"tutor: {clean(error.message)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    finally:
        startup.settle()


def _command_of(args: list[str]) -> str | None:
    """The sub-command named first, or None (``tutor --help``: every one is listed)."""
    words = [a for a in args if not a.startswith("-")]
    return words[0] if words and words[0] in COMMANDS else None


def _opens_app(args: list[str]) -> bool:
    """True when the first word is not a sub-command or a top-level help flag."""
    words = [a for a in args if not a.startswith("-")]
    if any(a in ("-h", "--help", "--version") for a in args) and not words:
        return False
    return not words or words[0] not in COMMANDS
