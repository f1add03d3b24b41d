"""Tests of analysis.compare: units against their parent, records between rounds."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from analysis.compare import compare_records, compare_with_parent, parent_covariance
from analysis.indices import IndexRecord
from analysis.league import league_table, rank_intervals


def test_parent_covariance_is_share_times_variance() -> None:
    assert_allclose(parent_covariance([2.0, 3.0], [0.25, 0.5]), [1.0, 4.5])


def test_compare_with_parent_matches_league_table_and_skips_not_estimable_units() -> None:
    est = np.array([80.0, 70.0, np.nan, 60.0])
    se = np.array([2.0, 1.5, 1.0, 1.0])
    df = np.array([30.0, 30.0, 30.0, 0.0])
    share = np.array([0.3, 0.3, 0.2, 0.2])
    result = compare_with_parent(
        est, se, df, 72.0, 0.8, share, alpha=0.05, rank_method="kww", rng=np.random.default_rng(1)
    )
    # unit 3 has df 0 (a single PSU): no exact-looking rank, no test, flagged not estimable
    assert_array_equal(result.ranked, [True, True, False, False])
    assert_array_equal(result.tested, [True, True, False, False])
    ranks = rank_intervals(est[:2], se=se[:2], method="kww", level=0.95, df=30.0)
    assert_array_equal(result.rank_low[:2], ranks.rank_low)
    assert_array_equal(result.rank_high[:2], ranks.rank_high)
    assert_array_equal(result.rank_low[2:], [0, 0])
    table = league_table(
        est[:2], 72.0, se=se[:2], reference_se=0.8, reference_cov=share[:2] * se[:2] ** 2, df=df[:2]
    )
    assert_allclose(result.difference[:2], table.difference)
    assert_allclose(result.p_adjusted[:2], table.p_adjusted)
    assert list(result.flag) == ["above", "none", "", "not_estimable"]
    assert np.isnan(result.difference[2:]).all()


def test_compare_with_parent_ranks_but_does_not_test_without_a_finite_parent() -> None:
    result = compare_with_parent(
        [1.0, 2.0], [0.1, 0.1], [10.0, 10.0], np.nan, np.nan, [0.5, 0.5],
        alpha=0.05, rank_method="kww", rng=np.random.default_rng(1),
    )
    assert_array_equal(result.rank_low, [2, 1])
    assert not result.tested.any()


def _record(unit: int | None, estimate: float, se: float, df: float = 20.0) -> IndexRecord:
    domain = None if unit is None else {"unit": unit}
    return IndexRecord("overall", "overall", domain, estimate, se, estimate - 2, estimate + 2, df, 50, 1.0, "logit")


def test_compare_records_keys_changes_and_leaves_out_what_cannot_be_compared() -> None:
    now = {None: _record(None, 75.0, 1.0), 1: _record(1, 70.0, 2.0), 2: _record(2, 60.0, np.nan), 3: _record(3, 50.0, 0.0)}
    before = {None: _record(None, 72.0, 1.0), 1: _record(1, 71.0, 2.0, df=0.0), 2: _record(2, 55.0, 1.0),
              3: _record(3, 50.0, 0.0)}
    changes = compare_records(now, before, level=0.95)
    assert sorted(changes, key=str) == [1, None]
    assert changes[None].difference == 3.0
    assert_allclose(changes[None].se, np.sqrt(2.0))
    assert changes[1].a == {"round": "now", "unit": 1}
    assert changes[1].difference == -1.0


def test_units_with_one_df_or_zero_se_are_neither_ranked_nor_tested() -> None:
    result = compare_with_parent(
        [80.0, 70.0, 75.0, 65.0], [2.0, 1.5, 0.0, 3.0], [30.0, 30.0, 30.0, 1.0], 72.0, 0.8,
        [0.25, 0.25, 0.25, 0.25], alpha=0.05, rank_method="kww", rng=np.random.default_rng(1),
    )
    assert_array_equal(result.ranked, [True, True, False, False])
    assert_array_equal(result.tested, [True, True, False, False])
    assert list(result.flag[2:]) == ["not_estimable", "not_estimable"]
    assert set(result.rank_high[:2]) <= {1, 2}
