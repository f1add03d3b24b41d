"""Tests of analysis.weighting against R's survey package and hand computations."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import linprog

from analysis.errors import AnalysisError, ConvergenceError, DesignError
from analysis.weighting import (
    base_weights,
    nonresponse_adjust,
    poststratify,
    rake,
    trim_weights,
    weight_diagnostics,
)
from analysis.weighting.arrays import _solve_clipped_scale
from tests.analysis.reference_files import reference_fixture

TOTALS = {
    "sex": {"F": 5100, "M": 4900},
    "age": {"18-34": 4000, "35-59": 3800, "60+": 2200},
    "region": {"central": 2600, "highlands": 1000, "north": 3000, "south": 3400},
}


sample = reference_fixture("sample", "weighting_sample.csv")
r_reference = reference_fixture("r_reference", "weighting_rake.json")


def _variables(sample: pd.DataFrame) -> dict[str, np.ndarray]:
    return {name: sample[name].to_numpy() for name in TOTALS}


def _margin_matrix(sample: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    rows, targets = [], []
    for name, totals in TOTALS.items():
        for category, total in totals.items():
            rows.append((sample[name] == category).to_numpy() * sample["w"].to_numpy())
            targets.append(total)
    return np.array(rows), np.array(targets, dtype=float)


# --- base weights -------------------------------------------------------------


def test_base_weights_are_inverse_probabilities() -> None:
    assert_allclose(base_weights([0.5, 0.25, 1.0, 0.1]), [2.0, 4.0, 1.0, 10.0])


@pytest.mark.parametrize(
    ("probabilities", "fragment"),
    [
        ([0.5, 0.2, 0.0, 0.3], "row 2 has 0.0"),
        ([0.5, 1.5], "row 1 has 1.5"),
        ([np.nan, 0.5], "row 0 has nan"),
        ([0.5, -0.1, 2.0], "row 1 has -0.1 (2 invalid value(s)"),
    ],
)
def test_base_weights_name_the_offending_row(probabilities: list, fragment: str) -> None:
    with pytest.raises(DesignError, match="0 < p <= 1") as excinfo:
        base_weights(probabilities)
    assert fragment in str(excinfo.value)


def test_errors_form_one_hierarchy() -> None:
    assert issubclass(DesignError, AnalysisError)
    assert issubclass(ConvergenceError, AnalysisError)
    assert not issubclass(AnalysisError, ValueError)


# --- nonresponse adjustment ---------------------------------------------------


def test_nonresponse_adjustment_by_hand() -> None:
    weights = [10.0, 20.0, 30.0, 5.0, 5.0, 40.0]
    responded = [True, False, True, True, False, False]
    cells = ["A", "A", "A", "B", "B", "B"]
    result = nonresponse_adjust(weights, responded, cells)
    # A: 60 / 40 = 1.5 ; B: 50 / 5 = 10
    assert_allclose(result.factors, [1.5, 10.0])
    assert_allclose(result.weights, [15.0, 0.0, 45.0, 50.0, 0.0, 0.0])
    assert_allclose(result.response_rate, [40 / 60, 5 / 50])
    assert result.n_sampled.tolist() == [3, 3]
    assert result.n_responded.tolist() == [2, 1]
    # the cell totals are preserved
    assert result.weights.sum() == pytest.approx(110.0)
    frame = result.to_frame()
    assert frame["cell"].tolist() == ["A", "B"]
    assert "2 of 3" not in str(result) and "3 of 6 units responded" in str(result)
    assert result.diagnostics().n == 3


def test_nonresponse_cell_without_respondent_is_named() -> None:
    with pytest.raises(DesignError, match=r"cell 'commune-7' has no respondent.*2 sampled"):
        nonresponse_adjust(
            [1.0, 1.0, 2.0, 2.0],
            [True, True, False, False],
            ["commune-1", "commune-1", "commune-7", "commune-7"],
        )


def test_nonresponse_rejects_misaligned_inputs() -> None:
    with pytest.raises(DesignError, match="one entry per unit"):
        nonresponse_adjust([1.0, 2.0], [True], ["a", "b"])
    with pytest.raises(DesignError, match="cells must have one entry per row"):
        nonresponse_adjust([1.0, 2.0], [True, False], ["a"])


# --- post-stratification ------------------------------------------------------


def test_poststratify_matches_r(sample: pd.DataFrame, r_reference: dict) -> None:
    result = poststratify(sample["w"], sample["region"].to_numpy(), TOTALS["region"])
    assert_allclose(result.weights, r_reference["poststratify_region"], rtol=1e-12)
    assert result.strata.tolist() == ["central", "highlands", "north", "south"]
    assert_allclose(result.population, [2600, 1000, 3000, 3400])
    assert result.n.sum() == len(sample)


def test_poststratify_names_missing_strata() -> None:
    weights = [1.0, 2.0, 3.0]
    with pytest.raises(DesignError, match="category 'Huế' occurs in the data but has no"):
        poststratify(weights, ["Hà Nội", "Huế", "Hà Nội"], {"Hà Nội": 10.0})
    with pytest.raises(DesignError, match="category 'Đà Nẵng' has a population total but no"):
        poststratify(weights, ["Hà Nội", "Hà Nội", "Hà Nội"], {"Hà Nội": 10.0, "Đà Nẵng": 4.0})
    with pytest.raises(DesignError, match="must be positive"):
        poststratify(weights, ["a", "a", "b"], {"a": 10.0, "b": 0.0})


# --- raking -------------------------------------------------------------------


def test_rake_matches_r_rake_and_calibrate(sample: pd.DataFrame, r_reference: dict) -> None:
    result = rake(sample["w"], _variables(sample), TOTALS, tol=1e-12, maxit=500)
    assert result.converged
    assert result.max_rel_error < 1e-12
    # R's rake() stops at an absolute margin error of 1e-9, calibrate() at 1e-12
    assert_allclose(result.weights, r_reference["rake"], rtol=1e-8)
    assert_allclose(result.weights, r_reference["calibrate_raking"], rtol=1e-10)
    assert_allclose(result.g, result.weights / sample["w"].to_numpy())


def test_bounded_rake_matches_r_calibrate(sample: pd.DataFrame, r_reference: dict) -> None:
    lower, upper = r_reference["bounds"]
    result = rake(
        sample["w"], _variables(sample), TOTALS, bounds=(lower, upper), tol=1e-12, maxit=500
    )
    assert_allclose(result.weights, r_reference["calibrate_raking_bounded"], rtol=1e-9)
    assert result.g.min() >= lower - 1e-12 and result.g.max() <= upper + 1e-12
    # the bounds bind for some units (unbounded g ranges over 0.73 .. 2.32)
    assert result.n_at_bounds > 0
    achieved = result.margins.set_index(["margin", "category"])["achieved"]
    assert achieved[("age", "60+")] == pytest.approx(2200, rel=1e-12)


def test_rake_convergence_report(sample: pd.DataFrame) -> None:
    result = rake(sample["w"], _variables(sample), TOTALS, tol=1e-6)
    report = result.to_dict()
    assert report["converged"] is True
    assert 1 <= report["iterations"] < 100
    assert report["max_rel_error"] < 1e-6
    assert len(report["margins"]) == 9
    frame = result.to_frame()
    assert frame.columns.tolist() == [
        "margin",
        "category",
        "n",
        "total",
        "weighted_before",
        "achieved",
        "rel_error",
        "factor",
    ]
    assert_allclose(frame["achieved"], frame["total"], rtol=1e-6)
    # g is the product of the unit's category factors (what a stored weight set keeps)
    product = np.ones(len(result.g))
    for name, labels in _variables(sample).items():
        factors = dict(zip(frame.loc[frame["margin"] == name, "category"], frame.loc[frame["margin"] == name, "factor"]))
        product *= np.array([factors[v] for v in np.asarray(labels)])
    assert_allclose(product, result.g, rtol=1e-12)
    assert str(result).startswith("Raking on 3 margin(s): converged after")
    # one more cycle than reported would not be needed: the previous cycle had not converged
    fewer = rake(
        sample["w"],
        _variables(sample),
        TOTALS,
        tol=1e-6,
        maxit=result.iterations - 1,
        on_nonconvergence="return",
    )
    assert not fewer.converged and fewer.max_rel_error >= 1e-6


def test_rake_fails_loudly_when_bounds_are_infeasible(sample: pd.DataFrame) -> None:
    bounds = (0.8, 1.6)
    # independent check: no g within these bounds meets all margins
    rows, targets = _margin_matrix(sample)
    lp = linprog(np.zeros(len(sample)), A_eq=rows, b_eq=targets, bounds=[bounds] * len(sample))
    assert lp.status == 2  # infeasible
    with pytest.raises(ConvergenceError) as excinfo:
        rake(sample["w"], _variables(sample), TOTALS, bounds=bounds, maxit=200)
    message = str(excinfo.value)
    assert "did not converge in 200 cycle(s)" in message
    assert re.search(
        r"margin '(sex|age|region)', category '[^']+' reaches [0-9.]+ against a "
        r"population total of [0-9.]+ \(relative error 0\.0\d+",
        message,
    )
    assert "relative error" in message and "bounds may be too tight" in message
    returned = rake(
        sample["w"],
        _variables(sample),
        TOTALS,
        bounds=bounds,
        maxit=200,
        on_nonconvergence="return",
    )
    assert not returned.converged
    assert returned.max_rel_error > 0.01
    assert "DID NOT CONVERGE" in returned.summary()


def test_rake_divergence_is_reported_not_warned(sample: pd.DataFrame) -> None:
    # these bounds make the factors overflow; filterwarnings=error would catch a warning
    with pytest.raises(ConvergenceError, match="did not converge"):
        rake(sample["w"], _variables(sample), TOTALS, bounds=(0.9, 1.8), maxit=2000)


def test_rake_checks_margins(sample: pd.DataFrame) -> None:
    variables = _variables(sample)
    bad_total = {**TOTALS, "sex": {"F": 5100, "M": 5000}}
    with pytest.raises(DesignError, match="'age' adds up to 10000 but 'sex' to 10100|'sex' adds"):
        rake(sample["w"], variables, bad_total)
    with pytest.raises(DesignError, match="only in totals \\['education'\\]"):
        rake(sample["w"], variables, {**TOTALS, "education": {"none": 1.0}})
    missing = {**TOTALS, "region": {"central": 3600, "north": 3000, "south": 3400}}
    with pytest.raises(DesignError, match="region: category 'highlands' occurs in the data"):
        rake(sample["w"], variables, missing)
    with pytest.raises(DesignError, match="bounds must satisfy"):
        rake(sample["w"], variables, TOTALS, bounds=(1.2, 2.0))


def test_rake_result_is_immutable(sample: pd.DataFrame) -> None:
    result = rake(sample["w"], _variables(sample), TOTALS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.iterations = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.weights[0] = 1.0


# --- the clipped-scale solver ------------------------------------------------------


def test_clipped_scale_solver_hits_feasible_targets() -> None:
    rng = np.random.default_rng(7)
    n, n_groups = 400, 6
    groups = rng.integers(0, n_groups, size=n).astype(np.intp)
    a = rng.uniform(0.5, 3.0, size=n)
    lower = a * rng.uniform(0.3, 0.9, size=n)
    upper = a * rng.uniform(1.1, 2.5, size=n)
    lo_sum = np.bincount(groups, weights=lower, minlength=n_groups)
    hi_sum = np.bincount(groups, weights=upper, minlength=n_groups)
    target = lo_sum + rng.uniform(0.05, 0.95, size=n_groups) * (hi_sum - lo_sum)
    t, feasible = _solve_clipped_scale(a, lower, upper, groups, n_groups, target)
    assert feasible.all()
    achieved = np.bincount(groups, weights=np.clip(a * t[groups], lower, upper), minlength=n_groups)
    assert_allclose(achieved, target, rtol=1e-12)
    # beyond the attainable range: flagged
    _, feasible = _solve_clipped_scale(a, lower, upper, groups, n_groups, hi_sum * 1.01)
    assert not feasible.any()


# --- trimming -----------------------------------------------------------------


def _trim_by_iteration(weights: np.ndarray, cap: float) -> np.ndarray:
    """Textbook loop: cap, give the excess to the uncapped weights, repeat."""
    w = weights.astype(float).copy()
    total = w.sum()
    for _ in range(1000):
        capped = w >= cap
        w = np.where(capped, cap, w)
        free = ~capped
        w[free] *= (total - cap * capped.sum()) / w[free].sum()
        if w.max() <= cap * (1 + 1e-13):
            return w
    raise AssertionError("reference loop did not converge")


def test_trim_matches_iterative_cap_and_redistribute() -> None:
    rng = np.random.default_rng(11)
    weights = rng.lognormal(mean=4.0, sigma=0.9, size=300)
    result = trim_weights(weights, median_multiple=3.0)
    cap = 3.0 * np.median(weights)
    assert result.cap == pytest.approx(cap)
    assert_allclose(result.weights, _trim_by_iteration(weights, cap), rtol=1e-10)
    assert result.weights.sum() == pytest.approx(weights.sum(), rel=1e-12)
    assert result.weights.max() <= cap * (1 + 1e-12)
    assert result.n_trimmed == int(np.sum(np.isclose(result.weights, cap, rtol=1e-12)))
    assert result.n_trimmed > (weights > cap).sum()  # redistribution pushed more over the cap
    assert result.after.deff < result.before.deff
    assert "capped" in str(result)


def test_trim_with_max_weight_and_errors() -> None:
    weights = np.array([1.0, 1.0, 1.0, 9.0])
    result = trim_weights(weights, max_weight=4.0)
    # 4 + 3 * k = 12 -> k = 8 / 3
    assert_allclose(result.weights, [8 / 3, 8 / 3, 8 / 3, 4.0])
    assert result.scale == pytest.approx(8 / 3)
    untouched = trim_weights(weights, max_weight=10.0)
    assert_allclose(untouched.weights, weights)
    assert untouched.n_trimmed == 0
    with pytest.raises(DesignError, match="cap 2 is too low"):
        trim_weights(weights, max_weight=2.0)
    with pytest.raises(DesignError, match="exactly one"):
        trim_weights(weights)


# --- diagnostics --------------------------------------------------------------


def test_weight_diagnostics_kish() -> None:
    weights = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 0.0])
    diag = weight_diagnostics(weights)
    positive = weights[weights > 0]
    n = positive.size
    assert diag.n == 5 and diag.n_zero == 1
    assert diag.cv == pytest.approx(np.std(positive) / np.mean(positive))
    assert diag.deff == pytest.approx(n * np.sum(positive**2) / positive.sum() ** 2)
    assert diag.n_effective == pytest.approx(positive.sum() ** 2 / np.sum(positive**2))
    assert diag.n_effective == pytest.approx(n / diag.deff)
    assert diag.ratio == pytest.approx(10.0)
    assert diag.to_frame().loc[0, "deff"] == pytest.approx(diag.deff)
    assert "Kish deff" in str(diag)
    with pytest.raises(DesignError, match="row 1 has -1.0"):
        weight_diagnostics([1.0, -1.0])


def test_rake_error_shows_plain_category_labels() -> None:
    # integer-coded margins; every g would have to be 0.5 but the lower bound is 0.8,
    # so each region pair gets at least 2 * 10 * 0.8 = 16
    weights = np.full(6, 10.0)
    region = np.array([1, 1, 2, 2, 3, 3])
    sex = np.array([0, 1, 0, 1, 0, 1])
    totals = {"region": {1: 10.0, 2: 10.0, 3: 10.0}, "sex": {0: 15.0, 1: 15.0}}
    with pytest.raises(ConvergenceError) as excinfo:
        rake(weights, {"region": region, "sex": sex}, totals, bounds=(0.8, 1.5), maxit=20)
    message = str(excinfo.value)
    assert "np." not in message
    assert re.search(r"category \d reaches 16 against a population total of 10 ", message)
    # unbounded, the same margins are met exactly with g = 0.5
    assert_allclose(rake(weights, {"region": region, "sex": sex}, totals).g, 0.5)


def test_mixed_label_types_are_a_design_error() -> None:
    with pytest.raises(DesignError, match="post-stratum mixes labels of different types"):
        poststratify([1.0, 2.0], np.array(["a", 1], dtype=object), {"a": 1.0, 1: 2.0})
