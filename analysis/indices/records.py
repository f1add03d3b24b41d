"""Index results: one immutable record per index and domain, and their collection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.results import (
    NOT_ESTIMABLE,
    ComparisonRecord,
    SummaryText,
    clean_number,
    domain_text,
    records_csv,
    records_frame,
)

if TYPE_CHECKING:
    import pandas as pd


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
    reliability : str
        ``"ok"``, or ``"not_estimable"`` where the domain has ``df <= 1`` (e.g. a
        single PSU) or an SE of 0: the interval is not informative and the
        domain is left out of rankings.
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
    reliability: str = "ok"

    @property
    def estimable(self) -> bool:
        """Whether the record has a usable interval (``reliability == "ok"``)."""
        return self.reliability != NOT_ESTIMABLE

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
class IndexResults(SummaryText):
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

    def to_csv(self) -> str:
        """``to_frame().to_csv(index=False)``, the same text, without loading pandas."""
        return records_csv(self.records, IndexRecord)

    def comparisons_csv(self) -> str:
        """``comparisons_frame().to_csv(index=False)``, the same text, without loading pandas."""
        return records_csv(self.comparisons, ComparisonRecord)

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
                + ("" if r.estimable else "  not estimable / unreliable")
            )
        for c in self.comparisons:
            lines.append(
                f"{c.index} ({c.level}): {domain_text(c.a)} - {domain_text(c.b)} = "
                f"{_f(c.difference, 2)} (se {_f(c.se, 2)}, CI [{_f(c.ci_low, 2)}, "
                f"{_f(c.ci_high, 2)}], p {_f(c.p_value, 4)})"
            )
        return "\n".join(lines)


def _f(value: float, digits: int) -> str:
    return "NA" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _comparison_dict(c: ComparisonRecord) -> dict[str, Any]:
    out = c.to_dict()
    out["a"] = {k: str(v) for k, v in out["a"].items()}
    out["b"] = {k: str(v) for k, v in out["b"].items()}
    return out
