"""``einsum``: index notation as code, its subscripts read and checked before anything runs.

``einsum('ij,jk->ik', A, B)`` is the index formula Cᵢₖ = Σⱼ AᵢⱼBⱼₖ written out: one
term of letters per array, a letter per axis, and every letter missing after ``->``
summed over. The subscripts are the only text in quotes the language accepts, and only
as ``einsum``'s first argument; they are read here in full (characters, terms, letters,
output) when the expression is parsed, so a malformed one is refused before any shape
is looked at. The static pass then matches each term against its array's shape (every
axis a letter names must have the same length), which gives the result's shape and the
multiply-adds before a number is computed: ``np.einsum`` without optimisation visits
every combination of the letters once, so the cost is the product of all their lengths
(times the products each visit makes), and a huge one is refused by the budget.

NumPy's own extras are left out on purpose: no ``...`` (ellipsis), no broadcasting of a
length-1 axis against a longer one (a mismatch is a mistake in a formula, not a
convenience), and at most ``MAX_LETTERS`` different letters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tutor.core.expression.shapes import Shape, ShapeProblem, format_shape

#: Different letters one subscripts string may use (a lesson's formulas use three or four).
MAX_LETTERS = 8
#: Arrays one ``einsum`` may combine.
MAX_OPERANDS = 6
#: How a learner writes it, for messages.
USAGE = "einsum('ij,jk->ik', A, B)"

_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True, slots=True)
class EinsumSpec:
    """Checked subscripts: one term per array, and the output's letters.

    ``output`` is always explicit: for subscripts without ``->`` it is NumPy's implicit
    output (the letters used exactly once, in alphabetical order, capitals first).
    """

    terms: tuple[str, ...]
    output: str

    @property
    def letters(self) -> tuple[str, ...]:
        """Every different letter, in order of first appearance."""
        return tuple(dict.fromkeys("".join(self.terms)))

    @property
    def canonical(self) -> str:
        """The subscripts as NumPy is given them: no spaces, the output written out."""
        return ",".join(self.terms) + "->" + self.output


class SubscriptsProblem(Exception):
    """Subscripts that cannot be read.

    Attributes:
        kind: the expression-error kind ("syntax", "forbidden" or "limit").
        detail: what is wrong, in a learner's words.
        index: where in the subscripts text the problem is (0-based), when it has a place.
    """

    def __init__(self, kind: str, detail: str, index: int | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.index = index


def read_subscripts(text: str, arrays: int) -> EinsumSpec:
    """Check einsum subscripts on their own, for a call that passes ``arrays`` arrays.

    Spaces are ignored, as NumPy ignores them.

    Raises:
        SubscriptsProblem: for anything but letters, ',', '->' and spaces; an ellipsis;
            a number of terms other than ``arrays``; more than ``MAX_LETTERS`` letters;
            an output letter that no input has, or that appears twice.
    """
    ellipsis = text.find("...")
    if ellipsis >= 0:
        raise SubscriptsProblem(
            "forbidden",
            "'...' (an ellipsis) is not supported in einsum subscripts here; "
            "name every axis with its own letter",
            ellipsis,
        )
    for index, char in enumerate(text):
        if char in _LETTERS or char in ", ":
            continue
        if char == "-" and text[index + 1 : index + 2] == ">":
            continue
        if char == ">" and text[index - 1 : index] == "-":
            continue
        shown = "'-' and '>'" if char in "->" else repr(char)
        raise SubscriptsProblem(
            "syntax",
            f"einsum subscripts are letters, ',' and '->' only; {shown} "
            + ("go together as '->'" if char in "->" else "is not one of them"),
            index,
        )
    if text.count("->") > 1:
        raise SubscriptsProblem(
            "syntax", "einsum subscripts have at most one '->'", text.rfind("->")
        )
    inputs, arrow, output = text.replace(" ", "").partition("->")
    terms = tuple(inputs.split(","))
    if arrays < 1:
        raise SubscriptsProblem(
            "syntax", f"einsum needs an array after its subscripts, as in {USAGE}"
        )
    if len(terms) != arrays:
        counted = f"{len(terms)} term{'s' if len(terms) != 1 else ''}"
        given = f"{arrays} array{'s' if arrays != 1 else ''} follow{'s' if arrays == 1 else ''}"
        raise SubscriptsProblem(
            "syntax",
            f"einsum subscripts '{text}' have {counted} before '->' (separated by ',') "
            f"but {given}; write one term per array",
        )
    letters = dict.fromkeys(inputs.replace(",", ""))
    if len(letters) > MAX_LETTERS:
        raise SubscriptsProblem(
            "limit",
            f"einsum subscripts '{text}' use {len(letters)} different letters; "
            f"at most {MAX_LETTERS}",
        )
    if not arrow:
        used = inputs.replace(",", "")
        return EinsumSpec(terms, "".join(sorted(c for c in letters if used.count(c) == 1)))
    at = text.find("->") + 2
    for letter in output:
        place = text.find(letter, at)
        if letter not in letters:
            raise SubscriptsProblem(
                "syntax",
                f"the output letter {letter} of einsum is in none of the input terms; "
                "every output axis must come from an input",
                place,
            )
        if output.count(letter) > 1:
            raise SubscriptsProblem(
                "syntax",
                f"the letter {letter} appears twice after '->'; an output letter appears "
                "once at most",
                text.find(letter, place + 1),
            )
    return EinsumSpec(terms, output)


def letter_sizes(spec: EinsumSpec, *shapes: Shape) -> dict[str, int]:
    """Each letter's length, checked against every axis it names.

    Errors are ``ShapeProblem`` templates: ``{a0}`` is the first array as written.

    Raises:
        ShapeProblem: a term with more or fewer letters than its array has axes, or a
            letter that names axes of two different lengths.
    """
    sizes: dict[str, tuple[int, int]] = {}  # letter -> (array index, length)
    for index, (term, shape) in enumerate(zip(spec.terms, shapes, strict=True)):
        if len(term) != len(shape):
            axes = f"{len(shape)} ax{'i' if len(shape) == 1 else 'e'}s"
            raise ShapeProblem(
                f"the term '{term}' names {len(term)} ax{'i' if len(term) == 1 else 'e'}s "
                f"but {{a{index}}} {format_shape(shape)} has {axes}; "
                "write one letter per axis"
            )
        for letter, size in zip(term, shape, strict=True):
            seen = sizes.setdefault(letter, (index, size))
            if seen[1] == size:
                continue
            first = seen[0]
            if first == index:
                raise ShapeProblem(
                    f"the letter {letter} names two axes of {{a{index}}} "
                    f"{format_shape(shape)}, of lengths {seen[1]} and {size}; a repeated "
                    "letter (a diagonal) needs axes of the same length"
                )
            raise ShapeProblem(
                f"the letter {letter} is {seen[1]} in {{a{first}}} "
                f"{format_shape(shapes[first])} but {size} in {{a{index}}} "
                f"{format_shape(shape)}; every axis named {letter} must have the same length"
            )
    return {letter: size for letter, (_, size) in sizes.items()}


def einsum_shape(spec: EinsumSpec, *shapes: Shape) -> Shape:
    """The result's shape: the output letters' lengths, in order."""
    sizes = letter_sizes(spec, *shapes)
    return tuple(sizes[letter] for letter in spec.output)


def einsum_work(spec: EinsumSpec, *shapes: Shape) -> int:
    """Multiply-adds of ``np.einsum(..., optimize=False)``, which loops over every letter.

    Each combination of the letters' values is visited once and makes a product of one
    number from each array (an add alone, for a single array): an upper bound that is
    also what the unoptimised loop really does.
    """
    sizes = letter_sizes(spec, *shapes)
    return math.prod(sizes.values()) * max(1, len(spec.terms) - 1)


def run_einsum(spec: EinsumSpec, *arrays: np.ndarray) -> np.ndarray:
    """Compute it, always into a new C-ordered array.

    ``np.einsum`` hands back a view for a pure relabelling (``'ij->ji'``, ``'ii->i'``);
    a copy keeps the result like every other product's, so the cost the static pass
    charged (the result's bytes) is what it holds.
    """
    result = np.asarray(np.einsum(spec.canonical, *arrays, optimize=False))
    if not result.flags.owndata or not result.flags.c_contiguous:
        result = np.array(result, order="C")
    return result
