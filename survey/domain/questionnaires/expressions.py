"""The small, safe expression language of `relevant:` conditions (never Python eval).

Grammar (see questionnaires/SCHEMA.md for the full description)::

    expression := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | condition
    condition  := "(" expression ")"
                | "answered" "(" CODE ")"
                | "selected" "(" CODE "," literal ")"
                | operand COMPARE operand
                | operand ["not"] "in" "[" literal ("," literal)* [","] "]"
    operand    := CODE | literal
    literal    := ["-"] NUMBER | STRING
    COMPARE    := "==" | "!=" | "<" | "<=" | ">" | ">="

A missing answer (absent, None, "" or an empty list) makes every comparison
false, including ``!=``, ``in`` and ``not in``; ``answered(x)`` tests for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from .expression_nodes import (
    CODE_RE,
    COMPARE_OPS,
    FUNCTIONS,
    KEYWORDS,
    MAX_DEPTH,
    MAX_LENGTH,
    And,
    Answered,
    Compare,
    Const,
    ExpressionError,
    In,
    Node,
    Not,
    Operand,
    Or,
    Selected,
    Var,
    literal_source,
    walk,
)
from .expression_parser import Parser

__all__ = [
    "FUNCTIONS",
    "KEYWORDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Expression",
    "ExpressionError",
    "is_missing",
    "parse_expression",
]


def is_missing(value: Any) -> bool:
    """True for an absent answer: None, an empty string or an empty list."""
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


# -------------------------------------------------------------- evaluation


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same_kind(a: Any, b: Any) -> bool:
    return (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))


def _equal(a: Any, b: Any) -> bool:
    return _same_kind(a, b) and a == b


def _compare(op: str, a: Any, b: Any) -> bool:
    if is_missing(a) or is_missing(b):
        return False
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if not (_is_number(a) and _is_number(b)):
        return False
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _value(operand: Operand, answers: Mapping[str, Any]) -> Any:
    if isinstance(operand, Var):
        return answers.get(operand.name)
    return operand.value


def _evaluate(node: Node, answers: Mapping[str, Any]) -> bool:
    if isinstance(node, And):
        return all(_evaluate(arg, answers) for arg in node.args)
    if isinstance(node, Or):
        return any(_evaluate(arg, answers) for arg in node.args)
    if isinstance(node, Not):
        return not _evaluate(node.arg, answers)
    if isinstance(node, Compare):
        return _compare(node.op, _value(node.left, answers), _value(node.right, answers))
    if isinstance(node, In):
        value = _value(node.left, answers)
        if is_missing(value):
            return False
        found = any(_equal(value, v) for v in node.values)
        return not found if node.negated else found
    if isinstance(node, Selected):
        value = answers.get(node.name)
        return isinstance(value, (list, tuple)) and any(_equal(v, node.value) for v in value)
    if isinstance(node, Answered):
        return not is_missing(answers.get(node.name))
    raise TypeError(f"not an expression node: {node!r}")


# ------------------------------------------------------- source and JSON AST


def _operand_source(operand: Operand) -> str:
    return operand.name if isinstance(operand, Var) else literal_source(operand.value)


def _source(node: Node) -> str:
    if isinstance(node, (And, Or)):
        word = " and " if isinstance(node, And) else " or "
        return word.join(
            f"({_source(a)})" if isinstance(a, (And, Or)) else _source(a) for a in node.args
        )
    if isinstance(node, Not):
        inner = _source(node.arg)
        return f"not ({inner})" if isinstance(node.arg, (And, Or)) else f"not {inner}"
    if isinstance(node, Compare):
        return f"{_operand_source(node.left)} {node.op} {_operand_source(node.right)}"
    if isinstance(node, In):
        values = ", ".join(literal_source(v) for v in node.values)
        return f"{_operand_source(node.left)} {'not in' if node.negated else 'in'} [{values}]"
    if isinstance(node, Selected):
        return f"selected({node.name}, {literal_source(node.value)})"
    if isinstance(node, Answered):
        return f"answered({node.name})"
    raise TypeError(f"not an expression node: {node!r}")


def _operand_dict(operand: Operand) -> dict[str, Any]:
    if isinstance(operand, Var):
        return {"op": "var", "name": operand.name}
    return {"op": "const", "value": operand.value}


def _to_dict(node: Node) -> dict[str, Any]:
    if isinstance(node, (And, Or)):
        return {
            "op": "and" if isinstance(node, And) else "or",
            "args": [_to_dict(a) for a in node.args],
        }
    if isinstance(node, Not):
        return {"op": "not", "arg": _to_dict(node.arg)}
    if isinstance(node, Compare):
        return {"op": node.op, "left": _operand_dict(node.left), "right": _operand_dict(node.right)}
    if isinstance(node, In):
        return {
            "op": "not in" if node.negated else "in",
            "left": _operand_dict(node.left),
            "values": list(node.values),
        }
    if isinstance(node, Selected):
        return {"op": "selected", "name": node.name, "value": node.value}
    if isinstance(node, Answered):
        return {"op": "answered", "name": node.name}
    raise TypeError(f"not an expression node: {node!r}")


def _check_literal(value: Any) -> int | float | str:
    if isinstance(value, str):
        return value
    if _is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise ExpressionError("numbers must be finite")
        return value
    raise ExpressionError(f"a constant must be a number or a string, not {value!r}")


def _check_name(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not CODE_RE.match(value)
        or value in KEYWORDS
        or value in FUNCTIONS
    ):
        raise ExpressionError(f"{value!r} is not a valid item code")
    return value


def _operand_from_dict(data: Any) -> Operand:
    if isinstance(data, dict) and data.get("op") == "var" and set(data) == {"op", "name"}:
        return Var(_check_name(data["name"]))
    if isinstance(data, dict) and data.get("op") == "const" and set(data) == {"op", "value"}:
        return Const(_check_literal(data["value"]))
    raise ExpressionError(f"expected a {{'op': 'var'}} or {{'op': 'const'}} operand, not {data!r}")


def _from_dict(data: Any, depth: int = 0) -> Node:
    if depth > MAX_DEPTH * 3:
        raise ExpressionError("expression is nested too deeply")
    if not isinstance(data, dict):
        raise ExpressionError(f"expected an expression object, not {data!r}")
    op = data.get("op")
    keys = set(data)
    if (
        op in ("and", "or")
        and keys == {"op", "args"}
        and isinstance(data["args"], list)
        and len(data["args"]) >= 2
    ):
        args = tuple(_from_dict(a, depth + 1) for a in data["args"])
        return And(args) if op == "and" else Or(args)
    if op == "not" and keys == {"op", "arg"}:
        return Not(_from_dict(data["arg"], depth + 1))
    if op in COMPARE_OPS and keys == {"op", "left", "right"}:
        return Compare(op, _operand_from_dict(data["left"]), _operand_from_dict(data["right"]))
    if op in ("in", "not in") and keys == {"op", "left", "values"}:
        values = data["values"]
        if not isinstance(values, list) or not values:
            raise ExpressionError("'values' must be a non-empty list")
        return In(
            _operand_from_dict(data["left"]),
            tuple(_check_literal(v) for v in values),
            op == "not in",
        )
    if op == "selected" and keys == {"op", "name", "value"}:
        return Selected(_check_name(data["name"]), _check_literal(data["value"]))
    if op == "answered" and keys == {"op", "name"}:
        return Answered(_check_name(data["name"]))
    raise ExpressionError(f"not a valid expression object: {data!r}")


class Expression:
    """A parsed `relevant` condition."""

    __slots__ = ("references", "root", "source")

    def __init__(self, root: Node, source: str | None = None):
        self.root = root
        self.source = source if source is not None else _source(root)
        refs: set[str] = set()
        for node in walk(root):
            if isinstance(node, (Compare, In)):
                for side in (node.left, getattr(node, "right", None)):
                    if isinstance(side, Var):
                        refs.add(side.name)
            elif isinstance(node, (Selected, Answered)):
                refs.add(node.name)
        self.references: frozenset[str] = frozenset(refs)

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        """Evaluate over an answers dict (item code -> answer); missing answers compare false."""
        return _evaluate(self.root, answers)

    def to_dict(self) -> dict[str, Any]:
        """The JSON AST (documented in questionnaires/SCHEMA.md) for the browser evaluator."""
        return _to_dict(self.root)

    def to_source(self) -> str:
        """Canonical source text that parses back to the same AST."""
        return _source(self.root)

    @classmethod
    def from_dict(cls, data: Any) -> Expression:
        """Rebuild an expression from its JSON AST, rejecting malformed objects."""
        return cls(_from_dict(data))

    def nodes(self) -> Iterator[Node]:
        return walk(self.root)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and self.root == other.root

    def __hash__(self) -> int:
        return hash(self.root)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def parse_expression(src: str) -> Expression:
    """Parse `src` into an Expression; raise ExpressionError with the column of the fault."""
    if not isinstance(src, str):
        raise ExpressionError(f"an expression must be text, not {type(src).__name__}")
    if len(src) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(src)} characters; at most {MAX_LENGTH})", MAX_LENGTH + 1
        )
    return Expression(Parser(src).parse(), src)
