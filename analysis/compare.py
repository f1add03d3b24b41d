"""Units compared with their parent and with an earlier round.

A release compares every unit with its parent (a commune with its province, a
province with the nation), estimated from the same survey: the parent is about
the weight-share mean of its sub-units, so ``Cov(unit, parent) ~ share Var(unit)``
(:func:`parent_covariance`). :func:`compare_with_parent` turns one family of
siblings into rank intervals among them and Holm-adjusted differences from the
parent (:func:`analysis.league.league_table`); :func:`compare_records` compares
the same indices in two independent rounds (:func:`analysis.indices.compare_rounds`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .indices import IndexRecord, IndexResults, compare_rounds
from .league import RankMethod, league_table, rank_intervals
from .results import NOT_ESTIMABLE, ComparisonRecord, domain_text, estimable

__all__ = ["ParentComparison", "compare_records", "compare_with_parent", "parent_covariance"]

FloatArray = NDArray[np.float64]
Key = TypeVar("Key", bound=Hashable)


def parent_covariance(se: ArrayLike, share: ArrayLike) -> FloatArray:
    """Covariance of each unit's estimate with its parent's, from the unit's weight share.

    Parameters
    ----------
    se : array_like
        Standard errors of the unit estimates.
    share : array_like
        Each unit's share of the parent's sum of weights.

    Returns
    -------
    ndarray
        ``share * se**2``: the parent estimate is (about) the weight-share mean
        of its sub-units' estimates, which are independent of each other.
    """
    s = np.asarray(se, dtype=float)
    return np.asarray(share, dtype=float) * s**2


@dataclass(frozen=True, eq=False)
class ParentComparison:
    """Sibling units compared with their parent.

    Attributes
    ----------
    ranked : ndarray of bool
        Units with a finite estimate, an SE above 0 and more than 1 df (they
        have a rank interval); the others are not estimable.
    rank_low, rank_high : ndarray of int
        Rank interval among the ranked siblings (0 where not ranked).
    tested : ndarray of bool
        Units tested against the parent (finite parent, positive df and a
        positive variance of the difference).
    difference : ndarray
        ``estimate - parent`` (NaN where not tested).
    p_adjusted : ndarray
        Holm-adjusted p-value across the tested siblings (NaN where not tested).
    flag : ndarray of str
        ``"above"``, ``"below"`` or ``"none"`` where tested, ``"not_estimable"``
        where the unit has an estimate but ``df <= 1`` or an SE of 0 (left out
        of ranks and tests), ``""`` elsewhere.
    """

    ranked: NDArray[np.bool_]
    rank_low: NDArray[np.int64]
    rank_high: NDArray[np.int64]
    tested: NDArray[np.bool_]
    difference: FloatArray
    p_adjusted: FloatArray
    flag: NDArray[np.str_]


def compare_with_parent(
    estimates: ArrayLike,
    se: ArrayLike,
    df: ArrayLike,
    parent: float,
    parent_se: float,
    share: ArrayLike,
    *,
    alpha: float,
    rank_method: RankMethod,
    rng: np.random.Generator,
) -> ParentComparison:
    """Rank intervals among siblings and Holm-adjusted differences from their parent.

    Parameters
    ----------
    estimates, se, df : array_like
        Estimates, standard errors and design degrees of freedom of the
        sibling units (NaN allowed: such a unit is neither ranked nor tested).
    parent, parent_se : float
        The parent's estimate and standard error (the nation for top-level units).
    share : array_like
        Each unit's share of the parent's sum of weights (:func:`parent_covariance`).
    alpha : float
        Significance level; rank intervals have level ``1 - alpha``.
    rank_method : {"kww", "simulation"}
        Rank interval method (:func:`analysis.league.rank_intervals`), with
        the smallest positive df of the ranked units.
    rng : numpy.random.Generator
        Source of randomness for ``"simulation"``.

    Returns
    -------
    ParentComparison
    """
    est = np.asarray(estimates, dtype=float)
    s = np.asarray(se, dtype=float)
    d = np.asarray(df, dtype=float)
    k = est.size
    # not estimable (df <= 1 or SE 0): neither ranked nor tested, see analysis.results.estimable
    ranked = np.isfinite(est) & estimable(s, d)
    rank_low = np.zeros(k, dtype=np.int64)
    rank_high = np.zeros(k, dtype=np.int64)
    if ranked.any():
        ranks = rank_intervals(
            est[ranked],
            se=s[ranked],
            method=rank_method,
            rng=rng,
            level=1 - alpha,
            df=float(np.nanmin(np.where(d[ranked] > 0, d[ranked], np.inf))),
        )
        rank_low[ranked] = ranks.rank_low
        rank_high[ranked] = ranks.rank_high
    difference = np.full(k, np.nan)
    p_adjusted = np.full(k, np.nan)
    flag = np.full(k, "", dtype="<U13")
    flag[np.isfinite(est) & ~ranked] = NOT_ESTIMABLE
    tested = np.zeros(k, dtype=bool)
    if np.isfinite(parent) and np.isfinite(parent_se):
        cov = parent_covariance(s, share)
        var_diff = s**2 + parent_se**2 - 2 * cov
        tested = ranked & np.isfinite(d) & (d > 0) & (var_diff > 1e-12 * max(parent_se**2, 1e-12))
        if tested.any():
            table = league_table(
                est[tested],
                parent,
                se=s[tested],
                reference_se=parent_se,
                reference_cov=cov[tested],
                df=d[tested],
                alpha=alpha,
                adjust="holm",
            )
            difference[tested] = table.difference
            p_adjusted[tested] = table.p_adjusted
            flag[tested] = np.where(np.isin(table.flag, ("above", "below")), table.flag, "none")
    return ParentComparison(ranked, rank_low, rank_high, tested, difference, p_adjusted, flag)


def _as_results(records: list[IndexRecord], level: float) -> IndexResults:
    """Records as IndexResults for compare_rounds; df 0 becomes NaN (no test, not a crash)."""
    return IndexResults(tuple(r if r.df > 0 else replace(r, df=float("nan")) for r in records), (), level, 0)


def compare_records(
    now: Mapping[Key, IndexRecord],
    before: Mapping[Key, IndexRecord],
    *,
    level: float,
    labels: tuple[str, str] = ("now", "before"),
) -> dict[Key, ComparisonRecord]:
    """Change of every index estimated in both rounds (independent samples).

    Parameters
    ----------
    now, before : mapping of key to IndexRecord
        The two rounds' records under the same keys (records with distinct
        index, level and domain).
    level : float
        Confidence level of the intervals.
    labels : (str, str)
        Names of the rounds in the comparison records.

    Returns
    -------
    dict
        The comparison of each key present in both rounds with finite
        estimates and standard errors and a positive variance of the change.
    """
    comparable = [
        key
        for key, r in now.items()
        if key in before
        and np.isfinite(r.estimate)
        and np.isfinite(before[key].estimate)
        and np.isfinite(r.se)
        and np.isfinite(before[key].se)
        and r.se**2 + before[key].se ** 2 > 0
    ]
    by_record = {(now[key].index, now[key].level, domain_text(now[key].domain)): key for key in comparable}
    comparisons = compare_rounds(
        _as_results([now[k] for k in comparable], level),
        _as_results([before[k] for k in comparable], level),
        labels=labels,
    )
    out: dict[Key, ComparisonRecord] = {}
    for c in comparisons:
        domain: dict[str, Any] = {name: value for name, value in c.a.items() if name != "round"}
        out[by_record[(c.index, c.level, domain_text(domain))]] = c
    return out
