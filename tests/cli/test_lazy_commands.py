"""A sub-command loads only its own module: ``tutor check`` starts without the TUI."""

from __future__ import annotations

import subprocess
import sys

from tutor.cli import COMMANDS, build_parser

#: Prints what ``tutor check`` imported beyond the core, after running it in-process.
PROBE = """
import sys
from tutor.cli import main
code = main(["check"])
heavy = sorted(m for m in ("textual", "rich", "tutor.app", "tutor.cli.epoch", "tutor.cli.serve")
               if m in sys.modules)
print(code, ",".join(heavy) or "-")
"""


def test_check_imports_neither_textual_nor_rich_nor_other_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    code, heavy = done.stdout.split()[-2:]
    assert code == "0"
    assert heavy == "-"


def test_a_named_command_gets_a_parser_with_that_command_alone() -> None:
    parser = build_parser("grade")
    assert set(parser.get_default("command_parsers")) == {"grade"}


def test_the_full_parser_still_lists_every_command() -> None:
    assert set(build_parser().get_default("command_parsers")) == set(COMMANDS)


def test_help_still_lists_every_command(tutor_main) -> None:
    code, out, _ = tutor_main("--help")
    assert code == 0
    for name in COMMANDS:
        assert name in out
