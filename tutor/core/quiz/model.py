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
#: A quiz whose answer is a whole program, graded step by step.
PROGRAM_KIND = "program"

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


#: A ``proves:`` value saying the quiz asks for no gradient: ``proves: {none: reason}``.
NO_PROOF_KEY = "none"


@dataclass(frozen=True)
class Notation:
    """How messages name the loss and the gradient, in the lesson's own words.

    A pack that says nothing gets neutral words ("the gradient of the loss with
    respect to W"); the bundled course names its loss Δ and calls the descent
    direction "the article's δW = −∂Δ/∂W" through its front matter, not through code.
    """

    #: The loss's symbol (Δ, L, J...), or "" for "the loss".
    loss: str = ""
    #: How to name the descent-convention answer; ``{wrt}`` is the matrix's name.
    descent: str = ""

    def gradient_of(self, wrt: str) -> str:
        """∂Δ/∂W with a named loss, or words when the pack names none."""
        if self.loss:
            return f"∂{self.loss}/∂{wrt}"
        return f"the gradient of the loss with respect to {wrt}"

    def descent_of(self, wrt: str) -> str:
        """The descent direction, as the lesson calls it."""
        if self.descent:
            return self.descent.replace("{wrt}", wrt)
        if self.loss:
            return f"−∂{self.loss}/∂{wrt}"
        return f"the negative gradient of the loss with respect to {wrt}"


@dataclass(frozen=True)
class Feedback:
    """Hints a lesson or quiz adds to a verdict's message (``feedback:`` in lessons).

    ``verdicts`` maps a verdict (``sign``, ``transposed``...) to a sentence; a
    ``factor`` hint may be one sentence or one per factor (``{0.5: "...", 2: "..."}``).
    """

    verdicts: tuple[tuple[str, str], ...] = ()
    factors: tuple[tuple[float, str], ...] = ()

    def for_verdict(self, verdict: str) -> str:
        return dict(self.verdicts).get(verdict, "")

    def for_factor(self, factor: float) -> str:
        """The hint for this factor: an exact match first, then the general one."""
        for value, hint in self.factors:
            if abs(factor - value) <= 1e-6 * max(1.0, abs(value)):
                return hint
        return self.for_verdict("factor")

    def over(self, base: Feedback) -> Feedback:
        """These hints, with ``base``'s (the lesson's) for any verdict this one leaves out."""
        verdicts = dict(base.verdicts) | dict(self.verdicts)
        factors = dict(base.factors) | dict(self.factors)
        return Feedback(tuple(verdicts.items()), tuple(factors.items()))


@dataclass(frozen=True)
class WrongAnswer:
    """A common wrong answer an author lists, with the verdict it must get.

    For a program quiz, ``answer`` is a whole program and ``step`` the step that must
    be the first wrong one.
    """

    answer: str
    verdict: str
    step: str = ""


@dataclass(frozen=True)
class ProgramStep:
    """One named value a program quiz checks, with its reference expression."""

    name: str
    answer: str
    proves: Proof | None = None
    unproved: str = ""
    line: int = 0


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
    #: Why a formula quiz proves no gradient (``proves: {none: reason}``); "" otherwise.
    unproved: str = ""
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
    #: A shape quiz's expression (``of:``), whose shape ``check`` compares with ``answer``.
    of: str = ""
    #: Why each wrong option (choice) or line (bug) is wrong, by its number.
    why: tuple[tuple[int, str], ...] = ()
    notation: Notation = Notation()
    feedback: Feedback = Feedback()
    #: A program quiz's steps, in the order the reference computes them.
    steps: tuple[ProgramStep, ...] = ()
    #: A program quiz's first lines, put in the editor for the learner to go on from.
    starter: str = ""

    @property
    def is_program(self) -> bool:
        return self.kind == PROGRAM_KIND

    @property
    def is_formula(self) -> bool:
        """Formula and bug quizzes are both graded numerically against ``answer``."""
        return self.kind in FORMULA_KINDS

    @property
    def shape_items(self) -> tuple[str | int, ...]:
        """A shape quiz's answer as dimension names and whole numbers, e.g. ('n', 1)."""
        return parse_shape_answer(self.answer)

    def why_of(self, number: int) -> str:
        """The author's reason option or line ``number`` is wrong ("" if none is given)."""
        return dict(self.why).get(number, "")

    @property
    def code_lines(self) -> tuple[str, ...]:
        """The bug quiz's listing, one entry per line (line 1 first)."""
        return tuple(self.code.rstrip("\n").split("\n")) if self.code else ()


def quiz_spec(block: Block, lesson: Lesson | None = None) -> QuizSpec:
    """Read a quiz block; raises QuizFormatError when a key cannot be used.

    With ``lesson``, the lesson's ``notation`` and ``feedback`` (front matter) apply
    wherever the quiz does not set its own.
    """
    data = block.data
    if block.kind != "quiz" or not isinstance(data, dict):
        raise QuizFormatError(f"line {block.line}: not a quiz block")
    kind = str(data.get("kind", ""))
    meta = lesson.meta if lesson is not None else {}
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
        "notation": notation_from(meta.get("notation")),
        "feedback": feedback_from(data.get("feedback")).over(feedback_from(meta.get("feedback"))),
    }
    if kind == "choice":
        return QuizSpec(**common, **_choice_fields(data))
    if kind == "shape":
        return QuizSpec(**common, **_shape_fields(data, block))
    if kind in FORMULA_KINDS:
        return QuizSpec(**common, **_formula_fields(data, block))
    if kind == PROGRAM_KIND:
        return QuizSpec(**common, **_program_fields(data, block))
    raise QuizFormatError(f"quiz kind must be shape, formula, choice, bug or program, not {kind!r}")


def find_quiz(lesson: Lesson, quiz_id: str) -> QuizSpec:
    """The quiz ``quiz_id`` of a lesson; a UsageError names the quizzes there are."""
    block = lesson.quiz(quiz_id)
    if block is None:
        known = ", ".join(b.quiz_id or "?" for b in lesson.quizzes) or "none"
        raise UsageError(f"no quiz '{quiz_id}' in lesson '{lesson.id}'; its quizzes: {known}")
    return quiz_spec(block, lesson)


def notation_from(value: Any) -> Notation:
    """A lesson's ``notation: {loss: Δ, descent: "δ{wrt} = −∂Δ/∂{wrt}"}``."""
    if value is None:
        return Notation()
    if not isinstance(value, dict) or not set(value) <= {"loss", "descent"}:
        raise QuizFormatError(
            f"notation takes loss (the loss's symbol) and descent (how the descent "
            f"direction is named, with {{wrt}}), not {value!r}"
        )
    return Notation(loss=_plain(value.get("loss")), descent=_plain(value.get("descent")))


def feedback_from(value: Any) -> Feedback:
    """``feedback: {factor: ..., sign: ...}``: a hint per verdict (factor also per value)."""
    if value is None:
        return Feedback()
    hinted = ("transposed", "sign", "factor", "shape", "values")
    if not isinstance(value, dict) or not set(value) <= set(hinted):
        raise QuizFormatError(
            f"feedback maps verdicts ({', '.join(hinted)}) to a hint, not {value!r}"
        )
    verdicts, factors = [], []
    for verdict, hint in value.items():
        if verdict == "factor" and isinstance(hint, dict):
            for factor, text in hint.items():
                if not isinstance(factor, int | float) or isinstance(factor, bool):
                    raise QuizFormatError(f"feedback factor keys are numbers, not {factor!r}")
                factors.append((float(factor), _plain(text)))
        elif isinstance(hint, str) and hint.strip():
            verdicts.append((str(verdict), hint.strip()))
        else:
            raise QuizFormatError(f"feedback {verdict} must be a sentence, not {hint!r}")
    return Feedback(tuple(verdicts), tuple(factors))


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise QuizFormatError(f"expected text, not {value!r}")
    return value.strip()


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
    choices = tuple(str(choice) for choice in data.get("choices") or ())
    return {
        "answer": ",".join(str(p) for p in picks),
        "choices": choices,
        "picks": tuple(sorted(set(picks))),
        "multiple": bool(data.get("multiple", isinstance(answer, list))),
        "why": _why(data.get("why"), len(choices), "option"),
    }


def _why(value: Any, count: int, what: str) -> tuple[tuple[int, str], ...]:
    """``why:`` as (number, reason) pairs: a mapping by number, or a list in order."""
    if value is None:
        return ()
    if isinstance(value, list):
        value = {number: reason for number, reason in enumerate(value, 1) if reason}
    if not isinstance(value, dict):
        raise QuizFormatError(f"why maps each {what} number to the reason it is wrong")
    reasons = []
    for number, reason in value.items():
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= count:
            raise QuizFormatError(
                f"why names {what} {number!r}, but they are numbered 1 to {count}"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise QuizFormatError(f"why for {what} {number} must be a sentence")
        reasons.append((number, reason.strip()))
    return tuple(sorted(reasons))


def _shape_fields(data: dict[str, Any], block: Block) -> dict[str, Any]:
    answer = data.get("answer")
    text = f"({', '.join(str(a) for a in answer)})" if isinstance(answer, list) else str(answer)
    parse_shape_answer(text)
    return {
        "answer": text,
        "dims": _dims(data.get("dims")),
        "setup": _given_setup(data.get("given")) + str(data.get("setup") or ""),
        "setup_line": _setup_line(block),
        "of": str(data.get("of") or "").strip(),
    }


def _given_setup(given: Any) -> str:
    """``given: {X: [n, m]}`` as setup lines that make a random matrix of each shape.

    The short form of a shape quiz: the prompt says what shapes the names have, and
    ``check`` evaluates ``of`` on matrices of exactly those shapes.
    """
    if given is None:
        return ""
    if not isinstance(given, dict):
        raise QuizFormatError("given maps each name to its shape, like {X: [n, m]}")
    lines = []
    for name, shape in given.items():
        if not (isinstance(name, str) and name.isidentifier() and name.isascii()):
            raise QuizFormatError(f"given names must be plain names like X, not {name!r}")
        items = parse_shape_answer(
            f"({', '.join(str(s) for s in shape)})" if isinstance(shape, list) else str(shape)
        )
        lines.append(f"{name} = randn({', '.join(str(item) for item in items)})")
    return "".join(line + "\n" for line in lines)


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
        "unproved": _unproved(data.get("proves")),
        "wrong": tuple(_wrong(entry) for entry in data.get("wrong") or ()),
        "strict": bool(data.get("strict", True)),
        "tolerance": float(data.get("tolerance", DEFAULT_TOLERANCE)),
    }
    if data.get("kind") == "bug":
        fields["code"] = str(data.get("code") or "")
        fields["bug_line"] = _whole(data.get("bug_line"), "bug_line")
        fields["fix_prompt"] = str(data.get("fix_prompt") or "").strip()
        fields["why"] = _why(data.get("why"), len(fields["code"].rstrip("\n").split("\n")), "line")
    return fields


def _program_fields(data: dict[str, Any], block: Block) -> dict[str, Any]:
    """A program quiz: the formula keys, ``steps`` instead of ``answer``."""
    fields = _formula_fields({**data, "answer": "", "wrong": None}, block)
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise QuizFormatError("steps must list the named values to check: {name: ..., answer: ...}")
    fields["steps"] = tuple(_step(entry, block) for entry in steps)
    names = [step.name for step in fields["steps"]]
    if len(set(names)) != len(names):
        raise QuizFormatError(f"steps name a value twice: {', '.join(names)}")
    fields["wrong"] = tuple(_wrong_program(entry) for entry in data.get("wrong") or ())
    fields["answer"] = "\n".join(f"{step.name} = {step.answer}" for step in fields["steps"])
    fields["starter"] = str(data.get("starter") or "")
    return fields


def _step(entry: Any, block: Block) -> ProgramStep:
    if not isinstance(entry, dict) or not {"name", "answer"} <= set(entry):
        raise QuizFormatError(f"each step needs a name and an answer: {entry!r}")
    name = str(entry["name"])
    if not (name.isidentifier() and name.isascii()):
        raise QuizFormatError(f"a step's name must be a plain name like dW2, not {name!r}")
    return ProgramStep(
        name=name,
        answer=str(entry["answer"]).strip(),
        proves=_proof(entry.get("proves")),
        unproved=_unproved(entry.get("proves")),
        line=_line_mentioning(block, f"name: {name}"),
    )


def _wrong_program(entry: Any) -> WrongAnswer:
    invalid = isinstance(entry, dict) and entry.get("verdict") == "invalid"
    needed = {"program", "verdict"} | (set() if invalid else {"step"})
    if not isinstance(entry, dict) or not needed <= set(entry):
        raise QuizFormatError(
            "each 'wrong' program needs program, verdict and (unless it is invalid) step, "
            f"the first wrong one: {entry!r}"
        )
    step = str(entry.get("step") or "")
    return WrongAnswer(str(entry["program"]).strip(), str(entry["verdict"]), step)


def _line_mentioning(block: Block, text: str) -> int:
    for offset, line in enumerate(block.body.split("\n")):
        if text in line:
            return block.body_line + offset
    return block.line


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
    if proves is None or (isinstance(proves, dict) and NO_PROOF_KEY in proves):
        return None
    if not isinstance(proves, dict) or not {"loss", "wrt"} <= set(proves):
        raise QuizFormatError("proves needs loss and wrt (and convention: gradient or descent)")
    return Proof(
        loss=str(proves["loss"]).strip(),
        wrt=str(proves["wrt"]).strip(),
        convention=str(proves.get("convention", "gradient")),
    )


def _unproved(proves: Any) -> str:
    """The reason of ``proves: {none: reason}`` (a quiz that asks for no gradient)."""
    if not (isinstance(proves, dict) and NO_PROOF_KEY in proves):
        return ""
    reason = proves[NO_PROOF_KEY]
    if len(proves) != 1 or not isinstance(reason, str) or not reason.strip():
        raise QuizFormatError(
            "proves: {none: ...} takes one sentence saying why nothing is proved, e.g. "
            '{none: "the forward pass, not a gradient"} (quoted if it has a comma)'
        )
    return " ".join(reason.split())


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
