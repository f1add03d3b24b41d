"""Tests of analysis.league against R, statsmodels' Holm adjustment and closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.errors import AnalysisError
from analysis.league import holm_adjust, league_table, rank_intervals
from tests.analysis.reference_files import reference_fixture

provinces = reference_fixture("provinces", "league_provinces.csv")
r_reference = reference_fixture("r_reference", "league_reference.json")


def _national(provinces: pd.DataFrame) -> tuple[float, float, np.ndarray]:
    w, y, se = provinces["share"], provinces["estimate"], provinces["se"]
    return float(np.sum(w * y)), float(np.sqrt(np.sum(w**2 * se**2))), (w * se**2).to_numpy()


def test_matches_r_with_correlated_reference(provinces: pd.DataFrame, r_reference: dict) -> None:
    national, national_se, cov_ref = _national(provinces)
    table = league_table(
        provinces["estimate"],
        national,
        se=provinces["se"],
        reference_se=national_se,
        reference_cov=cov_ref,
        df=30,
        units=provinces["province"].tolist(),
    )
    assert national == pytest.approx(r_reference["national"], rel=1e-14)
    assert_allclose(table.difference, r_reference["difference"], rtol=1e-12)
    assert_allclose(table.difference_se, r_reference["difference_se"], rtol=1e-12)
    assert_allclose(table.p_value, r_reference["p_value"], rtol=1e-9)
    assert_allclose(table.p_adjusted, r_reference["p_holm"], rtol=1e-9)
    assert_allclose(table.ci_low, r_reference["ci_low"], rtol=1e-10)
    assert_allclose(table.ci_high, r_reference["ci_high"], rtol=1e-10)
    flags = dict(zip(table.units.tolist(), table.flag.tolist()))
    assert flags["Quảng Ninh"] == "above"
    assert flags["Vĩnh Long"] == "below"
    # significant before adjustment (p = 0.033), not after Holm (0.20)
    assert table.p_value[1] < 0.05 and flags["Hải Phòng"] == "not different"
    assert sorted(flags.values()).count("not different") == 6
    unadjusted = league_table(
        provinces["estimate"],
        national,
        se=provinces["se"],
        reference_se=national_se,
        reference_cov=cov_ref,
        df=30,
        adjust="none",
        units=provinces["province"].tolist(),
    )
    assert unadjusted.flag[1] == "above"


def test_full_covariance_with_reference_is_equivalent(provinces: pd.DataFrame) -> None:
    national, national_se, cov_ref = _national(provinces)
    k = len(provinces)
    full = np.zeros((k + 1, k + 1))
    full[:k, :k] = np.diag(provinces["se"] ** 2)
    full[k, k] = national_se**2
    full[:k, k] = full[k, :k] = cov_ref
    by_cov = league_table(provinces["estimate"], national, cov=full, df=30)
    by_se = league_table(
        provinces["estimate"],
        national,
        se=provinces["se"],
        reference_se=national_se,
        reference_cov=cov_ref,
        df=30,
    )
    assert_allclose(by_cov.difference_se, by_se.difference_se, rtol=1e-14)
    assert by_cov.reference_se == pytest.approx(national_se)
    assert by_cov.flag.tolist() == by_se.flag.tolist()
    # ignoring the covariance would overstate the SE of the difference
    naive = league_table(
        provinces["estimate"], national, se=provinces["se"], reference_se=national_se, df=30
    )
    assert np.all(naive.difference_se > by_se.difference_se)


def test_fixed_reference_normal_tests() -> None:
    table = league_table([82.0, 85.0, 79.0], 80.0, se=[1.0, 1.0, 0.5])
    assert_allclose(table.t, [2.0, 5.0, -2.0])
    p = 2 * stats.norm.sf([2.0, 5.0, 2.0])
    assert_allclose(table.p_value, p, rtol=1e-12)
    assert_allclose(table.p_adjusted, multipletests(p, method="holm")[1], rtol=1e-12)
    assert table.flag.tolist() == ["not different", "above", "not different"]
    assert table.rank.tolist() == [2, 1, 3]
    frame = table.to_frame()
    assert frame["rank"].tolist() == [1, 2, 3]
    assert frame["unit"].tolist() == [1, 0, 2]
    text = str(table)
    assert "1 above, 0 below, 2 not different" in text and "Holm-adjusted" in text


def test_holm_against_statsmodels() -> None:
    rng = np.random.default_rng(3)
    p = np.concatenate([rng.uniform(0, 0.02, 5), rng.uniform(0, 1, 15), [0.01, 0.01]])
    assert_allclose(holm_adjust(p), multipletests(p, method="holm")[1], rtol=1e-12)
    with pytest.raises(AnalysisError, match=r"\[0, 1\]"):
        holm_adjust([0.5, 1.2])


# --- rank intervals ---------------------------------------------------------


def test_kww_pairwise_by_hand() -> None:
    # Bonferroni over 3 pairs: z = Phi^-1(1 - 0.05 / 6) = 2.394; se of a gap = sqrt(2)
    result = rank_intervals(
        [90.0, 80.0, 79.0], se=[1.0, 1.0, 1.0], method="kww", units=["A", "B", "C"]
    )
    assert result.rank_low.tolist() == [1, 2, 2]
    assert result.rank_high.tolist() == [1, 3, 3]
    # gap of 3.3 < 2.394 * sqrt(2) = 3.386 is not significant, 3.4 is
    close = rank_intervals([10.0, 3.3, 0.0], se=[1.0, 1.0, 1.0], method="kww")
    apart = rank_intervals([10.0, 3.4, 0.0], se=[1.0, 1.0, 1.0], method="kww")
    assert close.rank_low.tolist() == [1, 2, 2] and close.rank_high.tolist() == [1, 3, 3]
    assert apart.rank_low.tolist() == [1, 2, 3] and apart.rank_high.tolist() == [1, 2, 3]
    # with two units a single comparison: threshold 1.96 * sqrt(2) = 2.772
    assert rank_intervals([2.7, 0.0], se=[1.0, 1.0], method="kww").rank_high.tolist() == [2, 2]
    assert rank_intervals([2.8, 0.0], se=[1.0, 1.0], method="kww").rank_high.tolist() == [1, 2]
    edge = rank_intervals([2.0 * 1.959963984540054 + 1e-9, 0.0], se=[np.sqrt(2), 0.0], method="kww")
    assert edge.rank_high.tolist() == [1, 2]
    assert "Klein-Wright-Wieczorek" in str(result)


def test_kww_uses_covariance_and_df() -> None:
    # strongly positively correlated estimates: the gap is far more precise
    cov = np.array([[1.0, 0.95], [0.95, 1.0]])
    assert rank_intervals([1.0, 0.0], cov=cov, method="kww").rank_high.tolist() == [1, 2]
    assert rank_intervals([1.0, 0.0], se=[1.0, 1.0], method="kww").rank_high.tolist() == [2, 2]
    # t with 5 df (2.571) instead of z (1.96): a gap of 2.2 with se 1 is no longer significant
    gap_se_one = [np.sqrt(0.5), np.sqrt(0.5)]
    assert rank_intervals([2.2, 0.0], se=gap_se_one, method="kww").rank_high.tolist() == [1, 2]
    assert rank_intervals([2.2, 0.0], se=gap_se_one, method="kww", df=5).rank_high.tolist() == [
        2,
        2,
    ]


def test_simulated_rank_intervals_two_units() -> None:
    rng = np.random.default_rng(12)
    # P(A above B) = Phi(3 / sqrt(1 + 1)) = 0.983 > 0.975: A is surely first
    clear = rank_intervals([3.0 * np.sqrt(2), 0.0], se=[1.0, 1.0], rng=rng, n_draws=40_000)
    assert clear.rank_low.tolist() == [1, 2] and clear.rank_high.tolist() == [1, 2]
    assert clear.prob_top[0] == pytest.approx(stats.norm.cdf(3.0), abs=0.004)
    # P = Phi(1.5) = 0.933: either rank is plausible
    vague = rank_intervals([1.5 * np.sqrt(2), 0.0], se=[1.0, 1.0], rng=rng, n_draws=40_000)
    assert vague.rank_low.tolist() == [1, 1] and vague.rank_high.tolist() == [2, 2]
    assert vague.prob_top[0] == pytest.approx(stats.norm.cdf(1.5), abs=0.006)
    assert vague.mean_rank[0] == pytest.approx(2 - stats.norm.cdf(1.5), abs=0.006)


def test_simulated_rank_intervals_with_covariance_and_reproducibility() -> None:
    est = np.array([85.0, 84.0, 83.5, 80.0, 70.0])
    cov = np.diag([0.5, 0.5, 0.5, 0.5, 0.5]) + 0.3
    first = rank_intervals(est, cov=cov, rng=np.random.default_rng(5), n_draws=20_000)
    again = rank_intervals(est, cov=cov, rng=np.random.default_rng(5), n_draws=20_000)
    assert first.rank_low.tolist() == again.rank_low.tolist()
    assert_allclose(first.prob_top, again.prob_top)
    # a common component does not change the ranks: gaps have variance 1.0
    # unit 0 vs 1: P(0 above 1) = Phi(1) = 0.84, so rank 1 or 2
    assert first.rank_low[0] == 1 and first.rank_high[0] in (2, 3)
    assert first.rank_low[4] == first.rank_high[4] == 5
    assert first.prob_top.sum() == pytest.approx(1.0)
    # the joint KWW intervals contain the marginal simulated ones here
    joint = rank_intervals(est, cov=cov, method="kww")
    assert np.all(joint.rank_low <= first.rank_low) and np.all(joint.rank_high >= first.rank_high)


def test_league_table_with_rank_intervals(provinces: pd.DataFrame) -> None:
    national, national_se, cov_ref = _national(provinces)
    table = league_table(
        provinces["estimate"],
        national,
        se=provinces["se"],
        reference_se=national_se,
        reference_cov=cov_ref,
        df=30,
        units=provinces["province"].tolist(),
        rank_method="simulation",
        rng=np.random.default_rng(1),
        n_draws=5000,
    )
    frame = table.to_frame()
    assert frame.loc[0, "unit"] == "Quảng Ninh" and frame.loc[0, "rank_low"] == 1
    assert frame.iloc[-1]["unit"] == "Vĩnh Long" and frame.iloc[-1]["rank_high"] == 8
    assert np.all(frame["rank_low"] <= frame["rank"]) and np.all(
        frame["rank"] <= frame["rank_high"]
    )
    assert table.to_dict()["rank_method"] == "simulation"
    assert "rank intervals by simulation" in str(table)


def test_errors_are_clear() -> None:
    with pytest.raises(AnalysisError, match="numpy.random.Generator"):
        rank_intervals([1.0, 2.0], se=[1.0, 1.0])
    with pytest.raises(AnalysisError, match="exactly one of se and cov"):
        league_table([1.0, 2.0], 0.0)
    with pytest.raises(AnalysisError, match="se must have one value per unit \\(2\\)"):
        league_table([1.0, 2.0], 0.0, se=[1.0])
    with pytest.raises(AnalysisError, match="difference for unit 'Huế' is 0"):
        league_table([1.0, 2.0], 0.0, se=[1.0, 0.0], units=["Hà Nội", "Huế"])
    with pytest.raises(AnalysisError, match="do not give reference_se"):
        league_table([1.0, 2.0], 0.0, cov=np.eye(3), reference_se=1.0)
    with pytest.raises(AnalysisError, match="df must be positive"):
        league_table([1.0, 2.0], 0.0, se=[1.0, 1.0], df=0)
    with pytest.raises(AnalysisError, match="unit 'Huế' has df 1: .*not estimable"):
        league_table([1.0, 2.0], 0.0, se=[1.0, 1.0], df=[5, 1], units=["Hà Nội", "Huế"])
    with pytest.raises(AnalysisError, match="has df 0.5"):
        league_table([1.0, 2.0], 0.0, se=[1.0, 1.0], df=0.5)
    with pytest.raises(AnalysisError, match="unknown rank interval method"):
        rank_intervals([1.0, 2.0], se=[1.0, 1.0], method="bootstrap")  # type: ignore[arg-type]
