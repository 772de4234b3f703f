"""The README's two set-up commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def ci_commands() -> dict[str, str]:
    text = (REPO / ".ci" / "run").read_text()
    return dict(re.findall(r"^(INSTALL_AND_\w+)='(.+)'$", text, flags=re.M))


def test_ci_runs_the_readme_commands_verbatim() -> None:
    commands = ci_commands()
    assert set(commands) == {"INSTALL_AND_RUN", "INSTALL_AND_TEST"}
    readme = (REPO / "README.md").read_text()
    first_screen = readme.split("## ")[0]
    for command in commands.values():
        assert f"\n{command}\n" in first_screen, command


def test_first_screen_has_exactly_two_commands() -> None:
    first_screen = (REPO / "README.md").read_text().split("## ")[0]
    blocks = re.findall(r"```bash\n(.*?)```", first_screen, flags=re.S)
    commands = [
        line
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(commands) == 2, commands
