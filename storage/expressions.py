"""A tiny, safe expression language for campaign files: rules and conditions over earlier answers.

    max: members_total - members_exempt
    when: members_attended < members_total - members_exempt
    warn: abs(members_total - register_members) > register_members / 10

Expressions are parsed once, when the campaign file loads (a bad name or syntax is a load error), and
evaluated by walking a whitelisted subset of Python's AST: no attribute access, no calls but the
functions below, no imports. A missing answer (a skipped question) makes the expression None, so a
rule that depends on it does not apply and a condition that depends on it is false.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
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
    """A parsed expression and the names it reads."""

    source: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The value, or None when a name it needs has no value."""
        try:
            return _eval(self.tree.body, values)
        except _Missing:
            return None
        except (TypeError, ZeroDivisionError, ValueError):
            return None


class _Missing(Exception):
    pass


def parse(source: str | int | float, known: Callable[[str], bool]) -> Expression:
    """Parse `source`; every name must satisfy `known`, every node must be in the whitelist."""
    text = str(source).strip()
    if not text:
        raise ExpressionError("empty expression")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ExpressionError(f"cannot read the expression {text!r}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        _check_node(node, text)
        if isinstance(node, ast.Name) and not _is_function_call_target(tree, node):
            if not known(node.id):
                raise ExpressionError(f"{node.id!r} is not an earlier question or a known value")
            names.add(node.id)
    return Expression(text, tree, frozenset(names))


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
    *_BINARY,
    *_COMPARE,
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


def _eval(node: ast.AST, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        if value is None:
            raise _Missing
        return value
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values)
        return (not operand) if isinstance(node.op, ast.Not) else -operand
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_eval(v, values) for v in node.values)
        return any(_eval(v, values) for v in node.values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, values)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, values) else node.orelse, values)
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, values) for e in node.elts]
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id](*(_eval(a, values) for a in node.args))
    raise ExpressionError(f"unsupported expression node {type(node).__name__}")  # pragma: no cover


def percent(part: float, whole: float) -> float | None:
    """part / whole as a percentage rounded to two decimals; None when whole is 0."""
    return round(100 * part / whole, 2) if whole else None


FUNCTIONS["percent"] = percent
