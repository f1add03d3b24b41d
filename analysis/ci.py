"""Confidence intervals for design-based estimates, as R's ``survey`` computes them.

All functions are vectorised over numpy arrays and return ``(low, high)``.
Proportions are on the 0–1 scale here; the index code multiplies by 100.

Methods for proportions (R ``svyciprop`` names in brackets):

``logit`` [logit, xlogit]
    Delta method on the logit scale, Student *t* with the design df.
``wald`` [mean]
    ``p ± t·se``.
``beta`` [beta]
    Korn–Graubard: Clopper–Pearson with the effective sample size
    ``p(1-p)/var``, corrected by ``(t_{n-1}/t_df)^2``.
``wilson``
    Wilson score interval with the effective sample size and ``t_df``.
``likelihood`` [likelihood]
    R's scaled profile-likelihood interval (needs the unit-level data; see
    :func:`likelihood_interval`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from . import distributions as stats  # scipy.stats' names, without its import time

__all__ = [
    "CIMethod",
    "beta_interval",
    "fmm_spline",
    "likelihood_interval",
    "logit_interval",
    "proportion_interval",
    "t_interval",
    "t_quantile",
    "wald_interval",
    "wilson_interval",
]

CIMethod = Literal["logit", "wald", "beta", "wilson"]
PROPORTION_METHODS = ("logit", "xlogit", "wald", "mean", "beta", "wilson")


def t_quantile(level: float, df: np.ndarray | float) -> np.ndarray:
    """Upper ``(1+level)/2`` quantile of Student's t; NaN where ``df <= 0``.

    Parameters
    ----------
    level : float
        Confidence level, e.g. 0.95.
    df : array-like
        Degrees of freedom (``inf`` gives the normal quantile).

    Returns
    -------
    numpy.ndarray
    """
    df = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        q = stats.t.ppf(0.5 + level / 2.0, np.where(df > 0, df, np.nan))
    return np.asarray(q, dtype=np.float64)


def t_interval(estimate, se, df, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric Student-t interval ``estimate ± t_{df} se`` (R ``confint`` with ``df``).

    Parameters
    ----------
    estimate, se, df : array-like
        Estimates, standard errors and degrees of freedom.
    level : float
        Confidence level.

    Returns
    -------
    low, high : numpy.ndarray
    """
    est = np.asarray(estimate, dtype=np.float64)
    half = t_quantile(level, df) * np.asarray(se, dtype=np.float64)
    return est - half, est + half


def wald_interval(p, se, df, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wald interval on the proportion scale (R ``svyciprop(method="mean")``)."""
    return t_interval(p, se, df, level)


def logit_interval(p, se, df, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Logit interval: ``expit(logit(p) ± t_{df} se / (p(1-p)))``.

    NaN where ``p`` is 0 or 1 (the logit does not exist), as in R.

    Parameters
    ----------
    p, se, df : array-like
        Proportions (0–1), their standard errors and degrees of freedom.
    level : float
        Confidence level.

    Returns
    -------
    low, high : numpy.ndarray
    """
    p = np.asarray(p, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = stats.logit(p)
        se_eta = se / (p * (1.0 - p))
        half = t_quantile(level, df) * se_eta
        low, high = stats.expit(eta - half), stats.expit(eta + half)
    bad = (p <= 0) | (p >= 1) | ~np.isfinite(p)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def _effective_size(p, se, n) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proportions, effective sample sizes ``p(1-p)/se^2`` (``n`` where undefined) and ``n``, as float arrays."""
    p = np.asarray(p, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = p * (1.0 - p) / (se * se)
    return p, np.where(np.isfinite(n_eff) & (n_eff > 0), n_eff, n), n


def beta_interval(p, se, df, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Korn–Graubard (beta) interval (R ``svyciprop(method="beta")``).

    The effective sample size is ``p(1-p)/se^2`` scaled by
    ``(t_{n-1}/t_{df})^2``; where it is undefined (``se == 0``, e.g. at ``p`` of
    exactly 0 or 1) the nominal sample size ``n`` is used instead.

    Parameters
    ----------
    p, se, df : array-like
        Proportions (0–1), standard errors, design df.
    n : array-like
        Nominal (unweighted) sample sizes.
    level : float
        Confidence level.

    Returns
    -------
    low, high : numpy.ndarray
    """
    p, n_eff, n = _effective_size(p, se, n)
    df = np.asarray(df, dtype=np.float64)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = stats.t.ppf(alpha / 2, np.where(n > 1, n - 1, np.nan)) / stats.t.ppf(
            alpha / 2, np.where(df > 0, df, np.nan)
        )
        n_eff = n_eff * ratio**2
        a1, b1 = n_eff * p, n_eff * (1.0 - p) + 1.0
        a2, b2 = n_eff * p + 1.0, n_eff * (1.0 - p)
        low = np.where(a1 > 0, stats.beta.ppf(alpha / 2, np.where(a1 > 0, a1, 1.0), b1), 0.0)
        high = np.where(b2 > 0, stats.beta.ppf(1 - alpha / 2, a2, np.where(b2 > 0, b2, 1.0)), 1.0)
    bad = ~np.isfinite(n_eff) | ~np.isfinite(p)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def wilson_interval(p, se, df, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval with the design effective sample size and ``t_df``.

    Parameters
    ----------
    p, se, df : array-like
        Proportions (0–1), standard errors, design df.
    n : array-like
        Nominal sample sizes, used where the effective size is undefined.
    level : float
        Confidence level.

    Returns
    -------
    low, high : numpy.ndarray
    """
    p, n_eff, _n = _effective_size(p, se, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = t_quantile(level, df)
        t2n = t * t / n_eff
        centre = (p + t2n / 2.0) / (1.0 + t2n)
        half = t * np.sqrt(p * (1.0 - p) / n_eff + t2n / (4.0 * n_eff)) / (1.0 + t2n)
    return centre - half, centre + half


def proportion_interval(
    method: str, p, se, df, n, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interval for proportions by name, with the Korn–Graubard fallback at 0 and 1.

    Parameters
    ----------
    method : {"logit", "xlogit", "wald", "mean", "beta", "wilson"}
        Interval method.
    p, se, df, n : array-like
        Proportions (0–1), standard errors, design df and nominal sample sizes.
    level : float
        Confidence level.

    Returns
    -------
    low, high : numpy.ndarray
        Interval limits.
    used : numpy.ndarray of str
        Method that produced each interval: ``"beta"`` where a logit interval
        does not exist (estimate exactly 0 or 1).
    """
    p = np.asarray(p, dtype=np.float64)
    shape = p.shape
    if method in ("logit", "xlogit"):
        low, high = logit_interval(p, se, df, level)
        edge = (p <= 0) | (p >= 1)
        used = np.where(edge, "beta", "logit")
        if edge.any():
            blow, bhigh = beta_interval(p, np.zeros(shape), df, n, level)
            low = np.where(edge, blow, low)
            high = np.where(edge, bhigh, high)
        return low, high, used
    if method in ("wald", "mean"):
        low, high = wald_interval(p, se, df, level)
        return low, high, np.full(shape, "wald")
    if method == "beta":
        low, high = beta_interval(p, se, df, n, level)
        return low, high, np.full(shape, "beta")
    if method == "wilson":
        low, high = wilson_interval(p, se, df, n, level)
        return low, high, np.full(shape, "wilson")
    raise ValueError(f"Unknown interval method '{method}'")


def fmm_spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients of the Forsythe–Malcolm–Moler cubic spline (R ``spline(method="fmm")``).

    Parameters
    ----------
    x, y : numpy.ndarray
        Knots (increasing) and values.

    Returns
    -------
    b, c, d : numpy.ndarray
        ``S(u) = y_i + b_i t + c_i t^2 + d_i t^3`` with ``t = u - x_i``.
    """
    n = len(x)
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    if n < 3:
        t = (y[1] - y[0]) / (x[1] - x[0])
        b[:] = t
        return b, c, d
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, n - 1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[n - 1] = -d[n - 2]
    c[0] = c[n - 1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[n - 1] = c[n - 2] / (x[n - 1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[n - 1] = -c[n - 1] * d[n - 2] * d[n - 2] / (x[n - 1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[n - 1] = c[n - 1] / b[n - 1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[n - 1] = (y[n - 1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[n - 1])
    for i in range(n - 1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[n - 1] = 3.0 * c[n - 1]
    d[n - 1] = d[n - 2]
    return b, c, d


def _spline_eval(x, y, b, c, d, u):
    i = np.clip(np.searchsorted(x, u, side="right") - 1, 0, len(x) - 1)
    t = u - x[i]
    return y[i] + t * (b[i] + t * (c[i] + t * d[i]))


def _irls_logistic_intercept(
    y: np.ndarray, weights: np.ndarray, epsilon: float = 1e-8, maxit: int = 25
) -> tuple[float, float, float] | None:
    """R's ``glm.fit`` for ``y ~ 1`` with a logit link, step for step.

    Returns the intercept, the unscaled covariance R reports (from the working
    weights of the last iteration, which lag one step behind the estimate) and
    the fitted mean; None if the fit does not converge.
    """
    from scipy import special  # the unit-level fit only: not on the start-up path of sipas indices

    mustart = (weights * y + 0.5) / (weights + 1.0)
    eta = special.logit(mustart)
    mu = special.expit(eta)

    def dev_of(mu_: np.ndarray) -> float:
        return float(-2.0 * np.sum(weights * (y * np.log(mu_) + (1 - y) * np.log1p(-mu_))))

    devold = dev_of(mu)
    for _ in range(maxit):
        mu_eta = mu * (1.0 - mu)
        z = eta + (y - mu) / mu_eta
        w2 = weights * mu_eta
        coef = float(np.sum(w2 * z) / np.sum(w2))
        eta = np.full_like(y, coef)
        mu = special.expit(eta)
        dev = dev_of(mu)
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            return coef, float(1.0 / np.sum(w2)), float(mu[0])
        devold = dev
    return None


def likelihood_interval(
    y: np.ndarray, w: np.ndarray, se_p: float, df: float, level: float = 0.95
) -> tuple[float, float]:
    """R's profile-likelihood interval for a proportion (``svyciprop(method="likelihood")``).

    R fits ``svyglm(y ~ 1, family=quasibinomial)`` and profiles the binomial
    deviance of the intercept on a grid of at most nine steps each way, scaled
    by the design effect on the logit scale; the limits are read off a cubic
    (FMM) spline through the profile.  This reproduces those steps.

    Parameters
    ----------
    y : numpy.ndarray
        0/1 outcome of the units in the estimation domain (no missing values).
    w : numpy.ndarray
        Their sampling weights.
    se_p : float
        Design-based standard error of the proportion.
    df : float
        Design degrees of freedom.
    level : float
        Confidence level.

    Returns
    -------
    low, high : float
    """
    from scipy import special

    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if n < 3 or not df > 0:
        return float("nan"), float("nan")
    wr = w / w.mean()
    fit = _irls_logistic_intercept(y, wr)
    if fit is None:
        return float("nan"), float("nan")
    b0, naive_cov, mu_hat = fit
    p = float(mu_hat)
    se_eta = se_p / (p * (1 - p))
    lam = se_eta**2 / naive_cov
    alpha = stats.norm.cdf(stats.t.ppf((1 - level) / 2, df) * np.sqrt(lam)) / 2
    # Pearson residuals (R's residuals.svyglm divides the sampling weights out)
    # and their design-weighted variance: R's summary.svyglm dispersion
    r = (y - p) / np.sqrt(p * (1 - p))
    rbar = np.sum(w * r) / np.sum(w)
    dispersion = np.sum(w * (r - rbar) ** 2) / np.sum(w) * n / (n - 1)
    s1 = float(np.sum(wr * y))

    def deviance(eta: float) -> float:
        mu = special.expit(eta)
        return -2.0 * (s1 * np.log(mu) + (n - s1) * np.log1p(-mu))

    dev0 = deviance(b0)
    zmax = np.sqrt(stats.f.isf(alpha, 1, n - 1))
    delta = zmax / 5
    betas = [b0]
    zs = [0.0]
    for sgn in (-1, 1):
        step, z = 0, 0.0
        while True:
            step += 1
            if not (step < 10 and abs(z) < zmax):
                break
            bi = b0 + sgn * step * delta * se_eta
            zz = (deviance(bi) - dev0) / dispersion
            z = sgn * np.sqrt(max(zz, 0.0))
            betas.append(bi)
            zs.append(z)
    order = np.argsort(zs, kind="stable")
    xs = np.asarray(betas)[order]
    ys = np.asarray(zs)[order]
    sort_x = np.argsort(xs, kind="stable")
    xs, ys = xs[sort_x], ys[sort_x]
    b, c, d = fmm_spline(xs, ys)
    grid = np.linspace(xs[0], xs[-1], 3 * len(xs))
    values = _spline_eval(xs, ys, b, c, d, grid)
    unscaled = 2 * alpha
    cutoff = np.array([stats.norm.ppf(unscaled), stats.norm.isf(unscaled)])
    sort_v = np.argsort(values, kind="stable")
    lims = np.interp(cutoff, values[sort_v], grid[sort_v], left=np.nan, right=np.nan)
    low, high = special.expit(lims)
    return float(low), float(high)
