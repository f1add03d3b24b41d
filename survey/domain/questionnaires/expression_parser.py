"""Tokenizer and recursive-descent parser of `relevant:` conditions (grammar: expressions.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .expression_nodes import (
    CODE_RE,
    FUNCTIONS,
    KEYWORDS,
    MAX_DEPTH,
    ORDERING_OPS,
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
)

__all__ = ["Parser", "Token", "tokenize"]

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


class Parser:
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
        name = left.name if isinstance(left, Var) else literal_source(left.value)
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
