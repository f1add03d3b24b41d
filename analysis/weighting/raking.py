"""Raking of weight arrays to several known margins (IPF, optionally bounded)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis.errors import ConvergenceError, DesignError
from analysis.results import SummaryText, attributes
from analysis.weighting.arrays import (
    FloatArray,
    WeightDiagnostics,
    _as_weights,
    _frozen,
    _match_totals,
    _solve_clipped_scale,
    weight_diagnostics,
)

__all__ = ["RakingResult", "rake"]


# ---------------------------------------------------------------------------
# raking
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RakingResult(SummaryText):
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
        ``weighted_before``, ``achieved``, ``rel_error`` and ``factor`` (the
        category's raking factor: ``g`` is the product of a unit's factors,
        clipped to ``bounds``).
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
            **attributes(self, "iterations", "max_rel_error", "converged", "tol"),
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
    for name, labels, codes, target, err, factor in zip(
        names, labels_m, codes_m, target_m, errors, factors
    ):
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
                    "factor": factor,
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
