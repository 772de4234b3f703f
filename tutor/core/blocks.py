"""The keys each live block takes, checked before anything in it is run.

This is the structural half of validation: a quiz of kind ``formula`` without an
``answer`` is caught here, with the block's line, whether or not the evaluator or
the grader would ever reach it.
"""

from __future__ import annotations

from typing import Any

from tutor.core.lesson import Block

QUIZ_KINDS = ("shape", "formula", "choice", "bug", "program")
VERDICTS = ("correct", "transposed", "sign", "factor", "shape", "values", "missing", "invalid")
CONVENTIONS = ("gradient", "descent")
PLOT_KINDS = ("function", "gradient-depth", "loss-curve")

_COMMON_QUIZ_KEYS = {"id", "kind", "prompt", "hints", "attempts", "solution", "explain"}
_FORMULA_KEYS = {
    "dims",
    "setup",
    "answer",
    "names",
    "proves",
    "wrong",
    "strict",
    "tolerance",
    "feedback",
}
_QUIZ_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required keys, optional keys)
    "shape": ({"dims", "answer", "of"}, {"setup", "given"}),
    "formula": ({"setup", "answer"}, _FORMULA_KEYS),
    "choice": ({"choices", "answer"}, {"multiple", "why"}),
    "bug": ({"code", "bug_line", "setup", "answer"}, _FORMULA_KEYS | {"fix_prompt", "why"}),
    "program": ({"setup", "steps"}, (_FORMULA_KEYS - {"answer", "proves"}) | {"starter"}),
}
_EPOCH_KEYS = {"layers", "act", "loss", "lr", "seed", "init", "init_scale", "epochs"}
_PLOT_KEYS = {
    "kind",
    "expr",
    "range",
    "acts",
    "depth",
    "width",
    "layers",
    "act",
    "loss",
    "lr",
    "epochs",
    "seed",
    "init_scale",
    "title",
}


def block_problems(block: Block) -> list[tuple[int, str]]:
    """(line, message) for each structural problem of a live block."""
    if block.data is None:
        return []
    if block.kind == "quiz":
        return _quiz_problems(block.data, block.line)
    if block.kind == "epoch":
        return _unknown_keys(block.data, _EPOCH_KEYS, block.line, "epoch block")
    if block.kind == "plot":
        return _plot_problems(block.data, block.line)
    return []


def _quiz_problems(data: dict[str, Any], line: int) -> list[tuple[int, str]]:
    kind = data.get("kind")
    if kind not in QUIZ_KINDS:
        return [(line, f"quiz kind must be one of {', '.join(QUIZ_KINDS)}, not {kind!r}")]
    required, optional = _QUIZ_KEYS[kind]
    problems = [
        (line, f"{kind} quiz '{data.get('id')}' has no {key}")
        for key in sorted(required | {"prompt"})
        if data.get(key) in (None, "")
    ]
    problems += _unknown_keys(data, _COMMON_QUIZ_KEYS | required | optional, line, "quiz")
    problems += _typed_keys(data, line)
    return problems


def _typed_keys(data: dict[str, Any], line: int) -> list[tuple[int, str]]:
    """The quiz keys whose type can be checked without running anything."""
    problems: list[tuple[int, str]] = []
    if "hints" in data and not _is_list_of(data["hints"], str):
        problems.append((line, "hints must be a list of text"))
    attempts = data.get("attempts", 3)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        problems.append((line, f"attempts must be a whole number >= 1, not {attempts!r}"))
    if "dims" in data:
        problems += _dims_problems(data["dims"], line)
    tolerance = data.get("tolerance", 1e-6)
    if (
        not isinstance(tolerance, int | float)
        or isinstance(tolerance, bool)
        or not (0 < tolerance < 1)
    ):
        problems.append((line, f"tolerance must be a number between 0 and 1, not {tolerance!r}"))
    if data.get("kind") == "choice":
        problems += _choice_problems(data, line)
    if "proves" in data:
        problems += _proves_problems(data["proves"], line)
    if "given" in data and "setup" in data:
        problems.append((line, "a shape quiz takes given: or setup:, not both"))
    for wrong in data.get("wrong") or []:
        if not isinstance(wrong, dict) or wrong.get("verdict") not in VERDICTS:
            problems.append(
                (
                    line,
                    f"each 'wrong' entry needs an answer and a verdict "
                    f"({', '.join(VERDICTS)}): {wrong!r}",
                )
            )
    return problems


def _dims_problems(dims: Any, line: int) -> list[tuple[int, str]]:
    if not isinstance(dims, dict) or not dims:
        return [(line, "dims must map names to [low, high] ranges")]
    problems = []
    for name, bounds in dims.items():
        if not (isinstance(name, str) and name.isidentifier() and name.isascii()):
            problems.append((line, f"dims names must be plain names like n or h, not {name!r}"))
            continue
        ok = (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
            and 2 <= bounds[0] <= bounds[1] <= 64
        )
        if not ok:
            problems.append(
                (
                    line,
                    f"dims '{name}' must be [low, high] with 2 <= low <= high "
                    f"<= 64, not {bounds!r}",
                )
            )
    if not problems and len(dims) > _distinct_capacity(dims):
        problems.append((line, "dims ranges are too narrow to draw every dimension distinct"))
    return problems


def _distinct_capacity(dims: dict[str, list[int]]) -> int:
    values = set()
    for low, high in dims.values():
        values.update(range(low, high + 1))
    return len(values)


def _choice_problems(data: dict[str, Any], line: int) -> list[tuple[int, str]]:
    choices = data.get("choices")
    if not _is_list_of(choices, (str, int, float)) or len(choices) < 2:
        return [(line, "choices must be a list of at least two options")]
    answer = data.get("answer")
    picks = answer if isinstance(answer, list) else [answer]
    if not picks or not all(isinstance(p, int) and 1 <= p <= len(choices) for p in picks):
        return [
            (
                line,
                f"answer must be an option number from 1 to {len(choices)}, "
                f"or a list of them, not {answer!r}",
            )
        ]
    return []


def _proves_problems(proves: Any, line: int) -> list[tuple[int, str]]:
    if isinstance(proves, dict) and "none" in proves:
        reason = proves["none"]
        if len(proves) != 1 or not isinstance(reason, str) or not reason.strip():
            return [
                (
                    line,
                    "proves: {none: ...} takes one sentence saying why nothing is proved "
                    "(quote it if it has a comma)",
                )
            ]
        return []
    if not isinstance(proves, dict) or not {"loss", "wrt"} <= set(proves):
        return [(line, "proves needs loss and wrt (and convention: gradient or descent)")]
    convention = proves.get("convention", "gradient")
    if convention not in CONVENTIONS:
        return [(line, f"proves convention must be gradient or descent, not {convention!r}")]
    return []


def _plot_problems(data: dict[str, Any], line: int) -> list[tuple[int, str]]:
    kind = data.get("kind")
    if kind not in PLOT_KINDS:
        return [(line, f"plot kind must be one of {', '.join(PLOT_KINDS)}, not {kind!r}")]
    problems = _unknown_keys(data, _PLOT_KEYS, line, "plot block")
    if kind == "function" and not data.get("expr"):
        problems.append((line, "a function plot needs expr"))
    return problems


def _unknown_keys(
    data: dict[str, Any], allowed: set[str], line: int, what: str
) -> list[tuple[int, str]]:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if not unknown:
        return []
    return [
        (
            line,
            f"unknown key{'s' if len(unknown) > 1 else ''} in {what}: "
            f"{', '.join(unknown)} (known: {', '.join(sorted(allowed))})",
        )
    ]


def _is_list_of(value: Any, types: type | tuple[type, ...]) -> bool:
    return isinstance(value, list) and all(isinstance(item, types) for item in value)
