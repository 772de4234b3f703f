"""``tutor shot``: a lesson's screen saved as SVG, at a section and step, for handouts."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tutor.cli import main

LESSON = """\
---
id: chain
title: Shapes Of A Chain
order: 1
summary: One chain of products.
seed: 2
---

Why chains matter.

## The chain

```compute
X = randn(10, 3)
W1 = randn(3, 4)
Yhat = X @ W1
```
"""

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-chain.md").write_text(LESSON)
    return lessons


def screen_text(svg: str) -> str:
    """The text an SVG screenshot draws, row after row (the window title left out)."""
    root = ET.fromstring(svg)
    texts = [
        element.text or ""
        for element in root.iter(f"{SVG}text")
        if "title" not in (element.get("class") or "")
    ]
    return html.unescape("".join(texts)).replace("\xa0", " ")


def shoot(folder: Path, out: Path, *args: str) -> int:
    return main(["shot", "chain", "--lessons", str(folder), "--out", str(out), *args])


def test_shot_writes_an_svg_showing_the_lesson(folder: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "chain.svg"
    assert shoot(folder, out) == 0
    svg = out.read_text(encoding="utf-8")
    root = ET.fromstring(svg)  # well-formed XML, an <svg> at the top
    assert root.tag == f"{SVG}svg"
    text = screen_text(svg)
    assert "Lesson 1 · Shapes Of A Chain" in text
    assert "Why chains matter" in text
    assert f"Saved {out}" in capsys.readouterr().out


def test_present_and_step_show_one_operation_at_a_time(folder: Path, tmp_path: Path) -> None:
    one, three = tmp_path / "one.svg", tmp_path / "three.svg"
    # Step 1 opens the section; each later step reveals one operation.
    assert shoot(folder, one, "--present", "--step", "2") == 0
    assert shoot(folder, three, "--present", "--step", "4", "--size", "100x40") == 0
    first, last = screen_text(one.read_text()), screen_text(three.read_text())
    assert "Shapes Of A Chain" in first and "X (10,3)" in first and "W1 (3,4)" not in first
    assert "(10,3) @ (3,4) -> (10,4)" in last and "Yhat (10,4)" in last
    assert "Scratchpad" not in last  # presenting: no scratchpad, no footer


def test_the_same_seed_makes_the_same_handout(folder: Path, tmp_path: Path) -> None:
    paths = [tmp_path / f"{name}.svg" for name in ("a", "b", "c")]
    for path, seed in zip(paths, ("7", "7", "8"), strict=True):
        assert shoot(folder, path, "--section", "2", "--seed", seed) == 0
    a, b, c = (screen_text(path.read_text()) for path in paths)
    assert "X (10,3)" in a
    assert a == b and a != c


def test_a_missing_output_folder_is_a_clear_error(folder: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "nowhere" / "x.svg"
    assert shoot(folder, out) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--section", "9"], "has 2 sections"),
        (["--size", "20x5"], "size must be from 80x24"),
        (["--size", "wide"], "COLSxROWS"),
        (["--step", "-1"], "whole number"),
    ],
)
def test_bad_options_exit_2(folder: Path, tmp_path: Path, capsys, args, message) -> None:
    with pytest.raises(SystemExit) as raised:
        code = shoot(folder, tmp_path / "x.svg", *args)
        raise SystemExit(code)
    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_shot_runs_from_the_command_line(folder: Path, tmp_path: Path, tutor_cli) -> None:
    out = tmp_path / "cli.svg"
    result = tutor_cli("shot", "1", "--lessons", str(folder), "--out", str(out), "--present")
    assert result.returncode == 0, result.stderr
    assert "Shapes Of A Chain" in screen_text(out.read_text())
