"""``tutor check``'s lesson checks: each finds its problem at the right line."""

from __future__ import annotations

from pathlib import Path

from tutor.core.checking import check_library
from tutor.core.library import load_library

HEAD = "---\nid: a\ntitle: A\norder: 1\nsummary: s\n---\n"


def check(tmp_path: Path, body: str) -> list[str]:
    (tmp_path / "a.md").write_text(HEAD + body)
    return [str(problem) for problem in check_library(load_library(tmp_path))]


def test_clean_lesson(tmp_path: Path) -> None:
    body = "\nMath $\\delta W^{(2)}$ reads well.\n\n```compute\nX = randn(3, 2)\nX.T @ X\n```\n"
    assert check(tmp_path, body) == []


def test_raw_latex_in_prose_is_reported_at_its_line(tmp_path: Path) -> None:
    problems = check(tmp_path, "\nfine line\n\nsee $\\mathbb{R}$ here\n")
    assert problems == [
        f"{tmp_path / 'a.md'}:10: raw LaTeX \\mathbb: not shown as math "
        "(see the Math section of lessons/README.md)"
    ]


def test_unpaired_dollar_is_reported(tmp_path: Path) -> None:
    (problem,) = check(tmp_path, "\ncosts $5 today\n")
    assert problem.startswith(f"{tmp_path / 'a.md'}:8: unpaired $")


def test_failing_compute_block_points_at_the_failing_statement(tmp_path: Path) -> None:
    body = "\n```compute\nX = randn(10, 3)\nW = randn(4, 1)\nX @ W\n```\n"
    (problem,) = check(tmp_path, body)
    assert problem.startswith(f"{tmp_path / 'a.md'}:11: compute block fails:")
    assert "(10,3)" in problem and "(4,1)" in problem


def test_compute_block_using_an_undefined_name(tmp_path: Path) -> None:
    (problem,) = check(tmp_path, "\n```compute\nQ @ Q\n```\n")
    assert problem.startswith(f"{tmp_path / 'a.md'}:9: compute block fails:")
    assert "Q" in problem


def test_epoch_block_with_a_bad_network_is_reported(tmp_path: Path) -> None:
    body = "\n```epoch\nlayers: [10, 3, 4, 1]\nact: [relu]\n```\n"
    (problem,) = check(tmp_path, body)
    assert problem.startswith(f"{tmp_path / 'a.md'}:8: epoch block:")


def test_plot_block_with_a_refused_expression_is_reported(tmp_path: Path) -> None:
    body = "\n```plot\nkind: function\nexpr: x.__class__\nrange: [-1, 1]\n```\n"
    (problem,) = check(tmp_path, body)
    assert problem.startswith(f"{tmp_path / 'a.md'}:8: plot block:")
