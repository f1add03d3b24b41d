"""Tests of analysis.planning against closed forms and an independent allocation loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from analysis.errors import DesignError
from analysis.planning import (
    allocate,
    margin_of_error,
    sample_size_proportion,
    yamane_sample_size,
)

Z95 = 1.959963984540054


# --- sample size for a proportion ---------------------------------------------------


def test_textbook_385() -> None:
    result = sample_size_proportion(0.05)
    assert result.z == pytest.approx(Z95, rel=1e-12)
    assert result.n_srs == pytest.approx(Z95**2 * 0.25 / 0.0025)  # 384.146
    assert result.n_required == 385
    assert result.n_issued == 385
    assert result.achieved_moe <= 0.05


def test_design_effect_population_and_response_rate() -> None:
    result = sample_size_proportion(0.05, deff=2.0, population=1000, response_rate=0.7)
    n0 = 2.0 * Z95**2 * 0.25 / 0.0025  # 768.29
    assert result.n_design == pytest.approx(n0)
    exact = n0 / (1 + (n0 - 1) / 1000)  # 434.7
    assert result.n_required == int(np.ceil(exact)) == 435
    assert result.n_issued == int(np.ceil(435 / 0.7)) == 622
    assert result.to_dict()["n_issued"] == 622
    assert "to select 622" in str(result)


@pytest.mark.parametrize(
    ("moe", "confidence", "p", "deff", "population"),
    [
        (0.05, 0.95, 0.5, 1.0, None),
        (0.03, 0.95, 0.8, 1.8, 20000),
        (0.04, 0.90, 0.84, 2.5, 580),
        (0.02, 0.99, 0.3, 1.2, 5000),
    ],
)
def test_required_size_is_the_smallest_that_reaches_the_margin(
    moe: float, confidence: float, p: float, deff: float, population: float | None
) -> None:
    result = sample_size_proportion(
        moe, confidence=confidence, p=p, deff=deff, population=population
    )
    n = result.n_required

    def half_width(size: int) -> float:
        # exact SRS-without-replacement variance of a proportion, times the deff
        fpc = 1.0 if population is None else (population - size) / (population - 1)
        from scipy.stats import norm

        z = norm.ppf(1 - (1 - confidence) / 2)
        return z * np.sqrt(deff * fpc * p * (1 - p) / size)

    assert half_width(n) <= moe * (1 + 1e-12)
    assert half_width(n - 1) > moe
    assert result.achieved_moe == pytest.approx(half_width(n), rel=1e-12)
    assert margin_of_error(n, confidence=confidence, p=p, deff=deff, population=population) == (
        pytest.approx(half_width(n), rel=1e-12)
    )


def test_sample_size_never_exceeds_population() -> None:
    assert sample_size_proportion(0.01, population=50).n_required == 50


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"moe": 5}, "margin of error"),
        ({"moe": 0.05, "p": 1.0}, "expected proportion p"),
        ({"moe": 0.05, "confidence": 95}, "confidence must lie"),
        ({"moe": 0.05, "deff": 0.0}, "design effect"),
        ({"moe": 0.05, "response_rate": 0.0}, "response rate"),
        ({"moe": 0.05, "population": 1}, "population size"),
    ],
)
def test_sample_size_rejects_bad_inputs(kwargs: dict, fragment: str) -> None:
    with pytest.raises(DesignError, match=fragment):
        sample_size_proportion(**kwargs)


def test_yamane_rule() -> None:
    assert yamane_sample_size(10000) == 385  # 384.6
    assert yamane_sample_size(500) == 223  # 222.2
    assert yamane_sample_size(400, 0.05) == 200  # exactly 200
    # Yamane = finite-population size for p = 0.5, z = 2 with n0 / (1 + n0 / N)
    for big_n in (300, 2500, 80000):
        n0 = 2.0**2 * 0.25 / 0.05**2
        assert yamane_sample_size(big_n) == int(np.ceil(n0 / (1 + n0 / big_n) - 1e-9))
    # and smaller than Cochran's at 95 % for a small population with a design effect
    assert (
        yamane_sample_size(2000)
        < sample_size_proportion(0.05, population=2000, deff=1.5).n_required
    )
    with pytest.raises(DesignError, match="population size"):
        yamane_sample_size(0)


# --- allocation ------------------------------------------------------------------


def _allocate_by_iteration(
    n: float, share: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """Textbook loop: allocate by share, fix strata outside their bounds, repeat."""
    fixed = np.full(share.size, np.nan)
    for _ in range(share.size + 1):
        free = np.isnan(fixed)
        if not free.any():  # every stratum at a bound (e.g. a census)
            return fixed
        remaining = n - np.nansum(fixed)
        x = np.where(free, remaining * share / share[free].sum(), fixed)
        over = free & (x > upper)
        under = free & (x < lower)
        if not over.any() and not under.any():
            return x
        # fix the strata furthest out of bounds in the direction of the larger violation
        if (x - upper)[over].sum() >= (lower - x)[under].sum():
            fixed[over] = upper[over]
        else:
            fixed[under] = lower[under]
    raise AssertionError("reference loop did not converge")


def test_proportional_allocation_exact_case() -> None:
    result = allocate(100, [5000, 3000, 2000], strata=["north", "central", "south"])
    assert result.n.tolist() == [50, 30, 20]
    assert result.to_frame()["stratum"].tolist() == ["north", "central", "south"]


def test_largest_remainder_rounding() -> None:
    result = allocate(10, [30, 30, 30])
    assert result.n.tolist() == [4, 3, 3]  # ties go to the first stratum
    result = allocate(20, [1000, 1770, 230])  # exact 6.667, 11.8, 1.533
    assert_allclose(result.exact, [20 * 1000 / 3000, 20 * 1770 / 3000, 20 * 230 / 3000])
    # largest remainders: 0.8 (stratum 2) and 0.667 (stratum 1); 0.533 loses
    assert result.n.tolist() == [7, 12, 1]


def test_neyman_allocation() -> None:
    assert allocate(100, [1000, 1000], method="neyman", sd=[1.0, 3.0]).n.tolist() == [25, 75]
    by_p = allocate(90, [1000, 1000, 2000], method="neyman", p=[0.5, 0.9, 0.9])
    share = np.array([1000 * 0.5, 1000 * 0.3, 2000 * 0.3])
    assert_allclose(by_p.exact, 90 * share / share.sum())
    assert by_p.n.sum() == 90


def test_take_all_and_minimum() -> None:
    # Neyman would give the small variable stratum 28.6 > 20: it is taken whole
    result = allocate(100, [1000, 20], method="neyman", sd=[1.0, 20.0])
    assert result.n.tolist() == [80, 20]
    assert result.take_all.tolist() == [False, True]
    # the minimum lifts the small strata, the rest goes to the large one
    result = allocate(200, [10000, 100, 50], minimum=30)
    assert result.n.tolist() == [140, 30, 30]
    assert result.at_minimum.tolist() == [False, True, True]
    # a stratum smaller than the minimum is taken whole
    result = allocate(60, [500, 5], minimum=10, method="equal")
    assert result.n.tolist() == [55, 5]
    assert result.take_all.tolist() == [False, True]
    assert "taken whole" in str(result)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5000), min_size=1, max_size=12),
    fraction=st.floats(0.01, 1.0),
    minimum=st.integers(0, 40),
    method=st.sampled_from(["proportional", "neyman", "equal"]),
    seed=st.integers(0, 2**31),
)
def test_allocation_invariants_and_reference_loop(
    sizes: list[int], fraction: float, minimum: int, method: str, seed: int
) -> None:
    big_n = np.array(sizes)
    n = max(1, int(fraction * big_n.sum()))
    lower = np.minimum(minimum, big_n)
    sd = np.random.default_rng(seed).uniform(0.1, 3.0, size=big_n.size)
    kwargs = {"sd": sd} if method == "neyman" else {}
    if lower.sum() > n:
        with pytest.raises(DesignError, match="more than the total sample size"):
            allocate(n, big_n, method=method, minimum=minimum, **kwargs)  # type: ignore[arg-type]
        return
    result = allocate(n, big_n, method=method, minimum=minimum, **kwargs)  # type: ignore[arg-type]
    assert result.n.sum() == n
    assert np.all(result.n >= lower) and np.all(result.n <= big_n)
    assert np.all(np.abs(result.n - result.exact) < 1.0)
    share = {"proportional": big_n * 1.0, "equal": np.ones(big_n.size), "neyman": big_n * sd}[
        method
    ]
    reference = _allocate_by_iteration(n, share, lower.astype(float), big_n.astype(float))
    assert_allclose(result.exact, reference, rtol=1e-9, atol=1e-9)


def test_allocation_errors_are_clear() -> None:
    with pytest.raises(
        DesignError,
        match="minimum of 30 per stratum across 5 strata needs 150 "
        "units, more than the total sample size 100",
    ):
        allocate(100, [1000] * 5, minimum=30)
    with pytest.raises(DesignError, match="exceeds the population size 30"):
        allocate(31, [10, 20])
    with pytest.raises(DesignError, match="exactly one of sd and p"):
        allocate(10, [10, 20], method="neyman")
    with pytest.raises(DesignError, match="p of stratum 'B' is 1.5"):
        allocate(10, [10, 20], method="neyman", p=[0.5, 1.5], strata=["A", "B"])
    with pytest.raises(DesignError, match="stratum 1 has population size 0"):
        allocate(10, [10, 0])
