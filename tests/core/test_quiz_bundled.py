"""The bundled lessons' quizzes: every formula quiz passes the "Done when" battery.

For each formula (and bug) quiz: the reference grades correct, its negative sign,
half of it factor, its transpose transposed (where not square), the reference plus 1
values, ``import os`` invalid; and rewrites of the reference (``np.dot`` for ``@``,
numbers moved to the other side of a product, ``(B.T @ A.T).T`` for ``A @ B``) grade
correct. The tests skip cleanly while there are no formula quizzes.
"""

from __future__ import annotations

import ast

import numpy as np
import pytest

from tutor.core.lesson import Lesson
from tutor.core.library import load_library
from tutor.core.quiz import QuizSpec, formula_draws, grade, quiz_problems, quiz_spec
from tutor.core.quiz.grading import reference_value


def _formula_quizzes() -> list[tuple[Lesson, QuizSpec]]:
    library = load_library()
    return [
        (lesson, spec)
        for lesson in library.lessons
        for spec in (quiz_spec(block) for block in lesson.quizzes)
        if spec.is_formula
    ]


FORMULA_QUIZZES = _formula_quizzes()
IDS = [f"{lesson.id}:{spec.id}" for lesson, spec in FORMULA_QUIZZES]
needs_quizzes = pytest.mark.skipif(not FORMULA_QUIZZES, reason="no bundled formula quizzes yet")


class _MatmulToDot(ast.NodeTransformer):
    """``a @ b`` -> ``np.dot(a, b)`` everywhere."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.MatMult):
            dot = ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr="dot", ctx=ast.Load())
            return ast.Call(func=dot, args=[node.left, node.right], keywords=[])
        return node


class _NumberLast(ast.NodeTransformer):
    """``2 * A`` -> ``A * 2``: a reordered product."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Mult) and _is_number(node.left):
            return ast.BinOp(left=node.right, op=ast.Mult(), right=node.left)
        return node


class _TransposeOutermostProduct(ast.NodeTransformer):
    """The outermost ``A @ B`` -> ``(B.T @ A.T).T``."""

    done = False

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if isinstance(node.op, ast.MatMult) and not self.done:
            self.done = True
            swapped = ast.BinOp(left=_t(node.right), op=ast.MatMult(), right=_t(node.left))
            return _t(swapped)
        self.generic_visit(node)
        return node


def _t(node: ast.expr) -> ast.expr:
    return ast.Attribute(value=node, attr="T", ctx=ast.Load())


def _is_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float)


def rewrites(answer: str) -> list[str]:
    """Equivalent forms of ``answer`` that differ from it as text."""
    forms = []
    for transformer in (_MatmulToDot(), _NumberLast(), _TransposeOutermostProduct()):
        tree = transformer.visit(ast.parse(answer, mode="eval"))
        text = ast.unparse(ast.fix_missing_locations(tree))
        if text.replace(" ", "") != answer.replace(" ", ""):
            forms.append(text)
    return forms


def _reference(spec: QuizSpec, lesson: Lesson) -> np.ndarray:
    return reference_value(spec, formula_draws(spec, lesson.seed)[0])


@needs_quizzes
@pytest.mark.parametrize(("lesson", "spec"), FORMULA_QUIZZES, ids=IDS)
def test_done_when_battery(lesson: Lesson, spec: QuizSpec) -> None:
    answer = spec.answer
    reference = _reference(spec, lesson)
    # A reference that is zero (a dead layer's gradient) equals its negative and its half.
    zero = not np.any(reference)
    expected = {answer: "correct", f"({answer}) + 1": "values", "import os": "invalid"}
    if not zero:
        expected |= {f"-({answer})": "sign", f"({answer}) / 2": "factor"}
    if reference.ndim == 2 and reference.shape[0] != reference.shape[1]:
        expected[f"({answer}).T"] = "transposed"
    for text, verdict in expected.items():
        result = grade(lesson, spec.id, text)
        assert result.verdict == verdict, f"{text!r}: {result.message}"
    if not zero:
        assert "factor 0.5" in grade(lesson, spec.id, f"({answer}) / 2").message


@needs_quizzes
@pytest.mark.parametrize(("lesson", "spec"), FORMULA_QUIZZES, ids=IDS)
def test_equivalent_rewrites_grade_correct(lesson: Lesson, spec: QuizSpec) -> None:
    forms = rewrites(spec.answer) + [f"(3 * ({spec.answer}) - ({spec.answer})) / 2"]
    for form in forms:
        result = grade(lesson, spec.id, form)
        assert result.verdict == "correct", f"{form!r}: {result.message}"


@needs_quizzes
@pytest.mark.parametrize(("lesson", "spec"), FORMULA_QUIZZES, ids=IDS)
def test_listed_wrong_answers_get_their_verdicts(lesson: Lesson, spec: QuizSpec) -> None:
    for wrong in spec.wrong:
        assert grade(lesson, spec.id, wrong.answer).verdict == wrong.verdict, wrong.answer


def test_rewrites_are_equivalent_forms() -> None:
    assert rewrites("2 * (X @ W1).T @ Yt") == [
        "np.dot(2 * np.dot(X, W1).T, Yt)",
        "(X @ W1).T * 2 @ Yt",
        "(Yt.T @ (2 * (X @ W1).T).T).T",
    ]


@pytest.mark.skipif(not load_library().lessons, reason="no bundled lessons yet")
@pytest.mark.parametrize("lesson", load_library().lessons, ids=lambda lesson: lesson.id)
def test_bundled_quizzes_are_proved(lesson: Lesson) -> None:
    assert [str(problem) for problem in quiz_problems(lesson)] == []
