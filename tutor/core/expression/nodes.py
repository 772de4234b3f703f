"""The expression language's own syntax tree.

``language.parse_expression`` turns Python's ``ast`` into these few node types
after checking it against the whitelist, so nothing downstream ever looks at a
Python construct the language does not have. Every node keeps its source text
(for the step it becomes) and its 1-based column (for errors).
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.core.expression.einsum import EinsumSpec


@dataclass(frozen=True, slots=True)
class Node:
    """Where a node came from: its text, and the column it starts at."""

    text: str
    column: int


@dataclass(frozen=True, slots=True)
class Number(Node):
    """A literal number (a leading minus folded in), or ``pi``/``e`` spelled ``np.pi``."""

    value: float


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A name: a value in the environment, a parameter, or ``pi``/``e``."""

    id: str


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """``left op right`` for op in ``+ - * / @``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Negate(Node):
    """Unary minus of anything but a literal number."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Transpose(Node):
    """``operand.T``."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Power(Node):
    """``base ** exponent``; the exponent was checked to be a small literal."""

    base: Node
    exponent: float


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A call of a built-in or user function with positional arguments.

    ``name`` is the function's name without ``np.``; ``spelled`` is how the text
    wrote it (``np.dot``), for messages.
    """

    name: str
    spelled: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Sequence(Node):
    """A tuple or list literal; only some function arguments accept one."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Subscripts(Node):
    """``einsum``'s subscripts in quotes, already read and checked.

    The one kind of text the language has: the parser makes it only from the first
    argument of a call of the built-in ``einsum``; anywhere else quotes are refused.
    """

    spec: EinsumSpec


def is_atomic(node: Node) -> bool:
    """True when the node's text needs no brackets before ``.T`` is appended.

    A number is not: ``2.T`` would read as the float ``2.`` followed by a name.
    """
    return isinstance(node, Name | Call | Transpose | Sequence)


def transposed_text(node: Node) -> str:
    """How a learner writes this node transposed: ``X.T``, ``(X @ W1).T``; ``X`` for ``X.T``."""
    if isinstance(node, Transpose):
        inner = node.operand
        return inner.text if is_atomic(inner) else f"({inner.text})"
    return f"{node.text}.T" if is_atomic(node) else f"({node.text}).T"


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes, in source order."""
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Negate | Transpose):
        return (node.operand,)
    if isinstance(node, Power):
        return (node.base,)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Sequence):
        return node.items
    return ()


def exponent_value(node: Node) -> float | None:
    """The value of an exponent written as a number (``2``, ``-1``, ``0.5``) or ``1/3``."""
    if isinstance(node, Number):
        return node.value
    if (
        isinstance(node, Binary)
        and node.op == "/"
        and isinstance(node.left, Number)
        and isinstance(node.right, Number)
        and node.left.value.is_integer()
        and node.right.value.is_integer()
        and node.right.value != 0
    ):
        return node.left.value / node.right.value
    return None
