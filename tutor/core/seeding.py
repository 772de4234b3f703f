"""One seed for a whole class: ``--seed N`` replaces every seed a lesson would use.

A lesson's random draws come from its ``seed:`` (compute blocks and quizzes) and
from the ``seed`` of its epoch and plot blocks. A teacher who passes ``--seed`` wants
every one of them fixed by that number, so the same command shows the same numbers
in every class, and another number shows other (equally repeatable) ones.
"""

from __future__ import annotations

from dataclasses import replace

from tutor.core.lesson import Block, Lesson, Part
from tutor.core.library import Library

#: Largest seed (the network engine's bound, so one number works everywhere).
MAX_SEED = 2**63 - 1
#: Block kinds whose YAML takes a ``seed`` of its own.
SEEDED_BLOCKS = ("epoch", "plot")


def reseed_library(library: Library, seed: int) -> Library:
    """The same lessons, with every random draw in them seeded by ``seed``."""
    return replace(
        library, lessons=tuple(reseed_lesson(lesson, seed) for lesson in library.lessons)
    )


def reseed_lesson(lesson: Lesson, seed: int) -> Lesson:
    """``lesson`` with its own seed and its epoch and plot blocks' seeds set to ``seed``."""
    sections = tuple(
        replace(section, parts=tuple(_reseed_part(part, seed) for part in section.parts))
        for section in lesson.sections
    )
    return replace(lesson, seed=seed, sections=sections)


def _reseed_part(part: Part, seed: int) -> Part:
    if isinstance(part, Block) and part.kind in SEEDED_BLOCKS and part.data is not None:
        return replace(part, data={**part.data, "seed": seed})
    return part
