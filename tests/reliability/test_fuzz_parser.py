"""The lesson parser and ``tutor check`` fuzzed: random Markdown, random front matter,
random blocks. Whatever the text, parsing either gives a lesson or raises a
``LessonError`` whose every problem reads ``path:line: message``; checking a lesson that
parsed gives ``Problem``s with lines inside the file, and nothing else escapes.

Seeded (``derandomize``) and bounded, so a run is the same every time and quick.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.core.checking import lesson_checks
from tutor.core.lesson import LIVE_KINDS, LessonError, parse_lesson_text

#: Examples per test; the README's "fuzzed parser inputs" is their sum.
EXAMPLES = {"raw": 1000, "structured": 800, "checked": 500}
PATH = Path("fuzzed/lesson.md")


FUZZ_PROFILE = "tutor-fuzz"


def fuzz_settings(examples: int) -> settings:
    """The reliability suite's fuzzing policy (tests/reliability/conftest.py), N examples."""
    return settings(settings.get_profile(FUZZ_PROFILE), max_examples=examples)


# -- strategies ---------------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "id",
        "title",
        "order",
        "summary",
        "seed",
        "objectives",
        "kind",
        "prompt",
        "answer",
        "dims",
        "setup",
        "names",
        "proves",
        "wrong",
        "choices",
        "code",
        "bug_line",
        "hints",
        "attempts",
        "layers",
        "act",
        "lr",
        "loss",
        "expr",
        "range",
        "acts",
        "depth",
        "epochs",
        "x",
        "A",
        "X @ W1",
        "relu(x)",
        "shape",
        "formula",
        "choice",
        "bug",
        "function",
        "loss-curve",
        "gradient-depth",
        "square",
        "cube",
        "sigmoid",
        "descent",
        "gradient",
    ]
)
SCALARS = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    WORDS,
    st.text(max_size=12),
)
YAML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(WORDS, inner, max_size=4),
    max_leaves=12,
)
#: Lines that look like YAML but may be broken in every way YAML can be.
YAML_LINES = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", WORDS, st.text(max_size=20)),
    st.sampled_from(
        [
            "id: [unclosed",
            "title: {a: 1",
            "  - item",
            "- item",
            "key: 'quote",
            "&anchor x: 1",
            "*alias",
            "!!python/object:os.system x",
            "!!binary abc",
            "tab:\tvalue",
            "---",
            "...",
            "%YAML 1.1",
            ": :",
            "? complex key",
        ]
    ),
)


def yaml_block(values: dict) -> str:
    return yaml.safe_dump(values, allow_unicode=True, sort_keys=False)


FRONT_MATTER = st.one_of(
    st.builds(yaml_block, st.dictionaries(WORDS, YAML_VALUES, max_size=8)),
    st.builds(
        lambda lesson_id, title, order, extra: yaml_block(
            {"id": lesson_id, "title": title, "order": order, "summary": "s", **extra}
        ),
        st.from_regex(r"[a-z0-9][a-z0-9-]{0,8}", fullmatch=True) | st.text(max_size=6),
        SCALARS,
        SCALARS,
        st.dictionaries(WORDS, YAML_VALUES, max_size=3),
    ),
    st.lists(YAML_LINES, max_size=6).map("\n".join),
)
FENCE_INFO = st.one_of(
    st.sampled_from([*LIVE_KINDS, "python", "text", "", "yaml", "math", "computer", "Quiz"]),
    st.text(alphabet="abcxyz-_`~ ", max_size=8),
)
COMPUTE_LINES = st.one_of(
    st.sampled_from(
        [
            "X = randn(10, 3)",
            "W1 = uniform(-1, 1, (3, 4))",
            "Yhat = X @ W1",
            "f(x) = x**2",
            "f(X)",
            "A = ones((2, 2)) @ ones((3, 3))",
            "B = 1e999",
            "C = 0 / 0",
            "__import__('os')",
            "D = randn(100000, 100000)",
            "E = X.T @ X",
            "# a comment",
            "",
        ]
    ),
    st.text(max_size=30),
)


@st.composite
def block(draw) -> str:
    info = draw(FENCE_INFO)
    marker = draw(st.sampled_from(["```", "~~~", "````", "`` `"]))
    if info == "compute":
        body = "\n".join(draw(st.lists(COMPUTE_LINES, max_size=5)))
    elif info in LIVE_KINDS:
        body = draw(
            st.one_of(
                st.builds(yaml_block, st.dictionaries(WORDS, YAML_VALUES, max_size=8)),
                st.lists(YAML_LINES, max_size=5).map("\n".join),
            )
        )
    else:
        body = draw(st.text(max_size=40))
    closed = draw(st.booleans() | st.just(True))
    return f"{marker}{info}\n{body}\n{marker if closed else ''}"


PROSE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "## A section",
            "## ",
            "# Title",
            "<!-- pause -->",
            "$\\hat{Y} = X W^{(1)}$",
            "$$\\frac{a}{b}$$",
            "$unpaired",
            "\\unknowncommand",
            "    indented ```compute",
            "\ufeff",
            "\r\n",
        ]
    ),
)


@st.composite
def lesson_source(draw) -> str:
    parts = draw(st.lists(st.one_of(PROSE, block()), max_size=8))
    front = draw(FRONT_MATTER)
    opening = draw(st.sampled_from(["---\n", "---\n", "--- \n", "", "----\n"]))
    closing = draw(st.sampled_from(["---\n", "---\n", "", "...\n"]))
    return f"{opening}{front}\n{closing}\n" + "\n\n".join(parts)


#: Plausible values for the keys of live blocks, mixed with wrong ones, so that lessons
#: reach the quiz, epoch and plot code and not only the parser. Known faults are left out
#: (``tolerance`` not a number, a ``dims`` key not a name, ``hints`` or ``choices`` not a
#: list): each has its own test in test_malformed_lessons.py (FAULTS).
EXPRESSIONS = st.sampled_from(
    [
        "X",
        "X.T",
        "2 * (X @ W1).T @ Yt",
        "X @ W1",
        "sum((Y - X @ W1)**2)",
        "relu(x)",
        "x**2",
        "import os",
        "W1 @ W1",
        "1e999",
        "0/0",
        "randn(100000, 100000)",
        "",
        "(m, h)",
        "(n, 1)",
        "3x4",
    ]
)
SETUPS = st.lists(
    st.sampled_from(
        [
            "X = randn(n, m)",
            "W1 = uniform(-1, 1, (m, h))",
            "Y = randn(n, h)",
            "Yt = Y - X @ W1",
            "x = randn(n, 1)",
            "Z = Q",
            "B = X @ X",
            "C = log(0 * X)",
        ]
    ),
    max_size=5,
).map("\n".join)
DIMS = st.one_of(
    st.dictionaries(
        st.sampled_from(["n", "m", "h"]),
        st.lists(st.integers(-3, 80), min_size=0, max_size=3) | SCALARS,
        max_size=3,
    ),
    SCALARS,
)
QUIZ_FIELDS = {
    "id": st.sampled_from(["q", "q2", "dw"]) | SCALARS,
    "kind": st.sampled_from(["shape", "formula", "choice", "bug"]) | SCALARS,
    "prompt": st.sampled_from(["X is ({n},{m}). Shape?", "Type it.", "{k}"]) | SCALARS,
    "dims": DIMS,
    "setup": SETUPS | SCALARS,
    "answer": EXPRESSIONS | SCALARS | st.lists(st.integers(-1, 5), max_size=3),
    "names": st.lists(st.sampled_from(["X", "W1", "Yt", "Q"]), max_size=3) | SCALARS,
    "proves": st.fixed_dictionaries(
        {"loss": EXPRESSIONS, "wrt": st.sampled_from(["W1", "X", "Q"])},
        optional={"convention": st.sampled_from(["gradient", "descent", "up"])},
    )
    | SCALARS,
    "wrong": st.lists(
        st.fixed_dictionaries(
            {"answer": EXPRESSIONS, "verdict": st.sampled_from(["sign", "values", "odd"])}
        )
        | SCALARS,
        max_size=2,
    ),
    "choices": st.lists(SCALARS, max_size=4),
    "code": st.sampled_from(["A = X @ W1\nB = A @ W2", ""]) | SCALARS,
    "bug_line": st.integers(-1, 4) | SCALARS,
    "hints": st.lists(st.text(max_size=10) | SCALARS, max_size=2),
    "attempts": st.integers(-1, 5) | SCALARS,
    "strict": st.booleans(),
    "tolerance": st.floats(0, 1, allow_nan=False),
}
NETWORK_FIELDS = {
    "kind": st.sampled_from(["function", "gradient-depth", "loss-curve", "pie"]),
    "layers": st.lists(st.integers(-1, 40), max_size=6) | SCALARS,
    "act": st.lists(st.sampled_from(["relu", "square", "cube", "softmax"]), max_size=4) | SCALARS,
    "acts": st.lists(st.sampled_from(["relu", "sigmoid", "tanh", "nope"]), max_size=3) | SCALARS,
    "loss": st.sampled_from(["sse", "mse", "half-sse", "hinge"]) | SCALARS,
    "lr": SCALARS,
    "seed": SCALARS,
    "epochs": st.integers(-2, 60) | SCALARS,
    "depth": st.integers(-1, 20) | SCALARS,
    "width": st.integers(-1, 40) | SCALARS,
    "init_scale": SCALARS,
    "expr": EXPRESSIONS | SCALARS,
    "range": st.lists(SCALARS, max_size=3) | SCALARS,
}


#: The keys each quiz kind needs, so most quizzes pass the structural check and reach
#: drawing, grading and the finite-difference proof.
REQUIRED = {
    "shape": ("prompt", "dims", "answer"),
    "formula": ("prompt", "setup", "answer"),
    "choice": ("prompt", "choices", "answer"),
    "bug": ("prompt", "code", "bug_line", "setup", "answer"),
}
PLAUSIBLE = {
    "dims": st.dictionaries(
        st.sampled_from(["n", "m", "h"]),
        st.tuples(st.integers(2, 8), st.integers(8, 12)).map(list),
        min_size=1,
        max_size=3,
    ),
    "answer": EXPRESSIONS,
    "setup": SETUPS,
    "choices": st.lists(st.sampled_from(["0", "1", "x"]), min_size=2, max_size=4),
    "bug_line": st.integers(1, 2),
}


@st.composite
def quiz_fields(draw, quiz_id: str) -> dict:
    """A quiz's YAML: an id of its own (else the parser stops it), a kind, its required
    keys (mostly plausible, sometimes not), and any of the others."""
    kind = draw(st.sampled_from(list(REQUIRED)) | st.just("essay"))
    fields = {"id": quiz_id, "kind": kind}
    for key in REQUIRED.get(kind, ()):
        plausible = PLAUSIBLE.get(key, QUIZ_FIELDS[key])
        fields[key] = draw(st.one_of(plausible, plausible, plausible, QUIZ_FIELDS[key]))
    optional = {k: v for k, v in QUIZ_FIELDS.items() if k not in fields}
    return {**fields, **draw(some_of(optional))}


def some_of(fields: dict) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional=fields)


@st.composite
def runnable_lesson(draw) -> str:
    """A lesson whose front matter is right and whose blocks are plausible."""
    blocks = []
    for number in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["quiz", "quiz", "quiz", "epoch", "plot", "compute"]))
        if kind == "quiz":
            body = yaml_block(draw(quiz_fields(f"q{number}")))
        elif kind == "compute":
            body = "\n".join(draw(st.lists(COMPUTE_LINES, min_size=1, max_size=4)))
        else:
            body = yaml_block(draw(some_of(NETWORK_FIELDS)))
        blocks.append(f"```{kind}\n{body}```")
    front = "id: fuzzed\ntitle: Fuzzed\norder: 1\nsummary: s\n"
    return f"---\n{front}---\n\n## Section\n\n" + "\n\n".join(blocks) + "\n"


# -- the properties ----------------------------------------------------------------------------


def parse_or_error(text: str):
    """The lesson, or the LessonError, checked to be ``path:line: message`` throughout."""
    try:
        return parse_lesson_text(text, PATH)
    except LessonError as error:
        line_count = text.count("\n") + 1
        assert error.problems
        for problem in error.problems:
            assert problem.path == PATH and problem.message.strip()
            assert 1 <= problem.line <= line_count + 1
            assert str(problem).startswith(f"{PATH}:{problem.line}: ")
        return None


@fuzz_settings(EXAMPLES["raw"])
@given(st.text(max_size=400))
def test_random_text_parses_or_gives_path_line_errors(text: str) -> None:
    parse_or_error(text)


@fuzz_settings(EXAMPLES["structured"])
@given(lesson_source())
def test_random_lessons_parse_or_give_path_line_errors(text: str) -> None:
    parse_or_error(text)


@fuzz_settings(EXAMPLES["checked"])
@given(st.one_of(runnable_lesson(), runnable_lesson(), lesson_source()))
def test_checking_random_lessons_gives_problems_not_exceptions(text: str) -> None:
    lesson = parse_or_error(text)
    if lesson is None:
        return
    line_count = text.count("\n") + 1
    started = time.perf_counter()
    for check in lesson_checks():
        for problem in check(lesson):
            assert problem.path == PATH and problem.message.strip()
            assert 1 <= problem.line <= line_count
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "---\nid: a\ntitle: t\norder: 1\nsummary: \x1f\n---\n", id="control-character"
        ),
        pytest.param('---\nid: "a\\nb"\ntitle: t\norder: 1\nsummary: s\n---\n', id="newline-in-id"),
    ],
)
def test_every_problem_is_one_line(text: str) -> None:
    try:
        parse_lesson_text(text, PATH)
    except LessonError as error:
        assert all("\n" not in problem.message for problem in error.problems)
