"""analysis.distributions gives the values of scipy.stats (it replaces it to keep start-up short)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats as scipy_stats

from analysis import distributions as fast

Q = np.array([0.0, 1e-9, 0.025, 0.3, 0.5, 0.975, 1 - 1e-9, 1.0, np.nan])
X = np.array([-np.inf, -4.0, -1.0, 0.0, 0.7, 2.5, np.inf, np.nan])


@pytest.mark.parametrize("df", [0.4, 1.0, 2.5, 7.0, 60.0, 1e6, np.inf, 0.0, -1.0, np.nan])
def test_student_t(df):
    assert_allclose(fast.t.ppf(Q, df), scipy_stats.t.ppf(Q, df), rtol=1e-9, equal_nan=True)
    assert_allclose(fast.t.sf(X, df), scipy_stats.t.sf(X, df), rtol=1e-9, equal_nan=True)
    assert_allclose(fast.t.cdf(X, df), scipy_stats.t.cdf(X, df), rtol=1e-9, equal_nan=True)


def test_normal():
    assert_allclose(fast.norm.ppf(Q), scipy_stats.norm.ppf(Q), rtol=1e-12, equal_nan=True)
    assert_allclose(fast.norm.isf(Q), scipy_stats.norm.isf(Q), rtol=1e-12, equal_nan=True)
    assert_allclose(fast.norm.cdf(X), scipy_stats.norm.cdf(X), rtol=1e-12, equal_nan=True)
    assert_allclose(fast.norm.sf(X), scipy_stats.norm.sf(X), rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize(("a", "b"), [(0.5, 3.0), (2.0, 0.5), (10.0, 20.0), (120.0, 3.0)])
def test_beta_quantiles(a, b):
    q = np.array([0.0, 0.025, 0.5, 0.975, 1.0])
    assert_allclose(fast.beta.ppf(q, a, b), scipy_stats.beta.ppf(q, a, b), rtol=1e-9)


@pytest.mark.parametrize(("dfn", "dfd"), [(1, 10), (1, 200), (2.5, 30)])
def test_f_upper_quantiles(dfn, dfd):
    q = np.array([1e-6, 0.05, 0.5])
    assert_allclose(fast.f.isf(q, dfn, dfd), scipy_stats.f.isf(q, dfn, dfd), rtol=1e-9)


def test_scalars_stay_scalars():
    assert np.ndim(fast.t.ppf(0.975, 12)) == 0 and np.ndim(fast.t.sf(2.0, 12)) == 0
    assert float(fast.t.ppf(0.975, 12)) == pytest.approx(2.178812829667228)


def test_own_t_quantile_is_scipys_to_1e_13_on_every_whole_df_up_to_1000():
    from scipy import special

    from analysis import student_t

    df = np.arange(1, student_t.MAX_DF + 1, dtype=np.float64)
    for level in (0.5, 0.8, 0.9, 0.95, 0.98, 0.99):
        q = np.full(df.shape, 0.5 + level / 2)
        assert student_t.covers(q, df)
        assert_allclose(student_t.upper_quantile(q, df), special.stdtrit(df, q), rtol=1e-13, atol=0)


def test_t_ppf_answers_outside_the_own_range_from_scipy():
    from analysis import student_t

    assert not student_t.covers(np.array([0.975]), np.array([2.5]))  # not a whole df
    assert not student_t.covers(np.array([0.975]), np.array([5000.0]))
    assert not student_t.covers(np.array([0.9995]), np.array([10.0]))
    assert_allclose(fast.t.ppf(0.975, [2.5, 5000.0, np.nan]), scipy_stats.t.ppf(0.975, [2.5, 5000.0, np.nan]),
                    rtol=1e-15, equal_nan=True)


def test_logit_and_expit_are_scipys_bit_for_bit():
    from scipy import special

    rng = np.random.default_rng(3)
    p = np.concatenate([rng.random(20_000), [0.0, 1.0, 0.3, 0.65, 0.5, -0.1, 1.1, np.nan]])
    x = np.concatenate([rng.normal(0, 5, 20_000), [-800.0, 800.0, -np.inf, np.inf, np.nan, 0.0]])
    assert_allclose(fast.logit(p), special.logit(p), rtol=0, atol=0, equal_nan=True)
    assert_allclose(fast.expit(x), special.expit(x), rtol=0, atol=0, equal_nan=True)
