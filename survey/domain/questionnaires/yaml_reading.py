"""Questionnaire YAML read into plain values, with the line of every field path."""

from __future__ import annotations

import datetime
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .problems import Problem

__all__ = ["YamlDocument", "read_yaml"]

MAX_NESTING = 40
MAX_NODES = 200_000  # YAML aliases can multiply a small file ("billion laughs")


class YamlDocument:
    """YAML converted to plain values, with the line of every field path and raw scalar text."""

    def __init__(self, filename: str):
        self.filename = filename
        self.lines: dict[str, int] = {}
        self.raw: dict[str, str] = {}
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()
        self._nodes = 0
        self.too_large = False

    def problem(self, line: int | None, path: str, message: str) -> None:
        self.problems.append(Problem(self.filename, line, path, message))

    def convert(self, node: Node, path: str, depth: int = 0) -> Any:
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if depth > MAX_NESTING:
            self.problem(line, path, f"nested more than {MAX_NESTING} levels deep")
            return None
        self._nodes += 1
        if self._nodes > MAX_NODES:
            if not self.too_large:
                self.too_large = True
                self.problem(
                    line,
                    path,
                    f"the file expands to more than {MAX_NODES} values (too many aliases?)",
                )
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [
                self.convert(child, f"{path}[{i}]", depth + 1) for i, child in enumerate(node.value)
            ]
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: str, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(
                    key_line, path, "YAML merge keys (<<) are not supported; write the fields out"
                )
                continue
            if not isinstance(key_node, ScalarNode):
                self.problem(key_line, path, "a field name must be plain text")
                continue
            key = self._scalar(key_node, path)
            if not isinstance(key, str):
                key = key_node.value
            child = f"{path}.{key}" if path else key
            if key in first_line:
                self.problem(
                    key_line,
                    child,
                    f"duplicate key '{key}' (first given on line {first_line[key]}); "
                    "YAML would silently keep only the last one",
                )
                continue
            first_line[key] = key_line
            self.lines[child] = key_line
            result[key] = self.convert(value_node, child, depth + 1)
        return result

    def _scalar(self, node: Node, path: str) -> Any:
        assert isinstance(node, ScalarNode)
        try:
            value = self._constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError) as exc:
            self.problem(node.start_mark.line + 1, path, f"cannot read value {node.value!r}: {exc}")
            return None
        if isinstance(value, (datetime.date, datetime.datetime)):
            value = node.value
        elif isinstance(value, bytes):
            self.problem(node.start_mark.line + 1, path, "binary values are not allowed")
            return None
        if node.style is None and not isinstance(value, str):
            self.raw[path] = node.value
        return value


def read_yaml(text: str, filename: str) -> tuple[Any, YamlDocument]:
    doc = YamlDocument(filename)
    tab_lines = set()
    for number, text_line in enumerate(text.splitlines(), start=1):
        indent = text_line[: len(text_line) - len(text_line.lstrip(" \t"))]
        if "\t" in indent:
            tab_lines.add(number)
            doc.problem(
                number,
                "",
                f"tab character in indentation (column {indent.index(chr(9)) + 1}); "
                "YAML indentation must use spaces",
            )
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        if line not in tab_lines:
            detail = exc.problem or exc.context or "invalid YAML"
            column = f" (column {mark.column + 1})" if mark else ""
            context = f", {exc.context}" if exc.context and exc.problem else ""
            if (
                exc.context_mark
                and exc.problem_mark
                and exc.context_mark.line != exc.problem_mark.line
            ):
                context += f" starting on line {exc.context_mark.line + 1}"
            doc.problem(line, "", f"YAML syntax error: {detail}{column}{context}")
        return None, doc
    except yaml.YAMLError as exc:
        doc.problem(None, "", f"YAML error: {exc}")
        return None, doc
    except RecursionError:
        doc.problem(None, "", "YAML is nested too deeply")
        return None, doc
    if node is None:
        doc.problem(
            1, "", "the file is empty; expected id:, version:, languages:, title: and sections:"
        )
        return None, doc
    return doc.convert(node, ""), doc
