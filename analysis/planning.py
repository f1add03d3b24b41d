"""Sample-size planning: a proportion at a target margin of error, and stratum allocation.

Three things a province planning a SIPAS-style survey asks:

* how many completed questionnaires give a margin of error of ``e`` for a
  satisfaction percentage (:func:`sample_size_proportion`), allowing for the
  design effect of a clustered sample, the finite population and the expected
  response rate, with the first-generation manual's rule ``n = N / (1 + N e^2)``
  (:func:`yamane_sample_size`) for comparison;
* how to share ``n`` among strata (districts, communes, services):
  proportional, Neyman or equal allocation with a minimum per stratum and never
  more than a stratum holds (:func:`allocate`), in whole numbers that add up to
  ``n`` exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from analysis.errors import DesignError
from analysis.results import SummaryText, attributes
from analysis.weighting.arrays import _frozen, _solve_clipped_scale

__all__ = [
    "Allocation",
    "SampleSize",
    "allocate",
    "margin_of_error",
    "sample_size_proportion",
    "stratified_margin_of_error",
    "yamane_sample_size",
]

AllocationMethod = Literal["proportional", "neyman", "equal"]


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise DesignError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _check_common(p: float, deff: float, population: float | None) -> None:
    if not 0 < p < 1:
        raise DesignError(f"expected proportion p must lie strictly between 0 and 1, got {p!r}")
    if not (np.isfinite(deff) and deff > 0):
        raise DesignError(f"design effect must be positive, got {deff!r}")
    if population is not None and not (np.isfinite(population) and population >= 2):
        raise DesignError(f"population size must be at least 2, got {population!r}")


@dataclass(frozen=True)
class SampleSize(SummaryText):
    """Sample size for estimating a proportion.

    Attributes
    ----------
    moe, confidence, p, deff, population, response_rate
        The inputs (``population`` is ``None`` for an infinite population).
    z : float
        Normal quantile for the confidence level.
    n_srs : float
        ``z^2 p (1 - p) / moe^2``: simple random sampling, infinite population.
    n_design : float
        ``n_srs * deff``.
    n_required : int
        Completed interviews needed: ``n_design`` with the finite population
        correction, rounded up.
    n_issued : int
        Units to select so that ``n_required`` respond at ``response_rate``.
    achieved_moe : float
        Margin of error obtained with ``n_required`` completes.
    """

    moe: float
    confidence: float
    p: float
    deff: float
    population: float | None
    response_rate: float
    z: float
    n_srs: float
    n_design: float
    n_required: int
    n_issued: int
    achieved_moe: float

    def to_dict(self) -> dict[str, Any]:
        """Inputs and results as a plain dictionary."""
        return attributes(self, "moe", "confidence", "p", "deff", "population", "response_rate", "z",
                          "n_srs", "n_design", "n_required", "n_issued", "achieved_moe")

    def to_frame(self) -> pd.DataFrame:
        """A one-row data frame."""
        return pd.DataFrame([self.to_dict()])

    def summary(self) -> str:
        """Text report of the computation step by step."""
        population = "infinite" if self.population is None else f"{self.population:.0f}"
        return (
            f"Sample size for a proportion: margin of error {self.moe:.4g} at "
            f"{self.confidence:.0%} confidence (z = {self.z:.4f}), p = {self.p:.3g}\n"
            f"  simple random sample           {self.n_srs:.2f}\n"
            f"  x design effect {self.deff:<14.4g} {self.n_design:.2f}\n"
            f"  finite population ({population}) -> completes {self.n_required}\n"
            f"  / response rate {self.response_rate:.3g}         -> to select {self.n_issued}\n"
            f"  achieved margin of error       {self.achieved_moe:.4f}"
        )


def margin_of_error(
    n: float,
    *,
    confidence: float = 0.95,
    p: float = 0.5,
    deff: float = 1.0,
    population: float | None = None,
) -> float:
    """Margin of error of a proportion estimated from ``n`` completed interviews.

    Parameters
    ----------
    n : float
        Number of completed interviews.
    confidence : float, default 0.95
        Confidence level of the interval.
    p : float, default 0.5
        Expected proportion (0.5 is the most conservative).
    deff : float, default 1.0
        Design effect of the sampling design.
    population : float, optional
        Population size ``N`` for the finite population correction.

    Returns
    -------
    float
        ``z * sqrt(deff * (N - n) / (N - 1) * p (1 - p) / n)`` (without the
        correction factor when ``population`` is ``None``).
    """
    z = _z(confidence)
    _check_common(p, deff, population)
    if not n >= 1:
        raise DesignError(f"n must be at least 1, got {n!r}")
    fpc = 1.0
    if population is not None:
        if n > population:
            raise DesignError(f"n = {n} exceeds the population size {population}")
        fpc = (population - n) / (population - 1)
    return float(z * np.sqrt(deff * fpc * p * (1 - p) / n))


def sample_size_proportion(
    moe: float,
    *,
    confidence: float = 0.95,
    p: float = 0.5,
    deff: float = 1.0,
    population: float | None = None,
    response_rate: float = 1.0,
) -> SampleSize:
    """Sample size to estimate a proportion within a margin of error.

    Parameters
    ----------
    moe : float
        Target margin of error (half-width of the interval) on the proportion
        scale: 0.05 means plus or minus 5 percentage points.
    confidence : float, default 0.95
        Confidence level.
    p : float, default 0.5
        Expected proportion; 0.5 gives the largest size. For SIPAS, where about
        80 % are satisfied, p = 0.8 is a sensible planning value.
    deff : float, default 1.0
        Expected design effect (clustering, unequal weights).
    population : float, optional
        Population size ``N``; applies the finite population correction.
    response_rate : float, default 1.0
        Expected response rate in (0, 1]; the number to select is inflated by it.

    Returns
    -------
    SampleSize

    Notes
    -----
    With ``n0 = deff * z^2 p (1 - p) / moe^2`` the size solving
    ``z^2 deff (N - n) / (N - 1) p (1 - p) / n = moe^2`` exactly is
    ``n = n0 / (1 + (n0 - 1) / N)`` (Cochran), rounded up.
    """
    if not 0 < moe < 1:
        raise DesignError(f"margin of error must lie strictly between 0 and 1, got {moe!r}")
    if not 0 < response_rate <= 1:
        raise DesignError(f"response rate must satisfy 0 < rate <= 1, got {response_rate!r}")
    z = _z(confidence)
    _check_common(p, deff, population)
    n_srs = z**2 * p * (1 - p) / moe**2
    n_design = n_srs * deff
    n_exact = n_design if population is None else n_design / (1 + (n_design - 1) / population)
    # the tolerance keeps e.g. 384.0000000001 (floating-point noise) at 384
    n_required = max(1, int(np.ceil(n_exact - 1e-9)))
    if population is not None:
        n_required = min(n_required, int(np.floor(population)))
    n_issued = int(np.ceil(n_required / response_rate - 1e-9))
    return SampleSize(
        moe=float(moe),
        confidence=float(confidence),
        p=float(p),
        deff=float(deff),
        population=None if population is None else float(population),
        response_rate=float(response_rate),
        z=z,
        n_srs=float(n_srs),
        n_design=float(n_design),
        n_required=n_required,
        n_issued=n_issued,
        achieved_moe=margin_of_error(
            n_required, confidence=confidence, p=p, deff=deff, population=population
        ),
    )


def yamane_sample_size(population: float, moe: float = 0.05) -> int:
    """The classic rule ``n = N / (1 + N e^2)`` (Yamane, also called Slovin), rounded up.

    SIPAS's first-generation manual sized samples with it at ``e = 5 %``. It is
    the finite-population-corrected size for ``p = 0.5`` with ``z = 2`` and
    ignores the design effect and nonresponse, so it is given here only for
    comparison with :func:`sample_size_proportion`.

    Parameters
    ----------
    population : float
        Population size ``N``.
    moe : float, default 0.05
        Margin of error ``e``.

    Returns
    -------
    int
    """
    if not (np.isfinite(population) and population >= 1):
        raise DesignError(f"population size must be at least 1, got {population!r}")
    if not 0 < moe < 1:
        raise DesignError(f"margin of error must lie strictly between 0 and 1, got {moe!r}")
    return int(np.ceil(population / (1 + population * moe**2) - 1e-9))


@dataclass(frozen=True, eq=False)
class Allocation(SummaryText):
    """Allocation of a sample across strata.

    Attributes
    ----------
    strata : ndarray
        Stratum labels (as given, or 0..H-1).
    population : ndarray of int
        Stratum population sizes ``N_h``.
    n : ndarray of int
        Whole-number allocation; adds up to ``total`` exactly.
    exact : ndarray
        The allocation before rounding.
    method : {"proportional", "neyman", "equal"}
        Allocation rule.
    minimum : int
        Minimum per stratum requested (a smaller stratum is taken whole).
    total : int
        Total sample size.
    take_all : ndarray of bool
        Strata sampled completely (``n_h = N_h``).
    at_minimum : ndarray of bool
        Strata raised to the minimum (and not taken whole).
    """

    strata: NDArray[Any]
    population: NDArray[np.int64]
    n: NDArray[np.int64]
    exact: NDArray[np.float64]
    method: AllocationMethod
    minimum: int
    total: int
    take_all: NDArray[np.bool_]
    at_minimum: NDArray[np.bool_]

    @property
    def sampling_fraction(self) -> NDArray[np.float64]:
        """``n_h / N_h`` for every stratum."""
        return self.n / self.population

    def to_frame(self) -> pd.DataFrame:
        """One row per stratum."""
        return pd.DataFrame(
            {
                "stratum": self.strata,
                "population": self.population,
                "n": self.n,
                "exact": self.exact,
                "fraction": self.sampling_fraction,
                "take_all": self.take_all,
                "at_minimum": self.at_minimum,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Settings and the strata table as plain Python objects."""
        return {**attributes(self, "method", "minimum", "total"), "strata": self.to_frame().to_dict(orient="records")}

    def summary(self) -> str:
        """Text report of the allocation."""
        return (
            f"{self.method.capitalize()} allocation of {self.total} across "
            f"{self.strata.size} strata (minimum {self.minimum} per stratum; "
            f"{int(self.take_all.sum())} taken whole, {int(self.at_minimum.sum())} "
            f"raised to the minimum)\n" + self.to_frame().to_string(index=False)
        )


def _round_preserving_total(
    exact: NDArray[np.float64], lower: NDArray[np.int64], upper: NDArray[np.int64], total: int
) -> NDArray[np.int64]:
    """Largest-remainder rounding within ``[lower, upper]`` that adds up to ``total``."""
    base = np.clip(np.floor(exact + 1e-9).astype(np.int64), lower, upper)
    frac = exact - base
    short = total - int(base.sum())
    if short > 0:
        eligible = base < upper
        order = np.argsort(np.where(eligible, -frac, np.inf), kind="stable")[:short]
        base[order] += 1
    elif short < 0:
        eligible = base > lower
        order = np.argsort(np.where(eligible, frac, np.inf), kind="stable")[:-short]
        base[order] -= 1
    return base


def allocate(
    n: int,
    population_sizes: ArrayLike,
    *,
    method: AllocationMethod = "proportional",
    sd: ArrayLike | None = None,
    p: ArrayLike | None = None,
    minimum: int = 0,
    strata: Sequence[Any] | None = None,
) -> Allocation:
    """Allocate a total sample size across strata.

    Parameters
    ----------
    n : int
        Total sample size.
    population_sizes : array_like of int
        Population size ``N_h`` of each stratum.
    method : {"proportional", "neyman", "equal"}, default "proportional"
        ``n_h`` proportional to ``N_h``, to ``N_h S_h`` (Neyman), or equal.
    sd : array_like, optional
        Stratum standard deviations ``S_h`` for Neyman allocation.
    p : array_like, optional
        Expected stratum proportions for Neyman allocation, giving
        ``S_h = sqrt(p_h (1 - p_h))``. Give ``sd`` or ``p``, not both.
    minimum : int, default 0
        Minimum sample per stratum; a stratum smaller than it is taken whole.
    strata : sequence, optional
        Stratum labels for the output.

    Returns
    -------
    Allocation

    Raises
    ------
    DesignError
        If ``minimum`` times the number of strata exceeds ``n``, ``n`` exceeds
        the population, or the inputs are invalid.

    Notes
    -----
    The constrained allocation is ``x_h = clip(lambda * a_h, m_h, N_h)`` with
    ``a_h`` the rule's share (``N_h``, ``N_h S_h`` or 1), ``m_h = min(minimum,
    N_h)`` and ``lambda`` solving ``sum x_h = n``: strata pushed to a bound keep
    it and the others share the rest by the rule, which is the fixed point of
    the usual "fix the violators and re-allocate" iteration. It is then rounded
    by the largest-remainder method within the bounds, so the whole numbers add
    up to ``n`` exactly (ties go to the earlier stratum).
    """
    sizes = np.asarray(population_sizes)
    if sizes.ndim != 1 or sizes.size == 0:
        raise DesignError("population_sizes must be a non-empty 1-D array")
    if not np.all(np.isfinite(sizes.astype(float))) or np.any(sizes.astype(float) % 1 != 0):
        raise DesignError("population sizes must be whole numbers")
    big_n = sizes.astype(np.int64)
    labels = np.arange(big_n.size) if strata is None else np.asarray(strata)
    if labels.shape != big_n.shape:
        raise DesignError(f"strata must have {big_n.size} labels, got {labels.size}")
    label_list = labels.tolist()
    if np.any(big_n < 1):
        k = int(np.flatnonzero(big_n < 1)[0])
        raise DesignError(
            f"stratum {label_list[k]!r} has population size {big_n[k]}; it must be >= 1"
        )
    if int(n) != n or n < 1:
        raise DesignError(f"total sample size must be a positive whole number, got {n!r}")
    n = int(n)
    if int(minimum) != minimum or minimum < 0:
        raise DesignError(f"minimum per stratum must be a whole number >= 0, got {minimum!r}")
    minimum = int(minimum)
    if n > big_n.sum():
        raise DesignError(f"total sample size {n} exceeds the population size {int(big_n.sum())}")
    lower = np.minimum(minimum, big_n)
    if lower.sum() > n:
        raise DesignError(
            f"minimum of {minimum} per stratum across {big_n.size} strata needs "
            f"{int(lower.sum())} units, more than the total sample size {n}"
        )

    if method == "proportional":
        share = big_n.astype(float)
    elif method == "equal":
        share = np.ones(big_n.size)
    elif method == "neyman":
        if (sd is None) == (p is None):
            raise DesignError("Neyman allocation needs exactly one of sd and p")
        if sd is not None:
            spread = np.asarray(sd, dtype=float)
            what = "sd"
        else:
            prop = np.asarray(p, dtype=float)
            if prop.shape == big_n.shape and np.any((prop < 0) | (prop > 1)):
                k = int(np.flatnonzero((prop < 0) | (prop > 1))[0])
                raise DesignError(
                    f"p of stratum {label_list[k]!r} is {float(prop[k])!r}, not in [0, 1]"
                )
            spread = np.sqrt(prop * (1 - prop))
            what = "p"
        if spread.shape != big_n.shape:
            raise DesignError(f"{what} must have one value per stratum ({big_n.size})")
        if np.any(~np.isfinite(spread) | (spread < 0)):
            k = int(np.flatnonzero(~np.isfinite(spread) | (spread < 0))[0])
            raise DesignError(
                f"{what} of stratum {label_list[k]!r} is invalid: {float(spread[k])!r}"
            )
        share = big_n * spread
        if not np.any(share > 0):
            raise DesignError("every stratum has zero spread: Neyman allocation is undefined")
    else:
        raise DesignError(f"unknown allocation method {method!r}")

    t, feasible = _solve_clipped_scale(
        share,
        lower.astype(float),
        big_n.astype(float),
        np.zeros(big_n.size, dtype=np.intp),
        1,
        np.array([float(n)]),
    )
    if not feasible[0]:
        raise DesignError(
            f"cannot place {n} units: strata with zero spread only take their minimum and "
            f"the others hold {int(big_n[share > 0].sum())} units"
        )
    exact = np.clip(share * t[0], lower, big_n)
    alloc = _round_preserving_total(exact, lower, big_n, n)
    return Allocation(
        strata=_frozen(labels, labels.dtype),
        population=_frozen(big_n, np.int64),
        n=_frozen(alloc, np.int64),
        exact=_frozen(exact),
        method=method,
        minimum=minimum,
        total=n,
        take_all=_frozen(alloc == big_n, bool),
        at_minimum=_frozen((alloc == lower) & (alloc < big_n) & (lower > 0), bool),
    )


def stratified_margin_of_error(
    n: ArrayLike,
    population_sizes: ArrayLike,
    p: ArrayLike,
    deff: ArrayLike,
    *,
    confidence: float = 0.95,
) -> float:
    """Expected margin of error of a national proportion from a stratified sample.

    Parameters
    ----------
    n : array_like of int
        Completed interviews per stratum (every one at least 1).
    population_sizes : array_like of int
        Population size ``N_h`` of each stratum.
    p : array_like
        Expected proportion of each stratum, e.g. last year's estimate.
    deff : array_like
        Expected design effect within each stratum (clustering), e.g. last year's.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    float
        ``z * sqrt(sum W_h^2 deff_h (N_h - n_h) / (N_h - 1) p_h (1 - p_h) / n_h)``
        with ``W_h = N_h / N``.
    """
    z = _z(confidence)
    n_h = np.asarray(n, dtype=float)
    big_n = np.asarray(population_sizes, dtype=float)
    p_h = np.asarray(p, dtype=float)
    d_h = np.asarray(deff, dtype=float)
    if not (n_h.shape == big_n.shape == p_h.shape == d_h.shape) or n_h.ndim != 1:
        raise DesignError("n, population_sizes, p and deff need one value per stratum each")
    if np.any(n_h < 1) or np.any(n_h > big_n):
        raise DesignError("every stratum needs 1 <= n_h <= N_h")
    if np.any((p_h < 0) | (p_h > 1)) or np.any(~(d_h > 0)):
        raise DesignError("p must lie in [0, 1] and deff must be positive in every stratum")
    share = big_n / big_n.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        fpc = np.where(big_n > 1, (big_n - n_h) / (big_n - 1), 0.0)
    variance = np.sum(share**2 * d_h * fpc * p_h * (1 - p_h) / n_h)
    return float(z * np.sqrt(variance))
