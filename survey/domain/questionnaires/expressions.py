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
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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


def is_missing(value: Any) -> bool:
    """True for an absent answer: None, an empty string or an empty list."""
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


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


# --------------------------------------------------------------- tokenizer


@dataclass(frozen=True)
class Token:
    kind: str  # NUMBER STRING NAME OP PUNCT END
    value: Any
    column: int
    text: str


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?(?![A-Za-z_0-9.]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],-])
  | (?P<quote>['"])
    """,
    re.VERBOSE,
)

_HINTS = {
    "=": "use '==' to compare",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' or '!='",
    ".": "attribute access and decimal points without digits are not allowed",
}


def _read_string(src: str, start: int) -> tuple[str, int]:
    """Read a quoted string starting at `start`; return (value, index after it)."""
    quote = src[start]
    chars: list[str] = []
    i = start + 1
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            if i + 1 < len(src) and src[i + 1] in "\\'\"":
                chars.append(src[i + 1])
                i += 2
                continue
            raise ExpressionError(
                "unknown escape in string (only \\\\, \\' and \\\" are allowed)", i + 1
            )
        if ch == quote:
            return "".join(chars), i + 1
        chars.append(ch)
        i += 1
    raise ExpressionError("string is not closed", start + 1)


def tokenize(src: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(src):
        m = _TOKEN_RE.match(src, i)
        if m is None:
            ch = src[i]
            if ch.isdigit():
                raise ExpressionError("malformed number", i + 1)
            hint = _HINTS.get(ch)
            message = f"unexpected character {ch!r}"
            raise ExpressionError(message + (f"; {hint}" if hint else ""), i + 1)
        kind = m.lastgroup
        text = m.group()
        if kind == "space":
            i = m.end()
            continue
        if kind == "quote":
            string, end = _read_string(src, i)
            tokens.append(Token("STRING", string, i + 1, src[i:end]))
            i = end
            continue
        if kind == "number":
            value: Any = float(text) if "." in text else int(text)
            tokens.append(Token("NUMBER", value, i + 1, text))
        elif kind == "name":
            tokens.append(Token("NAME", text, i + 1, text))
        elif kind == "op":
            tokens.append(Token("OP", text, i + 1, text))
        else:
            tokens.append(Token("PUNCT", text, i + 1, text))
        i = m.end()
    tokens.append(Token("END", None, len(src) + 1, "end of expression"))
    return tokens


# ------------------------------------------------------------------ parser


class _Parser:
    def __init__(self, src: str):
        self.tokens = tokenize(src)
        self.pos = 0
        self.depth = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != "END":
            self.pos += 1
        return tok

    def is_keyword(self, word: str, tok: Token | None = None) -> bool:
        tok = tok or self.tok
        return tok.kind == "NAME" and tok.value == word

    def is_punct(self, ch: str, tok: Token | None = None) -> bool:
        tok = tok or self.tok
        return tok.kind == "PUNCT" and tok.value == ch

    def expect_punct(self, ch: str, context: str) -> Token:
        if not self.is_punct(ch):
            raise ExpressionError(
                f"expected '{ch}' {context}, found {self.describe(self.tok)}", self.tok.column
            )
        return self.advance()

    @staticmethod
    def describe(tok: Token) -> str:
        return "end of expression" if tok.kind == "END" else repr(tok.text)

    def enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"expression is nested too deeply (more than {MAX_DEPTH} levels)", tok.column
            )

    # grammar
    def parse(self) -> Node:
        if self.tok.kind == "END":
            raise ExpressionError("expression is empty", 1)
        node = self.or_expr()
        if self.tok.kind != "END":
            tok = self.tok
            if tok.kind == "OP":
                raise ExpressionError(
                    "comparisons cannot be chained; combine them with 'and'", tok.column
                )
            raise ExpressionError(
                f"unexpected {self.describe(tok)}; expected 'and', 'or' or the end", tok.column
            )
        return node

    def or_expr(self) -> Node:
        args = [self.and_expr()]
        while self.is_keyword("or"):
            self.advance()
            args.append(self.and_expr())
        return args[0] if len(args) == 1 else Or(tuple(args))

    def and_expr(self) -> Node:
        args = [self.not_expr()]
        while self.is_keyword("and"):
            self.advance()
            args.append(self.not_expr())
        return args[0] if len(args) == 1 else And(tuple(args))

    def not_expr(self) -> Node:
        if self.is_keyword("not"):
            tok = self.advance()
            self.enter(tok)
            node = Not(self.not_expr())
            self.depth -= 1
            return node
        return self.condition()

    def condition(self) -> Node:
        tok = self.tok
        if self.is_punct("("):
            self.advance()
            self.enter(tok)
            node = self.or_expr()
            self.depth -= 1
            self.expect_punct(")", f"to close the '(' at column {tok.column}")
            return node
        if tok.kind == "NAME" and tok.value in FUNCTIONS and self.is_punct("(", self.peek()):
            return self.function()
        left = self.operand("a condition")
        nxt = self.tok
        if nxt.kind == "OP":
            self.advance()
            right = self.operand(f"after '{nxt.value}'")
            if nxt.value in ORDERING_OPS:
                for side in (left, right):
                    if isinstance(side, Const) and isinstance(side.value, str):
                        raise ExpressionError(
                            f"'{nxt.value}' compares numbers, not text", nxt.column
                        )
            return Compare(nxt.value, left, right)
        if self.is_keyword("in") or (self.is_keyword("not") and self.is_keyword("in", self.peek())):
            negated = self.is_keyword("not")
            if negated:
                self.advance()
            self.advance()
            return In(left, self.list_literal(), negated)
        name = left.name if isinstance(left, Var) else _literal_source(left.value)
        if (
            nxt.kind == "END"
            or self.is_keyword("and", nxt)
            or self.is_keyword("or", nxt)
            or self.is_punct(")", nxt)
        ):
            hint = (
                f", or use answered({name}) to test that it was answered"
                if isinstance(left, Var)
                else ""
            )
            raise ExpressionError(
                f"{name} is a value, not a condition: compare it (e.g. {name} == 1){hint}",
                tok.column,
            )
        if self.is_punct("(", nxt):
            raise ExpressionError(
                f"unknown function {name!r} (available: answered, selected)", tok.column
            )
        raise ExpressionError(
            f"expected a comparison operator or 'in' after {name}, found {self.describe(nxt)}",
            nxt.column,
        )

    def function(self) -> Node:
        name_tok = self.advance()
        self.advance()  # (
        code_tok = self.tok
        code = self.code(f"as the first argument of {name_tok.value}()")
        if name_tok.value == "answered":
            self.expect_punct(")", "after the item code of answered()")
            return Answered(code)
        if not self.is_punct(","):
            raise ExpressionError(
                f"selected() takes an item code and an option code, e.g. selected({code}, 'other')",
                self.tok.column if self.tok.kind != "END" else code_tok.column,
            )
        self.advance()
        value = self.literal("as the option code of selected()")
        self.expect_punct(")", "after the option code of selected()")
        return Selected(code, value)

    def code(self, context: str) -> str:
        tok = self.tok
        if tok.kind != "NAME":
            raise ExpressionError(
                f"expected an item code {context}, found {self.describe(tok)}", tok.column
            )
        self.check_code(tok)
        self.advance()
        return tok.value

    @staticmethod
    def check_code(tok: Token) -> None:
        if tok.value in KEYWORDS or tok.value in FUNCTIONS:
            raise ExpressionError(
                f"'{tok.value}' is a reserved word and cannot be used here", tok.column
            )
        if not CODE_RE.match(tok.value):
            raise ExpressionError(
                f"{tok.value!r} is not a valid item code (lower-case letters, digits and '_', "
                "starting with a letter)",
                tok.column,
            )

    def operand(self, context: str) -> Operand:
        tok = self.tok
        if tok.kind == "NAME":
            self.check_code(tok)
            self.advance()
            return Var(tok.value)
        return Const(self.literal(context))

    def literal(self, context: str) -> int | float | str:
        tok = self.tok
        if tok.kind in ("NUMBER", "STRING"):
            self.advance()
            return tok.value
        if self.is_punct("-") and self.peek().kind == "NUMBER":
            self.advance()
            return -self.advance().value
        raise ExpressionError(
            f"expected an item code, a number or a string {context}, found {self.describe(tok)}",
            tok.column,
        )

    def list_literal(self) -> tuple[int | float | str, ...]:
        start = self.expect_punct("[", "after 'in' (e.g. q5 in [1, 2])")
        values: list[int | float | str] = []
        while True:
            if self.is_punct("]"):
                if not values:
                    raise ExpressionError("the list after 'in' is empty", start.column)
                self.advance()
                return tuple(values)
            values.append(self.literal("in the list"))
            if self.is_punct(","):
                self.advance()
            elif not self.is_punct("]"):
                raise ExpressionError(
                    f"expected ',' or ']' in the list, found {self.describe(self.tok)}",
                    self.tok.column,
                )


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


def _literal_source(value: float | str) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text if "." in text else text + ".0"
    return str(value)


def _operand_source(operand: Operand) -> str:
    return operand.name if isinstance(operand, Var) else _literal_source(operand.value)


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
        values = ", ".join(_literal_source(v) for v in node.values)
        return f"{_operand_source(node.left)} {'not in' if node.negated else 'in'} [{values}]"
    if isinstance(node, Selected):
        return f"selected({node.name}, {_literal_source(node.value)})"
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
    return Expression(_Parser(src).parse(), src)
