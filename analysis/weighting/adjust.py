"""Weight adjustments within cells: nonresponse adjustment, post-stratification, trimming."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from analysis.errors import DesignError
from analysis.results import SummaryText
from analysis.weighting.arrays import (
    FloatArray,
    WeightDiagnostics,
    _as_labels,
    _as_weights,
    _frozen,
    _match_totals,
    _solve_clipped_scale,
    weight_diagnostics,
)

__all__ = ["NonresponseAdjustment", "PostStratification", "TrimmingResult", "nonresponse_adjust", "poststratify", "trim_weights"]


# ---------------------------------------------------------------------------
# nonresponse adjustment
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NonresponseAdjustment(SummaryText):
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
class PostStratification(SummaryText):
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
# trimming
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TrimmingResult(SummaryText):
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
