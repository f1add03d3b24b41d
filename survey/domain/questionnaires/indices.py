"""Checks of the indices: block (satisfied and valid codes, index groups, the overall index)."""

from __future__ import annotations

import difflib
from typing import Any

from .checks import Checker, is_int, is_number, kind_of, quoted
from .definition import NUMERIC_TYPES

DEFAULT_SATISFIED = [4, 5]
DEFAULT_VALID = [1, 2, 3, 4, 5]
AGGREGATIONS = ("mean", "weighted", "pooled", "item")
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


class IndexChecks(Checker):
    """The indices: block, over the items already checked."""

    def code_list(self, value: Any, path: str, what: str) -> list[int] | None:
        codes = self.sequence(value, path, what)
        if not codes:
            return None
        if not all(is_int(c) for c in codes):
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
            self.error(path, f"{what} must be an item code, not {kind_of(value)}")
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
                f"unknown aggregation {quoted(aggregation)} (one of: {', '.join(AGGREGATIONS)})",
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
        if not all(is_number(w) and w >= 0 for w in weights) or not any(weights):
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
                f"unknown aggregation {quoted(aggregation)} (one of: {', '.join(AGGREGATIONS)})",
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
