"""Upper quantiles of Student's t for whole degrees of freedom, without importing scipy.

``scipy.special`` takes about 0.3 s to import (it clones numpy's namespace,
loading ``numpy.testing``, ``numpy.f2py`` and more), longer than a whole
``sipas indices`` run computes, which needs just the ``t`` quantile of each
interval's degrees of freedom. Design degrees of freedom are whole numbers
(PSUs minus strata), where the t distribution function is a finite sum
(Abramowitz & Stegun 26.7.3–4). The quantile starts from Hill's approximation
(CACM algorithm 396, 1970) and takes three Newton steps on that sum.

Within :data:`MAX_DF` degrees of freedom and levels up to :data:`MAX_Q` the
values agree with ``scipy.special.stdtrit`` to 1e-13 relative
(``tests/analysis/test_distributions.py`` checks every df from 1 to 1000 at
levels 50 %–99 %); :func:`covers` tells when they may be used.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = ["MAX_DF", "MAX_Q", "MIN_Q", "covers", "upper_quantile"]

MAX_DF = 1000  # beyond, the sum's rounding grows past 1e-13: scipy answers
MIN_Q, MAX_Q = 0.75, 0.995  # upper quantiles of two-sided levels 50 %–99 %
NEWTON_STEPS = 3  # Hill's start is within 2e-4; each step squares the error


def covers(q: np.ndarray, df: np.ndarray) -> bool:
    """Whether :func:`upper_quantile` answers for these probabilities and degrees of freedom (NaN df allowed)."""
    q = np.asarray(q, dtype=np.float64)
    df = np.asarray(df, dtype=np.float64)
    known = df[~np.isnan(df)]
    return bool(
        np.all((q >= MIN_Q) & (q <= MAX_Q))
        and np.all((known >= 1) & (known <= MAX_DF) & (known == np.floor(known)))
    )


def upper_quantile(q: np.ndarray, df: np.ndarray) -> np.ndarray:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom (NaN where df is NaN).

    Parameters
    ----------
    q : array-like
        Probabilities, within ``[MIN_Q, MAX_Q]``.
    df : array-like
        Whole degrees of freedom from 1 to ``MAX_DF``, or NaN.

    Returns
    -------
    numpy.ndarray
        Quantiles, the shape of ``q`` and ``df`` broadcast together.
    """
    q, df = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(df, dtype=np.float64))
    out = np.full(q.shape, np.nan)
    pairs = ~np.isnan(df)
    keys = np.stack([q[pairs], df[pairs]], axis=1)
    if len(keys):
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        values = np.array([_quantile(float(p), int(nu)) for p, nu in unique])
        out[pairs] = values[inverse.reshape(-1)]
    return out


def _quantile(q: float, nu: int) -> float:
    target = 2.0 * q - 1.0  # P(|T| <= t)
    t = _hill(2.0 * (1.0 - q), nu)
    for _ in range(NEWTON_STEPS):
        t += (target - _central_probability(t, nu)) / (2.0 * _density(t, nu))
    return t


def _central_probability(t: float, nu: int) -> float:
    """``P(|T| <= t)`` for ``t >= 0`` (Abramowitz & Stegun 26.7.3 for odd, 26.7.4 for even ``nu``)."""
    c = nu / (nu + t * t)  # cos^2 of theta = atan(t / sqrt(nu))
    s = t / math.sqrt(nu + t * t)  # sin theta
    if nu % 2:
        theta = math.atan(t / math.sqrt(nu))
        if nu == 1:
            return 2.0 * theta / math.pi
        k = np.arange(1, (nu - 3) // 2 + 1)
        terms = np.cumprod((2 * k) / (2 * k + 1) * c)
        return 2.0 / math.pi * (theta + s * math.sqrt(c) * (1.0 + math.fsum(terms.tolist())))
    k = np.arange(1, (nu - 2) // 2 + 1)
    terms = np.cumprod((2 * k - 1) / (2 * k) * c)
    return s * (1.0 + math.fsum(terms.tolist()))


def _density(t: float, nu: int) -> float:
    log_scale = math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi)
    return math.exp(log_scale - (nu + 1) / 2 * math.log1p(t * t / nu))


def _hill(p2: float, n: int) -> float:
    """Hill's approximation to the upper quantile for the two-tailed probability ``p2``."""
    if n == 2:
        return math.sqrt(2.0 / (p2 * (2.0 - p2)) - 2.0)
    if n == 1:
        p2 *= math.pi / 2.0
        return math.cos(p2) / math.sin(p2)
    a = 1.0 / (n - 0.5)
    b = 48.0 / (a * a)
    c = ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36
    d = ((94.5 / (b + c) - 3.0) / b + 1.0) * math.sqrt(a * math.pi / 2.0) * n
    y = (d * p2) ** (2.0 / n)
    if y > 0.05 + a:
        x = NormalDist().inv_cdf(1.0 - p2 / 2.0)
        y = x * x
        if n < 5:
            c += 0.3 * (n - 4.5) * (x + 0.6)
        c = (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b + c
        y = (((((0.4 * y + 6.3) * y + 36.0) * y + 94.5) / c - y - 3.0) / b + 1.0) * x
        y = a * y * y
        y = math.expm1(y) if y > 0.002 else 0.5 * y * y + y
    else:
        y = ((1.0 / (((n + 6.0) / (n * y) - 0.089 * d - 0.822) * (n + 2.0) * 3.0) + 0.5 / (n + 4.0)) * y
             - 1.0) * (n + 1.0) / (n + 2.0) + 1.0 / y
    return math.sqrt(n * y)
