"""Checks of the sections and of each item: code, type and the fields of its type."""

from __future__ import annotations

import difflib
from typing import Any

from .builtin import NOT_EXPERIENCED_CODE, NOT_EXPERIENCED_LABEL, SCALED_TYPES
from .checks import MAX_TEXT_LENGTH, deep_copy, is_int, is_number, kind_of, quoted
from .definition import ITEM_TYPES
from .expressions import FUNCTIONS, KEYWORDS, Expression
from .relevance import RelevanceChecks
from .scales import ScaleChecks

SECTION_FIELDS = {"code", "title", "description", "items"}
COMMON_ITEM_FIELDS = {"code", "type", "label", "help", "required", "required_on_paper", "relevant"}
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
DEFAULT_TEXT_MAX_LENGTH = 2000


class ItemChecks(ScaleChecks, RelevanceChecks):
    """Sections and items; options come from the scale checks, conditions from relevance."""

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
            self.error(f"{path}.type", f"unknown item type {quoted(item_type)}{hint}")
        result["type"] = item_type
        if item.get("label") is not None:
            result["label"] = self.text(item["label"], f"{path}.label", "item label")
        if item.get("help") is not None:
            result["help"] = self.text(item["help"], f"{path}.help", "help text")
        result["required"] = self.boolean(item, "required", path, False)
        result["relevant"], result["relevant_ast"] = self.relevant(
            item.get("relevant"), f"{path}.relevant", code
        )
        if self.required_on_paper(item, path, result["relevant_ast"]):
            result["required_on_paper"] = True  # only when set: older definitions keep their hash
        if type_ok:
            self.type_fields(item, str(item_type), path, result)
        if code is not None and code not in self.items:
            self.items[code] = result
            self.item_paths[code] = path
            self.item_order[code] = len(self.item_order)
        return result

    def required_on_paper(self, item: dict[str, Any], path: str, relevant_ast: dict | None) -> bool:
        """`required_on_paper: true`: a blank cell of a paper form is refused, not item nonresponse."""
        if not self.boolean(item, "required_on_paper", path, False):
            return False
        if relevant_ast is not None:
            condition = Expression.from_dict(relevant_ast)
            if not condition.references and not condition.evaluate({}):
                self.error(
                    f"{path}.required_on_paper",
                    "required_on_paper has no meaning on an item that is never asked "
                    f"(its condition {item.get('relevant')!r} is always false)",
                )
                return False
        return True

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
            options = deep_copy(scale["options"])
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
            if not is_int(max_length) or not 1 <= max_length <= MAX_TEXT_LENGTH:
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
            options = deep_copy(scale["options"]) if scale else None
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
                if value is not None and (not is_int(value) or not 1 <= value <= max(count, 1)):
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
            if value is not None and not is_number(value):
                self.error(f"{path}.{key}", f"'{key}' must be a number, not {kind_of(value)}")
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
