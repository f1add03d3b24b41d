"""League tables: units compared with a reference value, with rank intervals.

SIPAS ranks provinces (and provinces rank their departments and communes) on
estimated satisfaction. A published rank hides how uncertain it is, so a
league table here gives, for each unit,

* its difference from a reference value (the national or provincial figure,
  possibly estimated from the same survey and so correlated with the unit),
  the standard error of that difference, a t test with the design degrees of
  freedom, Holm-adjusted p-values across units and a flag "above", "below" or
  "not different";
* an interval for its rank, either by simulation from the approximate
  multivariate normal distribution of the estimates, or by the joint pairwise
  method of Klein, Wright and Wieczorek (2020).

Ranks count from the highest estimate (rank 1 = most satisfied).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from analysis.errors import AnalysisError
from analysis.results import SummaryText, attributes

__all__ = ["LeagueTable", "RankIntervals", "holm_adjust", "league_table", "rank_intervals"]

FloatArray = NDArray[np.float64]
RankMethod = Literal["simulation", "kww"]
Adjustment = Literal["holm", "none"]
Flag = Literal["above", "below", "not different"]


def _frozen(values: ArrayLike, dtype: Any = float) -> NDArray[Any]:
    out = np.array(values, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def holm_adjust(p_values: ArrayLike) -> FloatArray:
    """Holm's step-down adjustment of p-values (family-wise error rate).

    Parameters
    ----------
    p_values : array_like
        Unadjusted p-values.

    Returns
    -------
    ndarray
        Adjusted p-values in the input order:
        ``p_(j) -> max_{l <= j} min(1, (k - l + 1) p_(l))`` over the sorted values.
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise AnalysisError(f"p-values must be one-dimensional, got shape {p.shape}")
    if np.any(~np.isfinite(p) | (p < 0) | (p > 1)):
        raise AnalysisError("p-values must lie in [0, 1]")
    k = p.size
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(1.0, (k - np.arange(k)) * p[order])
    adjusted = np.empty(k)
    adjusted[order] = np.maximum.accumulate(stepped)
    return adjusted


def _point_ranks(estimates: FloatArray) -> NDArray[np.int64]:
    """Rank 1 for the highest estimate; ties share the best rank."""
    return (np.sum(estimates[None, :] > estimates[:, None], axis=1) + 1).astype(np.int64)


def _unit_covariance(
    k: int, se: ArrayLike | None, cov: ArrayLike | None, what: str = "estimates"
) -> FloatArray:
    if (se is None) == (cov is None):
        raise AnalysisError("give exactly one of se and cov")
    if se is not None:
        s = np.asarray(se, dtype=float)
        if s.shape != (k,):
            raise AnalysisError(f"se must have one value per unit ({k}), got shape {s.shape}")
        if np.any(~np.isfinite(s) | (s < 0)):
            j = int(np.flatnonzero(~np.isfinite(s) | (s < 0))[0])
            raise AnalysisError(f"se of unit {j} must be finite and >= 0, got {float(s[j])!r}")
        return np.diag(s**2)
    c = np.asarray(cov, dtype=float)
    if c.shape != (k, k):
        raise AnalysisError(f"cov of the {what} must have shape ({k}, {k}), got {c.shape}")
    if not np.all(np.isfinite(c)) or not np.allclose(c, c.T, rtol=1e-10, atol=1e-14):
        raise AnalysisError("cov must be a finite symmetric matrix")
    return c


@dataclass(frozen=True, eq=False)
class RankIntervals(SummaryText):
    """Intervals for the ranks of units (rank 1 = highest estimate).

    Attributes
    ----------
    units : ndarray
        Unit labels.
    estimate : ndarray
        Unit estimates.
    rank : ndarray of int
        Rank of each estimate (ties share the best rank).
    rank_low, rank_high : ndarray of int
        Limits of the rank interval.
    method : {"simulation", "kww"}
        ``"simulation"``: marginal intervals, the ``(1 - level) / 2`` and
        ``(1 + level) / 2`` quantiles of each unit's rank over draws from the
        normal distribution of the estimates. ``"kww"``: the joint intervals of
        Klein, Wright and Wieczorek (2020) from Bonferroni-adjusted pairwise
        comparisons; all of them hold together with probability ``>= level``.
    level : float
        Confidence level.
    n_draws : int
        Number of simulated draws (0 for "kww").
    prob_top : ndarray
        Simulated probability of rank 1 (NaN for "kww").
    mean_rank : ndarray
        Mean simulated rank (NaN for "kww").
    """

    units: NDArray[Any]
    estimate: FloatArray
    rank: NDArray[np.int64]
    rank_low: NDArray[np.int64]
    rank_high: NDArray[np.int64]
    method: RankMethod
    level: float
    n_draws: int
    prob_top: FloatArray
    mean_rank: FloatArray

    def to_frame(self) -> pd.DataFrame:
        """One row per unit, sorted by rank."""
        frame = pd.DataFrame(
            {
                "unit": self.units,
                "estimate": self.estimate,
                "rank": self.rank,
                "rank_low": self.rank_low,
                "rank_high": self.rank_high,
                "prob_top": self.prob_top,
                "mean_rank": self.mean_rank,
            }
        )
        return frame.sort_values(["rank", "unit"], kind="stable").reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """Settings and the units table as plain Python objects."""
        return {**attributes(self, "method", "level", "n_draws"), "units": self.to_frame().to_dict(orient="records")}

    def summary(self) -> str:
        """Text report of the rank intervals."""
        how = (
            f"simulation, {self.n_draws} draws, marginal"
            if self.method == "simulation"
            else "Klein-Wright-Wieczorek pairwise, joint"
        )
        return f"{self.level:.0%} rank intervals ({how})\n" + self.to_frame().to_string(index=False)


def rank_intervals(
    estimates: ArrayLike,
    *,
    se: ArrayLike | None = None,
    cov: ArrayLike | None = None,
    method: RankMethod = "simulation",
    rng: np.random.Generator | None = None,
    n_draws: int = 10_000,
    level: float = 0.95,
    df: float = np.inf,
    units: Sequence[Any] | None = None,
) -> RankIntervals:
    """Confidence intervals for the ranks of units.

    Parameters
    ----------
    estimates : array_like
        Unit estimates.
    se : array_like, optional
        Standard errors of independent estimates.
    cov : array_like, optional
        Covariance matrix of the estimates (give ``se`` or ``cov``).
    method : {"simulation", "kww"}, default "simulation"
        ``"simulation"`` draws ``n_draws`` vectors from
        ``N(estimates, cov)`` with ``rng``, ranks each draw and takes each
        unit's marginal rank quantiles. ``"kww"`` compares every pair ``(i, j)``
        with intervals for ``theta_j - theta_i`` at the Bonferroni level
        ``1 - (1 - level) / (k (k - 1) / 2)``; unit ``i``'s interval is
        ``[1 + #{j surely above i}, k - #{j surely below i}]`` and the ``k``
        intervals hold jointly with probability at least ``level``.
    rng : numpy.random.Generator, optional
        Source of randomness; required for ``"simulation"``.
    n_draws : int, default 10000
        Number of simulated draws.
    level : float, default 0.95
        Confidence level.
    df : float, default inf
        Degrees of freedom for the pairwise intervals of ``"kww"`` (t instead
        of normal quantile); not used by ``"simulation"``.
    units : sequence, optional
        Unit labels.

    Returns
    -------
    RankIntervals
    """
    est = np.asarray(estimates, dtype=float)
    if est.ndim != 1 or est.size == 0 or not np.all(np.isfinite(est)):
        raise AnalysisError("estimates must be a non-empty 1-D array of finite numbers")
    k = est.size
    labels = np.arange(k) if units is None else np.asarray(units)
    if labels.shape != (k,):
        raise AnalysisError(f"units must have {k} labels, got {labels.size}")
    if not 0 < level < 1:
        raise AnalysisError(f"level must lie strictly between 0 and 1, got {level!r}")
    c = _unit_covariance(k, se, cov)
    alpha = 1 - level
    rank = _point_ranks(est)

    if method == "simulation":
        if not isinstance(rng, np.random.Generator):
            raise AnalysisError("simulated rank intervals need rng, a numpy.random.Generator")
        if n_draws < 100:
            raise AnalysisError(f"n_draws must be at least 100, got {n_draws}")
        if np.count_nonzero(c - np.diag(np.diag(c))):
            draws = rng.multivariate_normal(est, c, size=n_draws, method="eigh")
        else:
            draws = est + np.sqrt(np.diag(c)) * rng.standard_normal((n_draws, k))
        order = np.argsort(-draws, axis=1, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(1, k + 1)[None, :], axis=1)
        low, high = np.quantile(ranks, [alpha / 2, 1 - alpha / 2], axis=0, method="inverted_cdf")
        return RankIntervals(
            units=_frozen(labels, labels.dtype),
            estimate=_frozen(est),
            rank=_frozen(rank, np.int64),
            rank_low=_frozen(low, np.int64),
            rank_high=_frozen(high, np.int64),
            method=method,
            level=float(level),
            n_draws=int(n_draws),
            prob_top=_frozen(np.mean(ranks == 1, axis=0)),
            mean_rank=_frozen(ranks.mean(axis=0)),
        )
    if method == "kww":
        if k == 1:
            above = below = np.zeros(1, dtype=np.int64)
        else:
            n_pairs = k * (k - 1) / 2
            q = 1 - alpha / (2 * n_pairs)
            crit = stats.norm.ppf(q) if np.isinf(df) else stats.t.ppf(q, df)
            var = np.diag(c)
            with np.errstate(invalid="ignore"):
                se_pair = np.sqrt(np.maximum(var[:, None] + var[None, :] - 2 * c, 0.0))
            gap = est[None, :] - est[:, None]  # gap[i, j] = theta_j - theta_i
            off = ~np.eye(k, dtype=bool)
            above = np.sum(off & (gap - crit * se_pair > 0), axis=1)
            below = np.sum(off & (gap + crit * se_pair < 0), axis=1)
        nan = np.full(k, np.nan)
        return RankIntervals(
            units=_frozen(labels, labels.dtype),
            estimate=_frozen(est),
            rank=_frozen(rank, np.int64),
            rank_low=_frozen(1 + above, np.int64),
            rank_high=_frozen(k - below, np.int64),
            method=method,
            level=float(level),
            n_draws=0,
            prob_top=_frozen(nan),
            mean_rank=_frozen(nan),
        )
    raise AnalysisError(f"unknown rank interval method {method!r}; use 'simulation' or 'kww'")


@dataclass(frozen=True, eq=False)
class LeagueTable(SummaryText):
    """Units compared with a reference value.

    Attributes
    ----------
    units : ndarray
        Unit labels.
    estimate, se : ndarray
        Unit estimates and their standard errors.
    reference, reference_se : float
        Reference value and its standard error (0 when fixed).
    difference, difference_se : ndarray
        ``estimate - reference`` and its standard error, allowing for the
        covariance between unit and reference.
    t : ndarray
        ``difference / difference_se``.
    df : ndarray
        Degrees of freedom of each test (``inf`` for a normal reference).
    p_value, p_adjusted : ndarray
        Two-sided p-values, unadjusted and adjusted across units.
    ci_low, ci_high : ndarray
        Unadjusted ``1 - alpha`` confidence interval of the difference.
    flag : ndarray of str
        "above" / "below" where the adjusted p-value is below ``alpha``,
        otherwise "not different".
    rank : ndarray of int
        Rank of the estimate (1 = highest).
    alpha : float
        Significance level.
    adjust : {"holm", "none"}
        Multiplicity adjustment.
    ranks : RankIntervals or None
        Rank intervals, when requested.
    """

    units: NDArray[Any]
    estimate: FloatArray
    se: FloatArray
    reference: float
    reference_se: float
    difference: FloatArray
    difference_se: FloatArray
    t: FloatArray
    df: FloatArray
    p_value: FloatArray
    p_adjusted: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    flag: NDArray[np.str_]
    rank: NDArray[np.int64]
    alpha: float
    adjust: Adjustment
    ranks: RankIntervals | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per unit, sorted by rank."""
        frame = pd.DataFrame(
            {
                "unit": self.units,
                "estimate": self.estimate,
                "se": self.se,
                "rank": self.rank,
                "difference": self.difference,
                "difference_se": self.difference_se,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "t": self.t,
                "df": self.df,
                "p_value": self.p_value,
                "p_adjusted": self.p_adjusted,
                "flag": self.flag,
            }
        )
        if self.ranks is not None:
            frame["rank_low"] = self.ranks.rank_low
            frame["rank_high"] = self.ranks.rank_high
        return frame.sort_values(["rank", "unit"], kind="stable").reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """Settings and the units table as plain Python objects."""
        return {
            **attributes(self, "reference", "reference_se", "alpha", "adjust"),
            "rank_method": None if self.ranks is None else self.ranks.method,
            "units": self.to_frame().to_dict(orient="records"),
        }

    def summary(self) -> str:
        """Text report: counts above and below, then the table."""
        n_above = int(np.sum(self.flag == "above"))
        n_below = int(np.sum(self.flag == "below"))
        adjust = "Holm-adjusted" if self.adjust == "holm" else "unadjusted"
        ranks = (
            ""
            if self.ranks is None
            else f"; {self.ranks.level:.0%} rank intervals by {self.ranks.method}"
        )
        return (
            f"League table of {self.units.size} units against reference {self.reference:.6g} "
            f"(se {self.reference_se:.3g}): {n_above} above, {n_below} below, "
            f"{self.units.size - n_above - n_below} not different at alpha = {self.alpha:g} "
            f"({adjust}){ranks}\n" + self.to_frame().to_string(index=False)
        )


def league_table(
    estimates: ArrayLike,
    reference: float,
    *,
    se: ArrayLike | None = None,
    cov: ArrayLike | None = None,
    reference_se: float | None = None,
    reference_cov: ArrayLike | None = None,
    df: float | ArrayLike = np.inf,
    alpha: float = 0.05,
    adjust: Adjustment = "holm",
    units: Sequence[Any] | None = None,
    rank_method: RankMethod | None = None,
    rng: np.random.Generator | None = None,
    n_draws: int = 10_000,
) -> LeagueTable:
    """Compare unit estimates with a reference value and flag the significant differences.

    Parameters
    ----------
    estimates : array_like
        Unit estimates (e.g. provincial SIPAS, in percent).
    reference : float
        Reference value (e.g. the national SIPAS).
    se : array_like, optional
        Standard errors of the unit estimates (taken as independent).
    cov : array_like, optional
        Covariance matrix instead of ``se``: shape ``(k, k)`` for the units,
        or ``(k + 1, k + 1)`` with the reference estimate as the last row and
        column (then ``reference_se`` and ``reference_cov`` are not given).
    reference_se : float, optional
        Standard error of an estimated reference; ``None`` or 0 for a fixed
        reference value.
    reference_cov : array_like, optional
        Covariance of each unit estimate with the reference estimate, e.g.
        ``w_i se_i^2`` when the reference is a weighted mean ``sum w_i y_i``
        of independent units; default zero.
    df : float or array_like, default inf
        Degrees of freedom of the t tests (design df), one value or one per
        unit; ``inf`` gives normal tests. A unit with ``df <= 1`` is refused:
        it is not estimable (see :func:`analysis.results.estimable`).
    alpha : float, default 0.05
        Significance level of the flags and confidence intervals.
    adjust : {"holm", "none"}, default "holm"
        Multiplicity adjustment of the p-values across units.
    units : sequence, optional
        Unit labels.
    rank_method : {"simulation", "kww"}, optional
        Also compute ``1 - alpha`` rank intervals (see :func:`rank_intervals`).
    rng : numpy.random.Generator, optional
        Required when ``rank_method="simulation"``.
    n_draws : int, default 10000
        Simulation draws for the rank intervals.

    Returns
    -------
    LeagueTable

    Notes
    -----
    ``Var(y_i - r) = Var(y_i) + Var(r) - 2 Cov(y_i, r)``. The flag uses the
    adjusted p-value; the confidence interval of the difference is not
    adjusted.
    """
    est = np.asarray(estimates, dtype=float)
    if est.ndim != 1 or est.size == 0 or not np.all(np.isfinite(est)):
        raise AnalysisError("estimates must be a non-empty 1-D array of finite numbers")
    k = est.size
    labels = np.arange(k) if units is None else np.asarray(units)
    if labels.shape != (k,):
        raise AnalysisError(f"units must have {k} labels, got {labels.size}")
    label_list = labels.tolist()
    if not np.isfinite(reference):
        raise AnalysisError(f"reference must be a finite number, got {reference!r}")
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    if adjust not in ("holm", "none"):
        raise AnalysisError(f"unknown adjustment {adjust!r}; use 'holm' or 'none'")

    full = None if cov is None else np.asarray(cov, dtype=float)
    if full is not None and full.shape == (k + 1, k + 1):
        if reference_se is not None or reference_cov is not None:
            raise AnalysisError(
                "cov already holds the reference (last row and column): "
                "do not give reference_se or reference_cov"
            )
        if se is not None:
            raise AnalysisError("give exactly one of se and cov")
        c_full = _unit_covariance(k + 1, None, full, "units and reference")
        c = c_full[:k, :k]
        var_ref = float(c_full[k, k])
        cov_ref = c_full[:k, k]
    else:
        c = _unit_covariance(k, se, full)
        var_ref = 0.0 if reference_se is None else float(reference_se) ** 2
        if not np.isfinite(var_ref):
            raise AnalysisError(f"reference_se must be finite, got {reference_se!r}")
        if reference_cov is None:
            cov_ref = np.zeros(k)
        else:
            cov_ref = np.asarray(reference_cov, dtype=float)
            if cov_ref.shape != (k,) or not np.all(np.isfinite(cov_ref)):
                raise AnalysisError(f"reference_cov must hold {k} finite values")
    if var_ref < 0:
        raise AnalysisError(f"variance of the reference is negative: {var_ref!r}")
    var_unit = np.diag(c)
    if np.any(var_unit < 0):
        j = int(np.flatnonzero(var_unit < 0)[0])
        raise AnalysisError(f"variance of unit {label_list[j]!r} is negative")

    df_arr = np.broadcast_to(np.asarray(df, dtype=float), (k,)).copy()
    if np.any(np.isnan(df_arr) | (df_arr <= 0)):
        raise AnalysisError("df must be positive (use inf for normal tests)")
    if np.any(df_arr <= 1):
        # a t interval on one degree of freedom is not informative: such a unit is "not estimable"
        j = int(np.flatnonzero(df_arr <= 1)[0])
        raise AnalysisError(
            f"unit {label_list[j]!r} has df {float(df_arr[j]):g}: with df <= 1 (e.g. a single PSU) its "
            "estimate is not estimable and cannot be ranked or tested; leave it out of the league table"
        )

    var_diff = var_unit + var_ref - 2 * cov_ref
    bad = ~(var_diff > 0)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise AnalysisError(
            f"variance of the difference for unit {label_list[j]!r} is {float(var_diff[j]):.3g}; "
            "it must be positive (check se, cov and reference_cov)"
        )
    diff = est - reference
    diff_se = np.sqrt(var_diff)
    t = diff / diff_se
    p = 2 * stats.t.sf(np.abs(t), df_arr)
    crit = stats.t.ppf(1 - alpha / 2, df_arr)
    p_adj = holm_adjust(p) if adjust == "holm" else p.copy()
    flag = np.where(p_adj < alpha, np.where(diff > 0, "above", "below"), "not different")
    ranks = None
    if rank_method is not None:
        ranks = rank_intervals(
            est,
            cov=c,
            method=rank_method,
            rng=rng,
            n_draws=n_draws,
            level=1 - alpha,
            df=float(df_arr.min()),
            units=label_list,
        )
    return LeagueTable(
        units=_frozen(labels, labels.dtype),
        estimate=_frozen(est),
        se=_frozen(np.sqrt(var_unit)),
        reference=float(reference),
        reference_se=float(np.sqrt(var_ref)),
        difference=_frozen(diff),
        difference_se=_frozen(diff_se),
        t=_frozen(t),
        df=_frozen(df_arr),
        p_value=_frozen(p),
        p_adjusted=_frozen(p_adj),
        ci_low=_frozen(diff - crit * diff_se),
        ci_high=_frozen(diff + crit * diff_se),
        flag=_frozen(flag, str),
        rank=_frozen(_point_ranks(est), np.int64),
        alpha=float(alpha),
        adjust=adjust,
        ranks=ranks,
    )
