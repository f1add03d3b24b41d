"""Fay–Herriot area-level small-area estimation.

Model (Fay and Herriot, 1979): for sampled area ``i``

    y_i = theta_i + e_i,        e_i ~ N(0, psi_i),   psi_i known (the sampling variance),
    theta_i = x_i' beta + v_i,  v_i ~ N(0, sigma2_v).

The EBLUP shrinks the direct estimate towards the regression ("synthetic")
estimate, ``theta_i = gamma_i y_i + (1 - gamma_i) x_i' beta``, with
``gamma_i = sigma2_v / (sigma2_v + psi_i)``. Areas without a sample get the
synthetic estimate ``x_i' beta``.

The model variance ``sigma2_v`` is estimated by REML (default), ML, the
Fay–Herriot moment method ("FH") or the Prasad–Rao moment method ("PR"), each
truncated at zero. The MSE is the second-order approximation
``g1 + g2 + 2 g3`` (Prasad and Rao, 1990; Datta and Lahiri, 2000), with the
bias correction ``- B_i^2 b(sigma2_v)`` for ML (Datta and Lahiri) and FH
(Datta, Rao and Smith, 2005); see Rao and Molina (2015), section 6.2.
The REML, ML and FH fits follow the equations of R package ``sae``
(``eblupFH``/``mseFH``) with a tighter stopping rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from analysis.errors import AnalysisError, ConvergenceError
from analysis.results import SummaryText, attributes

__all__ = ["FayHerriotResult", "fay_herriot", "smoothed_variance"]

FloatArray = NDArray[np.float64]
VarianceMethod = Literal["REML", "ML", "FH", "PR"]


def _frozen(values: ArrayLike, dtype: Any = float) -> NDArray[Any]:
    out = np.array(values, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class FayHerriotResult(SummaryText):
    """Fitted Fay–Herriot model and small-area estimates.

    Attributes
    ----------
    areas : ndarray
        Area labels.
    direct, variance : ndarray
        Direct estimates and their sampling variances (NaN where not sampled).
    sampled : ndarray of bool
        Areas with a direct estimate.
    estimate : ndarray
        EBLUP for sampled areas, synthetic estimate for the others.
    mse : ndarray
        Estimated mean squared error of ``estimate``.
    synthetic : ndarray
        Regression estimate ``x_i' beta`` for every area.
    gamma : ndarray
        Shrinkage factor ``sigma2_v / (sigma2_v + psi_i)`` (weight of the
        direct estimate); 0 for areas without a sample.
    g1, g2, g3 : ndarray
        Components of the MSE of sampled areas (NaN elsewhere).
    sigma2_v : float
        Estimated model (area-effect) variance, truncated at zero.
    sigma2_v_se : float
        Its asymptotic standard error.
    beta, beta_se : ndarray
        GLS regression coefficients and standard errors.
    covariate_names : tuple of str
        Names of the columns of the covariate matrix.
    method : {"REML", "ML", "FH", "PR"}
        Estimator of ``sigma2_v``.
    iterations : int
        Fisher-scoring iterations (0 for "PR").
    """

    areas: NDArray[Any]
    direct: FloatArray
    variance: FloatArray
    sampled: NDArray[np.bool_]
    estimate: FloatArray
    mse: FloatArray
    synthetic: FloatArray
    gamma: FloatArray
    g1: FloatArray
    g2: FloatArray
    g3: FloatArray
    sigma2_v: float
    sigma2_v_se: float
    beta: FloatArray
    beta_se: FloatArray
    covariate_names: tuple[str, ...]
    method: VarianceMethod
    iterations: int

    @property
    def rmse(self) -> FloatArray:
        """Root MSE of the estimates."""
        return np.sqrt(self.mse)

    @property
    def cv(self) -> FloatArray:
        """Coefficient of variation ``rmse / |estimate|``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.rmse / np.abs(self.estimate)

    def interval(self, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        """Normal-approximation interval ``estimate -/+ z * rmse``.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level.

        Returns
        -------
        tuple of ndarray
            Lower and upper limits.
        """
        if not 0 < level < 1:
            raise AnalysisError(f"level must lie strictly between 0 and 1, got {level!r}")
        z = stats.norm.ppf(0.5 + level / 2)
        return self.estimate - z * self.rmse, self.estimate + z * self.rmse

    def to_frame(self) -> pd.DataFrame:
        """One row per area."""
        low, high = self.interval()
        return pd.DataFrame(
            {
                "area": self.areas,
                "sampled": self.sampled,
                "direct": self.direct,
                "direct_se": np.sqrt(self.variance),
                "gamma": self.gamma,
                "synthetic": self.synthetic,
                "estimate": self.estimate,
                "rmse": self.rmse,
                "ci_low": low,
                "ci_high": high,
                "cv": self.cv,
            }
        )

    def coefficients(self) -> pd.DataFrame:
        """Regression coefficients with standard errors and z tests."""
        z = self.beta / self.beta_se
        return pd.DataFrame(
            {
                "beta": self.beta,
                "se": self.beta_se,
                "z": z,
                "p_value": 2 * stats.norm.sf(np.abs(z)),
            },
            index=list(self.covariate_names),
        )

    def to_dict(self) -> dict[str, Any]:
        """Model fit and the areas table as plain Python objects."""
        return {
            **attributes(self, "method", "sigma2_v", "sigma2_v_se", "iterations"),
            "beta": dict(zip(self.covariate_names, self.beta.tolist())),
            "beta_se": dict(zip(self.covariate_names, self.beta_se.tolist())),
            "areas": self.to_frame().to_dict(orient="records"),
        }

    def summary(self) -> str:
        """Text report: model fit, coefficients and the areas table."""
        n_out = int((~self.sampled).sum())
        return (
            f"Fay-Herriot model ({self.method}): {int(self.sampled.sum())} sampled area(s)"
            + (f", {n_out} synthetic" if n_out else "")
            + f"\nsigma2_v = {self.sigma2_v:.6g} (se {self.sigma2_v_se:.3g})"
            + f"{', truncated at 0' if self.sigma2_v == 0 else ''}\n"
            + self.coefficients().to_string()
            + "\n"
            + self.to_frame().to_string(index=False)
        )


def _gls(
    sigma2: float, y: FloatArray, x: FloatArray, psi: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Weights ``1/(sigma2 + psi)``, ``Q = (X' V^-1 X)^-1``, beta and residuals."""
    v = 1.0 / (sigma2 + psi)
    q = np.asarray(np.linalg.inv(x.T @ (v[:, None] * x)), dtype=np.float64)
    beta = q @ (x.T @ (v * y))
    return v, q, beta, y - x @ beta


def _score_information(
    method: VarianceMethod, sigma2: float, y: FloatArray, x: FloatArray, psi: FloatArray
) -> tuple[float, float]:
    """Score and expected information of ``sigma2`` (P never formed: V is diagonal)."""
    v, q, _, resid = _gls(sigma2, y, x, psi)
    py = v * resid  # P y
    if method == "REML":
        # tr(P) and tr(P P) with P = V^-1 - V^-1 X Q X' V^-1
        xv2x = x.T @ ((v**2)[:, None] * x)
        xv3x = x.T @ ((v**3)[:, None] * x)
        qa = q @ xv2x
        tr_p = v.sum() - np.trace(qa)
        tr_pp = (v**2).sum() - 2 * np.trace(q @ xv3x) + np.trace(qa @ qa)
        return float(-0.5 * tr_p + 0.5 * py @ py), float(0.5 * tr_pp)
    if method == "ML":
        return float(-0.5 * v.sum() + 0.5 * py @ py), float(0.5 * (v**2).sum())
    # FH moment equation: sum v r^2 = m - p, with "information" sum v (as package sae)
    m, p = x.shape
    return float(np.sum(v * resid**2) - (m - p)), float(v.sum())


def _fit_sigma2(
    method: VarianceMethod,
    y: FloatArray,
    x: FloatArray,
    psi: FloatArray,
    maxit: int,
    tol: float,
) -> tuple[float, int]:
    m, p = x.shape
    if method == "PR":
        # Prasad-Rao: OLS residuals, E(sum r^2) = (m - p) sigma2 + sum psi_i (1 - h_ii)
        xtx_inv = np.linalg.inv(x.T @ x)
        resid = y - x @ (xtx_inv @ (x.T @ y))
        leverage = np.einsum("ij,jk,ik->i", x, xtx_inv, x)
        return max(0.0, float((resid @ resid - np.sum(psi * (1 - leverage))) / (m - p))), 0
    scale = float(np.median(psi))
    if method == "FH":
        # the moment function decreases in sigma2: bracket its root and solve exactly
        def moment(sigma2: float) -> float:
            return _score_information("FH", sigma2, y, x, psi)[0]

        if moment(0.0) <= 0:
            return 0.0, 0
        upper = scale
        for _ in range(200):
            if moment(upper) < 0:
                break
            upper *= 2.0
        else:
            raise ConvergenceError(
                f"Fay-Herriot FH moment equation for sigma2_v has no root below {upper:.3g}"
            )
        root, info = optimize.brentq(
            moment,
            0.0,
            upper,
            xtol=tol * scale,
            rtol=4 * np.finfo(float).eps,
            maxiter=maxit,
            full_output=True,
            disp=False,
        )
        if not info.converged:
            raise ConvergenceError(
                f"Fay-Herriot FH moment equation for sigma2_v not solved in {maxit} iterations "
                f"(bracket [0, {upper:.6g}])"
            )
        return float(root), int(info.iterations)

    # REML / ML: Fisher scoring from median(psi) as in R package sae, projected on
    # sigma2 >= 0. Scoring can oscillate around a maximum where the expected and the
    # observed information differ much; a step across a sign change of the score
    # brackets the maximum, which is then solved exactly.
    def score(sigma2: float) -> float:
        return _score_information(method, sigma2, y, x, psi)[0]

    sigma2 = scale
    current, info = _score_information(method, sigma2, y, x, psi)
    step = np.nan
    for iteration in range(1, maxit + 1):
        if sigma2 == 0.0 and current <= 0:
            return 0.0, iteration - 1  # maximum on the boundary
        step = current / info
        new = max(0.0, sigma2 + step)
        if abs(new - sigma2) <= tol * max(sigma2, scale):
            return new, iteration
        new_score, new_info = _score_information(method, new, y, x, psi)
        if current * new_score < 0:
            low, high = min(sigma2, new), max(sigma2, new)
            root = optimize.brentq(
                score, low, high, xtol=tol * scale, rtol=4 * np.finfo(float).eps, maxiter=200
            )
            return float(root), iteration
        sigma2, current, info = new, new_score, new_info
    raise ConvergenceError(
        f"Fay-Herriot {method} estimation of sigma2_v did not converge in {maxit} "
        f"iterations (last value {sigma2:.6g}, last step {step:.3g})"
    )


def _mse_components(
    method: VarianceMethod, sigma2: float, x: FloatArray, psi: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, float, FloatArray]:
    """g1, g2, g3, the bias term per area, Var(sigma2_hat) and Q at the estimate."""
    m = x.shape[0]
    v = 1.0 / (sigma2 + psi)
    q = np.asarray(np.linalg.inv(x.T @ (v[:, None] * x)), dtype=np.float64)
    shrink = psi * v  # B_i = 1 - gamma_i
    g1 = sigma2 * psi * v
    g2 = shrink**2 * np.einsum("ij,jk,ik->i", x, q, x)
    bias: FloatArray = np.zeros(m)
    if method in ("REML", "ML"):
        var_sigma2 = 2.0 / np.sum(v**2)
        if method == "ML":
            b_ml = -np.trace(q @ (x.T @ ((v**2)[:, None] * x))) / np.sum(v**2)
            bias = b_ml * shrink**2
    elif method == "FH":
        sum_v, sum_v2 = v.sum(), np.sum(v**2)
        var_sigma2 = 2.0 * m / sum_v**2
        b_fh = 2.0 * (m * sum_v2 - sum_v**2) / sum_v**3
        bias = b_fh * shrink**2
    else:  # PR
        var_sigma2 = 2.0 * np.sum((sigma2 + psi) ** 2) / m**2
    g3 = shrink**2 * v * var_sigma2
    return g1, g2, g3, bias, float(var_sigma2), q


def fay_herriot(
    direct: ArrayLike,
    variance: ArrayLike,
    covariates: ArrayLike | None = None,
    *,
    method: VarianceMethod = "REML",
    add_intercept: bool = True,
    areas: Sequence[Any] | None = None,
    covariate_names: Sequence[str] | None = None,
    maxit: int = 100,
    tol: float = 1e-10,
) -> FayHerriotResult:
    """Fit the Fay–Herriot model and compute EBLUPs with Prasad–Rao MSEs.

    Parameters
    ----------
    direct : array_like
        Direct (design-based) estimate of every area; NaN for areas without a
        sample, which get the synthetic estimate.
    variance : array_like
        Sampling variance ``psi_i`` of each direct estimate, treated as known
        (usually smoothed); ignored (may be NaN) where ``direct`` is NaN.
    covariates : array_like, optional
        Area-level covariates, shape ``(areas, k)``, known for every area
        (sampled or not). ``None`` fits an intercept-only model.
    method : {"REML", "ML", "FH", "PR"}, default "REML"
        Estimator of the model variance ``sigma2_v``: restricted or full
        maximum likelihood (Fisher scoring from the median of ``psi``), the
        Fay–Herriot moment estimator, or the Prasad–Rao moment estimator;
        all truncated at zero.
    add_intercept : bool, default True
        Prepend a column of ones to ``covariates``.
    areas : sequence, optional
        Area labels (default ``0 .. m-1``).
    covariate_names : sequence of str, optional
        Names of the covariate columns (without the intercept).
    maxit : int, default 100
        Maximum Fisher-scoring iterations.
    tol : float, default 1e-10
        Stop when the step in ``sigma2_v`` is below ``tol`` times
        ``max(sigma2_v, median(psi))``.

    Returns
    -------
    FayHerriotResult

    Raises
    ------
    AnalysisError
        On inconsistent inputs: shapes, non-positive sampling variances, too
        few sampled areas, or collinear covariates (each named).
    ConvergenceError
        If Fisher scoring does not converge within ``maxit`` iterations.

    Notes
    -----
    For sampled area ``i``, with ``B_i = psi_i / (sigma2_v + psi_i)`` and
    ``Q = (sum_j x_j x_j' / (sigma2_v + psi_j))^-1``:

    * ``g1 = sigma2_v psi_i / (sigma2_v + psi_i)``,
    * ``g2 = B_i^2 x_i' Q x_i``,
    * ``g3 = B_i^2 Var(sigma2_v_hat) / (sigma2_v + psi_i)`` with the asymptotic
      variance ``2 / sum (sigma2_v + psi_j)^-2`` (REML, ML),
      ``2 m / (sum (sigma2_v + psi_j)^-1)^2`` (FH) or
      ``2 sum (sigma2_v + psi_j)^2 / m^2`` (PR);
    * ``mse = g1 + g2 + 2 g3 - B_i^2 b`` where ``b`` is the first-order bias of
      the estimator of ``sigma2_v``: 0 for REML and PR,
      ``-tr(Q sum x x' / (sigma2_v + psi)^2) / sum (sigma2_v + psi)^-2`` for ML
      (Datta and Lahiri) and
      ``2 (m sum V^-2 - (sum V^-1)^2) / (sum V^-1)^3`` for FH (Datta, Rao and
      Smith).

    An area without a sample gets ``x_i' beta`` with MSE
    ``sigma2_v + x_i' Q x_i`` (the uncertainty of ``sigma2_v_hat`` ignored).
    """
    y_all = np.asarray(direct, dtype=float)
    if y_all.ndim != 1 or y_all.size == 0:
        raise AnalysisError(f"direct must be a non-empty 1-D array, got shape {y_all.shape}")
    m_all = y_all.size
    psi_all = np.asarray(variance, dtype=float)
    if psi_all.shape != y_all.shape:
        raise AnalysisError(
            f"variance must have one value per area ({m_all}), got shape {psi_all.shape}"
        )
    labels = np.arange(m_all) if areas is None else np.asarray(areas)
    if labels.shape != y_all.shape:
        raise AnalysisError(f"areas must have {m_all} labels, got {labels.size}")
    label_list = labels.tolist()
    if method not in ("REML", "ML", "FH", "PR"):
        raise AnalysisError(f"unknown method {method!r}; use 'REML', 'ML', 'FH' or 'PR'")

    if covariates is None:
        x_all = np.ones((m_all, 1))
        names: list[str] = ["(Intercept)"]
    else:
        x_in = np.asarray(covariates, dtype=float)
        if x_in.ndim == 1:
            x_in = x_in[:, None]
        if x_in.ndim != 2 or x_in.shape[0] != m_all:
            raise AnalysisError(
                f"covariates must have one row per area ({m_all}), got shape {x_in.shape}"
            )
        if covariate_names is None:
            names = [f"x{j + 1}" for j in range(x_in.shape[1])]
        else:
            names = list(covariate_names)
            if len(names) != x_in.shape[1]:
                raise AnalysisError(
                    f"covariate_names has {len(names)} names for {x_in.shape[1]} columns"
                )
        if add_intercept:
            x_in = np.column_stack([np.ones(m_all), x_in])
            names = ["(Intercept)", *names]
        x_all = x_in
    bad_x = ~np.isfinite(x_all).all(axis=1)
    if bad_x.any():
        k = int(np.flatnonzero(bad_x)[0])
        raise AnalysisError(f"covariates of area {label_list[k]!r} are missing or infinite")

    sampled = np.isfinite(y_all)
    bad_psi = sampled & ~(np.isfinite(psi_all) & (psi_all > 0))
    if bad_psi.any():
        k = int(np.flatnonzero(bad_psi)[0])
        raise AnalysisError(
            f"sampling variance of area {label_list[k]!r} must be positive, "
            f"got {float(psi_all[k])!r}"
        )
    y, psi, x = y_all[sampled], psi_all[sampled], x_all[sampled]
    m, p = x.shape
    if m <= p:
        raise AnalysisError(
            f"{m} sampled area(s) cannot fit a model with {p} coefficient(s); need more than {p}"
        )
    if np.linalg.matrix_rank(x) < p:
        raise AnalysisError(
            f"the covariates ({', '.join(names)}) are collinear over the sampled areas"
        )

    sigma2, iterations = _fit_sigma2(method, y, x, psi, maxit, tol)
    v, q, beta, resid = _gls(sigma2, y, x, psi)
    gamma = sigma2 * v
    g1, g2, g3, bias, var_sigma2, _ = _mse_components(method, sigma2, x, psi)

    synthetic = x_all @ beta
    estimate = synthetic.copy()
    estimate[sampled] = synthetic[sampled] + gamma * resid
    mse = sigma2 + np.einsum("ij,jk,ik->i", x_all, q, x_all)
    mse[sampled] = g1 + g2 + 2 * g3 - bias
    full_gamma = np.zeros(m_all)
    full_gamma[sampled] = gamma

    def spread(values: FloatArray) -> FloatArray:
        out = np.full(m_all, np.nan)
        out[sampled] = values
        return out

    return FayHerriotResult(
        areas=_frozen(labels, labels.dtype),
        direct=_frozen(y_all),
        variance=_frozen(np.where(sampled, psi_all, np.nan)),
        sampled=_frozen(sampled, bool),
        estimate=_frozen(estimate),
        mse=_frozen(mse),
        synthetic=_frozen(synthetic),
        gamma=_frozen(full_gamma),
        g1=_frozen(spread(g1)),
        g2=_frozen(spread(g2)),
        g3=_frozen(spread(g3)),
        sigma2_v=float(sigma2),
        sigma2_v_se=float(np.sqrt(var_sigma2)),
        beta=_frozen(beta),
        beta_se=_frozen(np.sqrt(np.diag(q))),
        covariate_names=tuple(names),
        method=method,
        iterations=iterations,
    )


def smoothed_variance(
    estimate: ArrayLike,
    se: ArrayLike,
    n: ArrayLike,
    reliable: ArrayLike,
    *,
    scale: Literal["percent", "mean"] = "percent",
) -> FloatArray:
    """Sampling variances for Fay–Herriot, smoothed where the direct one cannot be trusted.

    An area with zero or one PSU has no usable design variance (a single PSU
    gives a standard error of 0 or none at all). Its variance is taken from a
    generalised variance function fitted on the reliable areas:
    ``deff * p (100 - p) / n`` for percentages (``p`` kept within 2.5–97.5 so
    that 0 % or 100 % do not give a zero variance), or ``s2 / n`` for means,
    with ``deff`` (or ``s2``) the median over the reliable areas.

    Parameters
    ----------
    estimate, se : array_like
        Direct estimates and standard errors (NaN where not sampled).
    n : array_like
        Respondents behind each direct estimate.
    reliable : array_like of bool
        Areas whose direct standard error is trusted (two PSUs or more and a
        positive, finite ``se``); the others get the smoothed variance.
    scale : {"percent", "mean"}, default "percent"
        Estimates on the 0–100 scale, or means of a score.

    Returns
    -------
    ndarray
        ``se**2`` of reliable areas, the smoothed variance of the other
        sampled areas, NaN where ``estimate`` is NaN.

    Raises
    ------
    AnalysisError
        If no area is reliable, or an area to smooth has no respondents.
    """
    y = np.asarray(estimate, dtype=float)
    s = np.asarray(se, dtype=float)
    size = np.asarray(n, dtype=float)
    trusted = np.asarray(reliable, dtype=bool) & np.isfinite(y) & np.isfinite(s) & (s > 0) & (size > 0)
    if not trusted.any():
        raise AnalysisError("no area has a usable direct variance to smooth from (all have fewer than 2 PSUs)")
    sampled = np.isfinite(y)
    to_smooth = sampled & ~trusted
    if np.any(to_smooth & ~(size > 0)):
        raise AnalysisError("an area to smooth has no respondents (n must be at least 1)")
    if scale == "percent":
        p = np.clip(y, 2.5, 97.5)
        unit = p * (100 - p)
    elif scale == "mean":
        unit = np.ones_like(y)
    else:
        raise AnalysisError(f"unknown scale {scale!r}; use 'percent' or 'mean'")
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = float(np.median(s[trusted] ** 2 * size[trusted] / unit[trusted]))
        smoothed = factor * unit / size
    return np.where(trusted, s**2, np.where(to_smooth, smoothed, np.nan))
