"""The whitelist: Python's ``ast`` checked node by node and turned into ``nodes``.

Only ``ast.parse`` is used, never ``eval``/``exec``/``compile``: the tree is
walked here and every construct the language does not have is refused with
its name and column, before anything is computed. Names are not resolved here
(that needs an environment), but function names are, so that a call such as
``open('/etc/passwd')`` is refused for what it calls before its arguments are
looked at.
"""

from __future__ import annotations

import ast
import difflib
import warnings
from functools import lru_cache

from tutor.core.expression import nodes
from tutor.core.expression.einsum import SubscriptsProblem, read_subscripts
from tutor.core.expression.errors import ExpressionError
from tutor.core.expression.functions import BUILTINS, RANDOM_NAMES
from tutor.core.expression.limits import MAX_DEPTH, MAX_EXPONENT, MAX_LITERAL, MAX_NODES
from tutor.core.expression.text import screen

_BINARY_OPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.MatMult: "@",
}
_REFUSED_OPS: dict[type[ast.AST], str] = {
    ast.Mod: "the % operator",
    ast.FloorDiv: "the // operator",
    ast.LShift: "the << operator",
    ast.RShift: "the >> operator",
    ast.BitOr: "the | operator",
    ast.BitXor: "the ^ operator (for a power, write **)",
    ast.BitAnd: "the & operator",
    ast.Not: "'not'",
    ast.Invert: "the ~ operator",
}
_REFUSED_NODES: dict[type[ast.AST], str] = {
    ast.Subscript: "indexing with [...]",
    ast.Lambda: "lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.NamedExpr: "the walrus operator :=",
    ast.IfExp: "a conditional expression (... if ... else ...)",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and'/'or'",
    ast.Dict: "a dictionary",
    ast.Set: "a set",
    ast.Starred: "*-unpacking",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "a slice",
}
#: Hints for the attributes a NumPy user reaches for.
_ATTRIBUTE_HINTS = {
    "shape": "write shape(X)",
    "ndim": "write ndim(X)",
    "sum": "write sum(X) or sum(X, 0)",
    "mean": "write mean(X)",
    "dot": "write X @ Y or dot(X, Y)",
    "transpose": "write X.T",
    "reshape": "write reshape(X, (r, c))",
}
_SKIPPED = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)


@lru_cache(maxsize=1024)
def parse_expression(
    text: str, functions: frozenset[str] = frozenset(), offset: int = 0, source: str | None = None
) -> nodes.Node:
    """Check one expression against the language and return its tree.

    Cached, since a quiz checks the same answer on several draws.

    Args:
        text: the expression, stripped of surrounding whitespace.
        functions: the user functions defined so far (calls of anything else
            that is not built in are refused here).
        offset: columns before ``text`` on its line, so errors point into ``source``.
        source: the whole line, shown in errors (default: ``text``).

    Raises:
        ExpressionError: refused input ("syntax", "forbidden", "unknown-name", "limit").
    """
    line = text if source is None else source
    clean = screen(text, offset=offset, source=line)
    return _Converter(clean, functions, offset, line).convert_all()


class _Converter:
    """One pass over one parsed expression."""

    def __init__(self, text: str, functions: frozenset[str], offset: int, line: str) -> None:
        self.text = text
        self.functions = functions
        self.offset = offset
        self.line = line

    def refuse(self, kind: str, detail: str, where: ast.AST | int | None) -> ExpressionError:
        if isinstance(where, ast.AST):
            column: int | None = self.offset + getattr(where, "col_offset", 0) + 1
        elif where is None:
            column = None
        else:
            column = self.offset + where
        return ExpressionError(kind, detail, column=column, source=self.line)

    def convert_all(self) -> nodes.Node:
        tree = self._parse()
        self._check_size(tree.body)
        return self.convert(tree.body)

    def _parse(self) -> ast.Expression:
        try:
            with warnings.catch_warnings(action="ignore"):
                return ast.parse(self.text, mode="eval")
        except SyntaxError as error:
            message = (error.msg or "invalid syntax").rstrip(".")
            column = error.offset if error.offset and error.lineno == 1 else None
            if column is None and message.startswith("invalid syntax"):
                # Python points nowhere when the text stops mid-expression.
                detail = "the expression ends too soon; something is missing at the end"
                raise self.refuse("syntax", detail, len(self.text) + 1) from None
            if column is not None:
                column = min(column, len(self.text) + 1)
            raise self.refuse("syntax", _syntax_detail(message), column) from None
        except (RecursionError, MemoryError, ValueError, OverflowError):
            raise self.refuse("limit", "the expression is too complex to read", None) from None

    def _check_size(self, root: ast.AST) -> None:
        """Count nodes and depth without recursion, before the recursive conversion."""
        stack = [(root, 1)]
        count = 0
        while stack:
            node, depth = stack.pop()
            count += 1
            if depth > MAX_DEPTH:
                raise self.refuse(
                    "limit", f"the expression is nested more than {MAX_DEPTH} deep", node
                )
            if count > MAX_NODES:
                raise self.refuse("limit", f"the expression has more than {MAX_NODES} parts", None)
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, _SKIPPED):
                    stack.append((child, depth + 1))

    def segment(self, node: ast.AST) -> str:
        return self.text[node.col_offset : node.end_col_offset]  # type: ignore[attr-defined]

    def column(self, node: ast.AST) -> int:
        return self.offset + node.col_offset + 1  # type: ignore[attr-defined]

    def convert(self, node: ast.AST) -> nodes.Node:
        """Turn one whitelisted ``ast`` node into a language node, or refuse it."""
        method = getattr(self, f"_convert_{type(node).__name__}", None)
        if method is not None:
            return method(node)  # type: ignore[no-any-return]
        what = _REFUSED_NODES.get(type(node), f"this construct ({type(node).__name__})")
        where: ast.AST | int = node
        if isinstance(node, ast.Subscript):  # point at the bracket, not at what is indexed
            # After the indexed value come only its closing brackets and spaces: ``(X) [0]``.
            where = self.text.index("[", node.value.end_col_offset or 0) + 1
        raise self.refuse("forbidden", f"{what} is not part of the language", where)

    def _convert_Constant(self, node: ast.Constant) -> nodes.Node:
        return nodes.Number(self.segment(node), self.column(node), self.number(node))

    def number(self, node: ast.Constant) -> float:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.refuse("forbidden", f"{value!r} is not part of the language", node)
        if isinstance(value, str | bytes):
            raise self.refuse("forbidden", "text in quotes is not part of the language", node)
        if isinstance(value, complex):
            raise self.refuse("forbidden", "complex numbers are not part of the language", node)
        if isinstance(value, int) and abs(value) > MAX_LITERAL:
            raise self.refuse("limit", f"the number {self.segment(node)} is too large", node)
        number = float(value)
        if number != number or abs(number) == float("inf"):
            raise self.refuse("limit", f"the number {self.segment(node)} is not finite", node)
        if abs(number) > MAX_LITERAL:
            raise self.refuse("limit", f"the number {self.segment(node)} is too large", node)
        return number

    def _convert_Name(self, node: ast.Name) -> nodes.Node:
        if node.id.startswith("_"):
            raise self.refuse(
                "forbidden", f"names starting with _ ({node.id}) are not allowed", node
            )
        if node.id == "np":
            raise self.refuse(
                "forbidden",
                "np on its own is not a value; call a function, like np.dot(X, W1)",
                node,
            )
        return nodes.Name(node.id, self.column(node), node.id)

    def _convert_UnaryOp(self, node: ast.UnaryOp) -> nodes.Node:
        if isinstance(node.op, ast.UAdd):
            return self.convert(node.operand)
        if not isinstance(node.op, ast.USub):
            raise self.refuse(
                "forbidden", f"{_REFUSED_OPS[type(node.op)]} is not part of the language", node
            )
        if isinstance(node.operand, ast.Constant):
            value = -self.number(node.operand)
            return nodes.Number(self.segment(node), self.column(node), value)
        operand = self.convert(node.operand)
        return nodes.Negate(self.segment(node), self.column(node), operand)

    def _convert_BinOp(self, node: ast.BinOp) -> nodes.Node:
        if isinstance(node.op, ast.Pow):
            base = self.convert(node.left)
            exponent_node = self.convert(node.right)
            problem = exponent_problem(exponent_node, "**")
            if problem is not None:
                raise self.refuse(problem[0], problem[1], node.right)
            exponent = nodes.exponent_value(exponent_node)
            return nodes.Power(self.segment(node), self.column(node), base, exponent)  # type: ignore[arg-type]
        op = _BINARY_OPS.get(type(node.op))
        if op is None:
            what = _REFUSED_OPS.get(type(node.op), "this operator")
            raise self.refuse("forbidden", f"{what} is not part of the language", node)
        left = self.convert(node.left)
        right = self.convert(node.right)
        return nodes.Binary(self.segment(node), self.column(node), op, left, right)

    def _convert_Attribute(self, node: ast.Attribute) -> nodes.Node:
        spelled = _numpy_path(node)
        if spelled is not None:
            self.check_numpy_path(spelled, node)
            constant = {"np.pi": 3.141592653589793, "np.e": 2.718281828459045}.get(spelled)
            if constant is not None:
                return nodes.Number(spelled, self.column(node), constant)
            if _builtin_for(spelled) is not None:
                raise self.refuse(
                    "forbidden", f"{spelled} is a function; call it, as in {spelled}(X)", node
                )
            raise self.refuse("unknown-name", _unknown_numpy(spelled), node)
        value = self.convert(node.value)
        if node.attr == "T":
            return nodes.Transpose(self.segment(node), self.column(node), value)
        raise self.refuse("forbidden", _attribute_detail(node.attr), _attribute_column(node))

    def check_numpy_path(self, spelled: str, node: ast.AST) -> None:
        """Refuse NumPy's private and special attributes (``np.__dict__``) as such."""
        hidden = [part for part in spelled.split(".") if part.startswith("_")]
        if hidden:
            raise self.refuse(
                "forbidden", f"the attribute .{hidden[0]} is not part of the language", node
            )

    def _convert_Call(self, node: ast.Call) -> nodes.Node:
        name, spelled = self.callee(node.func)
        for keyword in node.keywords:
            label = f"{keyword.arg}=" if keyword.arg else "**"
            hint = f"; write {name}(X, 0)" if keyword.arg == "axis" else ""
            raise self.refuse(
                "forbidden",
                f"keyword argument {label} is not part of the language; "
                f"arguments are positional only{hint}",
                keyword,
            )
        first = node.args[0] if node.args else None
        # Text in quotes only as einsum's subscripts (not bytes, not an f-string).
        if (
            self.takes_subscripts(name, spelled)
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
        ):
            subscripts = self.subscripts(first, first.value, len(node.args) - 1)
            args = (subscripts, *(self.convert(arg) for arg in node.args[1:]))
        else:
            args = tuple(self.convert(arg) for arg in node.args)
        return nodes.Call(self.segment(node), self.column(node), name, spelled, args)

    def takes_subscripts(self, name: str, spelled: str) -> bool:
        """True for a call of the built-in ``einsum`` (not a user function of that name)."""
        return name == "einsum" and (spelled != name or name not in self.functions)

    def subscripts(self, node: ast.Constant, text: str, arrays: int) -> nodes.Subscripts:
        """Read ``einsum``'s subscripts, refusing bad ones at the character at fault."""
        try:
            spec = read_subscripts(text, arrays)
        except SubscriptsProblem as problem:
            written = self.segment(node)
            # Point into the quotes when the literal is the text as written (no escapes).
            plain = written[1:-1] == text and written[:1] in "'\""
            where: ast.AST | int = node
            if problem.index is not None and plain:
                where = node.col_offset + 2 + problem.index
            raise self.refuse(problem.kind, problem.detail, where) from None
        return nodes.Subscripts(self.segment(node), self.column(node), spec)

    def callee(self, func: ast.AST) -> tuple[str, str]:
        """The called function's name and spelling, if it is one the language has."""
        if isinstance(func, ast.Name):
            name = func.id
            if name.startswith("_"):
                raise self.refuse(
                    "forbidden", f"names starting with _ ({name}) are not allowed", func
                )
            if name not in BUILTINS and name not in self.functions:
                raise self.refuse("unknown-name", _unknown_function(name, self.functions), func)
            return name, name
        if isinstance(func, ast.Attribute):
            spelled = _numpy_path(func)
            if spelled is not None:
                self.check_numpy_path(spelled, func)
                builtin = _builtin_for(spelled)
                if builtin is None:
                    raise self.refuse("unknown-name", _unknown_numpy(spelled), func)
                return builtin, spelled
            self.convert(func.value)  # refuse what the method is called on first, if needed
            raise self.refuse(
                "forbidden",
                f"calling the method .{func.attr}() is not part of the language"
                + (f"; {_ATTRIBUTE_HINTS[func.attr]}" if func.attr in _ATTRIBUTE_HINTS else ""),
                _attribute_column(func),
            )
        what = _REFUSED_NODES.get(type(func), "an expression")
        raise self.refuse("forbidden", f"only named functions can be called, not {what}", func)

    def _convert_Tuple(self, node: ast.Tuple) -> nodes.Node:
        return self.sequence(node)

    def _convert_List(self, node: ast.List) -> nodes.Node:
        return self.sequence(node)

    def sequence(self, node: ast.Tuple | ast.List) -> nodes.Node:
        items = tuple(self.convert(item) for item in node.elts)
        return nodes.Sequence(self.segment(node), self.column(node), items)


def exponent_problem(node: nodes.Node, where: str) -> tuple[str, str] | None:
    """Why ``node`` cannot be the exponent of ``where`` (kind, detail), or None if it can.

    Only a small number written out is accepted, so no power can blow up: 2,
    -1, 0.5, or a fraction of whole numbers such as 1/3.
    """
    value = nodes.exponent_value(node)
    if value is None:
        return (
            "forbidden",
            f"the exponent of {where} must be a number written out, like 2, 3, -1 or 0.5 "
            f"(not {node.text})",
        )
    if abs(value) > MAX_EXPONENT:
        return (
            "limit",
            f"the exponent {node.text} is too large; at most {MAX_EXPONENT} either way",
        )
    return None


def _numpy_path(node: ast.Attribute) -> str | None:
    """``np.dot`` / ``np.random.randn`` as a dotted string, when rooted at ``np``."""
    parts = [node.attr]
    value = node.value
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    if isinstance(value, ast.Name) and value.id in ("np", "numpy"):
        return ".".join(["np", *reversed(parts)])
    return None


def _builtin_for(spelled: str) -> str | None:
    """The built-in named by ``np.NAME`` (or ``np.random.NAME`` for random ones)."""
    parts = spelled.split(".")
    if len(parts) == 2 and parts[1] in BUILTINS:
        return parts[1]
    if len(parts) == 3 and parts[1] == "random" and parts[2] in RANDOM_NAMES:
        return parts[2]
    return None


def _attribute_column(node: ast.Attribute) -> int:
    """The 1-based column of the ``.`` before ``attr``, within the parsed text."""
    return (node.end_col_offset or 0) - len(node.attr)


def _attribute_detail(attr: str) -> str:
    hint = _ATTRIBUTE_HINTS.get(attr)
    base = (
        f"the attribute .{attr} is not part of the language; the only attribute is .T (transpose)"
    )
    return f"{base}; {hint}" if hint else base


def _syntax_detail(message: str) -> str:
    if message.startswith("invalid syntax"):
        return "this is not a valid expression here"
    return f"this is not a valid expression ({message})"


def _unknown_function(name: str, functions: frozenset[str]) -> str:
    known = sorted(set(BUILTINS) | functions)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]}?" if close else ""
    return f"unknown function {name}.{hint} The functions are: {', '.join(known)}"


def _unknown_numpy(spelled: str) -> str:
    return (
        f"{spelled} is not available: only these NumPy functions are, "
        f"each also without np.: {', '.join(sorted(BUILTINS))}"
    )
