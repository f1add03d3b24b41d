"""The distribution functions the estimators need, with the values of :mod:`scipy.stats`.

``scipy.stats`` takes longer to import than a whole ``sipas indices`` run
computes (about half a second on the development machine), and the
estimators only need a few quantiles and tail areas. These objects answer
with the names of ``scipy.stats`` (``t.ppf(q, df)``, ``norm.sf(x)``, ...),
so a module reads ``from analysis import distributions as stats`` and keeps
its formulas; the values are those of ``scipy.stats`` (checked in
``tests/analysis/test_distributions.py``).

Even ``scipy.special`` costs about 0.3 s to import, so it is imported at the
first call that needs it: the t quantiles of whole degrees of freedom come
from :mod:`analysis.student_t`, and :func:`logit` and :func:`expit` are
scipy's formulas on the C library's ``log``/``exp`` (the same bits as
``scipy.special``), so a ``sipas indices`` run with logit intervals never
loads scipy.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

from analysis import student_t

__all__ = ["beta", "expit", "f", "logit", "norm", "t"]


def _special() -> ModuleType:
    from scipy import special

    return special


def logit(p: Any) -> np.ndarray:
    """``log(p / (1 - p))`` as ``scipy.special.logit`` computes it (NaN outside [0, 1]), element by element."""
    values = np.asarray(p, dtype=np.float64)
    return np.array([_logit(v) for v in values.ravel().tolist()], dtype=np.float64).reshape(values.shape)


def expit(x: Any) -> np.ndarray:
    """``1 / (1 + exp(-x))`` as ``scipy.special.expit`` computes it, element by element."""
    values = np.asarray(x, dtype=np.float64)
    return np.array([_expit(v) for v in values.ravel().tolist()], dtype=np.float64).reshape(values.shape)


def _logit(p: float) -> float:
    if not 0.0 <= p <= 1.0:  # also NaN
        return math.nan
    if p == 0.0 or p == 1.0:
        return -math.inf if p == 0.0 else math.inf
    if p < 0.3 or p > 0.65:
        return math.log(p / (1.0 - p))
    s = 2.0 * (p - 0.5)  # near 1/2, as scipy: log1p keeps the precision
    return math.log1p(s) - math.log1p(-s)


def _expit(x: float) -> float:
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:  # exp(-x) beyond the largest double: C gives inf, so 0
        return 0.0


class _Normal:
    """Standard normal distribution."""

    @staticmethod
    def ppf(q: Any) -> Any:
        return _special().ndtri(q)

    @staticmethod
    def isf(q: Any) -> Any:
        return -_special().ndtri(q)

    @staticmethod
    def cdf(x: Any) -> Any:
        return _special().ndtr(x)

    @staticmethod
    def sf(x: Any) -> Any:
        return _special().ndtr(-np.asarray(x, dtype=float))[()]


class _StudentT:
    """Student's t distribution with ``df`` degrees of freedom (``inf`` is the normal)."""

    @staticmethod
    def ppf(q: Any, df: Any) -> Any:
        q = np.asarray(q, dtype=float)
        if student_t.covers(q, df):
            return student_t.upper_quantile(q, df)[()]
        quantile = _special().stdtrit(df, q)
        # stdtrit answers +inf at q = 0 (the quantile is -inf) where the distribution exists
        return np.where((q == 0) & ~np.isnan(quantile), -np.inf, quantile)[()]

    @staticmethod
    def sf(x: Any, df: Any) -> Any:
        return _special().stdtr(df, -np.asarray(x, dtype=float))[()]

    @staticmethod
    def cdf(x: Any, df: Any) -> Any:
        return _special().stdtr(df, x)


class _Beta:
    """Beta distribution with shapes ``a`` and ``b``."""

    @staticmethod
    def ppf(q: Any, a: Any, b: Any) -> Any:
        return _special().betaincinv(a, b, q)


class _F:
    """F distribution with ``dfn`` and ``dfd`` degrees of freedom."""

    @staticmethod
    def isf(q: Any, dfn: Any, dfd: Any) -> Any:
        return _special().fdtri(dfn, dfd, 1 - np.asarray(q, dtype=float))[()]


norm = _Normal()
t = _StudentT()
beta = _Beta()
f = _F()
