"""Tests of analysis.sae: an R fixture, textbook formulas computed independently, a simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import brentq, minimize_scalar

from analysis.errors import AnalysisError, ConvergenceError
from analysis.sae import fay_herriot
from tests.analysis.reference_files import reference_fixture

areas = reference_fixture("areas", "sae_areas.csv")
r_reference = reference_fixture("r_reference", "sae_fayherriot.json")


def _dense(sigma2: float, y: np.ndarray, x: np.ndarray, psi: np.ndarray):
    """GLS pieces with dense matrices, as in the textbook."""
    v_inv = np.linalg.inv(np.diag(sigma2 + psi))
    q = np.linalg.inv(x.T @ v_inv @ x)
    beta = q @ x.T @ v_inv @ y
    p_mat = v_inv - v_inv @ x @ q @ x.T @ v_inv
    return v_inv, q, beta, p_mat


def _neg_restricted_loglik(sigma2: float, y, x, psi) -> float:
    v = np.diag(sigma2 + psi)
    v_inv, _, _, p_mat = _dense(sigma2, y, x, psi)
    return 0.5 * (np.linalg.slogdet(v)[1] + np.linalg.slogdet(x.T @ v_inv @ x)[1] + y @ p_mat @ y)


def _neg_profile_loglik(sigma2: float, y, x, psi) -> float:
    v = np.diag(sigma2 + psi)
    _, _, beta, _ = _dense(sigma2, y, x, psi)
    r = y - x @ beta
    return 0.5 * (np.linalg.slogdet(v)[1] + r @ np.linalg.solve(v, r))


@pytest.mark.parametrize("method", ["REML", "ML", "FH"])
def test_matches_r_fixture(areas: pd.DataFrame, r_reference: dict, method: str) -> None:
    ref = r_reference[method]
    result = fay_herriot(
        areas["direct"], areas["vardir"], areas["x"], method=method, areas=areas["area"].tolist()
    )
    assert result.sigma2_v == pytest.approx(ref["sigma2_v"], rel=1e-8)
    assert_allclose(result.beta, ref["beta"], rtol=1e-8)
    assert_allclose(result.estimate, ref["eblup"], rtol=1e-9)
    for part in ("g1", "g2", "g3", "mse"):
        assert_allclose(getattr(result, part), ref[part], rtol=1e-8, err_msg=part)


def _maximum_likelihood(objective, upper: float, y, x, psi):
    """The model variance in [0, upper] that minimises ``objective`` (a brute-force reference)."""
    return minimize_scalar(objective, bounds=(0.0, upper), args=(y, x, psi), method="bounded", options={"xatol": 1e-12})


def test_reml_and_ml_maximise_their_likelihoods(areas: pd.DataFrame) -> None:
    y, psi = areas["direct"].to_numpy(), areas["vardir"].to_numpy()
    x = np.column_stack([np.ones(len(areas)), areas["x"]])
    for method, objective in (("REML", _neg_restricted_loglik), ("ML", _neg_profile_loglik)):
        optimum = _maximum_likelihood(objective, 0.05, y, x, psi)
        result = fay_herriot(y, psi, areas["x"], method=method)
        assert result.sigma2_v == pytest.approx(optimum.x, rel=1e-5), method
        assert result.iterations > 0


def test_moment_estimators_by_hand(areas: pd.DataFrame) -> None:
    y, psi = areas["direct"].to_numpy(), areas["vardir"].to_numpy()
    x = np.column_stack([np.ones(len(areas)), areas["x"]])
    m, p = x.shape
    # Prasad-Rao: OLS residuals and leverages
    ols, *_ = np.linalg.lstsq(x, y, rcond=None)
    hat = x @ np.linalg.inv(x.T @ x) @ x.T
    pr = (np.sum((y - x @ ols) ** 2) - np.sum(psi * (1 - np.diag(hat)))) / (m - p)
    assert fay_herriot(y, psi, areas["x"], method="PR").sigma2_v == pytest.approx(pr, rel=1e-12)

    # Fay-Herriot: root of sum r^2 / (sigma2 + psi) = m - p
    def moment(sigma2: float) -> float:
        _, _, beta, _ = _dense(sigma2, y, x, psi)
        return np.sum((y - x @ beta) ** 2 / (sigma2 + psi)) - (m - p)

    root = brentq(moment, 0.0, 1.0, xtol=1e-15)
    assert fay_herriot(y, psi, areas["x"], method="FH").sigma2_v == pytest.approx(root, rel=1e-9)


def test_eblup_and_prasad_rao_mse_by_hand(areas: pd.DataFrame) -> None:
    y, psi = areas["direct"].to_numpy(), areas["vardir"].to_numpy()
    x = np.column_stack([np.ones(len(areas)), areas["x"]])
    result = fay_herriot(y, psi, areas["x"])  # REML
    s2 = result.sigma2_v
    _, q, beta, _ = _dense(s2, y, x, psi)
    assert_allclose(result.beta, beta, rtol=1e-10)
    assert_allclose(result.beta_se, np.sqrt(np.diag(q)), rtol=1e-10)
    var_reml = 2.0 / np.sum(1.0 / (s2 + psi) ** 2)
    assert result.sigma2_v_se == pytest.approx(np.sqrt(var_reml))
    for i in (0, 7, 15):
        gamma = s2 / (s2 + psi[i])
        assert result.gamma[i] == pytest.approx(gamma)
        eblup = gamma * y[i] + (1 - gamma) * x[i] @ beta
        assert result.estimate[i] == pytest.approx(eblup, rel=1e-12)
        g1 = gamma * psi[i]
        g2 = (1 - gamma) ** 2 * x[i] @ q @ x[i]
        g3 = psi[i] ** 2 / (s2 + psi[i]) ** 3 * var_reml
        assert result.mse[i] == pytest.approx(g1 + g2 + 2 * g3, rel=1e-10)
    low, high = result.interval(0.95)
    assert_allclose(high - low, 2 * 1.959963984540054 * np.sqrt(result.mse))


def test_areas_without_sample_get_synthetic_estimates(areas: pd.DataFrame) -> None:
    y = areas["direct"].to_numpy().copy()
    psi = areas["vardir"].to_numpy().copy()
    x_new = np.array([0.5, 0.95])
    full = fay_herriot(
        np.r_[y, np.nan, np.nan], np.r_[psi, np.nan, np.nan], np.r_[areas["x"], x_new]
    )
    sampled_only = fay_herriot(y, psi, areas["x"])
    assert_allclose(full.estimate[:-2], sampled_only.estimate, rtol=1e-12)
    assert_allclose(full.mse[:-2], sampled_only.mse, rtol=1e-12)
    xo = np.column_stack([np.ones(2), x_new])
    x = np.column_stack([np.ones(len(y)), areas["x"]])
    _, q, beta, _ = _dense(full.sigma2_v, y, x, psi)
    assert_allclose(full.estimate[-2:], xo @ beta, rtol=1e-10)
    assert_allclose(full.mse[-2:], full.sigma2_v + np.einsum("ij,jk,ik->i", xo, q, xo), rtol=1e-10)
    assert full.gamma[-2:].tolist() == [0.0, 0.0]
    assert full.sampled.tolist()[-3:] == [True, False, False]
    frame = full.to_frame()
    assert np.isnan(frame["direct"].iloc[-1]) and not np.isnan(frame["estimate"].iloc[-1])
    assert "2 synthetic" in str(full)


def test_variance_truncated_at_zero() -> None:
    # direct estimates much closer to the regression line than their sampling variances allow
    x = np.linspace(0, 1, 12)
    psi = np.full(12, 0.01)
    y = 0.6 + 0.2 * x + 0.001 * np.sin(np.arange(12))
    for method in ("REML", "ML", "FH", "PR"):
        result = fay_herriot(y, psi, x, method=method)
        assert result.sigma2_v == 0.0, method
        assert_allclose(result.gamma, 0.0)
        assert_allclose(result.estimate, result.synthetic)
        assert_allclose(result.g1, 0.0)
    assert "truncated at 0" in result.summary()


@pytest.mark.parametrize("method", ["REML", "ML", "FH", "PR"])
def test_mse_estimator_is_nearly_unbiased(method: str) -> None:
    """Simulate the Fay-Herriot model: the average MSE estimate tracks the true MSE."""
    rng = np.random.default_rng(2024)
    m, reps = 30, 400
    x = np.linspace(-1, 1, m)
    psi = np.linspace(0.3, 2.5, m)
    squared_error = np.zeros(m)
    mse_estimate = np.zeros(m)
    naive = np.zeros(m)
    for _ in range(reps):
        theta = 1 + 0.5 * x + rng.normal(0, 1.0, m)
        y = theta + rng.normal(0, np.sqrt(psi))
        fit = fay_herriot(y, psi, x, method=method)
        squared_error += (fit.estimate - theta) ** 2
        mse_estimate += fit.mse
        naive += fit.g1
    ratio = mse_estimate.sum() / squared_error.sum()
    # Monte Carlo spread of the ratio over seeds is about +-0.04 at 400 replicates
    assert 0.92 < ratio < 1.10
    # g1 alone, which ignores the estimation of beta and sigma2_v, falls clearly short
    assert naive.sum() / squared_error.sum() < 0.88


def test_input_errors_name_the_area() -> None:
    y = np.array([0.7, 0.8, 0.75, 0.9])
    with pytest.raises(AnalysisError, match="sampling variance of area 'Huế' must be positive"):
        fay_herriot(y, [0.01, 0.01, 0.0, 0.01], areas=["Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ"])
    with pytest.raises(AnalysisError, match="collinear"):
        fay_herriot(y, [0.01] * 4, np.column_stack([[1, 2, 3, 4], [2, 4, 6, 8]]))
    with pytest.raises(AnalysisError, match="2 sampled area\\(s\\) cannot fit a model with 2"):
        fay_herriot([0.7, 0.8, np.nan], [0.01, 0.01, np.nan], [1.0, 2.0, 3.0])
    with pytest.raises(AnalysisError, match="covariates of area 2 are missing"):
        fay_herriot(y, [0.01] * 4, [1.0, 2.0, np.nan, 4.0])
    with pytest.raises(AnalysisError, match="unknown method"):
        fay_herriot(y, [0.01] * 4, method="GLS")  # type: ignore[arg-type]


def test_nonconvergence_fails_loudly() -> None:
    # sigma2_v (about 0.87) is far above the starting value median(psi) = 0.03. The
    # sampling variances differ, so no scoring step lands on the maximum exactly
    # (with equal ones and an intercept only, the first step is exact up to rounding).
    y = np.random.default_rng(5).normal(0, 1, 20)
    unequal = np.geomspace(0.001, 1.0, 20)
    with pytest.raises(
        ConvergenceError, match="REML estimation of sigma2_v did not converge in 1 "
    ):
        fay_herriot(y, unequal, maxit=1)
    with pytest.raises(ConvergenceError, match="FH moment equation for sigma2_v not solved in 3 "):
        fay_herriot(y, unequal, method="FH", maxit=3)
    assert fay_herriot(y, unequal).sigma2_v == pytest.approx(0.866228, rel=1e-5)
    psi = np.full(20, 0.001)
    # with equal sampling variances and an intercept only, FH and REML coincide
    assert fay_herriot(y, psi, method="FH").sigma2_v == pytest.approx(
        fay_herriot(y, psi).sigma2_v, rel=1e-9
    )


def test_result_api(areas: pd.DataFrame) -> None:
    result = fay_herriot(areas["direct"], areas["vardir"], areas["x"], covariate_names=["online"])
    coefs = result.coefficients()
    assert coefs.index.tolist() == ["(Intercept)", "online"]
    assert coefs.loc["online", "z"] == pytest.approx(result.beta[1] / result.beta_se[1])
    report = result.to_dict()
    assert report["method"] == "REML" and len(report["areas"]) == len(areas)
    assert set(report["beta"]) == {"(Intercept)", "online"}
    assert str(result).startswith("Fay-Herriot model (REML): 18 sampled area(s)")
    with pytest.raises(ValueError, match="read-only"):
        result.estimate[0] = 0.0


def test_reml_where_plain_fisher_scoring_cycles() -> None:
    """Plain scoring jumps between 0 and 0.074 here; the REML maximum is near 0.036."""
    rng = np.random.default_rng(0)
    m = 30
    x = np.linspace(-1, 1, m)
    psi = np.linspace(0.3, 2.5, m)
    for _ in range(356):
        theta = 1 + 0.5 * x + rng.normal(0, 1.0, m)
        y = theta + rng.normal(0, np.sqrt(psi))
    design = np.column_stack([np.ones(m), x])
    optimum = _maximum_likelihood(_neg_restricted_loglik, 0.5, y, design, psi)
    result = fay_herriot(y, psi, x)
    assert 0.02 < result.sigma2_v < 0.05
    assert result.sigma2_v == pytest.approx(optimum.x, rel=1e-5)
