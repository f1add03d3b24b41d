"""SIPAS satisfaction indices with design-based standard errors and intervals.

Definitions (each configurable per questionnaire through :class:`IndexSpec`):

* **item index** = 100 × weighted count of valid answers in the satisfied
  codes (default 4, 5) / weighted count of valid answers (default codes
  1–5).  Blank, 9 "not experienced" or any other code counts neither way.
* **group index** = mean of its item indices (or a weighted mean, the pooled
  ratio over all its items, or an "in general" item standing for the group).
* **overall index** = mean of the group indices with ``in_overall`` (same
  alternatives).

Each index is a smooth function of weighted totals, so its influence
variable is a linear combination of per-cell weighted counts of answer
codes.  :func:`compute_indices` therefore reduces the data to counts per
(PSU or SSU, domain, calibration class) cell with one ``np.bincount`` per
item, builds every index's influence values on those cells, and hands them
all at once to :func:`analysis.variance.linearized_variance`.  Domains are
estimated on the full design.  Standard errors are in percentage points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .ci import proportion_interval
from .design import DesignSpec, SurveyDesign, build_design, get_column
from .errors import DesignError
from .estimators import domain_codes, numeric_column
from .results import ComparisonRecord, clean_number, domain_text, records_frame
from .variance import linearized_variance, make_cells

__all__ = [
    "GroupSpec",
    "IndexRecord",
    "IndexResults",
    "IndexSpec",
    "compare_rounds",
    "compute_indices",
]

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


@dataclass(frozen=True)
class IndexRecord:
    """One index (or item statistic) in one domain.

    Attributes
    ----------
    index : str
        Item column, group code or ``"overall"``.
    level : str
        ``"item"``, ``"group"`` or ``"overall"``.
    domain : dict or None
        ``{column: value}``; None for the whole sample.
    estimate : float
        Index on the 0–100 scale (mean scores on their own scale).
    se : float
        Standard error in percentage points (score units for mean scores).
    ci_low, ci_high : float
        Confidence interval.
    df : float
        Design degrees of freedom: PSUs minus strata, counting only PSUs with
        a valid answer in the domain.
    n : int
        Unweighted valid answers (items) or respondents with at least one
        valid answer to the index's items (groups, overall).
    deff : float
        Design effect against simple random sampling without replacement.
    ci_method : str
        Method that made the interval (``logit``, ``beta``, ``wald``,
        ``wilson``, ``t``); ``beta`` where a logit interval does not exist.
    statistic : str
        ``index`` (default), ``mean_score``, ``score_100`` or ``share``.
    code : int or None
        Answer code, for ``share`` records.
    """

    index: str
    level: str
    domain: dict[str, Any] | None
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: float
    n: int
    deff: float
    ci_method: str
    statistic: str = "index"
    code: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN becomes ``None``, domain values text)."""
        out = asdict(self)
        for key in ("estimate", "se", "ci_low", "ci_high", "df", "deff"):
            out[key] = clean_number(out[key])
        if out["df"] is not None and float(out["df"]).is_integer():
            out["df"] = int(out["df"])
        if out["domain"] is not None:
            out["domain"] = {k: _text(v) for k, v in out["domain"].items()}
        if self.statistic == "index":
            out.pop("statistic")
            out.pop("code")
        return out


def _text(value: Any) -> str:
    return str(value)


@dataclass(frozen=True)
class IndexResults:
    """All indices of one computation.

    Attributes
    ----------
    records : tuple of IndexRecord
        Whole-sample records first, then one block per domain value.
    comparisons : tuple of ComparisonRecord
        Differences between two domains, if requested.
    level : float
        Confidence level.
    design_df : int
        Degrees of freedom of the whole design.
    """

    records: tuple[IndexRecord, ...]
    comparisons: tuple[ComparisonRecord, ...] = ()
    level: float = 0.95
    design_df: int = 0

    def to_frame(self) -> pd.DataFrame:
        """One row per record, domains as ``COL=value`` text."""
        return records_frame(self.records, IndexRecord)

    def comparisons_frame(self) -> pd.DataFrame:
        """One row per comparison."""
        return records_frame(self.comparisons, ComparisonRecord)

    def to_dict(self) -> dict[str, Any]:
        """``{"indices": [...], "comparisons": [...]}`` (the CLI's JSON)."""
        return {
            "indices": [r.to_dict() for r in self.records],
            "comparisons": [_comparison_dict(c) for c in self.comparisons],
        }

    def get(
        self,
        index: str,
        domain: Mapping[str, Any] | None = None,
        statistic: str = "index",
        level: str | None = None,
    ) -> IndexRecord:
        """The record of ``index`` in ``domain`` (None: whole sample).

        ``level`` tells apart an item and a group or overall index of the same
        name (e.g. an item coded ``overall``).
        """
        want = None if domain is None else {k: str(v) for k, v in domain.items()}
        for r in self.records:
            have = None if r.domain is None else {k: str(v) for k, v in r.domain.items()}
            if (r.index == index and have == want and r.statistic == statistic
                    and (level is None or r.level == level)):
                return r
        raise KeyError(f"No record for {index} in {domain_text(dict(domain) if domain else None)}")

    def summary(self) -> str:
        """Readable table: estimate, interval, n per index and domain."""
        lines = [
            (
                f"{'domain':<18} {'level':<8} {'index':<14} {'estimate':>8} {'se':>6} "
                f"{f'{self.level:.0%} CI':>17} {'n':>7} {'deff':>6}"
            )
        ]
        for r in self.records:
            name = (
                r.index
                if r.statistic == "index"
                else f"{r.index}:{r.statistic}" + (f"={r.code}" if r.code is not None else "")
            )
            lines.append(
                f"{domain_text(r.domain):<18} {r.level:<8} {name:<14} {_f(r.estimate, 2):>8} "
                f"{_f(r.se, 2):>6} {('[' + _f(r.ci_low, 2) + ', ' + _f(r.ci_high, 2) + ']'):>17} "
                f"{r.n:>7} {_f(r.deff, 2):>6}"
            )
        for c in self.comparisons:
            lines.append(
                f"{c.index} ({c.level}): {domain_text(c.a)} - {domain_text(c.b)} = "
                f"{_f(c.difference, 2)} (se {_f(c.se, 2)}, CI [{_f(c.ci_low, 2)}, "
                f"{_f(c.ci_high, 2)}], p {_f(c.p_value, 4)})"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _f(value: float, digits: int) -> str:
    return "NA" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _comparison_dict(c: ComparisonRecord) -> dict[str, Any]:
    out = c.to_dict()
    out["a"] = {k: str(v) for k, v in out["a"].items()}
    out["b"] = {k: str(v) for k, v in out["b"].items()}
    return out


# --------------------------------------------------------------------------
# computation


@dataclass
class _ItemCodes:
    """Answer codes of one item as small category numbers."""

    name: str
    codes: tuple[int, ...]  # category k <-> codes[k]; category len(codes) = not valid
    cat: np.ndarray
    satisfied: np.ndarray  # bool over categories (without the invalid one)
    valid: np.ndarray


def _categorise(values: np.ndarray, codes: tuple[int, ...]) -> np.ndarray:
    """Category of each answer: position of its code in ``codes``, else ``len(codes)``."""
    k_invalid = len(codes)
    top = max(max(codes) + 1, 1) if codes else 1
    if codes and min(codes) >= 0 and top <= 4096:
        lut = np.full(top, k_invalid, dtype=np.int16)
        lut[list(codes)] = np.arange(len(codes), dtype=np.int16)
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(values) & (values >= 0) & (values < top)
        iv = np.zeros(len(values), dtype=np.int64)
        iv[ok] = values[ok]
        ok &= iv == values
        return np.where(ok, lut[iv], k_invalid).astype(np.int16)
    cat = np.full(len(values), k_invalid, dtype=np.int16)
    for k, c in enumerate(codes):
        cat[values == c] = k
    return cat


def _prepare_items(data: Any, spec: IndexSpec) -> dict[str, _ItemCodes]:
    use: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    for g in spec.groups:
        sat, val = spec.codes_for(g)
        general = (g.general_item,) if g.aggregation == "item" and g.general_item else ()
        for item in g.items + general:
            use.setdefault(item, (sat, val))
    if spec.overall_aggregation == "item" and spec.overall_item:
        use.setdefault(spec.overall_item, (spec.satisfied, spec.valid))
    out = {}
    for item, (sat, val) in use.items():
        codes = tuple(sorted(set(val)))
        values = numeric_column(data, item)
        out[item] = _ItemCodes(
            name=item,
            codes=codes,
            cat=_categorise(values, codes),
            satisfied=np.array([c in sat for c in codes]),
            valid=np.ones(len(codes), dtype=bool),
        )
    return out


@dataclass
class _Column:
    """One estimator's pieces on cells and per domain."""

    index: str
    level: str
    statistic: str
    estimate: np.ndarray  # (D,) on the 0-1 (or score) scale
    x: np.ndarray  # (C,) cell sums of weighted influence
    u: np.ndarray  # (C,) cell sums of unweighted influence
    count: np.ndarray  # (C,) contributing observations (presence)
    n: np.ndarray  # (D,)
    vsrs: np.ndarray  # (D,) SRS variance for deff
    proportion: bool = True
    scale: float = 100.0
    code: int | None = None


class _Engine:
    """Cell counts of all items for one domain scheme, and the index columns built on them."""

    def __init__(
        self,
        design: SurveyDesign,
        items: dict[str, _ItemCodes],
        spec: IndexSpec,
        dom: np.ndarray,
        n_dom: int,
        statistics: Sequence[str],
    ) -> None:
        self.design = design
        self.items = items
        self.spec = spec
        self.dom = dom
        self.n_dom = n_dom
        self.statistics = statistics
        self.cells = make_cells(design, dom, n_dom)
        cells = self.cells
        self.cell_dom = cells.dom
        self.in_dom = cells.dom >= 0
        self.cdom = np.where(self.in_dom, cells.dom, 0)
        rc = cells.row_cell
        self.keep = None if (rc >= 0).all() else np.flatnonzero(rc >= 0)
        self.rc = rc if self.keep is None else rc[self.keep]
        w = design.weights
        self.w = w if self.keep is None else w[self.keep]
        self.counts_w: dict[str, np.ndarray] = {}
        self.counts_n: dict[str, np.ndarray] = {}
        c = cells.n_cells
        for name, it in items.items():
            k1 = len(it.codes) + 1
            cat = it.cat if self.keep is None else it.cat[self.keep]
            key = self.rc * k1 + cat
            self.counts_w[name] = np.bincount(key, weights=self.w, minlength=c * k1).reshape(c, k1)[
                :, :-1
            ]
            self.counts_n[name] = (
                np.bincount(key, minlength=c * k1).reshape(c, k1)[:, :-1].astype(np.float64)
            )
        self.item_cols: dict[str, _Column] = {}

    # -- domain sums
    def _dsum(self, cell_values: np.ndarray) -> np.ndarray:
        v = np.where(self.in_dom, cell_values, 0.0)
        return np.bincount(self.cdom, weights=v, minlength=self.n_dom)

    def _at_cells(self, per_domain: np.ndarray) -> np.ndarray:
        return np.where(self.in_dom, per_domain[self.cdom], 0.0)

    def item_column(self, name: str) -> _Column:
        """Item index: satisfied share of valid answers."""
        if name in self.item_cols:
            return self.item_cols[name]
        it = self.items[name]
        cw, cn = self.counts_w[name], self.counts_n[name]
        s_c = cw[:, it.satisfied].sum(axis=1)
        v_c = cw.sum(axis=1)
        ns_c = cn[:, it.satisfied].sum(axis=1)
        nv_c = cn.sum(axis=1)
        s_d, v_d, n_d = self._dsum(s_c), self._dsum(v_c), self._dsum(nv_c)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = s_d / v_d
            pc, vc = self._at_cells(p), self._at_cells(v_d)
            x = np.where(self.in_dom & (vc > 0), (s_c - pc * v_c) / vc, 0.0)
            u = np.where(self.in_dom & (vc > 0), (ns_c - pc * nv_c) / vc, 0.0)
            vsrs = p * (1 - p) * (v_d - n_d) / (v_d * (n_d - 1))
        vsrs = np.where((v_d > n_d) & (n_d > 1), vsrs, np.nan)
        col = _Column(name, "item", "index", p, x, u, nv_c, n_d, vsrs)
        self.item_cols[name] = col
        return col

    def item_extras(self, name: str) -> list[_Column]:
        """Mean score, its 0–100 rescaling and the share of each valid code."""
        it = self.items[name]
        cw, cn = self.counts_w[name], self.counts_n[name]
        codes = np.asarray(it.codes, dtype=np.float64)
        v_c, nv_c = cw.sum(axis=1), cn.sum(axis=1)
        v_d, n_d = self._dsum(v_c), self._dsum(nv_c)
        vc = self._at_cells(v_d)
        out = []
        if "mean_score" in self.statistics or "score_100" in self.statistics:
            t_c = cw @ codes
            tn_c = cn @ codes
            with np.errstate(invalid="ignore", divide="ignore"):
                m = self._dsum(t_c) / v_d
                mc = self._at_cells(m)
                x = np.where(self.in_dom & (vc > 0), (t_c - mc * v_c) / vc, 0.0)
                u = np.where(self.in_dom & (vc > 0), (tn_c - mc * nv_c) / vc, 0.0)
                ss = np.stack([self._dsum(cw[:, k]) for k in range(len(codes))], axis=1)
                var_y = (ss * (codes[None, :] - m[:, None]) ** 2).sum(axis=1) / v_d
                vsrs = var_y * n_d / (n_d - 1) * (v_d - n_d) / (v_d * n_d)
            vsrs = np.where((v_d > n_d) & (n_d > 1), vsrs, np.nan)
            if "mean_score" in self.statistics:
                out.append(
                    _Column(
                        name,
                        "item",
                        "mean_score",
                        m,
                        x,
                        u,
                        nv_c,
                        n_d,
                        vsrs,
                        proportion=False,
                        scale=1.0,
                    )
                )
            if "score_100" in self.statistics:
                lo, hi = codes.min(), codes.max()
                span = hi - lo if hi > lo else 1.0
                out.append(
                    _Column(
                        name,
                        "item",
                        "score_100",
                        (m - lo) / span,
                        x / span,
                        u / span,
                        nv_c,
                        n_d,
                        vsrs / span**2,
                        proportion=False,
                        scale=100.0,
                    )
                )
        if "share" in self.statistics:
            for k, code in enumerate(it.codes):
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = self._dsum(cw[:, k]) / v_d
                    pc = self._at_cells(p)
                    x = np.where(self.in_dom & (vc > 0), (cw[:, k] - pc * v_c) / vc, 0.0)
                    u = np.where(self.in_dom & (vc > 0), (cn[:, k] - pc * nv_c) / vc, 0.0)
                    vsrs = p * (1 - p) * (v_d - n_d) / (v_d * (n_d - 1))
                vsrs = np.where((v_d > n_d) & (n_d > 1), vsrs, np.nan)
                out.append(_Column(name, "item", "share", p, x, u, nv_c, n_d, vsrs, code=int(code)))
        return out

    def combine(
        self, index: str, level: str, parts: Sequence[_Column], weights: Sequence[float]
    ) -> _Column:
        """Weighted mean of indices: linear in their influence values."""
        a = np.asarray(weights, dtype=np.float64)
        a = a / a.sum()
        est = sum(ai * c.estimate for ai, c in zip(a, parts))
        x = sum(ai * c.x for ai, c in zip(a, parts))
        u = sum(ai * c.u for ai, c in zip(a, parts))
        count = sum(c.count for c in parts)
        return _Column(
            index,
            level,
            "index",
            np.asarray(est),
            np.asarray(x),
            np.asarray(u),
            np.asarray(count),
            np.zeros(self.n_dom),
            np.zeros(self.n_dom),
        )

    def pooled(self, index: str, level: str, item_names: Sequence[str]) -> _Column:
        """Satisfied share of all answers to several items."""
        zero: Any = 0.0  # becomes an array at the first item
        s_c = v_c = ns_c = nv_c = zero
        for name in item_names:
            it = self.items[name]
            cw, cn = self.counts_w[name], self.counts_n[name]
            s_c = s_c + cw[:, it.satisfied].sum(axis=1)
            v_c = v_c + cw.sum(axis=1)
            ns_c = ns_c + cn[:, it.satisfied].sum(axis=1)
            nv_c = nv_c + cn.sum(axis=1)
        s_c, v_c, ns_c, nv_c = (np.asarray(v, dtype=np.float64) for v in (s_c, v_c, ns_c, nv_c))
        s_d, v_d = self._dsum(s_c), self._dsum(v_c)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = s_d / v_d
            pc, vc = self._at_cells(p), self._at_cells(v_d)
            x = np.where(self.in_dom & (vc > 0), (s_c - pc * v_c) / vc, 0.0)
            u = np.where(self.in_dom & (vc > 0), (ns_c - pc * nv_c) / vc, 0.0)
        return _Column(
            index, level, "index", p, x, u, nv_c, np.zeros(self.n_dom), np.zeros(self.n_dom)
        )

    def group_column(self, g: GroupSpec) -> tuple[_Column, list[tuple[str, float]] | None]:
        """Group index and its row-level recipe (item, weight) for deff/n; pooled: None."""
        if g.aggregation == "item":
            assert g.general_item is not None
            base = self.item_column(g.general_item)
            return replace(base, index=g.code, level="group"), [(g.general_item, 1.0)]
        if g.aggregation == "pooled":
            return self.pooled(g.code, "group", g.items), None
        weights = g.weights if g.aggregation == "weighted" else [1.0] * len(g.items)
        assert weights is not None
        parts = [self.item_column(i) for i in g.items]
        total = float(sum(weights))
        return self.combine(g.code, "group", parts, weights), [
            (i, wt / total) for i, wt in zip(g.items, weights)
        ]

    # -- unit-level pass for n and deff of composite indices
    def composite_units(
        self, recipe: list[tuple[str, float]] | None, pooled_items: Sequence[str], col: _Column
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Respondents with a valid answer, the SRS variance, and the unit-level z and mask."""
        dom = self.dom
        d = np.where(dom >= 0, dom, self.n_dom)
        n_rows = self.design.n
        z = np.zeros(n_rows)
        any_valid = np.zeros(n_rows, dtype=bool)
        names = [name for name, _ in recipe] if recipe is not None else list(pooled_items)
        s_sum = np.zeros(n_rows) if recipe is None else None
        v_sum = np.zeros(n_rows) if recipe is None else None
        for j, name in enumerate(names):
            it = self.items[name]
            k1 = len(it.codes) + 1
            valid_row = it.cat < len(it.codes)
            any_valid |= valid_row
            sat_k = np.append(it.satisfied, False)
            if recipe is None:
                assert s_sum is not None and v_sum is not None
                s_sum += sat_k[it.cat]
                v_sum += valid_row
                continue
            item_col = self.item_cols[name]
            v_d = self._dsum(self.counts_w[name].sum(axis=1))
            valid_k = np.append(it.valid, False)
            with np.errstate(invalid="ignore", divide="ignore"):
                table = (sat_k[None, :] - item_col.estimate[:, None] * valid_k[None, :]) / v_d[
                    :, None
                ]
            table = np.vstack([np.nan_to_num(table), np.zeros((1, k1))]) * recipe[j][1]
            z += table.reshape(-1)[self._row_index(d, k1) + it.cat]
        if recipe is None:
            assert s_sum is not None and v_sum is not None
            v_d = self._dsum(sum(self.counts_w[nm].sum(axis=1) for nm in pooled_items))
            p_rows = np.append(np.nan_to_num(col.estimate), 0.0)[d]
            vd_rows = np.append(v_d, 1.0)[d]
            z = (s_sum - p_rows * v_sum) / vd_rows
        unit = (dom >= 0) & any_valid
        n, vsrs = self._srs(unit, z, d)
        return n, vsrs, z, unit

    def _row_index(self, d: np.ndarray, k1: int) -> np.ndarray:
        cache = self.__dict__.setdefault("_row_index_cache", {})
        if k1 not in cache:
            cache[k1] = d * k1
        return cache[k1]

    def _srs(self, unit: np.ndarray, z: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w = self.design.weights
        du = d[unit]
        n = np.bincount(du, minlength=self.n_dom + 1)[: self.n_dom].astype(np.float64)
        wsum = np.bincount(du, weights=w[unit], minlength=self.n_dom + 1)[: self.n_dom]
        s1 = np.bincount(du, weights=(w * z)[unit], minlength=self.n_dom + 1)[: self.n_dom]
        s2 = np.bincount(du, weights=(w * z * z)[unit], minlength=self.n_dom + 1)[: self.n_dom]
        with np.errstate(invalid="ignore", divide="ignore"):
            ss = s2 - s1 * s1 / wsum
            v = wsum * ss / (n - 1) * (1 - n / wsum)
        return n, np.where((wsum > n) & (n > 1), v, np.nan)


def _build_columns(engine: _Engine, spec: IndexSpec, with_deff: bool) -> list[_Column]:
    """Item, group and overall columns (plus item statistics) for one scheme."""
    columns: list[_Column] = []
    seen_items: set[str] = set()
    group_cols: dict[str, _Column] = {}
    units: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for g in spec.groups:
        for item in g.items:
            if item not in seen_items:
                seen_items.add(item)
                columns.append(engine.item_column(item))
                if any(s != "index" for s in engine.statistics):
                    columns.extend(engine.item_extras(item))
        gcol, recipe = engine.group_column(g)
        n, vsrs, z, unit = engine.composite_units(recipe, g.items, gcol)
        gcol = replace(gcol, n=n, vsrs=vsrs)
        units[g.code] = (z, unit)
        group_cols[g.code] = gcol
        columns.append(gcol)
    in_overall = spec.overall_groups
    if in_overall or spec.overall_aggregation == "item":
        agg = spec.overall_aggregation
        if agg == "item":
            assert spec.overall_item is not None
            base = engine.item_column(spec.overall_item)
            ocol = replace(base, index="overall", level="overall")
        elif agg == "pooled":
            items = [i for g in in_overall for i in g.items]
            ocol = engine.pooled("overall", "overall", items)
            n, vsrs, _, _ = engine.composite_units(None, items, ocol)
            ocol = replace(ocol, n=n, vsrs=vsrs)
        else:
            weights = spec.overall_weights if agg == "weighted" else [1.0] * len(in_overall)
            assert weights is not None
            ocol = engine.combine(
                "overall", "overall", [group_cols[g.code] for g in in_overall], weights
            )
            total = float(sum(weights))
            z = np.zeros(engine.design.n)
            unit = np.zeros(engine.design.n, dtype=bool)
            for g, wt in zip(in_overall, weights):
                zg, ug = units[g.code]
                z += (wt / total) * zg
                unit |= ug
            d = np.where(engine.dom >= 0, engine.dom, engine.n_dom)
            n, vsrs = engine._srs(unit, z, d)
            ocol = replace(ocol, n=n, vsrs=vsrs)
        columns.append(ocol)
    if not with_deff:
        columns = [replace(c, vsrs=np.full(engine.n_dom, np.nan)) for c in columns]
    return columns


def _merge(recipe: list[tuple[str, float]]) -> list[tuple[str, float]]:
    merged: dict[str, float] = {}
    for item, a in recipe:
        merged[item] = merged.get(item, 0.0) + a
    return list(merged.items())


def _records(
    columns: list[_Column],
    var: np.ndarray,
    df: np.ndarray,
    labels: list[Any],
    by: str | None,
    ci_method: str,
    level: float,
) -> list[IndexRecord]:
    from .ci import t_interval

    est = np.column_stack([c.estimate for c in columns])  # (D, m)
    with np.errstate(invalid="ignore"):
        se = np.where(np.isfinite(est), np.sqrt(var), np.nan)
    n = np.column_stack([c.n for c in columns])
    prop = np.array([c.proportion for c in columns])
    low = np.full(est.shape, np.nan)
    high = np.full(est.shape, np.nan)
    used = np.full(est.shape, "t", dtype=object)
    if prop.any():
        lo, hi, us = proportion_interval(
            ci_method, est[:, prop], se[:, prop], df[:, prop], n[:, prop], level
        )
        low[:, prop], high[:, prop], used[:, prop] = lo, hi, us
    if (~prop).any():
        lo, hi = t_interval(est[:, ~prop], se[:, ~prop], df[:, ~prop], level)
        low[:, ~prop], high[:, ~prop] = lo, hi
    vsrs = np.column_stack([c.vsrs for c in columns])
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = var / vsrs
    scale = np.array([c.scale for c in columns])
    est_l, se_l = (est * scale).tolist(), (se * scale).tolist()
    low_l, high_l = (low * scale).tolist(), (high * scale).tolist()
    df_l, n_l, deff_l, used_l = (
        df.tolist(),
        n.astype(np.int64).tolist(),
        deff.tolist(),
        used.tolist(),
    )
    out: list[IndexRecord] = []
    for d, label in enumerate(labels):
        domain = None if label is None else {by: label}
        for j, col in enumerate(columns):
            out.append(
                IndexRecord(
                    col.index,
                    col.level,
                    domain,  # type: ignore[arg-type]  # by is set whenever label is
                    est_l[d][j],
                    se_l[d][j],
                    low_l[d][j],
                    high_l[d][j],
                    float(df_l[d][j]),
                    n_l[d][j],
                    deff_l[d][j],
                    str(used_l[d][j]),
                    col.statistic,
                    col.code,
                )
            )
    return out


def _as_design(data: Any, design: Any) -> SurveyDesign:
    if isinstance(design, SurveyDesign):
        return design
    if design is None:
        return build_design(data, DesignSpec())
    if isinstance(design, DesignSpec):
        return build_design(data, design)
    if isinstance(design, Mapping):
        return build_design(data, DesignSpec(**design))
    raise DesignError(f"design must be a SurveyDesign or DesignSpec, not {type(design).__name__}")


def _match(values: np.ndarray, target: Any) -> np.ndarray:
    if values.dtype.kind in "fiub":
        try:
            return values.astype(np.float64) == float(target)
        except (TypeError, ValueError):
            return np.zeros(len(values), dtype=bool)
    return (pd.Series(values).astype(str) == str(target)).to_numpy()


def compute_indices(
    data: Any,
    spec: IndexSpec,
    design: SurveyDesign | DesignSpec | Mapping[str, Any] | None = None,
    by: str | None = None,
    ci_method: str = "logit",
    level: float = 0.95,
    *,
    compare: Sequence[tuple[str, Any, Any]] = (),
    statistics: Sequence[str] = ("index",),
    deff: bool = True,
    overall: bool = True,
) -> IndexResults:
    """Compute item, group and overall indices with design-based inference.

    Parameters
    ----------
    data : pandas.DataFrame or dict of str to numpy.ndarray
        One row per respondent; item columns hold numeric answer codes with
        NaN for blank.
    spec : IndexSpec
        Index definitions.
    design : SurveyDesign, DesignSpec or dict of DesignSpec fields, optional
        The sample design (default: simple random sample with equal weights).
    by : str, optional
        Domain column: one block of records per value, after the whole-sample
        records, each estimated on the full design.
    ci_method : {"logit", "wald", "beta", "wilson"}
        Interval for indices; at an index of exactly 0 or 100 the logit
        interval does not exist and a Korn–Graubard interval with the nominal
        sample size is reported (``ci_method="beta"`` in the record).
    level : float
        Confidence level.
    compare : sequence of (column, a, b)
        Domain comparisons: every index in ``column == a`` minus ``column == b``,
        with the covariance through shared PSUs and the whole design's df.
    statistics : sequence of {"index", "mean_score", "score_100", "share"}
        Item statistics to report besides the indices.
    deff : bool
        Compute design effects of group and overall indices (one pass over the
        rows per domain scheme).
    overall : bool
        Include the whole-sample records.

    Returns
    -------
    IndexResults

    Raises
    ------
    DesignError
        Unknown columns, non-numeric answers, bad design.
    LonelyPSUError
        A stratum with one PSU under ``lonely_psu="fail"``.
    """
    if ci_method not in ("logit", "wald", "beta", "wilson", "xlogit", "mean"):
        raise DesignError(f"Unknown ci_method '{ci_method}' (use logit, wald, beta or wilson)")
    unknown = [s for s in statistics if s not in STATISTICS]
    if unknown:
        raise DesignError(f"Unknown statistic '{unknown[0]}' (use {', '.join(STATISTICS)})")
    design = _as_design(data, design)
    items = _prepare_items(data, spec)
    records: list[IndexRecord] = []
    schemes: list[tuple[np.ndarray, list[Any]]] = []
    if overall:
        schemes.append((np.zeros(design.n, dtype=np.int64), [None]))
    if by is not None:
        schemes.append(domain_codes(data, by, design.n))
    for dom, labels in schemes:
        engine = _Engine(design, items, spec, dom, len(labels), statistics)
        columns = _build_columns(engine, spec, deff)
        x = np.column_stack([c.x for c in columns])
        u = np.column_stack([c.u for c in columns])
        counts = np.column_stack([c.count for c in columns])
        var, df = linearized_variance(design, engine.cells, x, counts, u)
        records.extend(_records(columns, var, df, labels, by, ci_method, level))
    comparisons: list[ComparisonRecord] = []
    for column, a, b in compare:
        comparisons.extend(_compare(data, design, items, spec, column, a, b, level))
    return IndexResults(tuple(records), tuple(comparisons), level, design.degf)


def _compare(
    data: Any,
    design: SurveyDesign,
    items: dict[str, _ItemCodes],
    spec: IndexSpec,
    column: str,
    a: Any,
    b: Any,
    level: float,
) -> list[ComparisonRecord]:
    values = get_column(data, column)
    in_a, in_b = _match(values, a), _match(values, b)
    for value, rows in ((a, in_a), (b, in_b)):
        if not rows.any():
            raise DesignError(f"Column '{column}' has no rows with value '{value}'")
    dom = np.where(in_a, 0, np.where(in_b, 1, -1)).astype(np.int64)
    engine = _Engine(design, items, spec, dom, 2, ("index",))
    columns = _build_columns(engine, spec, with_deff=False)
    sign = np.where(engine.cells.dom == 0, 1.0, np.where(engine.cells.dom == 1, -1.0, 0.0))
    x = np.column_stack([c.x for c in columns]) * sign[:, None]
    u = np.column_stack([c.u for c in columns]) * sign[:, None]
    counts = np.column_stack([c.count for c in columns])
    merged = replace(engine.cells, dom=np.where(engine.cells.dom >= 0, 0, -1), n_domains=1)
    var, _ = linearized_variance(design, merged, x, counts, u)
    df = float(design.degf)
    out = []
    for j, col in enumerate(columns):
        diff = (col.estimate[0] - col.estimate[1]) * 100.0
        se = float(np.sqrt(var[0, j])) * 100.0
        from .ci import t_interval

        lo, hi = t_interval(diff, se, df, level)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = diff / se
        p = float(2 * stats.t.sf(abs(t), df)) if df > 0 and np.isfinite(t) else float("nan")
        out.append(
            ComparisonRecord(
                index=col.index,
                level=col.level,
                a={column: _plain(a)},
                b={column: _plain(b)},
                difference=float(diff),
                se=se,
                ci_low=float(lo),
                ci_high=float(hi),
                p_value=p,
                df=df,
            )
        )
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def compare_rounds(
    round_a: IndexResults,
    round_b: IndexResults,
    *,
    labels: tuple[str, str] = ("a", "b"),
    level: float | None = None,
) -> tuple[ComparisonRecord, ...]:
    """Differences of every index between two rounds (independent samples).

    The variance of the difference is the sum of the two variances; degrees of
    freedom follow Welch–Satterthwaite.  Records are matched on index, level,
    statistic and domain.

    Parameters
    ----------
    round_a, round_b : IndexResults
        Results of the two rounds (same specification).
    labels : (str, str)
        Names of the rounds in the records (``{"round": label}``).
    level : float, optional
        Confidence level (default: that of ``round_a``).

    Returns
    -------
    tuple of ComparisonRecord
    """
    level = round_a.level if level is None else level
    index_b = {
        (r.index, r.level, r.statistic, r.code, domain_text(r.domain)): r for r in round_b.records
    }
    out = []
    for ra in round_a.records:
        rb = index_b.get((ra.index, ra.level, ra.statistic, ra.code, domain_text(ra.domain)))
        if rb is None:
            continue
        diff = ra.estimate - rb.estimate
        va, vb = ra.se**2, rb.se**2
        se = float(np.sqrt(va + vb))
        with np.errstate(invalid="ignore", divide="ignore"):
            # numpy scalars: a zero df or se gives inf/nan here instead of ZeroDivisionError
            df_raw = (va + vb) ** 2 / (np.float64(va) ** 2 / np.float64(ra.df) + np.float64(vb) ** 2 / np.float64(rb.df))
            t = np.float64(diff) / np.float64(se)
        df = float(df_raw) if np.isfinite(df_raw) else float(min(ra.df, rb.df))
        from .ci import t_interval

        lo, hi = t_interval(diff, se, df, level)
        p = float(2 * stats.t.sf(abs(t), df)) if df > 0 and np.isfinite(t) else float("nan")
        dom = dict(ra.domain) if ra.domain else {}
        out.append(
            ComparisonRecord(
                index=ra.index,
                level=ra.level,
                a={"round": labels[0], **dom},
                b={"round": labels[1], **dom},
                difference=float(diff),
                se=se,
                ci_low=float(lo),
                ci_high=float(hi),
                p_value=p,
                df=df,
            )
        )
    return tuple(out)
