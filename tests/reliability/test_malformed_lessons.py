"""Malformed lessons, each with the message it must give: ``tutor check`` says
``path:line: message`` for every one and never crashes, and in the app a broken lesson
is reported while the others still work.

The files live in ``malformed/`` (one fault each); what cannot be a text file in the
repository (binary data, a 5 MB file, a folder named like a lesson) is made here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tutor.core.checking import check_library
from tutor.core.lesson import Problem
from tutor.core.library import load_library
from tutor.screens.lesson import LessonScreen
from tutor.widgets.compute import ComputeBlock

MALFORMED = Path(__file__).parent / "malformed"

#: File -> (line, the start of the message). One problem per file, exactly.
EXPECTED: dict[str, tuple[int, str]] = {
    "01-missing-front-matter.md": (
        1,
        "missing front matter: a lesson starts with a '---' line, then id, title, order "
        "and summary, then '---'",
    ),
    "02-unclosed-front-matter.md": (1, "front matter is not closed: add a '---' line after it"),
    "03-bad-yaml-front-matter.md": (4, "bad YAML in front matter: expected ',' or ']'"),
    "04-front-matter-not-mapping.md": (2, "front matter must be 'key: value' lines"),
    "05-front-matter-lacks-keys.md": (1, "front matter lacks order, summary"),
    "06-bad-lesson-id.md": (2, "id 'Bad Id' must be lowercase letters, digits and '-'"),
    "07-order-not-a-number.md": (4, "order must be a whole number, not 'first'"),
    "08-order-infinite.md": (4, "order must be a whole number, not inf"),
    "09-seed-negative.md": (6, "seed must be a whole number >= 0, not -4"),
    "10-seed-nan.md": (6, "seed must be a whole number >= 0, not nan"),
    "11-objectives-not-list.md": (6, "objectives must be a list"),
    "12-empty-file.md": (1, "empty file: a lesson starts with a '---' front-matter block"),
    "13-unknown-block.md": (14, "unknown block type 'computer' (did you mean 'compute'?)"),
    "14-unterminated-fence.md": (14, "unterminated code fence: add a closing ``` line"),
    "15-empty-compute.md": (14, "empty compute block"),
    "16-bad-yaml-quiz.md": (17, "bad YAML in quiz block: expected ',' or ']'"),
    "17-quiz-not-mapping.md": (14, "a quiz block holds 'key: value' lines"),
    "18-quiz-without-answer.md": (14, "formula quiz 'q' has no answer"),
    "19-quiz-without-id.md": (14, "quiz has no id"),
    "20-duplicate-quiz-id.md": (22, "duplicate quiz id 'twice' (first at line 14)"),
    "21-unknown-quiz-kind.md": (
        14,
        "quiz kind must be one of shape, formula, choice, bug, program, not 'essay'",
    ),
    "22-unknown-quiz-key.md": (14, "unknown key in quiz: colour (known: answer, attempts,"),
    "23-choice-answer-out-of-range.md": (
        14,
        "answer must be an option number from 1 to 2, or a list of them, not 3",
    ),
    "24-dims-bad-range.md": (
        14,
        "dims 'n' must be [low, high] with 2 <= low <= high <= 64, not [1, 500]",
    ),
    "25-reference-fails-gradient-check.md": (
        14,
        "quiz 'dw2': the reference answer '-2 * (X @ W1).T @ Yt' is not −∂loss/∂W2 "
        "(convention: descent); central finite differences of 'sum((Y - X @ W1 @ W2)**2)' "
        "disagree: the sign is flipped",
    ),
    "26-undefined-name-in-compute.md": (
        16,
        "compute block fails: column 12: unknown name W1. The names defined here are X",
    ),
    "27-undefined-name-in-quiz-setup.md": (
        19,
        "setup of quiz 'q' failed: column 5: unknown name W. No names are defined yet",
    ),
    "28-huge-matrix.md": (
        15,
        "compute block fails: column 5: randn(100000, 100000) would make an array of shape "
        "(100000,100000), 10,000,000,000 numbers; the limit is 1,000,000",
    ),
    "29-infinite-constant.md": (
        15,
        "compute block fails: column 7: the number 1e999 is not finite",
    ),
    "30-nan-constant.md": (15, "compute block fails: column 5: 0 / 0 has no real value here"),
    "31-nan-name.md": (15, "compute block fails: column 5: unknown name nan."),
    "32-python-escape.md": (
        15,
        "compute block fails: column 5: names starting with _ (__import__) are not allowed",
    ),
    "33-shape-mismatch.md": (
        17,
        "compute block fails: column 5: shape mismatch in X @ W1: (10,3) @ (4,3): X has 3 "
        "columns but W1 has 4 rows",
    ),
    "34-huge-exponent.md": (
        15,
        "compute block fails: column 21: the exponent 1000 is too large; at most 10 either way",
    ),
    "35-epoch-bad-activation.md": (14, "epoch block: unknown activation 'softmax'; choose from"),
    "36-epoch-lr-nan.md": (14, "epoch block: the learning rate must be a positive number, not nan"),
    "37-plot-unknown-kind.md": (
        14,
        "plot kind must be one of function, gradient-depth, loss-curve, not 'pie'",
    ),
    "38-raw-latex.md": (14, "raw LaTeX \\mathbb: not shown as math"),
    "39-bug-line-out-of-range.md": (14, "quiz 'q': bug_line 7 is not a line of its code (1 to 2)"),
    "40-names-not-defined.md": (14, "quiz 'q': names lists Q, which setup does not define"),
    "41-wrong-answer-wrong-verdict.md": (
        22,
        "quiz 'q': the wrong answer '2 * A' should grade sign but grades factor",
    ),
    "42-shape-answer-unknown-dim.md": (
        14,
        "quiz 'q': the answer uses 'k', which is not one of its dims",
    ),
    "43-proves-wrt-undefined.md": (14, "quiz 'q': proves wrt 'W', which setup does not define"),
    "44-too-many-lines-block.md": (
        15,
        "compute block fails: the block has 400 lines; the limit is 300",
    ),
    "46-duplicate-lesson-id.md": (
        2,
        "duplicate lesson id 'same-id' (also in 45-duplicate-lesson-id-first.md)",
    ),
    "47-function-recursion.md": (
        15,
        "compute block fails: column 8: f calls itself; a function here cannot be recursive",
    ),
    "48-plot-expression-forbidden.md": (
        14,
        "plot block: the plot's expression \"open('x')\" cannot be drawn: column 1: "
        "unknown function open.",
    ),
    # Made by ``make_generated`` below.
    "binary-data.md": (3, "binary data (a NUL byte): a lesson is UTF-8 text"),
    "not-utf8.md": (7, "not UTF-8 text (byte 0xe9 at offset 63)"),
    "five-megabytes.md": (1, "file is 5,000,000 bytes; a lesson may be at most 1,000,000"),
    "a-folder.md": (1, "not a regular file: a lesson is a text file"),
    "symlink-loop.md": (1, "cannot read the file: Too many levels of symbolic links"),
}
#: Files that must give no problem of their own.
PARTNERS = ("45-duplicate-lesson-id-first.md",)
#: Problems reported twice today (see test_each_problem_is_reported_once).
HEADER = "---\nid: generated\ntitle: Generated\norder: 99\nsummary: s\n---\n"


def make_generated(folder: Path) -> None:
    """The malformed 'files' that cannot be text files in the repository."""
    (folder / "binary-data.md").write_bytes(b"---\nid: bin\n\x00\x01\x02\xff\n---\n")
    (folder / "not-utf8.md").write_bytes(HEADER.encode() + "caf\u00e9\n".encode("latin-1"))
    (folder / "five-megabytes.md").write_text(HEADER + "x" * (5_000_000 - len(HEADER)))
    (folder / "a-folder.md").mkdir()
    os.symlink("symlink-loop.md", folder / "symlink-loop.md")


@pytest.fixture(scope="module")
def malformed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("malformed") / "lessons"
    shutil.copytree(MALFORMED, folder)
    make_generated(folder)
    return folder


@pytest.fixture(scope="module")
def problems_by_file(malformed_folder: Path) -> dict[str, list[Problem]]:
    found: dict[str, list[Problem]] = defaultdict(list)
    for problem in check_library(load_library(malformed_folder)):
        found[problem.path.name].append(problem)
    return found


def test_the_collection_has_at_least_25_cases_and_matches_the_folder() -> None:
    assert len(EXPECTED) >= 25
    on_disk = {path.name for path in MALFORMED.glob("*.md") if path.name != "README.md"}
    assert on_disk == (set(EXPECTED) | set(PARTNERS)) - {
        "binary-data.md",
        "not-utf8.md",
        "five-megabytes.md",
        "a-folder.md",
        "symlink-loop.md",
    }


@pytest.mark.parametrize("name", EXPECTED)
def test_each_malformed_lesson_gives_its_message(
    name: str, problems_by_file: dict[str, list[Problem]], malformed_folder: Path
) -> None:
    line, message = EXPECTED[name]
    problems = problems_by_file[name]
    assert problems, f"{name}: no problem reported"
    first = problems[0]
    assert str(first).startswith(f"{malformed_folder / name}:{line}: {message}")
    assert len(problems) == 1, [str(problem) for problem in problems]


def test_the_partner_of_a_duplicate_is_fine(problems_by_file) -> None:
    for name in PARTNERS:
        assert problems_by_file[name] == []


def test_tutor_check_over_the_whole_folder_exits_1_without_a_traceback(
    malformed_folder: Path, tutor_cli
) -> None:
    result = tutor_cli("check", str(malformed_folder))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr == ""
    lines = result.stdout.splitlines()
    for name, (line, message) in EXPECTED.items():
        assert any(
            text.startswith(f"{malformed_folder / name}:{line}: {message}") for text in lines
        )
    problems = len(EXPECTED)
    assert lines[-1].startswith(f"{problems} problem(s) in {len(EXPECTED)} of ")


def test_the_summary_counts_each_file_once(malformed_folder: Path, tutor_cli) -> None:
    result = tutor_cli("check", str(malformed_folder))
    files = len(EXPECTED) + len(PARTNERS)
    assert result.stdout.splitlines()[-1].endswith(f"of {files} lesson file(s)")


# -- faults tutor does not handle yet: each a report to the lead ----------------------------------

BOMB_LEVELS = 6


def alias_bomb() -> str:
    """A 500-byte quiz whose YAML aliases expand to a million items in a message."""
    anchors = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    anchors += [
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, BOMB_LEVELS)
    ]
    return (
        "```quiz\n" + "\n".join(anchors) + "\nid: q\nkind: choice\nprompt: p\n"
        f"choices: [x, y]\nanswer: 1\nwrong: [*a{BOMB_LEVELS - 1}]\n```"
    )


#: Lessons that once broke tutor, each with the body that did it.
FAULTS_WITH_REASONS = {
    "tolerance-text": (
        "```quiz\nid: q\nkind: formula\nprompt: Type A.\nsetup: |\n  A = ones((2, 2))\n"
        "answer: A\ntolerance: abc\n```",
        "tutor/core/quiz/model.py _formula_fields: float(tolerance) raises ValueError, so "
        "'tutor check' prints a traceback (blocks._typed_keys never checks tolerance)",
    ),
    "dims-not-a-name": (
        "```quiz\nid: q\nkind: formula\nprompt: Type A.\ndims: {1: [2, 3]}\nsetup: |\n"
        "  A = ones((2, 2))\nanswer: A\n```",
        "tutor/core/quiz/draw.py run_setup defines dims outside its try: an ExpressionError "
        "escapes check_library with no path:line and stops the check of every later lesson "
        "(blocks._dims_problems never checks that a dim is a name)",
    ),
    "hints-not-a-list": (
        "```quiz\nid: q\nkind: choice\nprompt: Pick.\nchoices: [a, b]\nanswer: 1\nhints: 1\n```",
        "tutor/core/checking.py math_problems iterates hints (and choices) without checking "
        "they are lists: TypeError, a traceback from 'tutor check' (quiz/model.py quiz_spec too)",
    ),
    "choices-not-a-list": (
        "```quiz\nid: q\nkind: choice\nprompt: Pick.\nchoices: 1\nanswer: 1\n```",
        "tutor/core/checking.py math_problems iterates choices without checking it is a list "
        "(blocks._choice_problems does check, but every check runs): TypeError",
    ),
    "too-many-dimensions": (
        "```compute\nA = ones((" + ", ".join(["1"] * 70) + "))\n```",
        "tutor/core/expression: a shape of more than 64 dimensions passes the static pass and "
        "NumPy's ValueError escapes evaluate (execute catches ArithmeticError only)",
    ),
}

FAULTS = {case: body for case, (body, _reason) in FAULTS_WITH_REASONS.items()}
#: The faults ``tutor check`` still mishandles (strict xfails: add one when a test finds a
#: fault, remove it once fixed). The reasons above say what each fault once did.
CHECK_FAULTS: dict[str, str] = {}


def test_a_yaml_alias_bomb_is_refused_at_its_line(tmp_path: Path) -> None:
    """Aliases could expand a 500-byte quiz into millions of items; they are refused."""
    (tmp_path / "bomb.md").write_text(f"{HEADER}\n## Section\n\n{alias_bomb()}\n")
    (problem,) = check_library(load_library(tmp_path))
    assert "aliases (*name) are not allowed in lessons" in problem.message
    assert str(problem).startswith(f"{tmp_path / 'bomb.md'}:")
    assert len(problem.message) < 200


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=CHECK_FAULTS[case]))
        if case in CHECK_FAULTS
        else case
        for case in FAULTS
    ],
)
def test_known_faults_give_a_short_path_line_message(case: str, tmp_path: Path) -> None:
    body = FAULTS[case]
    (tmp_path / f"{case}.md").write_text(f"{HEADER}\n## Section\n\n{body}\n")
    problems = check_library(load_library(tmp_path))
    assert problems
    for problem in problems:
        assert str(problem).startswith(f"{tmp_path / case}.md:")
        assert len(problem.message) < 1000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_named_like_a_lesson_does_not_hang_check(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "01.md").write_text(HEADER)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tutor", "check", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=2,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("tutor check hung on a named pipe")
    assert f"{tmp_path / 'pipe.md'}:1: " in result.stdout


# -- in the app --------------------------------------------------------------------------------


async def test_app_reports_broken_lessons_and_the_others_work(
    make_app, good_folder: Path, lesson_text
) -> None:
    for name in ("01-missing-front-matter.md", "16-bad-yaml-quiz.md", "12-empty-file.md"):
        shutil.copy(MALFORMED / name, good_folder / name)
    make_generated(good_folder)
    (good_folder / "03-runs-badly.md").write_text(
        lesson_text("runs-badly", 3, "## Broken\n\n```compute\nY = X @ W1\n```")
    )
    app = make_app(good_folder)
    async with app.run_test(size=(110, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [str(note.message) for note in app._notifications]
        for name in ("01-missing-front-matter.md", "binary-data.md", "five-megabytes.md"):
            line, message = EXPECTED[name]
            assert any(f"{good_folder / name}:{line}: {message}" in note for note in shown), name
        opened = []
        for _ in range(3):  # every lesson that loaded opens and shows its blocks
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            opened.append(screen.lesson.id)
            await pilot.press("right_square_bracket")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert opened == ["good-one", "good-two", "runs-badly"]
        block = app.screen.query_one(ComputeBlock)
        assert block.has_class("-error")  # the failing block is a panel, not a crash
        assert app.return_code is None


#: The faults the app still does not survive (strict xfails: remove a line once fixed).
APP_CRASHES: dict[str, str] = {}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=APP_CRASHES[case]))
        if case in APP_CRASHES
        else case
        for case in FAULTS
    ],
)
async def test_app_survives_the_known_faults(make_app, good_folder: Path, case: str) -> None:
    from tutor.widgets.blocks import BrokenBlock

    body = FAULTS[case]
    (good_folder / "03-fault.md").write_text(f"{HEADER}\n## Section\n\n{body}\n")
    app = make_app(good_folder, start="generated")
    async with app.run_test(size=(110, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.lesson.id == "generated"  # the faulty lesson is the one shown
        if "```quiz" in body:  # a malformed quiz is an error panel, never a half-built card
            assert app.screen.query(BrokenBlock)
    assert app.return_code in (None, 0)
