"""Weight arrays: checks, category codes, population totals, diagnostics and base weights.

The shared ground of :mod:`analysis.weighting`: every adjustment validates its
input with these helpers and reports :class:`WeightDiagnostics`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from analysis.errors import DesignError
from analysis.results import SummaryText, attributes

__all__ = ["FloatArray", "WeightDiagnostics", "base_weights", "weight_diagnostics"]

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
class WeightDiagnostics(SummaryText):
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
            **attributes(self, "n", "n_zero", "total"),
            "min": self.minimum,
            "max": self.maximum,
            **attributes(self, "ratio", "mean", "cv", "deff", "n_effective"),
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
