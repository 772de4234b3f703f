"""Quizzes, graded live and numerically: drawing, grading and proving, with no UI.

The app's quiz card, ``tutor grade`` and ``tutor check`` all go through here, so a
learner, a script and an author see the same verdict for the same answer.
"""

from __future__ import annotations

from tutor.core.quiz.draw import (
    FORMULA_DRAWS,
    Draw,
    SetupError,
    draw_dims,
    format_prompt,
    formula_draws,
    shape_dims,
)
from tutor.core.quiz.grading import (
    VERDICT_TITLES,
    Grade,
    expected_shape,
    grade,
    grade_bug_line,
    grade_choice,
    grade_formula,
    grade_line,
    grade_shape,
)
from tutor.core.quiz.model import (
    Feedback,
    Notation,
    Proof,
    QuizFormatError,
    QuizSpec,
    WrongAnswer,
    find_quiz,
    quiz_spec,
)
from tutor.core.quiz.proving import quiz_findings, quiz_problems, standard_battery

__all__ = [
    "FORMULA_DRAWS",
    "VERDICT_TITLES",
    "Draw",
    "Feedback",
    "Grade",
    "Notation",
    "Proof",
    "QuizFormatError",
    "QuizSpec",
    "SetupError",
    "WrongAnswer",
    "draw_dims",
    "expected_shape",
    "find_quiz",
    "format_prompt",
    "formula_draws",
    "grade",
    "grade_bug_line",
    "grade_choice",
    "grade_formula",
    "grade_line",
    "grade_shape",
    "quiz_findings",
    "quiz_problems",
    "quiz_spec",
    "shape_dims",
    "standard_battery",
]
