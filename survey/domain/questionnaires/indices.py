"""Load a questionnaire YAML file and validate it, reporting every problem with line and field path."""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .builtin import BUILTIN_SCALES, NOT_EXPERIENCED_CODE, NOT_EXPERIENCED_LABEL, SCALED_TYPES
from .definition import CHOICE_TYPES, ITEM_TYPES, NUMERIC_TYPES, QuestionnaireDefinition
from .expressions import (
    FUNCTIONS,
    KEYWORDS,
    Compare,
    Const,
    Expression,
    ExpressionError,
    In,
    Selected,
    Var,
    parse_expression,
)

__all__ = [
    "SCHEMA_VERSION",
    "Problem",
    "QuestionnaireError",
    "check_questionnaire",
    "load_questionnaire",
    "parse_questionnaire",
]

SCHEMA_VERSION = 1
ID_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")
MAX_NESTING = 40
MAX_NODES = 200_000  # YAML aliases can multiply a small file ("billion laughs")
MAX_TEXT_LENGTH = 10_000
DEFAULT_TEXT_MAX_LENGTH = 2000
DEFAULT_SATISFIED = [4, 5]
DEFAULT_VALID = [1, 2, 3, 4, 5]
AGGREGATIONS = ("mean", "weighted", "pooled", "item")

TOP_FIELDS = {"id", "version", "languages", "title", "description", "scales", "sections", "indices"}
TOP_REQUIRED = ("id", "version", "languages", "title", "sections")
SCALE_FIELDS = {"label", "options"}
SECTION_FIELDS = {"code", "title", "description", "items"}
COMMON_ITEM_FIELDS = {"code", "type", "label", "help", "required", "relevant"}
TYPE_FIELDS: dict[str, set[str]] = {
    "satisfaction": {"scale", "not_experienced"},
    "scale4": {"scale", "not_experienced"},
    "yesno": {"scale"},
    "single": {"options", "scale"},
    "multiple": {"options", "scale", "min_choices", "max_choices"},
    "number": {"min", "max", "integer", "unit"},
    "text": {"max_length", "multiline"},
}
ALL_ITEM_FIELDS = COMMON_ITEM_FIELDS.union(*TYPE_FIELDS.values())
INDEX_FIELDS = {"satisfied", "valid", "groups", "overall"}
GROUP_FIELDS = {
    "code",
    "label",
    "items",
    "aggregation",
    "weights",
    "general_item",
    "satisfied",
    "valid",
    "in_overall",
}
OVERALL_FIELDS = {"aggregation", "weights", "item"}


@dataclass(frozen=True)
class Problem:
    """One problem in a questionnaire file; `line` is 1-based (None when unknown)."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class QuestionnaireError(Exception):
    """A questionnaire file with problems; `problems` lists all of them, in file order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} found"
        super().__init__("\n".join([header, *map(str, self.problems)]))


def _fmt(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ------------------------------------------------------------ YAML reading


class _Document:
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


def _read_yaml(text: str, filename: str) -> tuple[Any, _Document]:
    doc = _Document(filename)
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


# -------------------------------------------------------------- validation


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path[: path.rindex(".")] if "." in path else ""


class _Validator:
    def __init__(self, data: Any, doc: _Document):
        self.data = data
        self.doc = doc
        self.languages: tuple[str, ...] = ("vi",)
        self.scales: dict[str, dict[str, Any]] = {}
        self.declared_scales: set[str] = set()
        self.used_scales: set[str] = set()
        self.items: dict[str, dict[str, Any]] = {}  # code -> normalised item
        self.item_paths: dict[str, str] = {}
        self.item_order: dict[str, int] = {}
        self.all_codes: dict[str, str] = {}  # every item code in the file -> path of its first item

    # reporting
    def line(self, path: str) -> int | None:
        while True:
            if path in self.doc.lines:
                return self.doc.lines[path]
            if not path:
                return 1
            path = _parent(path)

    def error(self, path: str, message: str) -> None:
        self.doc.problem(self.line(path), path, message)

    # generic checks
    def fields(
        self,
        obj: dict[str, Any],
        path: str,
        allowed: set[str],
        required: Iterable[str] = (),
        what: str = "",
    ) -> None:
        for key in obj:
            if key not in allowed:
                child = f"{path}.{key}" if path else str(key)
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.75)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else f" (allowed: {', '.join(sorted(allowed))})"
                )
                self.error(child, f"unknown field '{key}'{what}{hint}")
        for key in required:
            if key not in obj or obj[key] is None:
                child = f"{path}.{key}" if path else key
                self.error(child, f"missing required field '{key}'")

    def mapping(self, value: Any, path: str, what: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.error(path, f"{what} must be a mapping (key: value), not {_kind(value)}")
        return None

    def sequence(self, value: Any, path: str, what: str, allow_empty: bool = False) -> list[Any]:
        if not isinstance(value, list):
            self.error(path, f"{what} must be a list, not {_kind(value)}")
            return []
        if not value and not allow_empty:
            self.error(path, f"{what} must not be empty")
        return value

    def boolean(self, obj: dict[str, Any], key: str, path: str, default: bool) -> bool:
        value = obj.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(f"{path}.{key}", f"'{key}' must be true or false, not {_fmt(value)}")
            return default
        return value

    def code(
        self, value: Any, path: str, what: str, pattern: re.Pattern[str] = CODE_RE
    ) -> str | None:
        if not isinstance(value, str):
            self.error(path, f"{what} must be text, not {_kind(value)} ({_fmt(value)})")
            return None
        if not pattern.match(value):
            allowed = (
                "lower-case letters, digits, '_' and '-'"
                if pattern is ID_RE
                else "lower-case letters, digits and '_'"
            )
            self.error(path, f"invalid {what} {value!r}: use {allowed}, starting with a letter")
            return None
        return value

    def text(self, value: Any, path: str, what: str) -> dict[str, str] | None:
        """A translated text: a mapping language -> non-empty string, Vietnamese required."""
        if not isinstance(value, dict):
            example = '{vi: "...", en: "..."}' if "en" in self.languages else '{vi: "..."}'
            self.error(
                path,
                f"{what} must be a mapping of language to text, e.g. {example}; "
                f"found {_kind(value)}",
            )
            return None
        result: dict[str, str] = {}
        ok = True
        for lang, text in value.items():
            child = f"{path}.{lang}"
            if lang not in self.languages:
                self.error(
                    child,
                    f"language '{lang}' is not declared in languages ({', '.join(self.languages)})",
                )
                ok = False
                continue
            if not isinstance(text, str):
                raw = self.doc.raw.get(child)
                if raw is None:
                    self.error(child, f"{what} ({lang}) must be text, not {_kind(text)}")
                    ok = False
                    continue
                text = raw  # e.g. `en: Yes`, which YAML 1.1 reads as true
            text = text.strip()
            if not text:
                self.error(child, f"{what} ({lang}) is empty")
                ok = False
            elif len(text) > MAX_TEXT_LENGTH:
                self.error(child, f"{what} ({lang}) is longer than {MAX_TEXT_LENGTH} characters")
                ok = False
            result[lang] = text
        if "vi" not in value:
            self.error(
                f"{path}.vi" if value else path, f"Vietnamese text (vi) is missing from {what}"
            )
            ok = False
        for lang in self.languages[1:]:
            if lang not in value:
                self.error(
                    f"{path}.{lang}",
                    f"{what} has no '{lang}' translation ('{lang}' is declared in languages)",
                )
                ok = False
        return result if ok else None

    # top level
    def run(self) -> dict[str, Any] | None:
        data = self.mapping(self.data, "", "the top level of a questionnaire file")
        if data is None:
            return None
        self.fields(data, "", TOP_FIELDS, TOP_REQUIRED)
        definition: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        if data.get("id") is not None:
            definition["id"] = self.code(data["id"], "id", "questionnaire id", ID_RE)
        definition["version"] = self.version(data)
        definition["languages"] = self.language_list(data)
        if data.get("title") is not None:
            definition["title"] = self.text(data["title"], "title", "title")
        if data.get("description") is not None:
            definition["description"] = self.text(data["description"], "description", "description")
        self.scale_block(data.get("scales"))
        self.collect_codes(data.get("sections"))
        sections = self.section_list(data.get("sections"))
        definition["scales"] = {
            name: self.scales[name]
            for name in sorted(self.used_scales | self.declared_scales)
            if name in self.scales
        }
        definition["sections"] = sections
        definition["indices"] = (
            self.indices(data["indices"]) if data.get("indices") is not None else {}
        )
        return None if self.doc.problems else definition

    def version(self, data: dict[str, Any]) -> str | None:
        value = data.get("version")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(
                "version",
                f'version must be a number or text such as 1 or "2025.1", not {_kind(value)}',
            )
            return None
        text = value if isinstance(value, str) else self.doc.raw.get("version", str(value))
        text = text.strip()
        if not VERSION_RE.match(text):
            self.error(
                "version", f"invalid version {text!r}: use letters, digits, '.', '_' and '-'"
            )
            return None
        return text

    def language_list(self, data: dict[str, Any]) -> list[str] | None:
        if data.get("languages") is None:
            return None
        languages = self.sequence(data["languages"], "languages", "languages")
        result: list[str] = []
        for i, lang in enumerate(languages):
            path = f"languages[{i}]"
            if not isinstance(lang, str) or not LANG_RE.match(lang):
                self.error(
                    path,
                    f"invalid language code {_fmt(lang)}: use a lower-case ISO 639 code such as vi, en",
                )
            elif lang in result:
                self.error(path, f"language '{lang}' is listed twice")
            else:
                result.append(lang)
        if languages and "vi" not in result:
            self.error("languages", "Vietnamese (vi) is required in languages")
            self.languages = ("vi", *result)  # keep checking the texts without a cascade of errors
            return None
        result.sort(key=lambda lang: lang != "vi")  # stable: vi first, the rest in file order
        self.languages = tuple(result)
        return result

    # scales
    def scale_block(self, value: Any) -> None:
        self.scales = {name: _copy(scale) for name, scale in BUILTIN_SCALES.items()}
        if value is None:
            return
        block = self.mapping(value, "scales", "scales")
        for name, scale in (block or {}).items():
            path = f"scales.{name}"
            if self.code(name, path, "scale name") is None:
                continue
            normalised = self.scale(scale, path)
            if normalised is not None:
                self.scales[name] = normalised
                self.declared_scales.add(name)
            else:
                self.scales.pop(name, None)

    def scale(self, value: Any, path: str) -> dict[str, Any] | None:
        scale = self.mapping(value, path, "a scale")
        if scale is None:
            return None
        self.fields(scale, path, SCALE_FIELDS, ("options",))
        result: dict[str, Any] = {}
        if scale.get("label") is not None:
            result["label"] = self.text(scale["label"], f"{path}.label", "scale label")
        options = self.options(
            scale.get("options"), f"{path}.options", integer_codes=True, allow_exclusive=False
        )
        if options is None or len(options) < 2:
            if options is not None:
                self.error(f"{path}.options", "a scale needs at least two options")
            return None
        result["options"] = options
        return result

    def options(
        self, value: Any, path: str, integer_codes: bool, allow_exclusive: bool
    ) -> list[dict] | None:
        if value is None:
            return None
        raw = self.sequence(value, path, "options")
        result: list[dict[str, Any]] = []
        seen: dict[Any, int] = {}
        ok = bool(raw)
        for i, option in enumerate(raw):
            opath = f"{path}[{i}]"
            option = self.mapping(option, opath, "an option")
            if option is None:
                ok = False
                continue
            allowed = {"code", "label", "exclusive"} if allow_exclusive else {"code", "label"}
            self.fields(option, opath, allowed, ("code", "label"))
            code = option.get("code")
            if code is None:
                ok = False
            elif integer_codes and not _is_int(code):
                self.error(
                    f"{opath}.code",
                    f"option code must be a whole number, not {_kind(code)} ({_fmt(code)})",
                )
                ok = False
            elif (
                not integer_codes
                and not _is_int(code)
                and not (isinstance(code, str) and CODE_RE.match(code))
            ):
                self.error(
                    f"{opath}.code",
                    f"option code must be a whole number or a code such as 'other', "
                    f"not {_fmt(code)}",
                )
                ok = False
            elif (type(code), code) in seen:
                self.error(
                    f"{opath}.code",
                    f"duplicate option code {_fmt(code)} "
                    f"(already used by {path}[{seen[(type(code), code)]}])",
                )
                ok = False
            else:
                seen[(type(code), code)] = i
            label = (
                self.text(option.get("label"), f"{opath}.label", "option label")
                if option.get("label") is not None
                else None
            )
            ok = ok and label is not None
            normalised: dict[str, Any] = {"code": code, "label": label}
            if allow_exclusive:
                normalised["exclusive"] = self.boolean(option, "exclusive", opath, False)
            result.append(normalised)
        if ok and len({type(o["code"]) for o in result}) > 1:
            self.error(path, "option codes of one item must be all numbers or all text codes")
            ok = False
        return result if ok else None

    def scale_ref(self, name: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(name, str):
            self.error(path, f"scale must be the name of a scale, not {_kind(name)}")
            return None
        if name not in self.scales:
            known = sorted(self.scales)
            close = difflib.get_close_matches(name, known, n=1)
            hint = (
                f"; did you mean '{close[0]}'?" if close else f" (known scales: {', '.join(known)})"
            )
            self.error(path, f"unknown scale '{name}'{hint}")
            return None
        scale = self.scales[name]
        for option in scale["options"]:
            missing = [lang for lang in self.languages if lang not in option["label"]]
            if missing:
                self.error(
                    path,
                    f"built-in scale '{name}' has no '{missing[0]}' text; "
                    f"declare it under scales: with labels in every language",
                )
                return None
        self.used_scales.add(name)
        return scale

    # sections and items
    def collect_codes(self, sections: Any) -> None:
        for i, section in enumerate(sections if isinstance(sections, list) else []):
            items = section.get("items") if isinstance(section, dict) else None
            for j, item in enumerate(items if isinstance(items, list) else []):
                code = item.get("code") if isinstance(item, dict) else None
                if isinstance(code, str):
                    self.all_codes.setdefault(code, f"sections[{i}].items[{j}]")

    def section_list(self, value: Any) -> list[dict[str, Any]]:
        if value is None:
            return []
        sections = self.sequence(value, "sections", "sections")
        result = []
        seen: dict[str, str] = {}
        for i, section in enumerate(sections):
            path = f"sections[{i}]"
            section = self.mapping(section, path, "a section")
            if section is None:
                continue
            self.fields(section, path, SECTION_FIELDS, ("code", "title", "items"))
            normalised: dict[str, Any] = {}
            code = (
                self.code(section["code"], f"{path}.code", "section code")
                if section.get("code") is not None
                else None
            )
            if code is not None and code in seen:
                self.error(
                    f"{path}.code", f"duplicate section code '{code}' (first used at {seen[code]})"
                )
            elif code is not None:
                seen[code] = path
            normalised["code"] = code
            if section.get("title") is not None:
                normalised["title"] = self.text(section["title"], f"{path}.title", "section title")
            if section.get("description") is not None:
                normalised["description"] = self.text(
                    section["description"], f"{path}.description", "section description"
                )
            items = (
                self.sequence(section["items"], f"{path}.items", "items")
                if section.get("items") is not None
                else []
            )
            normalised["items"] = [
                self.item(raw, f"{path}.items[{j}]", code) for j, raw in enumerate(items)
            ]
            result.append(normalised)
        return result

    def item(self, value: Any, path: str, section: str | None) -> dict[str, Any] | None:
        item = self.mapping(value, path, "an item")
        if item is None:
            return None
        item_type = item.get("type")
        type_ok = isinstance(item_type, str) and item_type in TYPE_FIELDS
        allowed = COMMON_ITEM_FIELDS | TYPE_FIELDS[str(item_type)] if type_ok else ALL_ITEM_FIELDS
        self.fields(item, path, allowed, ("code", "type", "label"))
        if type_ok:
            for key in item:
                if key in ALL_ITEM_FIELDS and key not in allowed:
                    self.error(
                        f"{path}.{key}",
                        f"field '{key}' does not apply to items of type '{item_type}'",
                    )
        result: dict[str, Any] = {}
        code = self.item_code(item.get("code"), path)
        result["code"] = code
        if item_type is not None and not type_ok:
            close = difflib.get_close_matches(str(item_type), ITEM_TYPES, n=1)
            hint = (
                f"; did you mean '{close[0]}'?" if close else f" (types: {', '.join(ITEM_TYPES)})"
            )
            self.error(f"{path}.type", f"unknown item type {_fmt(item_type)}{hint}")
        result["type"] = item_type
        if item.get("label") is not None:
            result["label"] = self.text(item["label"], f"{path}.label", "item label")
        if item.get("help") is not None:
            result["help"] = self.text(item["help"], f"{path}.help", "help text")
        result["required"] = self.boolean(item, "required", path, False)
        result["relevant"], result["relevant_ast"] = self.relevant(
            item.get("relevant"), f"{path}.relevant", code
        )
        if type_ok:
            self.type_fields(item, str(item_type), path, result)
        if code is not None and code not in self.items:
            self.items[code] = result
            self.item_paths[code] = path
            self.item_order[code] = len(self.item_order)
        return result

    def item_code(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        code = self.code(value, f"{path}.code", "item code")
        if code is None:
            return None
        if code in KEYWORDS or code in FUNCTIONS:
            self.error(
                f"{path}.code", f"item code '{code}' is a reserved word of the expression language"
            )
            return None
        if code in self.items:
            first = self.item_paths[code]
            self.error(
                f"{path}.code",
                f"duplicate item code '{code}' (first used at {first}, line {self.line(first)})",
            )
            return None
        return code

    def type_fields(
        self, item: dict[str, Any], item_type: str, path: str, result: dict[str, Any]
    ) -> None:
        if item_type in SCALED_TYPES:
            default, size = SCALED_TYPES[item_type]
            name = item.get("scale", default)
            if name is None:
                self.error(
                    f"{path}.scale",
                    f"items of type '{item_type}' need a scale "
                    "(e.g. scale: expectation4 or scale: interest4)",
                )
                return
            scale = self.scale_ref(name, f"{path}.scale")
            if scale is None:
                return
            options = _copy(scale["options"])
            if size is not None and len(options) != size:
                self.error(
                    f"{path}.scale",
                    f"items of type '{item_type}' need a {size}-point scale; "
                    f"scale '{name}' has {len(options)} options",
                )
            if item_type == "satisfaction" and [o["code"] for o in options] != [1, 2, 3, 4, 5]:
                self.error(
                    f"{path}.scale",
                    f"a satisfaction scale must have the codes 1 to 5; "
                    f"scale '{name}' has {', '.join(str(o['code']) for o in options)}",
                )
            result["scale"] = name
            if item_type in ("satisfaction", "scale4"):
                result["not_experienced"] = self.boolean(item, "not_experienced", path, False)
                if result["not_experienced"]:
                    if any(o["code"] == NOT_EXPERIENCED_CODE for o in options):
                        self.error(
                            f"{path}.not_experienced",
                            f"scale '{name}' already uses code {NOT_EXPERIENCED_CODE}",
                        )
                    options.append(
                        {
                            "code": NOT_EXPERIENCED_CODE,
                            "label": {
                                lang: NOT_EXPERIENCED_LABEL.get(lang, NOT_EXPERIENCED_LABEL["vi"])
                                for lang in self.languages
                            },
                        }
                    )
            result["options"] = options
        elif item_type in ("single", "multiple"):
            self.choice_fields(item, item_type, path, result)
        elif item_type == "number":
            self.number_fields(item, path, result)
        elif item_type == "text":
            max_length = item.get("max_length", DEFAULT_TEXT_MAX_LENGTH)
            if not _is_int(max_length) or not 1 <= max_length <= MAX_TEXT_LENGTH:
                self.error(
                    f"{path}.max_length",
                    f"max_length must be a whole number from 1 to {MAX_TEXT_LENGTH}",
                )
            result["max_length"] = max_length
            result["multiline"] = self.boolean(item, "multiline", path, False)

    def choice_fields(
        self, item: dict[str, Any], item_type: str, path: str, result: dict[str, Any]
    ) -> None:
        has_options, has_scale = item.get("options") is not None, item.get("scale") is not None
        if has_options == has_scale:
            self.error(
                path, f"an item of type '{item_type}' needs either options: or scale: (exactly one)"
            )
            return
        multiple = item_type == "multiple"
        if has_scale:
            scale = self.scale_ref(item["scale"], f"{path}.scale")
            options = _copy(scale["options"]) if scale else None
            if options is not None and multiple:
                for option in options:
                    option["exclusive"] = False
            result["scale"] = item["scale"]
        else:
            options = self.options(
                item["options"],
                f"{path}.options",
                integer_codes=not multiple,
                allow_exclusive=multiple,
            )
            if options is not None and len(options) < 2:
                self.error(f"{path}.options", "a choice item needs at least two options")
        result["options"] = options or []
        if multiple:
            count = len(result["options"])
            for key in ("min_choices", "max_choices"):
                value = item.get(key)
                if value is not None and (not _is_int(value) or not 1 <= value <= max(count, 1)):
                    self.error(f"{path}.{key}", f"{key} must be a whole number from 1 to {count}")
                    value = None
                result[key] = value
            low, high = result["min_choices"], result["max_choices"]
            if low is not None and high is not None and low > high:
                self.error(
                    f"{path}.min_choices",
                    f"min_choices ({low}) is larger than max_choices ({high})",
                )

    def number_fields(self, item: dict[str, Any], path: str, result: dict[str, Any]) -> None:
        for key in ("min", "max"):
            value = item.get(key)
            if value is not None and not _is_number(value):
                self.error(f"{path}.{key}", f"'{key}' must be a number, not {_kind(value)}")
                value = None
            result[key] = value
        if (
            result["min"] is not None
            and result["max"] is not None
            and result["min"] > result["max"]
        ):
            self.error(f"{path}.min", f"min ({result['min']}) is larger than max ({result['max']})")
        result["integer"] = self.boolean(item, "integer", path, False)
        if item.get("unit") is not None:
            result["unit"] = self.text(item["unit"], f"{path}.unit", "unit")

    # relevant expressions
    def relevant(self, value: Any, path: str, code: str | None) -> tuple[str | None, dict | None]:
        if value is None:
            return None, None
        if not isinstance(value, str):
            self.error(
                path,
                f'relevant must be an expression in quotes, e.g. "q1 == 1", not {_kind(value)}',
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
                    listed = ", ".join(_fmt(c) for c in codes)
                    problems.append(
                        f"{_fmt(value)} is not an option code of '{name}' (codes: {listed})"
                    )
        return problems

    # indices
    def code_list(self, value: Any, path: str, what: str) -> list[int] | None:
        codes = self.sequence(value, path, what)
        if not codes:
            return None
        if not all(_is_int(c) for c in codes):
            self.error(path, f"{what} must be a list of whole-number answer codes")
            return None
        if len(set(codes)) != len(codes):
            self.error(path, f"{what} lists a code twice")
            return None
        return list(codes)

    def indices(self, value: Any) -> dict[str, Any]:
        block = self.mapping(value, "indices", "indices")
        if block is None:
            return {}
        self.fields(block, "indices", INDEX_FIELDS, ("groups",))
        satisfied = DEFAULT_SATISFIED
        valid = DEFAULT_VALID
        if block.get("satisfied") is not None:
            satisfied = (
                self.code_list(block["satisfied"], "indices.satisfied", "satisfied") or satisfied
            )
        if block.get("valid") is not None:
            valid = self.code_list(block["valid"], "indices.valid", "valid") or valid
        self.subset(satisfied, valid, "indices.satisfied", "satisfied", "valid")
        result: dict[str, Any] = {"satisfied": satisfied, "valid": valid, "groups": []}
        groups = (
            self.sequence(block["groups"], "indices.groups", "groups")
            if block.get("groups") is not None
            else []
        )
        seen: dict[str, str] = {}
        for i, group in enumerate(groups):
            path = f"indices.groups[{i}]"
            normalised = self.index_group(group, path, satisfied, valid)
            if normalised is None:
                continue
            code = normalised.get("code")
            if code in seen:
                self.error(
                    f"{path}.code",
                    f"duplicate index group code '{code}' (first used at {seen[code]})",
                )
            elif code is not None:
                seen[code] = path
            result["groups"].append(normalised)
        in_overall = sum(1 for g in result["groups"] if g.get("in_overall"))
        result["overall"] = self.overall(block.get("overall"), in_overall, valid)
        return result

    def subset(
        self, small: list[int], large: list[int], path: str, small_name: str, large_name: str
    ) -> bool:
        outside = [c for c in small if c not in large]
        if outside:
            self.error(
                path,
                f"{small_name} code{'s' if len(outside) > 1 else ''} "
                f"{', '.join(map(str, outside))} {'are' if len(outside) > 1 else 'is'} not among the {large_name} codes "
                f"({', '.join(map(str, large))})",
            )
        return not outside

    def numeric_item_ref(self, value: Any, path: str, what: str) -> dict[str, Any] | None:
        if not isinstance(value, str):
            self.error(path, f"{what} must be an item code, not {_kind(value)}")
            return None
        if value not in self.items:
            close = difflib.get_close_matches(value, list(self.items), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.error(path, f"unknown item '{value}' in {what}{hint}")
            return None
        item = self.items[value]
        if item.get("type") not in NUMERIC_TYPES:
            self.error(
                path,
                f"item '{value}' is of type '{item.get('type')}'; an index needs items with one "
                f"numeric answer ({', '.join(sorted(NUMERIC_TYPES))})",
            )
            return None
        return item

    def codes_within(
        self, codes: list[int], item: dict[str, Any], path: str, what: str, inherited: bool
    ) -> None:
        if item.get("type") == "number" or not item.get("options"):
            return
        item_codes = [o["code"] for o in item["options"]]
        outside = [c for c in codes if c not in item_codes]
        if outside:
            hint = (
                f" (inherited from indices.{what}; set {what}: for this group)" if inherited else ""
            )
            self.error(
                path,
                f"{what} code{'s' if len(outside) > 1 else ''} {', '.join(map(str, outside))} "
                f"{'are' if len(outside) > 1 else 'is'} not on the scale of item '{item['code']}' "
                f"(codes: {', '.join(map(str, item_codes))}){hint}",
            )

    def index_group(
        self, value: Any, path: str, satisfied: list[int], valid: list[int]
    ) -> dict | None:
        group = self.mapping(value, path, "an index group")
        if group is None:
            return None
        self.fields(group, path, GROUP_FIELDS, ("code", "label", "items"))
        result: dict[str, Any] = {}
        result["code"] = (
            self.code(group["code"], f"{path}.code", "index group code")
            if group.get("code") is not None
            else None
        )
        if group.get("label") is not None:
            result["label"] = self.text(group["label"], f"{path}.label", "index group label")
        items = (
            self.sequence(group["items"], f"{path}.items", "items")
            if group.get("items") is not None
            else []
        )
        refs: list[tuple[dict[str, Any], str]] = []
        codes: list[str] = []
        for j, code in enumerate(items):
            ipath = f"{path}.items[{j}]"
            if code in codes:
                self.error(ipath, f"item '{code}' is listed twice in this group")
                continue
            item = self.numeric_item_ref(code, ipath, "index group items")
            if item is not None:
                refs.append((item, ipath))
            codes.append(code)
        result["items"] = codes
        aggregation = group.get("aggregation", "mean")
        if aggregation not in AGGREGATIONS:
            self.error(
                f"{path}.aggregation",
                f"unknown aggregation {_fmt(aggregation)} (one of: {', '.join(AGGREGATIONS)})",
            )
        result["aggregation"] = aggregation
        if group.get("weights") is not None or aggregation == "weighted":
            result["weights"] = self.weights(
                group.get("weights"),
                f"{path}.weights",
                aggregation,
                len(codes),
                "item of the group",
            )
        if group.get("general_item") is not None:
            item = self.numeric_item_ref(
                group["general_item"], f"{path}.general_item", "general_item"
            )
            if item is not None:
                refs.append((item, f"{path}.general_item"))
            result["general_item"] = group["general_item"]
        elif aggregation == "item":
            self.error(
                f"{path}.general_item",
                "aggregation 'item' needs general_item: the item whose answers "
                "give the group index",
            )
        own_satisfied = group.get("satisfied") is not None
        own_valid = group.get("valid") is not None
        g_satisfied = (
            self.code_list(group["satisfied"], f"{path}.satisfied", "satisfied")
            if own_satisfied
            else None
        ) or satisfied
        g_valid = (
            self.code_list(group["valid"], f"{path}.valid", "valid") if own_valid else None
        ) or valid
        if own_satisfied or own_valid:
            self.subset(
                g_satisfied,
                g_valid,
                f"{path}.satisfied" if own_satisfied else f"{path}.valid",
                "satisfied",
                "valid",
            )
        for item, ipath in refs:
            self.codes_within(
                g_valid, item, f"{path}.valid" if own_valid else ipath, "valid", not own_valid
            )
            if own_satisfied:
                self.codes_within(g_satisfied, item, f"{path}.satisfied", "satisfied", False)
        result["satisfied"] = g_satisfied
        result["valid"] = g_valid
        result["in_overall"] = self.boolean(group, "in_overall", path, True)
        return result

    def weights(
        self, value: Any, path: str, aggregation: str, count: int, per: str
    ) -> list[float] | None:
        if aggregation != "weighted":
            self.error(
                path, f"weights are only used with aggregation: weighted (here: {aggregation})"
            )
            return None
        if value is None:
            self.error(path, f"aggregation 'weighted' needs weights: one per {per}")
            return None
        weights = self.sequence(value, path, "weights")
        if not all(_is_number(w) and w >= 0 for w in weights) or not any(weights):
            self.error(path, "weights must be non-negative numbers, not all zero")
            return None
        if len(weights) != count:
            self.error(
                path,
                f"expected {count} weight{'s' if count != 1 else ''} (one per {per}), "
                f"got {len(weights)}",
            )
            return None
        return list(weights)

    def overall(self, value: Any, in_overall: int, valid: list[int]) -> dict[str, Any]:
        path = "indices.overall"
        block = self.mapping(value, path, "overall") if value is not None else {}
        block = block or {}
        self.fields(block, path, OVERALL_FIELDS)
        aggregation = block.get("aggregation", "mean")
        if aggregation not in AGGREGATIONS:
            self.error(
                f"{path}.aggregation",
                f"unknown aggregation {_fmt(aggregation)} (one of: {', '.join(AGGREGATIONS)})",
            )
        result: dict[str, Any] = {"aggregation": aggregation}
        if block.get("weights") is not None or aggregation == "weighted":
            result["weights"] = self.weights(
                block.get("weights"),
                f"{path}.weights",
                aggregation,
                in_overall,
                "group with in_overall: true",
            )
        if block.get("item") is not None:
            item = self.numeric_item_ref(block["item"], f"{path}.item", "overall item")
            if item is not None:
                self.codes_within(valid, item, f"{path}.item", "valid", False)
            result["item"] = block["item"]
        elif aggregation == "item":
            self.error(
                f"{path}.item", "aggregation 'item' needs item: the overall satisfaction item"
            )
        if aggregation != "item" and in_overall == 0:
            self.error(
                path,
                "no index group has in_overall: true, so the overall index has nothing to combine",
            )
        return result


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _sorted_problems(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line is None, p.line or 0))


# ---------------------------------------------------------------- public API


def parse_questionnaire(text: str, filename: str = "<string>") -> QuestionnaireDefinition:
    """Validate questionnaire YAML text; raise QuestionnaireError listing every problem found."""
    data, doc = _read_yaml(text, filename)
    definition = None
    if data is not None or not doc.problems:
        definition = _Validator(data, doc).run()
    if doc.problems or definition is None:
        raise QuestionnaireError(_sorted_problems(doc.problems))
    return QuestionnaireDefinition(definition, filename=filename, source=text)


def load_questionnaire(path: str | Path) -> QuestionnaireDefinition:
    """Read and validate a questionnaire file; raise QuestionnaireError listing every problem found."""
    filename = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise QuestionnaireError(
            [Problem(filename, None, "", f"cannot read file: {exc.strerror or exc}")]
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise QuestionnaireError(
            [Problem(filename, line, "", "the file is not valid UTF-8 text")]
        ) from None
    return parse_questionnaire(text, filename)


def check_questionnaire(path: str | Path) -> list[Problem]:
    """All problems of a questionnaire file; an empty list means it is valid."""
    try:
        load_questionnaire(path)
    except QuestionnaireError as exc:
        return exc.problems
    return []
