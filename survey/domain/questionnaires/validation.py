"""A questionnaire's top level (id, version, languages, texts); the validator of the whole file."""

from __future__ import annotations

import re
from typing import Any

from .checks import ID_RE, kind_of, quoted
from .indices import IndexChecks
from .items import ItemChecks

__all__ = ["SCHEMA_VERSION", "Validator"]

SCHEMA_VERSION = 1
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")
TOP_FIELDS = {"id", "version", "languages", "title", "description", "scales", "sections", "indices"}
TOP_REQUIRED = ("id", "version", "languages", "title", "sections")


class Validator(ItemChecks, IndexChecks):
    """Every check of a file; `run()` gives the normalised definition, None on problems."""

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
                f'version must be a number or text such as 1 or "2025.1", not {kind_of(value)}',
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
                    f"invalid language code {quoted(lang)}: use a lower-case ISO 639 code such as vi, en",
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
