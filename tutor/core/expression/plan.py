"""The static pass: every shape, size and cost known before any number exists.

An expression's tree is compiled into a flat plan: one instruction per
operation, in the order it will be computed, each with its result's shape.
Shapes are checked here (a mismatch names the sub-expression, both shapes and
the dimensions that disagree), and so is the cost: the bytes of every array the
plan will make (copies, temporaries and broadcast results included; a reshape or
transpose that NumPy can do as a view costs nothing) and its multiply-adds
(a stacked ``@`` counts every pair of the broadcast stack). User functions are
expanded in place, so each call costs what its body costs. An expression that needs
too much is refused with its total and the sub-expression that needs the most.
``evaluate`` then only runs the plan, charging the same costs to a ``Budget``.

Numbers known before computing (literals, names holding a number, arithmetic on
them) are tracked as constants, because a shape such as ``randn(n, m)`` or
``ones((10**6, 10**6))`` depends on them and must be checked first.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from tutor.core.expression import nodes
from tutor.core.expression.budget import format_bytes, format_work
from tutor.core.expression.environment import Environment, UserFunction
from tutor.core.expression.errors import ExpressionError
from tutor.core.expression.functions import BUILTINS, CONSTANTS, Builtin
from tutor.core.expression.language import exponent_problem
from tutor.core.expression.limits import (
    MAX_BYTES,
    MAX_CALL_DEPTH,
    MAX_DIMENSIONS,
    MAX_ELEMENTS,
    MAX_OPERATIONS,
    MAX_WORK,
)
from tutor.core.expression.shapes import (
    Shape,
    ShapeProblem,
    broadcast_shape,
    format_shape,
    matmul_shape,
    matmul_work,
    size_of,
)

Run = Callable[[Environment | None, tuple[np.ndarray, ...]], Any]

#: Bytes of one float64 number.
FLOAT_BYTES = 8

_ELEMENTWISE = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
#: Nesting of the tree with user functions expanded; keeps the compiler's recursion shallow.
MAX_COMPILE_DEPTH = 100
#: Floating-point trouble is raised, to be reported, never silenced into inf or nan.
ERRSTATE = {"over": "raise", "divide": "raise", "invalid": "raise", "under": "ignore"}


class Scope(Protocol):
    """What the static pass needs to know about the names around an expression."""

    def shape_of(self, name: str) -> Shape | None: ...
    def constant(self, name: str) -> float | None: ...
    def function(self, name: str) -> UserFunction | None: ...
    def value_names(self) -> list[str]: ...


class EnvironmentScope:
    """The names of an environment, with their values' shapes and numbers."""

    def __init__(self, env: Environment) -> None:
        self.env = env

    def shape_of(self, name: str) -> Shape | None:
        value = self.env.values.get(name)
        return None if value is None else tuple(np.shape(value))

    def constant(self, name: str) -> float | None:
        value = self.env.values.get(name)
        if value is None or np.ndim(value) != 0:
            return None
        return float(value)

    def function(self, name: str) -> UserFunction | None:
        return self.env.functions.get(name)

    def value_names(self) -> list[str]:
        return sorted(self.env.values)


class ShapeScope:
    """Names known only by their shapes (for ``infer_shapes``)."""

    def __init__(self, shapes: Mapping[str, Shape]) -> None:
        self.shapes = {name: tuple(int(size) for size in shape) for name, shape in shapes.items()}

    def shape_of(self, name: str) -> Shape | None:
        return self.shapes.get(name)

    def constant(self, name: str) -> float | None:
        return None

    def function(self, name: str) -> UserFunction | None:
        return None

    def value_names(self) -> list[str]:
        return sorted(self.shapes)


@dataclass(frozen=True, slots=True)
class Operand:
    """A value the plan will have: where it is kept, its shape, and its number if known."""

    slot: int
    shape: Shape
    constant: float | None = None
    factors: tuple[Shape, ...] | None = None
    #: Known to be laid out in C order, so a reshape of it is a view, not a copy.
    contiguous: bool = True


@dataclass(frozen=True, slots=True)
class StepInfo:
    """What a recorded instruction shows as a step (the value comes when it runs)."""

    op: str
    operand_shapes: tuple[Shape, ...]
    broadcast: bool
    factors: tuple[Shape, ...] = ()


@dataclass(frozen=True, slots=True)
class Instruction:
    """One operation of the plan."""

    run: Run
    inputs: tuple[int, ...]
    shape: Shape
    source: str
    column: int
    context: str
    step: StepInfo | None
    #: Multiply-adds, and bytes of the arrays it makes (for a ``view``, at most this).
    work: int = 0
    nbytes: int = 0
    #: May give a view of an input: charged what NumPy really allocated, once run.
    view: bool = False


@dataclass
class _Cost:
    """What one sub-expression costs over the whole plan (a function body's, per call)."""

    node: nodes.Node
    column: int
    context: str
    nbytes: int = 0
    work: int = 0
    times: int = 0


@dataclass
class _Frame:
    """A user function's body being expanded: its parameters and the call that did it."""

    locals: Mapping[str, Operand]
    functions: Mapping[str, UserFunction] | None
    site: nodes.Call | None
    context: str


class Compiler:
    """Compiles one expression's tree into a plan, checking shapes and limits.

    Attributes:
        plan: the instructions so far; after a shape error, the ones that
            precede the mismatch, so the caller can still compute and show them.
    """

    def __init__(self, scope: Scope, source: str, *, strict: bool = False) -> None:
        self.scope = scope
        self.source = source
        self.strict = strict
        self.plan: list[Instruction] = []
        self.work = 0
        self.bytes = 0
        self.operations = 0
        self._costs: dict[str, _Cost] = {}
        self._frames: list[_Frame] = [_Frame({}, None, None, "")]
        self._static = 0  # > 0 while computing an argument that must be known beforehand
        self._depth = 0

    # -- errors ---------------------------------------------------------------

    def column(self, node: nodes.Node) -> int:
        """Where ``node`` is on the line; inside a user function, where it was called."""
        outer = self._frames[1].site if len(self._frames) > 1 else None
        return outer.column if outer is not None else node.column

    def error(self, kind: str, node: nodes.Node, detail: str) -> ExpressionError:
        """An error at ``node``, said in the context of the user function it is in."""
        context = self._frames[-1].context
        return ExpressionError(kind, context + detail, column=self.column(node), source=self.source)

    def shape_error(
        self, node: nodes.Node, operands: list[nodes.Node], problem: ShapeProblem
    ) -> ExpressionError:
        names: dict[str, str] = {}
        for index, operand in enumerate(operands):
            names[f"a{index}"] = operand.text
            names[f"t{index}"] = nodes.transposed_text(operand)
        detail = f"shape mismatch in {node.text}: {problem.detail.format(**names)}"
        if problem.fix:
            fix = problem.fix.format(**names)
            detail += f". {fix[0].upper()}{fix[1:]}"
        return self.error("shape", node, detail)

    # -- emitting -------------------------------------------------------------

    def emit(
        self,
        node: nodes.Node,
        run: Run,
        inputs: list[Operand],
        shape: Shape,
        *,
        op: str | None,
        work: int | None = None,
        operand_shapes: tuple[Shape, ...] | None = None,
        broadcast: bool = False,
        factors: tuple[Shape, ...] | None = None,
        deterministic: bool = True,
        constant: float | None = None,
        nbytes: int | None = None,
        view: bool = False,
        contiguous: bool | None = None,
    ) -> Operand:
        """Add an instruction (``op=None`` for one that is not shown as a step).

        ``work`` defaults to one operation per result number and ``nbytes`` to the
        result's bytes; ``contiguous`` to whether every input is.
        """
        size = size_of(shape)
        if size > MAX_ELEMENTS:
            raise self.error(
                "limit",
                node,
                f"{node.text} would make an array of shape {format_shape(shape)}, "
                f"{size:,} numbers; the limit is {MAX_ELEMENTS:,}",
            )
        # Counted in the static pass too: a number a shape depends on is computed
        # now, and a user function expanded there must not expand without end.
        self.operations += 1
        if self.operations > MAX_OPERATIONS:
            raise self.error(
                "limit", node, f"the expression expands to more than {MAX_OPERATIONS:,} operations"
            )
        foldable = shape == () and constant is None and deterministic and inputs
        if foldable and all(operand.constant is not None for operand in inputs):
            constant = self._fold(node, run, inputs)
        if contiguous is None:
            contiguous = all(operand.contiguous for operand in inputs)
        if self._static:
            return Operand(-1, shape, constant, factors, contiguous)
        work = size if work is None else work
        nbytes = size * FLOAT_BYTES if nbytes is None else nbytes
        self._count(node, nbytes, work)
        info = None
        if op is not None and len(self._frames) == 1:  # steps inside user functions are hidden
            shapes = tuple(o.shape for o in inputs) if operand_shapes is None else operand_shapes
            info = StepInfo(op, shapes, broadcast, factors or ())
        slots = tuple(operand.slot for operand in inputs)
        context = self._frames[-1].context
        self.plan.append(
            Instruction(
                run, slots, shape, node.text, self.column(node), context, info, work, nbytes, view
            )
        )
        return Operand(len(self.plan) - 1, shape, constant, factors, contiguous)

    def _count(self, node: nodes.Node, nbytes: int, work: int) -> None:
        """Add an operation's cost to the plan's, and to its sub-expression's."""
        self.work += work
        self.bytes += nbytes
        if not nbytes and not work:
            return
        # By text: ten copies of ones((1000,1000)), or one body run ten times, add up.
        cost = self._costs.get(node.text)
        if cost is None:
            cost = _Cost(node, self.column(node), self._frames[-1].context)
            self._costs[node.text] = cost
        cost.nbytes += nbytes
        cost.work += work
        cost.times += 1

    def check_cost(self) -> None:
        """Refuse a plan that needs more bytes or multiply-adds than one evaluation may.

        The message gives the whole plan's need, the limit, and the sub-expression
        that needs the most (with how many times a function body ran it).
        """
        for total, limit, key, say, unit in (
            (self.work, MAX_WORK, "work", format_work, " multiply-adds"),
            (self.bytes, MAX_BYTES, "nbytes", format_bytes, " of arrays"),
        ):
            if total <= limit:
                continue
            worst = max(self._costs.values(), key=lambda cost: getattr(cost, key))
            part = getattr(worst, key)
            each = f"{say(part // worst.times)} each time, {worst.times} times"
            detail = (
                f"this needs {say(total)}{unit}; the limit is {say(limit)}"
                f" (most of it is {worst.node.text}: {each if worst.times > 1 else say(part)})"
            )
            raise ExpressionError(
                "limit", worst.context + detail, column=worst.column, source=self.source
            )

    def _fold(self, node: nodes.Node, run: Run, inputs: list[Operand]) -> float:
        """Compute a number from known numbers now, so shapes can depend on it."""
        values = tuple(np.float64(operand.constant) for operand in inputs)
        try:
            with np.errstate(**ERRSTATE):  # type: ignore[arg-type]
                return float(run(None, values))
        except ArithmeticError as error:
            raise self.error("math", node, math_detail(node.text, error)) from None

    # -- compiling ------------------------------------------------------------

    def compile_node(self, node: nodes.Node) -> Operand:
        """Compile ``node`` and everything under it; return where its value will be."""
        self._depth += 1
        try:
            if self._depth > MAX_COMPILE_DEPTH:
                raise self.error(
                    "limit",
                    node,
                    f"the expression, with its functions expanded, is nested "
                    f"more than {MAX_COMPILE_DEPTH} deep",
                )
            return self._compile_kind(node)
        finally:
            self._depth -= 1

    def _compile_kind(self, node: nodes.Node) -> Operand:
        if isinstance(node, nodes.Number):
            value = np.float64(node.value)
            return self.emit(
                node,
                lambda env, args: value,
                [],
                (),
                op=None,
                work=0,
                nbytes=0,
                constant=node.value,
            )
        if isinstance(node, nodes.Name):
            return self.name(node)
        if isinstance(node, nodes.Binary):
            return self.binary(node)
        if isinstance(node, nodes.Negate):
            operand = self.compile_node(node.operand)
            return self.emit(
                node, lambda env, args: np.negative(args[0]), [operand], operand.shape, op="-"
            )
        if isinstance(node, nodes.Transpose):
            operand = self.compile_node(node.operand)
            return self.emit(
                node,
                lambda env, args: np.transpose(args[0]),
                [operand],
                operand.shape[::-1],
                op=".T",
                work=0,
                nbytes=0,
                view=True,
                contiguous=transposed_contiguous(operand),
            )
        if isinstance(node, nodes.Power):
            base = self.compile_node(node.base)
            exponent = node.exponent
            return self.emit(
                node, lambda env, args: np.power(args[0], exponent), [base], base.shape, op="**"
            )
        if isinstance(node, nodes.Call):
            return self.call(node)
        if isinstance(node, nodes.Subscripts):  # only einsum's first argument reads it
            raise self.error("forbidden", node, "text in quotes is not part of the language")
        if isinstance(node, nodes.Sequence):
            raise self.error(
                "forbidden",
                node,
                f"{node.text}: a list or tuple can only be an argument of "
                "array, reshape, ones, zeros, randint or uniform",
            )
        raise AssertionError(f"unexpected node {node!r}")  # pragma: no cover

    def name(self, node: nodes.Name) -> Operand:
        frame = self._frames[-1]
        if node.id in frame.locals:
            return frame.locals[node.id]
        shape = self.scope.shape_of(node.id)
        if shape is not None:
            name = node.id
            return self.emit(
                node,
                lambda env, args: env.values[name],  # type: ignore[union-attr]
                [],
                shape,
                op=None,
                work=0,
                nbytes=0,  # a stored value, not a copy
                constant=self.scope.constant(name),
                deterministic=False,
            )
        if node.id in CONSTANTS:
            value = CONSTANTS[node.id]
            return self.emit(
                node,
                lambda env, args: np.float64(value),
                [],
                (),
                op=None,
                work=0,
                nbytes=0,
                constant=value,
            )
        raise self.error("unknown-name", node, self.unknown_name(node.id))

    def unknown_name(self, name: str) -> str:
        if name in BUILTINS or self.function(name) is not None:
            return f"{name} is a function; call it, as in {name}(X)"
        known = sorted(set(self.scope.value_names()) | set(self._frames[-1].locals))
        close = [other for other in known if other.lower() == name.lower()]
        close = close or difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]}?" if close else ""
        listing = (
            f"the names defined here are {', '.join(known)}"
            if known
            else "no names are defined yet"
        )
        return f"unknown name {name}.{hint} {listing[0].upper()}{listing[1:]}"

    def function(self, name: str) -> UserFunction | None:
        functions = self._frames[-1].functions
        if functions is not None:
            return functions.get(name)
        return self.scope.function(name)

    def binary(self, node: nodes.Binary) -> Operand:
        left = self.compile_node(node.left)
        right = self.compile_node(node.right)
        if node.op == "@":
            try:
                shape = matmul_shape(left.shape, right.shape)
            except ShapeProblem as problem:
                raise self.shape_error(node, [node.left, node.right], problem) from None
            factors = (left.factors or (left.shape,)) + (right.factors or (right.shape,))
            return self.emit(
                node,
                lambda env, args: np.matmul(args[0], args[1]),
                [left, right],
                shape,
                op="@",
                work=matmul_work(left.shape, right.shape),
                factors=factors,
                contiguous=True,
            )
        ufunc = _ELEMENTWISE[node.op]
        try:
            shape = broadcast_shape(left.shape, right.shape, node.op)
        except ShapeProblem as problem:
            raise self.shape_error(node, [node.left, node.right], problem) from None
        broadcast = self.check_broadcast(node, [node.left, node.right], [left, right], shape)
        return self.emit(
            node,
            lambda env, args: ufunc(args[0], args[1]),
            [left, right],
            shape,
            op=node.op,
            broadcast=broadcast,
        )

    def check_broadcast(
        self, node: nodes.Node, texts: list[nodes.Node], operands: list[Operand], shape: Shape
    ) -> bool:
        """Whether an element-wise op stretches an array; refused in strict mode."""
        if not self.broadcasts(operands, shape):
            return False
        if self.strict:
            stretched = ", ".join(
                f"{text.text} {format_shape(o.shape)}"
                for text, o in zip(texts, operands, strict=True)
                if o.shape and o.shape != shape
            )
            raise self.error(
                "shape",
                node,
                f"{node.text} stretches {stretched} to {format_shape(shape)} (broadcasting); "
                "here both sides must have the same shape",
            )
        return True

    @staticmethod
    def broadcasts(operands: list[Operand], shape: Shape) -> bool:
        """True when an array (not a single number) is stretched to ``shape``."""
        return any(operand.shape and operand.shape != shape for operand in operands)

    # -- calls ----------------------------------------------------------------

    def call(self, node: nodes.Call) -> Operand:
        user = None if node.spelled.startswith(("np.", "numpy.")) else self.function(node.name)
        if user is not None:
            return self.user_call(node, user)
        builtin = BUILTINS.get(node.name)
        if builtin is None:
            raise self.error("unknown-name", node, f"unknown function {node.spelled}")
        return self.builtin_call(node, builtin)

    def check_arity(self, node: nodes.Call, required: int, allowed: int, usage: str) -> None:
        count = len(node.args)
        if required <= count <= allowed:
            return
        if required == allowed:
            wanted = f"{required} argument{'s' if required != 1 else ''}"
        else:
            wanted = f"{required} to {allowed} arguments"
        raise self.error(
            "syntax", node, f"{node.spelled} takes {wanted}, not {count}: write {usage}"
        )

    def builtin_call(self, node: nodes.Call, builtin: Builtin) -> Operand:
        self.check_arity(node, builtin.required, len(builtin.kinds), builtin.usage)
        runtime: list[Operand] = []
        texts: list[nodes.Node] = []
        shown: list[Shape] = []
        arguments: list[Any] = []  # in order: a shape for runtime arguments, else the value
        for kind, arg in zip(builtin.kinds, node.args, strict=False):
            if kind in ("array", "number"):
                operand = self.compile_node(arg)
                if kind == "number" and operand.shape != ():
                    raise self.error(
                        "shape",
                        arg,
                        f"{arg.text} must be a single number here, "
                        f"not an array of shape {format_shape(operand.shape)}",
                    )
                runtime.append(operand)
                texts.append(arg)
                arguments.append(operand.shape)
                if kind == "array":
                    shown.append(operand.shape)
            else:
                arguments.append(self.static_argument(kind, arg, builtin))
        try:
            shape = builtin.shape(*arguments)
        except ShapeProblem as problem:
            raise self.shape_error(node, texts, problem) from None
        work = builtin.work(*arguments) if builtin.work is not None else None
        size = size_of(shape) * FLOAT_BYTES
        nbytes = round(size * (1 + builtin.temporaries))
        contiguous = None
        if builtin.view:
            if builtin.name == "reshape":  # a view of a C-ordered array, else a copy
                copies = not runtime[0].contiguous
                nbytes, contiguous = (size if copies else 0), True
                work = size_of(shape) if copies else 0  # a copy moves every number
            else:  # transpose
                nbytes, contiguous = 0, transposed_contiguous(runtime[0])
        elif not builtin.elementwise and builtin.name not in ("sum", "mean"):
            contiguous = True  # products, constructors and draws make C-ordered arrays
        run = _builtin_runner(
            builtin, arguments, [kind in ("array", "number") for kind in builtin.kinds]
        )
        broadcast = builtin.elementwise and self.check_broadcast(node, texts, runtime, shape)
        # ndim is known from the shape alone, so a shape may depend on it.
        constant = float(len(runtime[0].shape)) if builtin.name == "ndim" else None
        return self.emit(
            node,
            run,
            runtime,
            shape,
            op=node.name,
            work=work,
            operand_shapes=tuple(shown),
            broadcast=broadcast,
            deterministic=not builtin.random,
            constant=constant,
            nbytes=nbytes,
            view=builtin.view,
            contiguous=contiguous,
        )

    def static_argument(self, kind: str, arg: nodes.Node, builtin: Builtin) -> Any:
        """The value of an argument that shapes depend on, known before computing."""
        if kind == "exponent":
            return self.exponent(arg, builtin)
        if kind in ("shape", "newshape"):
            items = arg.items if isinstance(arg, nodes.Sequence) else (arg,)
            if len(items) > MAX_DIMENSIONS:
                raise self.error(
                    "limit", arg, f"a shape of {len(items)} axes: at most {MAX_DIMENSIONS}"
                )
            return tuple(self.whole(item, allow_minus_one=kind == "newshape") for item in items)
        if kind == "numbers":
            return self.numbers(arg)
        if kind == "subscripts":
            if not isinstance(arg, nodes.Subscripts):
                raise self.error(
                    "forbidden",
                    arg,
                    f"{builtin.name}'s first argument is its subscripts in quotes, "
                    f"as in {builtin.usage}, not {arg.text}",
                )
            return arg.spec
        if kind == "axis":
            return self.whole(arg, allow_negative=True)
        return self.whole(arg)  # dim

    def known_number(self, node: nodes.Node) -> float:
        self._static += 1
        try:
            operand = self.compile_node(node)
        finally:
            self._static -= 1
        if operand.shape != () or operand.constant is None:
            raise self.error(
                "forbidden",
                node,
                f"{node.text} must be a number known before computing "
                "(written out, or a name holding a number)",
            )
        return operand.constant

    def whole(
        self, node: nodes.Node, *, allow_negative: bool = False, allow_minus_one: bool = False
    ) -> int:
        """A whole number known beforehand: a dimension (at least 1, or -1) or an axis."""
        value = self.known_number(node)
        if allow_negative:
            valid, wanted = value == int(value), "a whole number"
        elif allow_minus_one:
            valid, wanted = (
                value == int(value) and (value >= 1 or value == -1),
                "a whole number of at least 1 (or -1)",
            )
        else:
            valid, wanted = value == int(value) and value >= 1, "a whole number of at least 1"
        if not valid:
            raise self.error("shape", node, f"{node.text} must be {wanted}, not {value:g}")
        if abs(value) > MAX_ELEMENTS:
            raise self.error(
                "limit",
                node,
                f"{node.text} is {value:,.0f}, larger than any array may be "
                f"({MAX_ELEMENTS:,} numbers)",
            )
        return int(value)

    def exponent(self, node: nodes.Node, builtin: Builtin) -> float:
        problem = exponent_problem(node, builtin.name)
        if problem is not None:
            raise self.error(problem[0], node, problem[1])
        return nodes.exponent_value(node)  # type: ignore[return-value]

    def numbers(self, node: nodes.Node) -> np.ndarray:
        """A (nested) list of known numbers as an array, checked to be rectangular."""

        def build(item: nodes.Node) -> Any:
            if isinstance(item, nodes.Sequence):
                return [build(inner) for inner in item.items]
            return self.known_number(item)

        values = build(node)
        try:
            array = np.array(values, dtype=np.float64)
        except ValueError:
            raise self.error(
                "shape", node, f"{node.text}: every row must have the same length"
            ) from None
        return array

    def user_call(self, node: nodes.Call, function: UserFunction) -> Operand:
        usage = f"{function.name}({', '.join(function.params)})"
        self.check_arity(node, len(function.params), len(function.params), usage)
        if len(self._frames) > MAX_CALL_DEPTH:
            raise self.error(
                "limit", node, f"user functions call each other more than {MAX_CALL_DEPTH} deep"
            )
        args = [self.compile_node(arg) for arg in node.args]
        site = node if len(self._frames) == 1 else self._frames[-1].site
        context = self._frames[-1].context or f"in {function.name} (called by {node.text}): "
        self._frames.append(
            _Frame(dict(zip(function.params, args, strict=True)), function.functions, site, context)
        )
        try:
            result = self.compile_node(function.body)
        finally:
            self._frames.pop()
        return self.emit(
            node,
            lambda env, values: values[0],
            [result],
            result.shape,
            op=function.name,
            work=0,
            nbytes=0,  # the body's own operations made (and were charged for) the value
            operand_shapes=tuple(a.shape for a in args),
            constant=result.constant,
            contiguous=result.contiguous,
        )


def transposed_contiguous(operand: Operand) -> bool:
    """Whether ``operand.T`` is still C-ordered: only when at most one axis is longer than 1."""
    return operand.contiguous and sum(size > 1 for size in operand.shape) <= 1


def _builtin_runner(builtin: Builtin, arguments: list[Any], runtime: list[bool]) -> Run:
    """Bind a built-in's known arguments; the runtime ones arrive when it runs."""
    flags = runtime[: len(arguments)]
    fixed = list(arguments)

    def run(env: Environment | None, values: tuple[np.ndarray, ...]) -> Any:
        supplied = iter(values)
        args = [next(supplied) if flag else value for flag, value in zip(flags, fixed, strict=True)]
        if builtin.random:
            return builtin.run(env.rng, *args)  # type: ignore[union-attr]
        return builtin.run(*args)

    return run


def math_detail(text: str, error: ArithmeticError) -> str:
    """Say what went wrong numerically in words a learner knows."""
    message = str(error)
    if isinstance(error, FloatingPointError):
        if message.startswith("overflow"):
            return f"{text} overflows: a result is too large for a float (over about 1.8e308)"
        if message.startswith("divide"):
            return f"{text} divides by zero (or takes the log of 0)"
        if message.startswith("invalid"):
            return (
                f"{text} has no real value here (the square root or log of a negative "
                "number, or 0/0)"
            )
    return f"{text}: {message}"
