"""The distribution functions the estimators need, from :mod:`scipy.special`.

``scipy.stats`` takes longer to import than a whole ``sipas indices`` run
computes (about half a second on the development machine), and the
estimators only need a few quantiles and tail areas. These objects answer
with the names of ``scipy.stats`` (``t.ppf(q, df)``, ``norm.sf(x)``, ...),
so a module reads ``from analysis import distributions as stats`` and keeps
its formulas; the values are those of ``scipy.stats`` (checked in
``tests/analysis/test_distributions.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

__all__ = ["beta", "f", "norm", "t"]


class _Normal:
    """Standard normal distribution."""

    @staticmethod
    def ppf(q: Any) -> Any:
        return special.ndtri(q)

    @staticmethod
    def isf(q: Any) -> Any:
        return -special.ndtri(q)

    @staticmethod
    def cdf(x: Any) -> Any:
        return special.ndtr(x)

    @staticmethod
    def sf(x: Any) -> Any:
        return special.ndtr(-np.asarray(x, dtype=float))[()]


class _StudentT:
    """Student's t distribution with ``df`` degrees of freedom (``inf`` is the normal)."""

    @staticmethod
    def ppf(q: Any, df: Any) -> Any:
        q = np.asarray(q, dtype=float)
        quantile = special.stdtrit(df, q)
        # stdtrit answers +inf at q = 0 (the quantile is -inf) where the distribution exists
        return np.where((q == 0) & ~np.isnan(quantile), -np.inf, quantile)[()]

    @staticmethod
    def sf(x: Any, df: Any) -> Any:
        return special.stdtr(df, -np.asarray(x, dtype=float))[()]

    @staticmethod
    def cdf(x: Any, df: Any) -> Any:
        return special.stdtr(df, x)


class _Beta:
    """Beta distribution with shapes ``a`` and ``b``."""

    @staticmethod
    def ppf(q: Any, a: Any, b: Any) -> Any:
        return special.betaincinv(a, b, q)


class _F:
    """F distribution with ``dfn`` and ``dfd`` degrees of freedom."""

    @staticmethod
    def isf(q: Any, dfn: Any, dfd: Any) -> Any:
        return special.fdtri(dfn, dfd, 1 - np.asarray(q, dtype=float))[()]


norm = _Normal()
t = _StudentT()
beta = _Beta()
f = _F()
