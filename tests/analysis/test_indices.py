"""Behaviour of the index specification and computation beyond the R fixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import DesignError, DesignSpec
from analysis.indices import GroupSpec, IndexSpec, compare_rounds, compute_indices


def _frame(codes_a, codes_b, psu=None):
    n = len(codes_a)
    return pd.DataFrame(
        {
            "a1": np.asarray(codes_a, dtype=float),
            "a2": np.asarray(codes_b, dtype=float),
            "psu": psu if psu is not None else np.arange(n) % 4,
            "w": np.linspace(1, 2, n),
        }
    )


SPEC = IndexSpec.simple({"A": ["a1", "a2"]})


def test_item_index_counts_only_valid_codes():
    df = _frame([5, 4, 3, 9, np.nan, 1, 2, 5], [4, 4, 4, 4, 4, 4, 4, 4])
    res = compute_indices(df, SPEC, DesignSpec(psu="psu"))
    rec = res.get("a1")
    # valid: 5,4,3,1,2,5 -> satisfied 5,4,5 -> 3/6
    assert rec.estimate == pytest.approx(50.0)
    assert rec.n == 6
    assert res.get("a2").estimate == 100.0


def test_edge_estimate_uses_korn_graubard_with_nominal_n():
    df = _frame([5, 4, 3, 9, np.nan, 1, 2, 5], [4, 4, 5, 4, 4, 5, 4, 4])
    rec = compute_indices(df, SPEC, DesignSpec(psu="psu")).get("a2")
    assert rec.estimate == 100.0 and rec.se == 0.0
    assert rec.ci_method == "beta"
    assert rec.ci_high == 100.0
    assert 0.0 < rec.ci_low < 100.0


def test_group_is_mean_of_items_and_overall_mean_of_groups():
    df = _frame([5, 4, 3, 3, 1, 1, 2, 5], [4, 4, 5, 1, 4, 5, 4, 4])
    spec = IndexSpec(groups=(GroupSpec("A", ("a1",)), GroupSpec("B", ("a2",))))
    res = compute_indices(df, spec, DesignSpec(psu="psu", weight="w"))
    a, b = res.get("A").estimate, res.get("B").estimate
    assert res.get("overall").estimate == pytest.approx((a + b) / 2)
    assert res.get("A").estimate == pytest.approx(res.get("a1").estimate)


def test_aggregations_item_pooled_weighted():
    df = _frame([5, 4, 3, 3, 1, 1, 2, 5], [4, 4, 5, 1, 4, 5, 4, 4])
    spec = IndexSpec.from_dict(
        {
            "groups": [
                {"code": "P", "items": ["a1", "a2"], "aggregation": "pooled"},
                {"code": "W", "items": ["a1", "a2"], "aggregation": "weighted", "weights": [1, 3]},
                {"code": "G", "items": ["a1"], "aggregation": "item", "general_item": "a2"},
            ],
            "overall": {"aggregation": "item", "item": "a1"},
        }
    )
    res = compute_indices(df, spec, DesignSpec(psu="psu"))
    a1, a2 = res.get("a1").estimate, res.get("a2").estimate
    assert res.get("W").estimate == pytest.approx(0.25 * a1 + 0.75 * a2)
    assert res.get("P").estimate == pytest.approx(100 * 10 / 16)
    assert res.get("G").estimate == pytest.approx(a2)
    assert res.get("overall").estimate == pytest.approx(a1)


@pytest.mark.parametrize(
    "block, message",
    [
        ({}, "non-empty 'groups'"),
        ({"groups": [{"code": "A"}]}, "non-empty 'items'"),
        ({"groups": [{"code": "A", "items": ["x"], "aggregation": "median"}]}, "median"),
        (
            {
                "groups": [
                    {"code": "A", "items": ["x", "y"], "aggregation": "weighted", "weights": [1]}
                ]
            },
            "one weight per item",
        ),
        ({"groups": [{"code": "A", "items": ["x"], "aggregation": "item"}]}, "general_item"),
        ({"groups": [{"code": "A", "items": ["x"], "satisfied": [6]}]}, "must be valid"),
    ],
)
def test_spec_errors_are_clear(block, message):
    with pytest.raises(DesignError, match=message):
        IndexSpec.from_dict(block)


def test_unknown_item_column_is_named():
    df = _frame([5, 4], [4, 4])
    with pytest.raises(DesignError, match="'zz'"):
        compute_indices(df, IndexSpec.simple({"A": ["zz"]}))


def test_domains_match_subsets_for_estimates_but_keep_full_design():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame(
        {
            "a1": rng.integers(1, 6, n).astype(float),
            "a2": rng.integers(1, 6, n).astype(float),
            "psu": rng.integers(0, 20, n),
            "g": rng.choice(["x", "y"], n),
            "w": rng.uniform(1, 3, n),
        }
    )
    res = compute_indices(df, SPEC, DesignSpec(psu="psu", weight="w"), by="g")
    sub = df[df.g == "x"]
    est = 100 * np.sum(sub.w * (sub.a1 >= 4)) / np.sum(sub.w)
    assert res.get("a1", {"g": "x"}).estimate == pytest.approx(est)
    assert [r.domain for r in res.records[:3]] == [None, None, None]
    d = res.to_dict()
    assert set(d) == {"indices", "comparisons"}
    assert d["indices"][-1]["domain"] == {"g": "y"}


def test_statistics_mean_score_and_shares():
    df = _frame([5, 4, 3, 3, 1, 1, 2, 5], [4, 4, 5, 1, 4, 5, 4, 4])
    res = compute_indices(df, SPEC, statistics=("index", "mean_score", "score_100", "share"))
    assert res.get("a1", statistic="mean_score").estimate == pytest.approx(24 / 8)
    assert res.get("a1", statistic="score_100").estimate == pytest.approx(100 * (3 - 1) / 4)
    shares = [r for r in res.records if r.statistic == "share" and r.index == "a1"]
    assert sum(r.estimate for r in shares) == pytest.approx(100.0)


def test_compare_rounds_adds_variances():
    rng = np.random.default_rng(5)
    frames = [
        pd.DataFrame(
            {
                "a1": rng.integers(1, 6, 300).astype(float),
                "a2": rng.integers(1, 6, 300).astype(float),
                "psu": rng.integers(0, 30, 300),
            }
        )
        for _ in range(2)
    ]
    r1, r2 = (compute_indices(f, SPEC, DesignSpec(psu="psu")) for f in frames)
    comps = compare_rounds(r1, r2, labels=("2024", "2025"))
    c = next(c for c in comps if c.index == "overall")
    o1, o2 = r1.get("overall"), r2.get("overall")
    assert c.difference == pytest.approx(o1.estimate - o2.estimate)
    assert c.se == pytest.approx(np.hypot(o1.se, o2.se))
    assert c.a == {"round": "2024"} and 0 <= c.p_value <= 1


def test_compare_rounds_survives_zero_variance_and_get_tells_levels_apart():
    import numpy as np

    from analysis import IndexSpec, compute_indices
    from analysis.indices import compare_rounds

    spec = IndexSpec.from_dict({"groups": [{"code": "overall", "items": ["overall"]}]})
    everyone_happy = {"overall": np.array([5.0, 4.0, 5.0, 4.0])}
    a = compute_indices(everyone_happy, spec)
    b = compute_indices(everyone_happy, spec)
    (comparison, *_) = compare_rounds(a, b)
    assert comparison.difference == 0.0
    assert a.get("overall", level="item").level == "item"
    assert a.get("overall", level="overall").level == "overall"


@pytest.mark.parametrize("by_values", ["within_psu", "with_missing"])
@pytest.mark.parametrize("aggregation", ["mean", "pooled"])
def test_whole_sample_records_do_not_depend_on_the_by_column(by_values, aggregation):
    """The whole sample's cell counts are added up from the domains' when every row has a domain.

    Here the domains cut across PSUs (and, in one case, some rows have no domain,
    so the counts are made from the rows): the whole-sample records must be the
    same as when no ``by`` is given, and a sum of counts in another order may
    differ only in the last bits.
    """
    rng = np.random.default_rng(7)
    n = 600
    df = pd.DataFrame(
        {
            "a1": rng.choice([1, 2, 3, 4, 5, 9, np.nan], n),
            "a2": rng.choice([1, 2, 3, 4, 5, np.nan], n),
            "a3": rng.choice([1, 3, 4, 5], n).astype(float),
            "psu": rng.integers(0, 40, n),
            "stratum": rng.integers(0, 40, n) // 10,
            "w": rng.uniform(1, 30, n),
            "sex": rng.choice(["nam", "nữ"], n).astype(object),
        }
    )
    df["psu"] = df["stratum"] * 100 + df["psu"] % 10
    if by_values == "with_missing":
        df.loc[::7, "sex"] = np.nan
    spec = IndexSpec.from_dict({"groups": [{"code": "A", "items": ["a1", "a2"], "aggregation": aggregation},
                                           {"code": "B", "items": ["a3"]}]})
    design = DesignSpec(psu="psu", strata="stratum", weight="w")
    alone = compute_indices(df, spec, design, statistics=("index", "mean_score", "share"))
    with_by = compute_indices(df, spec, design, by="sex", statistics=("index", "mean_score", "share"))
    whole = [r for r in with_by.records if r.domain is None]
    assert len(whole) == len(alone.records) > 10
    assert {r.domain["sex"] for r in with_by.records if r.domain} == {"nam", "nữ"}
    for got, expected in zip(whole, alone.records):
        assert (got.index, got.statistic, got.code, got.n) == (expected.index, expected.statistic, expected.code, expected.n)
        for field in ("estimate", "se", "ci_low", "ci_high", "deff"):
            assert getattr(got, field) == pytest.approx(getattr(expected, field), rel=1e-12, abs=1e-12, nan_ok=True)
