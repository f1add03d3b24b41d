"""Replicate-weight variance: JK1, JKn, Rao–Wu bootstrap, BRR and Fay (R ``as.svrepdesign``).

Replicate weights are PSU-level multipliers of the full-sample weights,
stored as a ``(replicates, PSUs)`` matrix.  A statistic that is a function of
weighted totals is recomputed from each replicate's totals, and the variance
is ``scale * sum_r rscale_r (theta_r - centre)^2`` with ``centre`` the mean of
the replicates (R's default ``mse=FALSE``) or the full-sample estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .design import SurveyDesign
from .errors import DesignError, LonelyPSUError
from .variance import SELF_REPRESENTING

__all__ = ["ReplicateDesign", "make_replicates", "replicate_values", "replicate_variance"]

REPLICATE_METHODS = ("jk1", "jkn", "bootstrap", "brr", "fay")


@dataclass(frozen=True, eq=False)
class ReplicateDesign:
    """Replicate weights of a design.

    Attributes
    ----------
    method : str
        ``jk1``, ``jkn``, ``bootstrap``, ``brr`` or ``fay``.
    factors : numpy.ndarray, shape (R, n_psus)
        Multiplier of the weights of each PSU in each replicate.
    scale : float
        Overall variance scale.
    rscales : numpy.ndarray, shape (R,)
        Per-replicate scale.
    mse : bool
        Centre the squared deviations at the full-sample estimate instead of
        the replicate mean.
    df : float
        Degrees of freedom for intervals.
    """

    method: str
    factors: np.ndarray
    scale: float
    rscales: np.ndarray
    mse: bool
    df: float

    @property
    def n_replicates(self) -> int:
        """Number of replicates."""
        return self.factors.shape[0]

    def row_weights(self, design: SurveyDesign) -> np.ndarray:
        """Replicate weights of every row, shape ``(n, R)`` (memory: use on small data)."""
        return design.weights[:, None] * self.factors.T[design.psu]


def _fpc_factor(design: SurveyDesign) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(
            np.isfinite(design.pop_psu), (design.pop_psu - design.n_psu) / design.pop_psu, 1.0
        )


def _hadamard(order: int) -> np.ndarray:
    h = np.ones((1, 1))
    while h.shape[0] < order:
        h = np.block([[h, h], [h, -h]])
    return h


def make_replicates(
    design: SurveyDesign,
    method: str,
    *,
    replicates: int = 500,
    rng: np.random.Generator | None = None,
    fay_rho: float = 0.5,
    mse: bool = False,
) -> ReplicateDesign:
    """Build replicate weights for a design.

    Parameters
    ----------
    design : SurveyDesign
        The design (calibrated designs are not supported: R recalibrates
        every replicate, which this package does not do).
    method : {"jk1", "jkn", "bootstrap", "brr", "fay"}
        ``jk1``: delete-one-PSU jackknife (unstratified designs); ``jkn``:
        stratified jackknife; ``bootstrap``: Rao–Wu rescaling bootstrap
        drawing ``n_h - 1`` PSUs with replacement in each stratum; ``brr`` /
        ``fay``: balanced repeated replication (two PSUs per stratum) from a
        Sylvester–Hadamard matrix, Fay's variant with ``fay_rho``.
    replicates : int
        Number of bootstrap replicates.
    rng : numpy.random.Generator, optional
        Random generator for the bootstrap (default: seed 0, reproducible).
    fay_rho : float
        Fay coefficient (``fay`` only).
    mse : bool
        Centre at the full-sample estimate.

    Returns
    -------
    ReplicateDesign

    Raises
    ------
    DesignError
        Method not possible for the design (JK1 with strata, BRR without
        exactly two PSUs per stratum, calibrated design).
    LonelyPSUError
        Stratum with one PSU under ``lonely_psu="fail"`` (JKn).
    """
    method = method.lower()
    if method not in REPLICATE_METHODS:
        raise DesignError(f"Unknown replicate method '{method}'; use one of {REPLICATE_METHODS}")
    if design.calibrated:
        raise DesignError(
            "Replicate weights for post-stratified or raked designs are not supported; "
            "use Taylor linearization"
        )
    n_psus = design.n_psus
    stratum = design.psu_stratum
    n_h = design.n_psu
    f = _fpc_factor(design)
    df = float(design.degf)
    if method == "jk1":
        if design.has_strata and design.n_strata > 1:
            raise DesignError("JK1 needs an unstratified design; use jkn for stratified designs")
        n = float(n_psus)
        factors = np.full((n_psus, n_psus), n / (n - 1))
        np.fill_diagonal(factors, 0.0)
        scale = float(f[0] * (n - 1) / n)
        return ReplicateDesign("jk1", factors, scale, np.ones(n_psus), mse, df)
    if method == "jkn":
        # R's jknweights(): a stratum sampled whole (f = 0) has no replicates and is never lonely
        certain = f[stratum] < SELF_REPRESENTING
        lonely = (n_h[stratum] == 1) & ~certain
        if lonely.any() and design.lonely_psu == "fail":
            bad = design.strata_labels[stratum[np.flatnonzero(lonely)[0]]]
            raise LonelyPSUError(str(bad), 1)
        keep = np.flatnonzero((n_h[stratum] > 1) & ~certain)
        same = stratum[keep][:, None] == stratum[None, :]
        nh = n_h[stratum[keep]]
        factors = np.where(same, (nh / (nh - 1))[:, None], 1.0)
        factors[np.arange(len(keep)), keep] = 0.0
        rscales = f[stratum[keep]] * (nh - 1) / nh
        scale = 1.0
        if design.lonely_psu == "adjust" and lonely.any():
            n_str = design.n_strata
            extra_strata = np.unique(stratum[lonely])
            extra = np.where(stratum[None, :] == extra_strata[:, None], 0.0, n_str / (n_str - 1))
            factors = np.vstack([factors, extra])
            rscales = np.concatenate([rscales, np.full(len(extra_strata), (n_str - 1) / n_str)])
        elif design.lonely_psu == "average" and 0 < len(keep) < n_psus:
            scale = n_psus / len(keep)  # R: PSUs over replicates, whole strata counted too
        if len(rscales) == 0:
            raise DesignError(
                "No jackknife replicates: every stratum has a single PSU or was sampled whole"
            )
        return ReplicateDesign("jkn", factors, scale, rscales, mse, df)
    if method == "bootstrap":
        rng = rng if rng is not None else np.random.default_rng(0)
        order = np.argsort(stratum, kind="stable")
        start = np.zeros(design.n_strata, dtype=np.int64)
        start[1:] = np.cumsum(n_h)[:-1].astype(np.int64)
        draws_per = np.maximum(n_h - 1, 0).astype(np.int64)
        draw_stratum = np.repeat(np.arange(design.n_strata), draws_per)
        u = rng.random((replicates, len(draw_stratum)))
        pos = start[draw_stratum] + np.floor(u * n_h[draw_stratum]).astype(np.int64)
        psu_drawn = order[pos]
        counts = np.zeros((replicates, n_psus))
        rows = np.repeat(np.arange(replicates), len(draw_stratum))
        np.add.at(counts, (rows, psu_drawn.reshape(-1)), 1.0)
        lam = np.sqrt(f)[stratum]
        nh = n_h[stratum]
        with np.errstate(invalid="ignore", divide="ignore"):
            resampled = np.where(nh > 1, nh / (nh - 1), 0.0) * counts
        factors = np.where(nh > 1, 1 - lam + lam * resampled, 1.0)
        return ReplicateDesign(
            "bootstrap", factors, 1.0 / (replicates - 1), np.ones(replicates), mse, df
        )
    # BRR / Fay
    if not (n_h == 2).all():
        bad = design.strata_labels[int(np.flatnonzero(n_h != 2)[0])]
        raise DesignError(
            f"BRR needs exactly two PSUs per stratum; stratum {bad} has another number"
        )
    n_str = design.n_strata
    had = _hadamard(n_str + 1)
    signs = had[:, 1 : n_str + 1]  # (R, H), first column (all ones) unused
    first = np.zeros(n_psus, dtype=bool)
    seen = np.zeros(n_str, dtype=bool)
    for p in range(n_psus):  # two PSUs per stratum: mark the first of each pair
        if not seen[stratum[p]]:
            first[p] = True
            seen[stratum[p]] = True
    rho = fay_rho if method == "fay" else 0.0
    s = signs[:, stratum]
    chosen = np.where(first[None, :], s > 0, s < 0)
    factors = np.where(chosen, 2.0 - rho, rho)
    n_rep = factors.shape[0]
    return ReplicateDesign(method, factors, 1.0 / (n_rep * (1 - rho) ** 2), np.ones(n_rep), mse, df)


def replicate_values(
    reps: ReplicateDesign,
    psu: np.ndarray,
    dom: np.ndarray,
    values: np.ndarray,
    n_psus: int,
    n_dom: int,
) -> np.ndarray:
    """Replicate totals of weighted values per domain, shape ``(R, n_dom)``.

    Parameters
    ----------
    reps : ReplicateDesign
    psu, dom : numpy.ndarray
        PSU and domain code of each row (domain ``-1``: not counted).
    values : numpy.ndarray
        Weighted values ``w_i y_i`` of each row.
    n_psus, n_dom : int
        Numbers of PSUs and domains.
    """
    keep = dom >= 0
    totals = sp.csr_matrix((values[keep], (psu[keep], dom[keep])), shape=(n_psus, n_dom))
    return np.asarray((totals.T @ reps.factors.T).T)


def _variance(reps: ReplicateDesign, thetas: np.ndarray, full: np.ndarray) -> np.ndarray:
    """``scale * sum rscale (theta_r - centre)^2`` per column (R ``svrVar``)."""
    r = reps.rscales
    if reps.mse:
        centre = full
    else:
        centre = thetas[r > 0].mean(axis=0)
    dev = thetas - centre
    return reps.scale * np.einsum("r,r...->...", r, dev * dev)


def replicate_variance(
    reps: ReplicateDesign, design: SurveyDesign, lin: Any, dom: np.ndarray, n_dom: int
) -> np.ndarray:
    """Replicate variance of the statistics linearized in ``lin`` (see estimators)."""
    w = design.weights
    out = np.zeros((n_dom, len(lin.y_rows)))
    for j, (y, valid, ratio) in enumerate(zip(lin.y_rows, lin.valid_rows, lin.is_ratio)):
        d = np.where(valid, lin.den_rows[j], 0.0)
        yv = np.where(valid, y, 0.0)
        ty = replicate_values(reps, design.psu, dom, w * yv, design.n_psus, n_dom)
        if ratio:
            td = replicate_values(reps, design.psu, dom, w * d, design.n_psus, n_dom)
            with np.errstate(invalid="ignore", divide="ignore"):
                thetas = ty / td
        else:
            thetas = ty
        out[:, j] = _variance(reps, thetas, lin.estimate[:, j])
    return out
