"""Design-based means, totals, ratios and proportions, overall and by domain.

Every statistic here is a smooth function of weighted totals.  Its Taylor
(linearization) variance is the design variance of the total of its
influence variable, computed by :func:`analysis.variance.linearized_variance`;
replicate-weight variances recompute the statistic with each replicate's
weights (:mod:`analysis.replicate`).  Missing values are excluded the way R's
``na.rm=TRUE`` excludes them: the rows stay in the design with zero
influence, so standard errors and domain degrees of freedom are right.

>>> design = build_design(df, strata="stype", weight="pw", fpc="fpc")   # doctest: +SKIP
>>> estimate(df, design, [Mean("api00")], by="stype").to_frame()       # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import distributions as stats  # scipy.stats' names, without its import time
from .ci import likelihood_interval, proportion_interval, t_interval
from .columns import factorize_values
from .design import DesignSpec, SurveyDesign, build_design, get_column
from .errors import DesignError
from .results import ComparisonRecord, EstimateRecord, EstimateResults
from .variance import linearized_variance, make_cells

__all__ = [
    "Mean",
    "Proportion",
    "Ratio",
    "Statistic",
    "Total",
    "domain_codes",
    "domain_difference",
    "domain_schemes",
    "estimate",
    "numeric_column",
]


@dataclass(frozen=True)
class Mean:
    """Weighted mean of a numeric column."""

    variable: str

    @property
    def label(self) -> str:
        return self.variable


@dataclass(frozen=True)
class Total:
    """Estimated population total of a numeric column."""

    variable: str

    @property
    def label(self) -> str:
        return self.variable


@dataclass(frozen=True)
class Ratio:
    """Ratio of two estimated totals, ``total(numerator) / total(denominator)``."""

    numerator: str
    denominator: str

    @property
    def label(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class Proportion:
    """Share of (non-missing) rows where ``variable == value``."""

    variable: str
    value: Any

    @property
    def label(self) -> str:
        return f"{self.variable}=={self.value}"


Statistic = Mean | Total | Ratio | Proportion
STAT_NAMES = {Mean: "mean", Total: "total", Ratio: "ratio", Proportion: "proportion"}


def numeric_column(data: Any, name: str) -> np.ndarray:
    """A column as float64 with NaN for missing values.

    Raises
    ------
    DesignError
        Unknown column, or values that are not numbers.
    """
    values = get_column(data, name)
    if values.dtype.kind in "fiub":
        return values.astype(np.float64)
    import pandas as pd  # text columns only: pandas' rules for numbers written as text

    converted = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64)
    present = (
        pd.notna(pd.Series(values)).to_numpy()
        & (pd.Series(values).astype(str).str.strip() != "").to_numpy()
    )
    bad = present & np.isnan(converted)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DesignError(f"Column '{name}' must be numeric: row {row + 1} has '{values[row]}'")
    return converted


def _match_value(values: np.ndarray, value: Any) -> np.ndarray:
    """Rows equal to ``value``, comparing numbers numerically and text as text."""
    if values.dtype.kind in "fiub":
        try:
            target = float(value)
        except (TypeError, ValueError):
            return np.zeros(len(values), dtype=bool)
        return values.astype(np.float64) == target
    if values.dtype.kind not in "OU":
        import pandas as pd  # dates and other kinds: pandas' text of each value

        return (pd.Series(values).astype(str) == str(value)).to_numpy()
    return values.astype(str) == str(value)  # str() of each value, as pandas' astype(str)


def _missing(values: np.ndarray) -> np.ndarray:
    """Rows without a value, as ``pandas.isna`` finds them (NaN, None), without importing pandas."""
    pandas = sys.modules.get("pandas")
    if pandas is not None:  # its own markers (pd.NA, NaT) can only be in the data once it is loaded
        return pandas.isna(values)
    kind = values.dtype.kind
    if kind in "fc":
        return np.isnan(values)
    if kind in "mM":
        return np.isnat(values)
    if kind != "O":
        return np.zeros(len(values), dtype=bool)
    return np.equal(values, None) | np.not_equal(values, values)  # None, or NaN (the one value unequal to itself)


def domain_codes(data: Any, by: str | None, n: int) -> tuple[np.ndarray, list[Any]]:
    """Domain code of each row (``-1`` where ``by`` is missing) and sorted labels."""
    if by is None:
        return np.zeros(n, dtype=np.int64), [None]
    codes, labels = factorize_values(get_column(data, by))
    return codes, [_plain(v) for v in labels]


def domain_schemes(
    data: Any, by: str | None, n: int, *, overall: bool
) -> list[tuple[np.ndarray, list[Any]]]:
    """The domain codings to estimate over: the whole sample (when ``overall``), then ``by``.

    Each is a pair of the domain code of each row and the domain labels, as
    :func:`domain_codes` returns it.
    """
    schemes: list[tuple[np.ndarray, list[Any]]] = []
    if overall:
        schemes.append((np.zeros(n, dtype=np.int64), [None]))
    if by is not None:
        schemes.append(domain_codes(data, by, n))
    return schemes


def _plain(value: Any) -> Any:
    """Python scalar for a numpy/pandas label (``3.0`` becomes ``3``)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class _Linearized:
    """Domain estimates of several statistics and their influence values on cells."""

    estimate: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    n: np.ndarray
    vsrs: np.ndarray
    x: np.ndarray
    u: np.ndarray
    counts: np.ndarray
    cells: Any
    y_rows: list[np.ndarray]
    den_rows: list[np.ndarray]
    valid_rows: list[np.ndarray]
    is_ratio: list[bool]


def _row_values(data: Any, stat: Statistic, n: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Numerator values, denominator values (1 for means) and validity of each row."""
    if isinstance(stat, Mean):
        y = numeric_column(data, stat.variable)
        return y, np.ones(n), True
    if isinstance(stat, Total):
        return numeric_column(data, stat.variable), np.ones(n), False
    if isinstance(stat, Ratio):
        return numeric_column(data, stat.numerator), numeric_column(data, stat.denominator), True
    if isinstance(stat, Proportion):
        raw = get_column(data, stat.variable)
        y = np.where(_missing(raw), np.nan, _match_value(raw, stat.value).astype(np.float64))
        return y, np.ones(n), True
    raise TypeError(f"Unknown statistic {stat!r}")


def _linearize(
    data: Any, design: SurveyDesign, statistics: Sequence[Statistic], dom: np.ndarray, n_dom: int
) -> _Linearized:
    n = design.n
    w = design.weights
    m = len(statistics)
    cells = make_cells(design, dom, n_dom, by_row=True)
    rows = np.flatnonzero(cells.row_cell >= 0)
    dom_r = dom[rows]
    inside = dom_r >= 0
    dom_in = np.where(inside, dom_r, 0)
    w_r = w[rows]
    est = np.zeros((n_dom, m))
    num = np.zeros((n_dom, m))
    den = np.zeros((n_dom, m))
    cnt = np.zeros((n_dom, m))
    vsrs = np.zeros((n_dom, m))
    x = np.zeros((len(rows), m))
    counts = np.zeros((len(rows), m))
    y_rows: list[np.ndarray] = []
    den_rows: list[np.ndarray] = []
    valid_rows: list[np.ndarray] = []
    is_ratio: list[bool] = []
    for j, stat in enumerate(statistics):
        y, d, ratio = _row_values(data, stat, n)
        valid = ~(np.isnan(y) | np.isnan(d))
        yv = np.where(valid, y, 0.0)[rows]
        dv = np.where(valid, d, 0.0)[rows]
        ok = valid[rows] & inside
        wy = np.bincount(dom_in[ok], weights=(w_r * yv)[ok], minlength=n_dom)
        wd = np.bincount(dom_in[ok], weights=(w_r * dv)[ok], minlength=n_dom)
        cnt[:, j] = np.bincount(dom_in[ok], minlength=n_dom)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = wy / wd if ratio else wy
            z = (yv - theta[dom_in] * dv) / wd[dom_in] if ratio else yv
        z = np.where(ok, z, 0.0)
        est[:, j], num[:, j], den[:, j] = theta, wy, wd
        x[:, j] = w_r * z
        counts[:, j] = ok
        # variance under simple random sampling without replacement (R's deff)
        wsum = np.bincount(dom_in[ok], weights=w_r[ok], minlength=n_dom)
        s1 = np.bincount(dom_in[ok], weights=(w_r * z)[ok], minlength=n_dom)
        s2 = np.bincount(dom_in[ok], weights=(w_r * z * z)[ok], minlength=n_dom)
        nn = cnt[:, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            ss = s2 - s1 * s1 / wsum
            v = wsum * ss / (nn - 1) * (1 - nn / wsum)
        vsrs[:, j] = np.where((wsum > nn) & (nn > 1), v, np.nan)
        y_rows.append(np.where(valid, y, np.nan))
        den_rows.append(d)
        valid_rows.append(valid)
        is_ratio.append(ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = x / w_r[:, None]
    return _Linearized(
        est, num, den, cnt, vsrs, x, u, counts, cells, y_rows, den_rows, valid_rows, is_ratio
    )


def _as_design(data: Any, design: SurveyDesign | DesignSpec | None) -> SurveyDesign:
    if isinstance(design, SurveyDesign):
        return design
    return build_design(data, design if design is not None else DesignSpec())


def estimate(
    data: Any,
    design: SurveyDesign | DesignSpec | None,
    statistics: Sequence[Statistic],
    *,
    by: str | None = None,
    overall: bool = True,
    level: float = 0.95,
    ci_method: str = "logit",
    variance: str = "taylor",
    replicates: Any = None,
    domain_df: Literal["domain", "design"] | None = None,
) -> EstimateResults:
    """Estimate means, totals, ratios and proportions with design-based inference.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of str to array
        The sample.
    design : SurveyDesign or DesignSpec
        The design (a spec is built on ``data``).
    statistics : sequence of Mean, Total, Ratio, Proportion
        What to estimate.
    by : str, optional
        Domain column: adds one record per domain value (estimated on the full
        design) after the whole-sample records.
    overall : bool
        Include the whole-sample records.
    level : float
        Confidence level.
    ci_method : {"logit", "likelihood", "beta", "wald", "wilson", "xlogit", "mean"}
        Interval for proportions; means, totals and ratios use Student t.
    variance : {"taylor", "jk1", "jkn", "bootstrap", "brr", "fay"}
        Variance method; replicate methods need ``replicates`` or build them
        with defaults (bootstrap: 500 replicates, seed 0).
    replicates : ReplicateDesign, optional
        Replicate weights to use.
    domain_df : {"domain", "design"}, optional
        Degrees of freedom of domain estimates: counted on the PSUs with an
        observation in the domain (R ``degf`` of the subset) or the whole
        design's (Stata ``subpop``); default: the design's ``domain_df``
        (``"domain"`` unless its spec says otherwise).

    Returns
    -------
    EstimateResults
    """
    design = _as_design(data, design)
    if domain_df is not None:
        design = design.with_domain_df(domain_df)
    records: list[EstimateRecord] = []
    for dom, labels in domain_schemes(data, by, design.n, overall=overall):
        lin = _linearize(data, design, statistics, dom, len(labels))
        if variance == "taylor":
            var, df = linearized_variance(design, lin.cells, lin.x, lin.counts, lin.u)
            method_name = "taylor"
        else:
            from .replicate import make_replicates, replicate_variance

            reps = replicates if replicates is not None else make_replicates(design, variance)
            var = replicate_variance(reps, design, lin, dom, len(labels))
            df = np.full_like(var, float(reps.df))
            method_name = reps.method
        se = np.sqrt(var)
        with np.errstate(invalid="ignore", divide="ignore"):
            deff = var / lin.vsrs
        for j, stat in enumerate(statistics):
            name = STAT_NAMES[type(stat)]
            for d, label in enumerate(labels):
                domain = None if label is None else {by: label}
                est_v, se_v, df_v = lin.estimate[d, j], se[d, j], df[d, j]
                n_v = int(lin.n[d, j])
                if isinstance(stat, Proportion):
                    if ci_method == "likelihood":
                        sel = lin.valid_rows[j] & (dom == d)
                        lo, hi = likelihood_interval(
                            lin.y_rows[j][sel], design.weights[sel], se_v, df_v, level
                        )
                        used = "likelihood"
                    else:
                        lo_a, hi_a, used_a = proportion_interval(
                            ci_method, est_v, se_v, df_v, n_v, level
                        )
                        lo, hi, used = float(lo_a), float(hi_a), str(used_a)
                else:
                    lo_a, hi_a = t_interval(est_v, se_v, df_v, level)
                    lo, hi, used = float(lo_a), float(hi_a), "t"
                records.append(
                    EstimateRecord(
                        statistic=name,
                        variable=stat.label,
                        domain=domain,  # type: ignore[arg-type]  # by is set whenever label is
                        estimate=float(est_v),
                        se=float(se_v),
                        ci_low=lo,
                        ci_high=hi,
                        df=float(df_v),
                        deff=float(deff[d, j]),
                        n=n_v,
                        ci_method=used,
                        level=level,
                        variance=method_name,
                    )
                )
    return EstimateResults(records=tuple(records))


def _difference_record(
    label: str,
    kind: str,
    a: dict[str, Any],
    b: dict[str, Any],
    diff: float,
    se: float,
    df: float,
    level: float,
) -> ComparisonRecord:
    lo, hi = t_interval(diff, se, df, level)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = diff / se
        p = float(2 * stats.t.sf(abs(t), df)) if df > 0 and np.isfinite(t) else float("nan")
    return ComparisonRecord(
        index=label,
        level=kind,
        a=a,
        b=b,
        difference=float(diff),
        se=float(se),
        ci_low=float(lo),
        ci_high=float(hi),
        p_value=p,
        df=float(df),
    )


def domain_difference(
    data: Any,
    design: SurveyDesign | DesignSpec | None,
    statistic: Statistic,
    by: str,
    a: Any,
    b: Any,
    *,
    level: float = 0.95,
) -> ComparisonRecord:
    """Difference of a statistic between two domains, with their covariance.

    Both domains are estimated on the full design; PSUs holding rows of both
    domains make the two estimates covary, and the variance of the difference
    is the design variance of the difference of the influence values.  The
    interval and p-value use the whole design's degrees of freedom.

    Parameters
    ----------
    data, design : see :func:`estimate`
    statistic : Mean, Total, Ratio or Proportion
    by : str
        Domain column.
    a, b : scalar
        The two domain values (compared as text or numbers).
    level : float
        Confidence level.

    Returns
    -------
    ComparisonRecord
    """
    design = _as_design(data, design)
    raw = get_column(data, by)
    in_a, in_b = _match_value(raw, a), _match_value(raw, b)
    for value, rows in ((a, in_a), (b, in_b)):
        if not rows.any():
            raise DesignError(f"Column '{by}' has no rows with value '{value}'")
    dom = np.where(in_a, 0, np.where(in_b, 1, -1)).astype(np.int64)
    lin = _linearize(data, design, [statistic], dom, 2)
    sign = np.where(lin.cells.dom == 0, 1.0, np.where(lin.cells.dom == 1, -1.0, 0.0))
    diff_cells = _single_domain(lin.cells)
    x = lin.x * sign[:, None]
    u = lin.u * sign[:, None]
    var, _ = linearized_variance(design, diff_cells, x, lin.counts, u)
    diff = lin.estimate[0, 0] - lin.estimate[1, 0]
    return _difference_record(
        statistic.label,
        STAT_NAMES[type(statistic)],
        {by: _plain(a)},
        {by: _plain(b)},
        diff,
        float(np.sqrt(var[0, 0])),
        float(design.degf),
        level,
    )


def _single_domain(cells: Any) -> Any:
    """The same cells with both compared domains merged into domain 0."""
    from dataclasses import replace

    dom = np.where(cells.dom >= 0, 0, -1)
    return replace(cells, dom=dom, n_domains=1)
