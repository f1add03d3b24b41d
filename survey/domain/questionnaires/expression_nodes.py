"""The syntax tree of `relevant:` conditions, the limits of the language and its one error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "CODE_RE",
    "COMPARE_OPS",
    "FUNCTIONS",
    "KEYWORDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ORDERING_OPS",
    "And",
    "Answered",
    "Compare",
    "Const",
    "ExpressionError",
    "In",
    "Node",
    "Not",
    "Operand",
    "Or",
    "Selected",
    "Var",
    "literal_source",
    "walk",
]

MAX_LENGTH = 2000
MAX_DEPTH = 50
KEYWORDS = frozenset({"and", "or", "not", "in"})
FUNCTIONS = frozenset({"answered", "selected"})
COMPARE_OPS = ("==", "!=", "<", "<=", ">", ">=")
ORDERING_OPS = frozenset({"<", "<=", ">", ">="})
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class ExpressionError(ValueError):
    """A `relevant` expression that cannot be parsed; `column` is 1-based."""

    def __init__(self, message: str, column: int | None = None):
        self.message = message
        self.column = column
        super().__init__(message if column is None else f"{message} (column {column})")


# --------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Const:
    value: int | float | str


Operand = Var | Const


@dataclass(frozen=True)
class And:
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    arg: Node


@dataclass(frozen=True)
class Compare:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class In:
    left: Operand
    values: tuple[int | float | str, ...]
    negated: bool = False


@dataclass(frozen=True)
class Selected:
    name: str
    value: int | float | str


@dataclass(frozen=True)
class Answered:
    name: str


Node = And | Or | Not | Compare | In | Selected | Answered


def walk(node: Node) -> Iterator[Node]:
    """Yield `node` and every condition below it (operands are not yielded)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (And, Or)):
            stack.extend(reversed(current.args))
        elif isinstance(current, Not):
            stack.append(current.arg)


def literal_source(value: float | str) -> str:
    """The canonical source text of a constant (quoted text, or a number that parses back)."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text if "." in text else text + ".0"
    return str(value)
