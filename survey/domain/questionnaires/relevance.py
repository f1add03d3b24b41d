"""Checks of an item's `relevant:` condition against the items before it."""

from __future__ import annotations

import difflib
from typing import Any

from .checks import Checker, kind_of, quoted
from .definition import CHOICE_TYPES, NUMERIC_TYPES
from .expressions import (
    Compare,
    Const,
    Expression,
    ExpressionError,
    In,
    Selected,
    Var,
    parse_expression,
)


class RelevanceChecks(Checker):
    """A `relevant:` condition: its syntax, the items it names and the values it compares them with."""

    def relevant(self, value: Any, path: str, code: str | None) -> tuple[str | None, dict | None]:
        if value is None:
            return None, None
        if not isinstance(value, str):
            self.error(
                path,
                f'relevant must be an expression in quotes, e.g. "q1 == 1", not {kind_of(value)}',
            )
            return None, None
        source = value.strip()
        try:
            expression = parse_expression(source)
        except ExpressionError as exc:
            column = f" at column {exc.column}" if exc.column else ""
            self.error(path, f"syntax error in expression{column}: {exc.message}")
            return None, None
        ok = True
        for message in self.expression_problems(expression, code):
            self.error(path, message)
            ok = False
        return (source, expression.to_dict()) if ok else (None, None)

    def expression_problems(self, expression: Expression, code: str | None) -> list[str]:
        messages: list[str] = []
        for name in sorted(expression.references):
            if name == code:
                messages.append(f"the condition of item '{name}' refers to the item itself")
            elif name not in self.items and name in self.all_codes:
                later = self.all_codes[name]
                messages.append(
                    f"item '{name}' comes later ({later}, line {self.line(later)}); "
                    "a condition may only refer to earlier items"
                )
            elif name not in self.items:
                close = difflib.get_close_matches(name, list(self.items), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                messages.append(f"unknown item '{name}' in expression{hint}")
        if messages:
            return messages
        for node in expression.nodes():
            if isinstance(node, Selected):
                target = self.items[node.name]
                if target.get("type") != "multiple":
                    messages.append(
                        f"selected() needs a multiple-choice item; '{node.name}' is of type "
                        f"'{target.get('type')}' (compare it with == instead)"
                    )
                else:
                    messages.extend(self.literal_problems(node.name, target, [node.value]))
            elif isinstance(node, (Compare, In)):
                sides = [node.left, node.right] if isinstance(node, Compare) else [node.left]
                for side in sides:
                    if not isinstance(side, Var):
                        continue
                    target = self.items[side.name]
                    if target.get("type") == "multiple":
                        messages.append(
                            f"'{side.name}' is a multiple-choice item; use "
                            f"selected({side.name}, <option code>) instead of comparing it"
                        )
                        continue
                    if isinstance(node, In):
                        literals = list(node.values)
                    else:
                        other = node.right if side is node.left else node.left
                        if not isinstance(other, Const):
                            continue
                        literals = [other.value]
                        if node.op not in ("==", "!="):
                            messages.extend(self.type_problems(side.name, target, literals))
                            continue
                    messages.extend(self.literal_problems(side.name, target, literals))
        return messages

    def type_problems(self, name: str, target: dict[str, Any], literals: list[Any]) -> list[str]:
        if target.get("type") in NUMERIC_TYPES and any(isinstance(v, str) for v in literals):
            return [f"'{name}' has numeric answers; compare it with a number, not text"]
        if target.get("type") == "text" and any(not isinstance(v, str) for v in literals):
            return [f"'{name}' is a text item; compare it with text in quotes"]
        return []

    def literal_problems(self, name: str, target: dict[str, Any], literals: list[Any]) -> list[str]:
        problems = self.type_problems(name, target, literals)
        if problems:
            return problems
        if target.get("type") in CHOICE_TYPES | {"multiple"} and target.get("options"):
            codes = [o["code"] for o in target["options"]]
            for value in literals:
                if not any(
                    value == c and isinstance(value, str) == isinstance(c, str) for c in codes
                ):
                    listed = ", ".join(quoted(c) for c in codes)
                    problems.append(
                        f"{quoted(value)} is not an option code of '{name}' (codes: {listed})"
                    )
        return problems
