"""What every questionnaire check shares: its state, how it reports, generic field checks."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from typing import Any

from .yaml_reading import YamlDocument

ID_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_TEXT_LENGTH = 10_000


def quoted(value: Any) -> str:
    """A value as a message shows it: text in quotes, anything else as it is."""
    return repr(value) if isinstance(value, str) else str(value)


def kind_of(value: Any) -> str:
    """What a YAML value is, in words ("text", "a list", ...), for a message."""
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


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def deep_copy(value: Any) -> Any:
    """A copy of plain YAML values (mappings and lists copied, scalars shared)."""
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    return value


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path[: path.rindex(".")] if "." in path else ""


class Checker:
    """What a check sees: the file, its problems, the items and scales read so far."""

    def __init__(self, data: Any, doc: YamlDocument):
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
        self.error(path, f"{what} must be a mapping (key: value), not {kind_of(value)}")
        return None

    def sequence(self, value: Any, path: str, what: str, allow_empty: bool = False) -> list[Any]:
        if not isinstance(value, list):
            self.error(path, f"{what} must be a list, not {kind_of(value)}")
            return []
        if not value and not allow_empty:
            self.error(path, f"{what} must not be empty")
        return value

    def boolean(self, obj: dict[str, Any], key: str, path: str, default: bool) -> bool:
        value = obj.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(f"{path}.{key}", f"'{key}' must be true or false, not {quoted(value)}")
            return default
        return value

    def code(
        self, value: Any, path: str, what: str, pattern: re.Pattern[str] = CODE_RE
    ) -> str | None:
        if not isinstance(value, str):
            self.error(path, f"{what} must be text, not {kind_of(value)} ({quoted(value)})")
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
                f"found {kind_of(value)}",
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
                    self.error(child, f"{what} ({lang}) must be text, not {kind_of(text)}")
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
