"""compute_indices and compare_rounds: indices with design-based errors, differences between domains and rounds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from analysis import distributions as stats  # scipy.stats' names, without its import time
from analysis.ci import t_interval
from analysis.design import DesignSpec, SurveyDesign, build_design, get_column
from analysis.errors import DesignError
from analysis.estimators import domain_schemes
from analysis.indices.engine import _build_columns, _Engine, _ItemCodes, _prepare_items, _records
from analysis.indices.records import IndexRecord, IndexResults
from analysis.indices.spec import STATISTICS, IndexSpec
from analysis.results import ComparisonRecord, domain_text
from analysis.variance import linearized_variance


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
    return values.astype(str) == str(target)  # str() of each value, as pandas' astype(str)


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
    engines: list[tuple[_Engine, list[Any]]] = []
    finer = None
    # the domains first: the whole sample's cell counts are then sums of theirs
    for dom, labels in reversed(domain_schemes(data, by, design.n, overall=overall)):
        finer = _Engine(design, items, spec, dom, len(labels), statistics, finer)
        engines.insert(0, (finer, labels))
    for engine, labels in engines:
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
        out.append(_difference(col.index, col.level, {column: _plain(a)}, {column: _plain(b)}, diff, se, df, level))
    return out


def _difference(
    index: str, index_level: str, a: dict[str, Any], b: dict[str, Any], diff: float, se: float, df: float, level: float
) -> ComparisonRecord:
    """The comparison record of a difference: t interval and two-sided p-value (NaN without df or se)."""
    lo, hi = t_interval(diff, se, df, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.float64(diff) / np.float64(se)
    p = float(2 * stats.t.sf(abs(t), df)) if df > 0 and np.isfinite(t) else float("nan")
    return ComparisonRecord(
        index=index,
        level=index_level,
        a=a,
        b=b,
        difference=float(diff),
        se=se,
        ci_low=float(lo),
        ci_high=float(hi),
        p_value=p,
        df=df,
    )


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
            # numpy scalars: a zero df gives inf/nan here instead of ZeroDivisionError
            df_raw = (va + vb) ** 2 / (np.float64(va) ** 2 / np.float64(ra.df) + np.float64(vb) ** 2 / np.float64(rb.df))
        df = float(df_raw) if np.isfinite(df_raw) else float(min(ra.df, rb.df))
        dom = dict(ra.domain) if ra.domain else {}
        out.append(
            _difference(ra.index, ra.level, {"round": labels[0], **dom}, {"round": labels[1], **dom}, diff, se, df, level)
        )
    return tuple(out)
