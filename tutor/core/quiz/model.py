"""A quiz block's YAML, read once into a typed, hashable ``QuizSpec``.

The parser (``tutor.core.lesson``) keeps a quiz as a plain dict and ``tutor.core.blocks``
checks its keys; everything past that (drawing, grading, proving) wants typed fields
with defaults filled in, so it reads them from here and never from the dict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tutor.core.errors import TutorError, UsageError
from tutor.core.lesson import Block, Lesson

DEFAULT_ATTEMPTS = 3
#: Relative tolerance of a formula answer against the reference, unless the quiz sets one.
DEFAULT_TOLERANCE = 1e-6
FORMULA_KINDS = ("formula", "bug")

_SHAPE_ITEM = re.compile(r"^(?:[A-Za-z_]\w*|\d+)$")


class QuizFormatError(TutorError):
    """A quiz block whose keys cannot be read as the format in ``lessons/README.md``."""


@dataclass(frozen=True)
class Proof:
    """What a gradient quiz's answer is: ``convention`` says ∂loss/∂wrt or its negative."""

    loss: str
    wrt: str
    convention: str = "gradient"

    @property
    def sign(self) -> float:
        """+1 when the answer is the gradient, −1 when it is the article's δW = −∂Δ/∂W."""
        return -1.0 if self.convention == "descent" else 1.0


@dataclass(frozen=True)
class WrongAnswer:
    """A common wrong answer an author lists, with the verdict it must get."""

    answer: str
    verdict: str


@dataclass(frozen=True)
class QuizSpec:
    """One quiz, as the lesson format describes it (frozen so draws can be cached)."""

    id: str
    kind: str
    prompt: str
    line: int
    body_line: int
    answer: str
    dims: tuple[tuple[str, int, int], ...] = ()
    setup: str = ""
    setup_line: int = 0
    names: tuple[str, ...] | None = None
    proves: Proof | None = None
    wrong: tuple[WrongAnswer, ...] = ()
    hints: tuple[str, ...] = ()
    attempts: int = DEFAULT_ATTEMPTS
    solution: str = ""
    explain: str = ""
    choices: tuple[str, ...] = ()
    picks: tuple[int, ...] = ()
    multiple: bool = False
    code: str = ""
    bug_line: int = 0
    fix_prompt: str = ""
    strict: bool = True
    tolerance: float = DEFAULT_TOLERANCE

    @property
    def is_formula(self) -> bool:
        """Formula and bug quizzes are both graded numerically against ``answer``."""
        return self.kind in FORMULA_KINDS

    @property
    def shape_items(self) -> tuple[str | int, ...]:
        """A shape quiz's answer as dimension names and whole numbers, e.g. ('n', 1)."""
        return parse_shape_answer(self.answer)

    @property
    def code_lines(self) -> tuple[str, ...]:
        """The bug quiz's listing, one entry per line (line 1 first)."""
        return tuple(self.code.rstrip("\n").split("\n")) if self.code else ()


def quiz_spec(block: Block) -> QuizSpec:
    """Read a quiz block; raises QuizFormatError when a key cannot be used."""
    data = block.data
    if block.kind != "quiz" or not isinstance(data, dict):
        raise QuizFormatError(f"line {block.line}: not a quiz block")
    kind = str(data.get("kind", ""))
    common: dict[str, Any] = {
        "id": str(data.get("id", "")),
        "kind": kind,
        "prompt": str(data.get("prompt", "")).strip(),
        "line": block.line,
        "body_line": block.body_line,
        "hints": tuple(str(hint) for hint in data.get("hints") or ()),
        "attempts": _whole(data.get("attempts", DEFAULT_ATTEMPTS), "attempts"),
        "solution": str(data.get("solution") or "").strip(),
        "explain": str(data.get("explain") or "").strip(),
    }
    if kind == "choice":
        return QuizSpec(**common, **_choice_fields(data))
    if kind == "shape":
        return QuizSpec(**common, **_shape_fields(data, block))
    if kind in FORMULA_KINDS:
        return QuizSpec(**common, **_formula_fields(data, block))
    raise QuizFormatError(f"quiz kind must be shape, formula, choice or bug, not {kind!r}")


def find_quiz(lesson: Lesson, quiz_id: str) -> QuizSpec:
    """The quiz ``quiz_id`` of a lesson; a UsageError names the quizzes there are."""
    block = lesson.quiz(quiz_id)
    if block is None:
        known = ", ".join(b.quiz_id or "?" for b in lesson.quizzes) or "none"
        raise UsageError(f"no quiz '{quiz_id}' in lesson '{lesson.id}'; its quizzes: {known}")
    return quiz_spec(block)


def parse_shape_answer(text: str) -> tuple[str | int, ...]:
    """A shape quiz's ``answer: (m, h)`` as ('m', 'h'); whole numbers stay numbers."""
    inner = str(text).strip()
    if inner.startswith(("(", "[")) and inner.endswith((")", "]")):
        inner = inner[1:-1]
    items = [item.strip() for item in inner.split(",") if item.strip()]
    if not items or not all(_SHAPE_ITEM.match(item) for item in items):
        raise QuizFormatError(
            f"a shape answer is a tuple of dimension names and whole numbers, "
            f"like (m, h) or (n, 1), not {text!r}"
        )
    return tuple(int(item) if item.isdigit() else item for item in items)


def _choice_fields(data: dict[str, Any]) -> dict[str, Any]:
    answer = data.get("answer")
    picks = answer if isinstance(answer, list) else [answer]
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in picks):
        raise QuizFormatError(f"a choice answer is an option number or a list, not {answer!r}")
    return {
        "answer": ",".join(str(p) for p in picks),
        "choices": tuple(str(choice) for choice in data.get("choices") or ()),
        "picks": tuple(sorted(set(picks))),
        "multiple": bool(data.get("multiple", isinstance(answer, list))),
    }


def _shape_fields(data: dict[str, Any], block: Block) -> dict[str, Any]:
    answer = data.get("answer")
    text = f"({', '.join(str(a) for a in answer)})" if isinstance(answer, list) else str(answer)
    parse_shape_answer(text)
    return {
        "answer": text,
        "dims": _dims(data.get("dims")),
        "setup": str(data.get("setup") or ""),
        "setup_line": _setup_line(block),
    }


def _formula_fields(data: dict[str, Any], block: Block) -> dict[str, Any]:
    names = data.get("names")
    if names is not None and not isinstance(names, list):
        raise QuizFormatError(f"names must be a list of names, not {names!r}")
    fields: dict[str, Any] = {
        "answer": str(data.get("answer", "")).strip(),
        "dims": _dims(data.get("dims") or {}),
        "setup": str(data.get("setup") or ""),
        "setup_line": _setup_line(block),
        "names": tuple(str(name) for name in names) if names is not None else None,
        "proves": _proof(data.get("proves")),
        "wrong": tuple(_wrong(entry) for entry in data.get("wrong") or ()),
        "strict": bool(data.get("strict", True)),
        "tolerance": float(data.get("tolerance", DEFAULT_TOLERANCE)),
    }
    if data.get("kind") == "bug":
        fields["code"] = str(data.get("code") or "")
        fields["bug_line"] = _whole(data.get("bug_line"), "bug_line")
        fields["fix_prompt"] = str(data.get("fix_prompt") or "").strip()
    return fields


def _dims(dims: Any) -> tuple[tuple[str, int, int], ...]:
    if not isinstance(dims, dict):
        raise QuizFormatError("dims must map names to [low, high] ranges")
    ranges = []
    for name, bounds in dims.items():
        if not (isinstance(bounds, list) and len(bounds) == 2):
            raise QuizFormatError(f"dims '{name}' must be [low, high], not {bounds!r}")
        low, high = (_whole(b, f"dims '{name}'") for b in bounds)
        ranges.append((str(name), low, high))
    return tuple(ranges)


def _proof(proves: Any) -> Proof | None:
    if proves is None:
        return None
    if not isinstance(proves, dict) or not {"loss", "wrt"} <= set(proves):
        raise QuizFormatError("proves needs loss and wrt (and convention: gradient or descent)")
    return Proof(
        loss=str(proves["loss"]).strip(),
        wrt=str(proves["wrt"]).strip(),
        convention=str(proves.get("convention", "gradient")),
    )


def _wrong(entry: Any) -> WrongAnswer:
    if not isinstance(entry, dict) or "answer" not in entry or "verdict" not in entry:
        raise QuizFormatError(f"each 'wrong' entry needs an answer and a verdict: {entry!r}")
    return WrongAnswer(str(entry["answer"]).strip(), str(entry["verdict"]))


def _whole(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise QuizFormatError(f"{what} must be a whole number, not {value!r}")
    return value


def _setup_line(block: Block) -> int:
    """The file line of the setup's first statement (``setup: |`` then its lines)."""
    for offset, text in enumerate(block.body.split("\n")):
        match = re.match(r"^setup\s*:\s*(.*)$", text)
        if match:
            inline = match.group(1).strip()
            first = offset if inline and not inline.startswith(("|", ">")) else offset + 1
            return block.body_line + first
    return block.line
