"""A tiny, safe expression language for campaign files: rules and conditions over earlier answers.

    max: members_total - members_exempt
    when: members_attended < members_total - members_exempt
    warn: abs(members_total - register_members) > register_members / 10

Expressions are parsed once, when the campaign file loads (a bad name or syntax is a load error), and
checked against a whitelisted subset of Python's AST (no attribute access, no subscripts, no calls but
the functions below, no imports) before it is compiled, so evaluating it is one fast `eval` with no
builtins. A missing answer (a skipped question) makes the expression None, so a rule that depends on it
does not apply and a condition that depends on it is false.

Bounded, so a campaign file cannot freeze the bot: an expression is at most MAX_LENGTH characters and
MAX_DEPTH operations deep (Python's parser and compiler recurse), and the values it builds are at most
MAX_SIZE characters or items (`'x' * 3000000000` is None, not 3 GB); `%` on text (printf formatting) is
not evaluated.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import CodeType
from typing import Any

MAX_LENGTH = 500  # characters; the shipped campaign's longest expression has 71
MAX_DEPTH = 20  # nested operations
MAX_SIZE = 10_000  # characters of a text, items of a list, that evaluation may build
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)
_COMPARISONS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "len": len,
}


class ExpressionError(ValueError):
    """An expression that cannot be parsed, or names something that is not there."""


@dataclass(frozen=True)
class Expression:
    """A checked expression, compiled, and the names it reads."""

    source: str
    code: CodeType
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The value, or None when a name it needs has no value."""
        try:
            return eval(self.code, _GLOBALS, _Present(values))
        except (NameError, TypeError, ZeroDivisionError, ValueError, OverflowError):
            return None


class _Present(Mapping[str, Any]):
    """The values as an expression sees them (a view, not a copy): a name whose value is None is not there."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __getitem__(self, name: str) -> Any:
        value = self._values[name]
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return (name for name, value in self._values.items() if value is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def parse(source: str | int | float, known: Callable[[str], bool]) -> Expression:
    """Parse `source`; every name must satisfy `known`, every node must be in the whitelist."""
    text = str(source).strip()
    if not text:
        raise ExpressionError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text):,} characters long; at most {MAX_LENGTH:,}")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, RecursionError, MemoryError):  # the length bound keeps the last two away; to be sure
        raise ExpressionError(f"cannot read the expression {text!r}") from None
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression nests {depth} deep; at most {MAX_DEPTH}")
    names: set[str] = set()
    for node in ast.walk(tree):
        _check_node(node, text)
        if isinstance(node, ast.Name) and not _is_function_call_target(tree, node):
            if not known(node.id):
                raise ExpressionError(f"{node.id!r} is not an earlier question or a known value")
            names.add(node.id)
    bounded = ast.fix_missing_locations(_Bounded().visit(tree))
    return Expression(text, compile(bounded, "<campaign expression>", "eval"), frozenset(names))


def _depth(tree: ast.AST) -> int:
    """How deep the expression's operations nest (names and constants count one), without recursing."""
    deepest, stack = 0, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        depth += isinstance(node, ast.expr)
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.BinOp,
    ast.Compare,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Call,
    ast.List,
    ast.Tuple,
    ast.IfExp,
    *_OPERATORS,
    *_COMPARISONS,
)


def _check_node(node: ast.AST, text: str) -> None:
    if not isinstance(node, _ALLOWED):
        raise ExpressionError(f"{text!r} uses {type(node).__name__}, which campaign expressions do not allow")
    known_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
    if isinstance(node, ast.Call) and (not known_call or node.keywords):
        raise ExpressionError(f"{text!r} calls a function other than {', '.join(sorted(FUNCTIONS))}")
    if isinstance(node, ast.Constant) and not isinstance(node.value, str | int | float | bool | type(None)):
        raise ExpressionError(f"{text!r} has a constant of an unsupported kind")


def _is_function_call_target(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


_BOUNDED_CALLS = {ast.Add: "__nq_add", ast.Mult: "__nq_mul", ast.Mod: "__nq_mod"}


class _Bounded(ast.NodeTransformer):
    """Turns a + b, a * b and a % b into calls of the bounded operations below (after the whitelist check, so
    a campaign file cannot name them itself)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        name = _BOUNDED_CALLS.get(type(node.op))
        if name is None:
            return node
        return ast.copy_location(ast.Call(ast.Name(name, ast.Load()), [node.left, node.right], []), node)


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


def _add(left: Any, right: Any) -> Any:
    sizes = (_sized(left), _sized(right))
    if None not in sizes and sum(s or 0 for s in sizes) > MAX_SIZE:
        raise ValueError("the joined value would be too large")
    return left + right


def _mul(left: Any, right: Any) -> Any:
    for items, times in ((left, right), (right, left)):
        size = _sized(items)
        if size is not None and isinstance(times, int) and size * times > MAX_SIZE:
            raise ValueError("the repeated value would be too large")
    return left * right


def _mod(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        raise TypeError("text formatting with % is not part of campaign expressions")  # '%999999999d' % 1
    return left % right


def percent(part: float, whole: float) -> float | None:
    """part / whole as a percentage rounded to two decimals; None when whole is 0."""
    return round(100 * part / whole, 2) if whole else None


FUNCTIONS["percent"] = percent
_GLOBALS: dict[str, Any] = {"__builtins__": {}, **FUNCTIONS, "__nq_add": _add, "__nq_mul": _mul, "__nq_mod": _mod}
