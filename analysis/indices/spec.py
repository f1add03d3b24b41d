"""Index specifications: which items form which group, how groups and the overall index aggregate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from analysis.errors import DesignError

__all__ = ["AGGREGATIONS", "STATISTICS", "GroupSpec", "IndexSpec"]

Aggregation = Literal["mean", "weighted", "pooled", "item"]
AGGREGATIONS = ("mean", "weighted", "pooled", "item")
STATISTICS = ("index", "mean_score", "score_100", "share")


def _int_tuple(values: Any, what: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in values)
    except (TypeError, ValueError):
        raise DesignError(f"{what} must be a list of integer codes, got {values!r}") from None


@dataclass(frozen=True)
class GroupSpec:
    """A group (element) of items, e.g. "access to the service".

    Parameters
    ----------
    code : str
        Group code, used as the index name.
    items : tuple of str
        Item (column) names, in order.
    aggregation : {"mean", "weighted", "pooled", "item"}
        Group index = mean of item indices; weighted mean with ``weights``;
        pooled satisfied share over all the items' answers; or the index of
        ``general_item``.
    weights : tuple of float, optional
        One weight per item, for ``"weighted"``.
    general_item : str, optional
        The "in general" item standing for the group (``"item"``).
    satisfied, valid : tuple of int, optional
        Override the specification's codes (e.g. a 4-point expectation scale).
    in_overall : bool
        Whether the group enters the overall index.
    """

    code: str
    items: tuple[str, ...]
    aggregation: Aggregation = "mean"
    weights: tuple[float, ...] | None = None
    general_item: str | None = None
    satisfied: tuple[int, ...] | None = None
    valid: tuple[int, ...] | None = None
    in_overall: bool = True

    def __post_init__(self) -> None:
        if not self.items:
            raise DesignError(f"Group '{self.code}' has no items")
        if self.aggregation not in AGGREGATIONS:
            raise DesignError(
                f"Group '{self.code}': unknown aggregation '{self.aggregation}' "
                f"(use {', '.join(AGGREGATIONS)})"
            )
        if self.aggregation == "weighted":
            if self.weights is None or len(self.weights) != len(self.items):
                raise DesignError(
                    f"Group '{self.code}': aggregation 'weighted' needs one weight per item"
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise DesignError(f"Group '{self.code}': weights must be >= 0 with a positive sum")
        if self.aggregation == "item" and not self.general_item:
            raise DesignError(f"Group '{self.code}': aggregation 'item' needs general_item")


@dataclass(frozen=True)
class IndexSpec:
    """How the indices of a questionnaire are computed.

    Parameters
    ----------
    groups : tuple of GroupSpec
        Groups in reporting order.
    satisfied : tuple of int
        Codes counted as satisfied (default 4, 5).
    valid : tuple of int
        Codes counted as valid answers (default 1–5).
    overall_aggregation : {"mean", "weighted", "pooled", "item"}
        Overall index from the groups with ``in_overall``.
    overall_weights : tuple of float, optional
        One weight per group in the overall (``"weighted"``).
    overall_item : str, optional
        Item standing for the overall index (``"item"``).
    """

    groups: tuple[GroupSpec, ...]
    satisfied: tuple[int, ...] = (4, 5)
    valid: tuple[int, ...] = (1, 2, 3, 4, 5)
    overall_aggregation: Aggregation = "mean"
    overall_weights: tuple[float, ...] | None = None
    overall_item: str | None = None

    def __post_init__(self) -> None:
        if not self.groups:
            raise DesignError("An index specification needs at least one group")
        codes = [g.code for g in self.groups]
        if len(set(codes)) != len(codes):
            raise DesignError("Group codes must be unique")
        if self.overall_aggregation not in AGGREGATIONS:
            raise DesignError(f"Unknown overall aggregation '{self.overall_aggregation}'")
        n_in = len(self.overall_groups)
        if self.overall_aggregation == "weighted" and (
            self.overall_weights is None or len(self.overall_weights) != n_in
        ):
            raise DesignError(
                f"Overall aggregation 'weighted' needs {n_in} weights (one per group in overall)"
            )
        if self.overall_aggregation == "item" and not self.overall_item:
            raise DesignError("Overall aggregation 'item' needs overall item")
        for g in self.groups:
            sat, val = self.codes_for(g)
            if not set(sat) <= set(val):
                raise DesignError(f"Group '{g.code}': satisfied codes must be valid codes")

    @property
    def overall_groups(self) -> tuple[GroupSpec, ...]:
        """Groups that enter the overall index."""
        return tuple(g for g in self.groups if g.in_overall)

    def codes_for(self, group: GroupSpec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Satisfied and valid codes of a group (its overrides or the defaults)."""
        return (group.satisfied or self.satisfied, group.valid or self.valid)

    def items(self) -> list[str]:
        """Every item column the indices need, in first-use order."""
        seen: dict[str, None] = {}
        for g in self.groups:
            for item in g.items:
                seen.setdefault(item, None)
            if g.aggregation == "item" and g.general_item:
                seen.setdefault(g.general_item, None)
        if self.overall_aggregation == "item" and self.overall_item:
            seen.setdefault(self.overall_item, None)
        return list(seen)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IndexSpec:
        """Build from the ``indices:`` block of a questionnaire (a plain dict).

        Parameters
        ----------
        d : mapping
            ``{"satisfied": [...], "valid": [...], "groups": [{"code", "items",
            "aggregation", "weights", "general_item", "satisfied", "valid",
            "in_overall"}, ...], "overall": {"aggregation", "weights", "item"}}``;
            labels and unknown keys are ignored.

        Returns
        -------
        IndexSpec

        Raises
        ------
        DesignError
            Missing groups or items, unknown aggregation, weights of the wrong length.
        """
        if not isinstance(d, Mapping):
            raise DesignError("The indices block must be a mapping")
        groups_raw = d.get("groups")
        if not groups_raw:
            raise DesignError("The indices block needs a non-empty 'groups' list")
        groups = []
        for i, g in enumerate(groups_raw):
            if not isinstance(g, Mapping) or "code" not in g or not g.get("items"):
                raise DesignError(f"Group {i + 1} needs 'code' and a non-empty 'items' list")
            groups.append(
                GroupSpec(
                    code=str(g["code"]),
                    items=tuple(str(x) for x in g["items"]),
                    aggregation=g.get("aggregation", "mean"),
                    weights=None
                    if g.get("weights") is None
                    else tuple(float(x) for x in g["weights"]),
                    general_item=None if g.get("general_item") is None else str(g["general_item"]),
                    satisfied=None
                    if g.get("satisfied") is None
                    else _int_tuple(g["satisfied"], f"groups[{i}].satisfied"),
                    valid=None
                    if g.get("valid") is None
                    else _int_tuple(g["valid"], f"groups[{i}].valid"),
                    in_overall=bool(g.get("in_overall", True)),
                )
            )
        overall = d.get("overall") or {}
        return cls(
            groups=tuple(groups),
            satisfied=_int_tuple(d.get("satisfied", (4, 5)), "satisfied"),
            valid=_int_tuple(d.get("valid", (1, 2, 3, 4, 5)), "valid"),
            overall_aggregation=overall.get("aggregation", "mean"),
            overall_weights=None
            if overall.get("weights") is None
            else tuple(float(x) for x in overall["weights"]),
            overall_item=None if overall.get("item") is None else str(overall["item"]),
        )

    @classmethod
    def simple(cls, groups: Mapping[str, Sequence[str]], **kwargs: Any) -> IndexSpec:
        """Plain-mean specification from ``{group_code: [items]}`` (the CLI's ``--items``)."""
        return cls(
            groups=tuple(GroupSpec(code, tuple(items)) for code, items in groups.items()), **kwargs
        )
