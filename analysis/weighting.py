"""Survey weights: base weights, nonresponse adjustment, post-stratification, raking, trimming.

All functions take plain arrays (one entry per sampled or responding unit) and
return immutable result objects. Group sums use integer codes and
``np.bincount``; nothing loops over respondents.

Conventions
-----------
* A *cell*, *post-stratum* or *category* is any hashable label (string, integer).
  Labels are sorted in every output table.
* Population totals are given as mappings ``{label: total}``; every label in the
  data must have a total and every total must occur in the data, otherwise a
  :class:`~analysis.errors.DesignError` names the label at fault.
* The g-weight of a unit is its final weight divided by its input weight.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from analysis.errors import ConvergenceError, DesignError

__all__ = [
    "NonresponseAdjustment",
    "PostStratification",
    "RakingResult",
    "TrimmingResult",
    "WeightDiagnostics",
    "base_weights",
    "nonresponse_adjust",
    "poststratify",
    "rake",
    "trim_weights",
    "weight_diagnostics",
]

FloatArray = NDArray[np.float64]


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def _frozen(values: ArrayLike, dtype: Any = float) -> NDArray[Any]:
    """Return a read-only copy so that frozen results stay immutable."""
    out = np.array(values, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def _as_weights(weights: ArrayLike, name: str = "weights") -> FloatArray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1:
        raise DesignError(f"{name} must be one-dimensional, got shape {w.shape}")
    if w.size == 0:
        raise DesignError(f"{name} is empty")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DesignError(
            f"{name} must be finite and non-negative: row {row} has {float(w[row])!r} "
            f"({int(bad.sum())} invalid value(s) in total)"
        )
    return w


def _as_labels(values: ArrayLike, n: int, name: str) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """Sorted distinct labels and the integer code of each row."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DesignError(f"{name} must have one entry per row ({n}), got shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        row = int(np.flatnonzero(np.isnan(arr))[0])
        raise DesignError(f"{name} is missing (NaN) at row {row}")
    if arr.dtype == object and pd.isna(arr).any():
        row = int(np.flatnonzero(pd.isna(arr))[0])
        raise DesignError(f"{name} is missing at row {row}")
    try:
        labels, codes = np.unique(arr, return_inverse=True)
    except TypeError as exc:  # e.g. strings mixed with numbers in an object column
        raise DesignError(f"{name} mixes labels of different types ({exc})") from None
    return labels, codes.reshape(-1).astype(np.intp)


def _match_totals(
    values: ArrayLike, totals: Mapping[Hashable, float], n: int, name: str
) -> tuple[NDArray[Any], NDArray[np.intp], FloatArray]:
    """Codes of ``values`` and the population total of each label, checking both ways."""
    labels, codes = _as_labels(values, n, name)
    label_list = labels.tolist()
    missing = [lab for lab in label_list if lab not in totals]
    if missing:
        raise DesignError(
            f"{name}: category {missing[0]!r} occurs in the data but has no population total"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
        )
    present = set(label_list)
    absent = [key for key in totals if key not in present]
    if absent:
        raise DesignError(
            f"{name}: category {absent[0]!r} has a population total but no unit in the data"
            + (f" (and {len(absent) - 1} more)" if len(absent) > 1 else "")
        )
    target = np.array([float(totals[lab]) for lab in label_list], dtype=float)
    bad = ~np.isfinite(target) | (target <= 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DesignError(
            f"{name}: population total of category {label_list[k]!r} must be positive and "
            f"finite, got {float(target[k])!r}"
        )
    return labels, codes, target


def _solve_clipped_scale(
    a: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    groups: NDArray[np.intp],
    n_groups: int,
    target: FloatArray,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Solve ``sum_{i in g} clip(a_i * t_g, lower_i, upper_i) = target_g`` for every group.

    The left side is a non-decreasing piecewise-linear function of ``t_g``, so the
    root is found exactly by sorting its breakpoints (``lower_i / a_i`` where unit
    ``i`` starts to move, ``upper_i / a_i`` where it stops) and interpolating in
    the segment where the target is reached. Requires ``a >= 0`` and
    ``0 <= lower <= upper`` (``upper`` may be ``inf``).

    Returns
    -------
    t : ndarray
        The scale of each group. Where the target cannot be reached, the scale
        that comes closest (the boundary of the feasible range).
    feasible : ndarray of bool
        Whether the target lies within the attainable range of the group.
    """
    h0 = np.bincount(groups, weights=lower, minlength=n_groups)
    moving = a > 0
    room = np.bincount(groups[moving], weights=(upper - lower)[moving], minlength=n_groups)
    scale = np.maximum(np.abs(target), 1.0)
    feasible = (target >= h0 - 1e-12 * scale) & (target <= h0 + room + 1e-12 * scale)

    a_m, g_m = a[moving], groups[moving]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_start = lower[moving] / a_m
        t_stop = upper[moving] / a_m
    ev_t = np.concatenate([t_start, t_stop])
    ev_g = np.concatenate([g_m, g_m])
    ev_slope = np.concatenate([a_m, -a_m])
    keep = np.isfinite(ev_t)
    ev_t, ev_g, ev_slope = ev_t[keep], ev_g[keep], ev_slope[keep]
    order = np.lexsort((ev_t, ev_g))
    ev_t, ev_g, ev_slope = ev_t[order], ev_g[order], ev_slope[order]

    t = np.ones(n_groups)
    n_ev = ev_t.size
    if n_ev:
        counts = np.bincount(ev_g, minlength=n_groups)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        first = np.zeros(n_ev, dtype=bool)
        first[starts[counts > 0]] = True
        cum_slope = np.cumsum(ev_slope)
        slope_after = cum_slope - np.concatenate([[0.0], cum_slope])[starts][ev_g]
        slope_before = np.where(first, 0.0, np.roll(slope_after, 1))
        t_prev = np.where(first, 0.0, np.roll(ev_t, 1))
        rise = slope_before * (ev_t - t_prev)
        cum_rise = np.cumsum(rise)
        h_at = h0[ev_g] + cum_rise - np.concatenate([[0.0], cum_rise])[starts][ev_g]

        hit = np.flatnonzero(h_at >= target[ev_g])
        hit_groups, first_pos = np.unique(ev_g[hit], return_index=True)
        k = hit[first_pos]
        h_prev = h_at[k] - rise[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            t_hit = np.where(
                slope_before[k] > 0,
                t_prev[k] + (target[hit_groups] - h_prev) / slope_before[k],
                ev_t[k],
            )
        t[hit_groups] = t_hit

        # groups whose target lies beyond their last breakpoint
        has_events = counts > 0
        no_hit = has_events.copy()
        no_hit[hit_groups] = False
        last = starts + counts - 1
        g_nohit = np.flatnonzero(no_hit)
        k_last = last[g_nohit]
        with np.errstate(divide="ignore", invalid="ignore"):
            t_tail = np.where(
                slope_after[k_last] > 0,
                ev_t[k_last] + (target[g_nohit] - h_at[k_last]) / slope_after[k_last],
                ev_t[k_last],
            )
        t[g_nohit] = t_tail
    return t, feasible


# ---------------------------------------------------------------------------
# diagnostics
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightDiagnostics:
    """Summary of a set of weights and the variance inflation they cause.

    Attributes
    ----------
    n : int
        Number of positive weights (zero weights are counted in ``n_zero``).
    n_zero : int
        Number of weights equal to zero (e.g. nonrespondents after adjustment).
    total, minimum, maximum, mean : float
        Sum, range and mean of the positive weights.
    ratio : float
        ``maximum / minimum``.
    cv : float
        Coefficient of variation of the positive weights, with divisor ``n``.
    deff : float
        Kish's design effect due to unequal weighting, ``1 + cv**2``.
    n_effective : float
        Kish's effective sample size, ``(sum w)**2 / sum w**2 = n / deff``.
    """

    n: int
    n_zero: int
    total: float
    minimum: float
    maximum: float
    ratio: float
    mean: float
    cv: float
    deff: float
    n_effective: float

    def to_dict(self) -> dict[str, Any]:
        """Return the diagnostics as a plain dictionary."""
        return {
            "n": self.n,
            "n_zero": self.n_zero,
            "total": self.total,
            "min": self.minimum,
            "max": self.maximum,
            "ratio": self.ratio,
            "mean": self.mean,
            "cv": self.cv,
            "deff": self.deff,
            "n_effective": self.n_effective,
        }

    def to_frame(self) -> pd.DataFrame:
        """Return a one-row data frame."""
        return pd.DataFrame([self.to_dict()])

    def summary(self) -> str:
        """Return a short text report."""
        return (
            "Weight diagnostics\n"
            f"  n (positive weights)  {self.n}\n"
            f"  zero weights          {self.n_zero}\n"
            f"  sum of weights        {self.total:.6g}\n"
            f"  range                 {self.minimum:.6g} .. {self.maximum:.6g} "
            f"(ratio {self.ratio:.4g})\n"
            f"  mean                  {self.mean:.6g}\n"
            f"  CV                    {self.cv:.4f}\n"
            f"  Kish deff (1 + CV^2)  {self.deff:.4f}\n"
            f"  effective n           {self.n_effective:.1f}"
        )

    def __str__(self) -> str:
        return self.summary()


def weight_diagnostics(weights: ArrayLike) -> WeightDiagnostics:
    """Describe a set of weights: range, mean, CV, Kish's deff and effective n.

    Parameters
    ----------
    weights : array_like
        Non-negative weights. Zero weights are reported but left out of the
        statistics (they carry no information about the population).

    Returns
    -------
    WeightDiagnostics

    Notes
    -----
    With ``n`` positive weights, ``cv**2 = n * sum(w**2) / sum(w)**2 - 1`` (population
    variance, divisor ``n``), so Kish's design effect due to weighting is
    ``deff = 1 + cv**2`` and the effective sample size is ``n / deff``.
    """
    w = _as_weights(weights)
    positive = w[w > 0]
    if positive.size == 0:
        raise DesignError("weights are all zero: no unit carries weight")
    n = int(positive.size)
    total = float(positive.sum())
    mean = total / n
    cv = float(np.sqrt(np.mean((positive - mean) ** 2)) / mean)
    deff = 1.0 + cv**2
    return WeightDiagnostics(
        n=n,
        n_zero=int(w.size - n),
        total=total,
        minimum=float(positive.min()),
        maximum=float(positive.max()),
        ratio=float(positive.max() / positive.min()),
        mean=mean,
        cv=cv,
        deff=deff,
        n_effective=float(total**2 / np.sum(positive**2)),
    )


# ---------------------------------------------------------------------------
# base weights
# ---------------------------------------------------------------------------


def base_weights(probabilities: ArrayLike) -> FloatArray:
    """Design (base) weights as inverse inclusion probabilities.

    Parameters
    ----------
    probabilities : array_like
        Inclusion probability of each sampled unit, each in ``(0, 1]``.

    Returns
    -------
    ndarray
        ``1 / probabilities``.

    Raises
    ------
    DesignError
        If a probability is missing, not positive or above one; the message
        names the first offending row and its value.
    """
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise DesignError(f"probabilities must be a non-empty 1-D array, got shape {p.shape}")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(p) | (p <= 0) | (p > 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DesignError(
            f"selection probability must satisfy 0 < p <= 1: row {row} has {float(p[row])!r} "
            f"({int(bad.sum())} invalid value(s) in total)"
        )
    return 1.0 / p


# ---------------------------------------------------------------------------
# nonresponse adjustment
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NonresponseAdjustment:
    """Weighting-class nonresponse adjustment.

    Attributes
    ----------
    weights : ndarray
        Adjusted weight of every sampled unit, zero for nonrespondents.
    responded : ndarray of bool
        Response indicator, as given.
    cells : ndarray
        Sorted labels of the adjustment cells.
    factors : ndarray
        Adjustment factor of each cell: sum of the input weights of all eligible
        sampled units over the sum of the respondents' input weights.
    n_sampled, n_responded : ndarray of int
        Unit counts per cell.
    response_rate : ndarray
        Weighted response rate per cell (``1 / factors``).
    """

    weights: FloatArray
    responded: NDArray[np.bool_]
    cells: NDArray[Any]
    factors: FloatArray
    n_sampled: NDArray[np.int64]
    n_responded: NDArray[np.int64]
    response_rate: FloatArray

    def diagnostics(self) -> WeightDiagnostics:
        """Weight diagnostics of the respondents' adjusted weights."""
        return weight_diagnostics(self.weights[self.responded])

    def to_frame(self) -> pd.DataFrame:
        """One row per adjustment cell."""
        return pd.DataFrame(
            {
                "cell": self.cells,
                "n_sampled": self.n_sampled,
                "n_responded": self.n_responded,
                "response_rate": self.response_rate,
                "factor": self.factors,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Cells table and the adjusted weights as plain Python objects."""
        return {
            "cells": self.to_frame().to_dict(orient="records"),
            "weights": self.weights.tolist(),
        }

    def summary(self) -> str:
        """Text report of the adjustment cells."""
        return (
            f"Nonresponse adjustment in {self.cells.size} cell(s): "
            f"{int(self.n_responded.sum())} of {int(self.n_sampled.sum())} units responded\n"
            + self.to_frame().to_string(index=False)
        )

    def __str__(self) -> str:
        return self.summary()


def nonresponse_adjust(
    weights: ArrayLike, responded: ArrayLike, cells: ArrayLike
) -> NonresponseAdjustment:
    """Weighting-class nonresponse adjustment.

    Within each cell the respondents' weights are multiplied by
    ``sum(w, eligible sample in cell) / sum(w, respondents in cell)`` so that
    they carry the weight of the cell's nonrespondents; nonrespondents get
    weight zero.

    Parameters
    ----------
    weights : array_like
        Base weights of all eligible sampled units (respondents and
        nonrespondents).
    responded : array_like of bool
        Whether each unit responded.
    cells : array_like
        Adjustment-cell label of each unit.

    Returns
    -------
    NonresponseAdjustment

    Raises
    ------
    DesignError
        If a cell has no respondent (its weight could not be carried), naming
        the cell, or if the inputs do not line up.
    """
    w = _as_weights(weights)
    r = np.asarray(responded)
    if r.shape != w.shape:
        raise DesignError(f"responded must have one entry per unit ({w.size}), got {r.shape}")
    if r.dtype != bool:
        if not np.isin(r, [0, 1]).all():
            raise DesignError("responded must be boolean (or 0/1)")
        r = r.astype(bool)
    labels, codes = _as_labels(cells, w.size, "cells")
    k = labels.size
    sum_all = np.bincount(codes, weights=w, minlength=k)
    sum_resp = np.bincount(codes, weights=np.where(r, w, 0.0), minlength=k)
    n_all = np.bincount(codes, minlength=k)
    n_resp = np.bincount(codes, weights=r.astype(float), minlength=k).astype(np.int64)
    empty = sum_resp <= 0
    if empty.any():
        c = int(np.flatnonzero(empty)[0])
        raise DesignError(
            f"adjustment cell {labels[c].item()!r} has no respondent with positive weight "
            f"({n_all[c]} sampled unit(s)); merge it with a neighbouring cell"
        )
    factors = sum_all / sum_resp
    adjusted = np.where(r, w * factors[codes], 0.0)
    return NonresponseAdjustment(
        weights=_frozen(adjusted),
        responded=_frozen(r, bool),
        cells=_frozen(labels, labels.dtype),
        factors=_frozen(factors),
        n_sampled=_frozen(n_all, np.int64),
        n_responded=_frozen(n_resp, np.int64),
        response_rate=_frozen(1.0 / factors),
    )


# ---------------------------------------------------------------------------
# post-stratification
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PostStratification:
    """Weights post-stratified to known population totals.

    Attributes
    ----------
    weights : ndarray
        Post-stratified weights, one per unit.
    strata : ndarray
        Sorted post-stratum labels.
    population : ndarray
        Known population total of each post-stratum.
    weighted_before : ndarray
        Sum of the input weights in each post-stratum.
    factors : ndarray
        ``population / weighted_before``.
    n : ndarray of int
        Units per post-stratum.
    """

    weights: FloatArray
    strata: NDArray[Any]
    population: FloatArray
    weighted_before: FloatArray
    factors: FloatArray
    n: NDArray[np.int64]

    def diagnostics(self) -> WeightDiagnostics:
        """Weight diagnostics of the post-stratified weights."""
        return weight_diagnostics(self.weights)

    def to_frame(self) -> pd.DataFrame:
        """One row per post-stratum."""
        return pd.DataFrame(
            {
                "stratum": self.strata,
                "n": self.n,
                "population": self.population,
                "weighted_before": self.weighted_before,
                "factor": self.factors,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Post-strata table and the weights as plain Python objects."""
        return {
            "strata": self.to_frame().to_dict(orient="records"),
            "weights": self.weights.tolist(),
        }

    def summary(self) -> str:
        """Text report of the post-strata."""
        return (
            f"Post-stratification to {self.strata.size} post-strata "
            f"(population {self.population.sum():.6g})\n" + self.to_frame().to_string(index=False)
        )

    def __str__(self) -> str:
        return self.summary()


def poststratify(
    weights: ArrayLike, strata: ArrayLike, totals: Mapping[Hashable, float]
) -> PostStratification:
    """Scale weights within post-strata so that they add up to known totals.

    Parameters
    ----------
    weights : array_like
        Input weights (e.g. nonresponse-adjusted), one per respondent.
    strata : array_like
        Post-stratum label of each respondent.
    totals : mapping
        Known population count of every post-stratum.

    Returns
    -------
    PostStratification

    Raises
    ------
    DesignError
        If a post-stratum occurs in the data but not in ``totals`` or the other
        way round, if a total is not positive, or if a post-stratum's weights
        add up to zero; the message names the post-stratum.
    """
    w = _as_weights(weights)
    labels, codes, target = _match_totals(strata, totals, w.size, "post-stratum")
    before = np.bincount(codes, weights=w, minlength=labels.size)
    empty = before <= 0
    if empty.any():
        c = int(np.flatnonzero(empty)[0])
        raise DesignError(f"post-stratum {labels[c].item()!r} has no unit with positive weight")
    factors = target / before
    return PostStratification(
        weights=_frozen(w * factors[codes]),
        strata=_frozen(labels, labels.dtype),
        population=_frozen(target),
        weighted_before=_frozen(before),
        factors=_frozen(factors),
        n=_frozen(np.bincount(codes, minlength=labels.size), np.int64),
    )


# ---------------------------------------------------------------------------
# raking
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RakingResult:
    """Weights raked to several known margins.

    Attributes
    ----------
    weights : ndarray
        Raked weights, one per unit.
    g : ndarray
        Adjustment factors (g-weights), ``weights / input weights``; zero
        where the input weight is zero.
    bounds : tuple of float
        Bounds imposed on ``g`` (``(0, inf)`` when unbounded).
    iterations : int
        Number of full raking cycles (one pass over all margins) performed.
    max_rel_error : float
        Largest relative error ``|achieved - total| / total`` over all margin
        categories after the last cycle.
    converged : bool
        Whether ``max_rel_error < tol``.
    tol : float
        Convergence tolerance used.
    margins : pandas.DataFrame
        One row per margin category: ``margin``, ``category``, ``n``, ``total``,
        ``weighted_before``, ``achieved``, ``rel_error``.
    """

    weights: FloatArray
    g: FloatArray
    bounds: tuple[float, float]
    iterations: int
    max_rel_error: float
    converged: bool
    tol: float
    margins: pd.DataFrame = field(repr=False)

    @property
    def n_at_bounds(self) -> int:
        """Number of units whose g-weight sits on one of the bounds."""
        lo, hi = self.bounds
        pos = self.g > 0
        at = pos & (np.isclose(self.g, lo, rtol=1e-9) | np.isclose(self.g, hi, rtol=1e-9))
        return int(at.sum())

    def diagnostics(self) -> WeightDiagnostics:
        """Weight diagnostics of the raked weights."""
        return weight_diagnostics(self.weights)

    def to_frame(self) -> pd.DataFrame:
        """The margins table (one row per margin category)."""
        return self.margins.copy()

    def to_dict(self) -> dict[str, Any]:
        """Convergence report, margins and weights as plain Python objects."""
        return {
            "iterations": self.iterations,
            "max_rel_error": self.max_rel_error,
            "converged": self.converged,
            "tol": self.tol,
            "bounds": list(self.bounds),
            "g_min": float(self.g[self.g > 0].min()),
            "g_max": float(self.g.max()),
            "margins": self.margins.to_dict(orient="records"),
            "weights": self.weights.tolist(),
        }

    def summary(self) -> str:
        """Text report: convergence, g range and the margins."""
        lo, hi = self.bounds
        status = "converged" if self.converged else "DID NOT CONVERGE"
        pos = self.g[self.g > 0]
        return (
            f"Raking on {self.margins['margin'].nunique()} margin(s): {status} after "
            f"{self.iterations} cycle(s), max relative margin error {self.max_rel_error:.3g} "
            f"(tol {self.tol:.3g})\n"
            f"g-weights {pos.min():.4g} .. {pos.max():.4g}, bounds [{lo:.4g}, {hi:.4g}], "
            f"{self.n_at_bounds} unit(s) at a bound\n" + self.margins.to_string(index=False)
        )

    def __str__(self) -> str:
        return self.summary()


def rake(
    weights: ArrayLike,
    variables: Mapping[str, ArrayLike],
    totals: Mapping[str, Mapping[Hashable, float]],
    *,
    bounds: tuple[float, float] | None = None,
    maxit: int = 100,
    tol: float = 1e-8,
    on_nonconvergence: Literal["raise", "return"] = "raise",
) -> RakingResult:
    """Rake weights to several known margins (iterative proportional fitting).

    Each cycle adjusts the weights to one margin after another. Without
    bounds this is classic IPF (Deming–Stephan), as R's ``survey::rake``.
    With ``bounds=(lower, upper)`` the g-weights are kept within the bounds:
    g is the clipped product of the category factors,
    ``g_i = clip(prod_m f_m[c_m(i)], lower, upper)``, and each step solves the
    category factors of one margin exactly under the clipping. The cycles are
    a coordinate ascent on the dual of bounded raking, so at convergence the
    weights are those of R's ``calibrate(..., calfun = "raking", bounds = ...)``.

    Parameters
    ----------
    weights : array_like
        Input weights ``d_i`` (e.g. nonresponse-adjusted base weights).
    variables : mapping of str to array_like
        For each margin, the category label of every unit.
    totals : mapping of str to mapping
        For each margin, the known population total of every category.
    bounds : tuple of float, optional
        ``(lower, upper)`` with ``0 <= lower <= 1 <= upper`` bounding the
        g-weights; ``None`` for unbounded raking.
    maxit : int, default 100
        Maximum number of cycles.
    tol : float, default 1e-8
        Convergence when every category total is within this relative error.
    on_nonconvergence : {"raise", "return"}, default "raise"
        ``"raise"`` raises :class:`ConvergenceError`; ``"return"`` returns the
        last weights with ``converged=False`` for inspection.

    Returns
    -------
    RakingResult

    Raises
    ------
    DesignError
        If margins and totals do not match (names or categories), a total is
        not positive, a category has no weight, the margins' grand totals
        disagree, or the bounds are invalid.
    ConvergenceError
        If the margins are not met within ``maxit`` cycles; the message names
        the worst margin category, its achieved and target totals.
    """
    d = _as_weights(weights)
    n = d.size
    if set(variables) != set(totals):
        only_data = sorted(set(variables) - set(totals))
        only_totals = sorted(set(totals) - set(variables))
        raise DesignError(
            "raking margins must be the same in variables and totals: "
            f"only in variables {only_data}, only in totals {only_totals}"
        )
    if not variables:
        raise DesignError("raking needs at least one margin")
    if maxit < 1:
        raise DesignError(f"maxit must be at least 1, got {maxit}")
    if bounds is None:
        lower, upper = 0.0, float(np.inf)
    else:
        lower, upper = float(bounds[0]), float(bounds[1])
        if not (0 <= lower <= 1 <= upper) or np.isnan(lower) or np.isnan(upper):
            raise DesignError(f"bounds must satisfy 0 <= lower <= 1 <= upper, got {bounds}")
    bounded = bounds is not None

    names = list(variables)
    labels_m, codes_m, target_m = [], [], []
    for name in names:
        labels, codes, target = _match_totals(variables[name], totals[name], n, name)
        weighted = np.bincount(codes, weights=d, minlength=labels.size)
        if (weighted <= 0).any():
            c = int(np.flatnonzero(weighted <= 0)[0])
            raise DesignError(
                f"margin {name!r}: category {labels[c].item()!r} has no unit with positive weight"
            )
        labels_m.append(labels)
        codes_m.append(codes)
        target_m.append(target)
    grand = np.array([t.sum() for t in target_m])
    if np.any(np.abs(grand - grand[0]) > 1e-9 * grand[0]):
        k = int(np.argmax(np.abs(grand - grand[0])))
        raise DesignError(
            f"raking margins disagree on the population size: {names[0]!r} adds up to "
            f"{grand[0]:.10g} but {names[k]!r} to {grand[k]:.10g}"
        )

    factors = [np.ones(lab.size) for lab in labels_m]
    lo_w, hi_w = d * lower, d * upper

    def current_g() -> FloatArray:
        prod = np.ones(n)
        for f, codes in zip(factors, codes_m):
            prod = prod * f[codes]
        return np.clip(prod, lower, upper)

    def margin_errors(w: FloatArray) -> list[FloatArray]:
        return [
            np.abs(np.bincount(c, weights=w, minlength=t.size) - t) / t
            for c, t in zip(codes_m, target_m)
        ]

    iterations = 0
    diverged = False
    last_factors = [f.copy() for f in factors]
    errors = margin_errors(d)
    max_err = max(float(e.max()) for e in errors)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while max_err >= tol and iterations < maxit:
            iterations += 1
            for m in range(len(names)):
                others = np.ones(n)
                for j, (f, codes) in enumerate(zip(factors, codes_m)):
                    if j != m:
                        others = others * f[codes]
                a = d * others
                if bounded:
                    factors[m], _ = _solve_clipped_scale(
                        a, lo_w, hi_w, codes_m[m], labels_m[m].size, target_m[m]
                    )
                else:
                    factors[m] = target_m[m] / np.bincount(
                        codes_m[m], weights=a, minlength=labels_m[m].size
                    )
            new_errors = margin_errors(d * current_g())
            new_max = max(float(e.max()) for e in new_errors)
            if not np.isfinite(new_max):
                # the factors overflowed (infeasible bounds): report the last finite cycle
                factors = last_factors
                diverged = True
                break
            errors, max_err = new_errors, new_max
            last_factors = [f.copy() for f in factors]

        g = current_g() if iterations else np.ones(n)
    g = np.where(d > 0, g, 0.0)
    w = d * g
    converged = bool(max_err < tol)
    rows = []
    for name, labels, codes, target, err in zip(names, labels_m, codes_m, target_m, errors):
        k = labels.size
        rows.append(
            pd.DataFrame(
                {
                    "margin": name,
                    "category": labels,
                    "n": np.bincount(codes, minlength=k),
                    "total": target,
                    "weighted_before": np.bincount(codes, weights=d, minlength=k),
                    "achieved": np.bincount(codes, weights=w, minlength=k),
                    "rel_error": err,
                }
            )
        )
    margins = pd.concat(rows, ignore_index=True)
    if not converged and on_nonconvergence == "raise":
        worst = int(np.nanargmax(margins["rel_error"].to_numpy()))
        row = margins.iloc[worst]
        category = row["category"]
        category = category.item() if isinstance(category, np.generic) else category
        hint = " The bounds may be too tight for these margins." if bounded else ""
        if diverged:
            hint = " The adjustment factors diverged." + hint
        raise ConvergenceError(
            f"raking did not converge in {iterations} cycle(s): margin {row['margin']!r}, "
            f"category {category!r} reaches {row['achieved']:.6g} against a population "
            f"total of {row['total']:.6g} (relative error {row['rel_error']:.3g}, "
            f"tolerance {tol:.3g}).{hint}"
        )
    return RakingResult(
        weights=_frozen(w),
        g=_frozen(g),
        bounds=(lower, upper),
        iterations=iterations,
        max_rel_error=max_err,
        converged=converged,
        tol=tol,
        margins=margins,
    )


# ---------------------------------------------------------------------------
# trimming
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TrimmingResult:
    """Weights trimmed at a cap with the excess redistributed.

    Attributes
    ----------
    weights : ndarray
        Trimmed weights; they add up to the same total as the input.
    cap : float
        The cap applied.
    n_trimmed : int
        Number of weights set to the cap.
    scale : float
        Factor applied to the untrimmed weights to restore the total.
    before, after : WeightDiagnostics
        Diagnostics of the input and output weights.
    """

    weights: FloatArray
    cap: float
    n_trimmed: int
    scale: float
    before: WeightDiagnostics
    after: WeightDiagnostics

    def to_dict(self) -> dict[str, Any]:
        """Cap, counts, diagnostics and weights as plain Python objects."""
        return {
            "cap": self.cap,
            "n_trimmed": self.n_trimmed,
            "scale": self.scale,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "weights": self.weights.tolist(),
        }

    def to_frame(self) -> pd.DataFrame:
        """Diagnostics before and after trimming, one row each."""
        frame = pd.DataFrame([self.before.to_dict(), self.after.to_dict()])
        frame.insert(0, "weights", ["before", "after"])
        return frame

    def summary(self) -> str:
        """Text report of the trimming."""
        return (
            f"Weights trimmed at {self.cap:.6g}: {self.n_trimmed} weight(s) capped, the others "
            f"scaled by {self.scale:.6g}; deff {self.before.deff:.4f} -> {self.after.deff:.4f}\n"
            + self.to_frame().to_string(index=False)
        )

    def __str__(self) -> str:
        return self.summary()


def trim_weights(
    weights: ArrayLike,
    *,
    max_weight: float | None = None,
    median_multiple: float | None = None,
) -> TrimmingResult:
    """Cap large weights and redistribute the excess so that the total is kept.

    The result is the fixed point of "cap, then scale the uncapped weights up
    to restore the total" repeated until no weight exceeds the cap:
    ``w'_i = min(cap, k * w_i)`` with ``k >= 1`` chosen so that
    ``sum(w') = sum(w)``. It is computed exactly, not by iteration.

    Parameters
    ----------
    weights : array_like
        Non-negative weights.
    max_weight : float, optional
        The cap.
    median_multiple : float, optional
        Cap at this multiple of the median of the positive input weights
        (e.g. 3.5). Exactly one of ``max_weight`` and ``median_multiple``
        must be given.

    Returns
    -------
    TrimmingResult

    Raises
    ------
    DesignError
        If the cap is not positive or so low that the total cannot be kept
        (``cap * number of positive weights < total``).
    """
    w = _as_weights(weights)
    if (max_weight is None) == (median_multiple is None):
        raise DesignError("give exactly one of max_weight and median_multiple")
    positive = w > 0
    if not positive.any():
        raise DesignError("weights are all zero: nothing to trim")
    if median_multiple is not None:
        if not median_multiple > 0:
            raise DesignError(f"median_multiple must be positive, got {median_multiple!r}")
        cap = float(median_multiple * np.median(w[positive]))
    else:
        cap = float(max_weight)  # type: ignore[arg-type]
        if not cap > 0:
            raise DesignError(f"max_weight must be positive, got {max_weight!r}")
    total = float(w.sum())
    n_pos = int(positive.sum())
    if cap * n_pos < total * (1 - 1e-12):
        raise DesignError(
            f"cap {cap:.6g} is too low: {n_pos} positive weights capped at it add up to "
            f"{cap * n_pos:.6g}, less than the total {total:.6g} to keep"
        )
    if w.max() <= cap:
        scale = 1.0
        trimmed = w.copy()
    else:
        t, _ = _solve_clipped_scale(
            w,
            np.zeros_like(w),
            np.where(positive, cap, 0.0),
            np.zeros(w.size, dtype=np.intp),
            1,
            np.array([total]),
        )
        scale = float(t[0])
        trimmed = np.minimum(w * scale, cap)
    n_trimmed = int(np.sum(positive & (w * scale >= cap)))
    return TrimmingResult(
        weights=_frozen(trimmed),
        cap=cap,
        n_trimmed=n_trimmed,
        scale=scale,
        before=weight_diagnostics(w),
        after=weight_diagnostics(trimmed),
    )
