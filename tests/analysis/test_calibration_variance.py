"""Variances after calibration against R ``survey`` (fixtures/calibration_variance.R -> .json).

The weights of sipas_small.csv are calibrated to a crossed margin (province x
gender) and to channel with ``calibrate(calfun = "raking")``, ``rake`` and
``postStratify``; item indices overall and by province must have R's
estimates and standard errors, not the fixed-weight ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import DesignSpec, build_design
from analysis.indices import IndexSpec, compute_indices
from analysis.weighting import calibrate_design, poststratify_design, rake_design

FIXTURES = Path(__file__).parent / "fixtures"
REF = json.loads((FIXTURES / "calibration_variance.json").read_text())
DATA = pd.read_csv(FIXTURES / "sipas_small.csv")
ITEMS = ["a1", "b1", "c2"]
SPEC = IndexSpec.simple({"G": ITEMS})
CELLS = ["P1:F", "P1:M", "P2:F", "P2:M", "P3:F", "P3:M", "P4:F", "P4:M"]
POP_PG = dict(zip(CELLS, [1200, 1100, 1500, 1300, 700, 600, 1700, 1400]))
POP_CHANNEL = {"kiosk": 3300, "online": 3500, "paper": 2700}
CROSSED = ("province", "gender")


def _design():
    return build_design(
        DATA, DesignSpec(weight="wt", strata="province", psu="commune", fpc="N_communes")
    )


def _calibrated(case: str):
    design = _design()
    if case == "calibrate_raking":
        return calibrate_design(
            design, DATA, {CROSSED: POP_PG, "channel": POP_CHANNEL}, tol=1e-14, maxit=1000
        )[0]
    if case == "rake":
        return rake_design(
            design, DATA, {CROSSED: POP_PG, "channel": POP_CHANNEL}, max_iter=500, epsilon=1e-11
        )[0]
    return poststratify_design(design, DATA, CROSSED, POP_PG)


@pytest.mark.parametrize("case", ["calibrate_raking", "rake", "poststratify"])
def test_weights_match_r(case):
    np.testing.assert_allclose(_calibrated(case).weights, REF[case]["weights"], rtol=1e-9)


@pytest.mark.parametrize("case", ["calibrate_raking", "rake", "poststratify"])
def test_item_index_and_se_match_r_overall_and_by_province(case):
    result = compute_indices(DATA, SPEC, _calibrated(case), by="province")
    for item in ITEMS:
        ref = REF[case][item]
        whole = result.get(item, level="item")
        np.testing.assert_allclose(whole.estimate / 100, ref["estimate"], rtol=1e-9)
        np.testing.assert_allclose(whole.se / 100, ref["se"], rtol=1e-8)
        for k, province in enumerate(["P1", "P2", "P3", "P4"]):
            rec = result.get(item, {"province": province}, level="item")
            np.testing.assert_allclose(rec.estimate / 100, ref["province_estimate"][k], rtol=1e-9)
            np.testing.assert_allclose(rec.se / 100, ref["province_se"][k], rtol=1e-8)


def test_calibration_changes_the_se_from_fixed_weights():
    design = _calibrated("calibrate_raking")
    frame = DATA.assign(cal=design.weights)
    fixed = build_design(
        frame, DesignSpec(weight="cal", strata="province", psu="commune", fpc="N_communes")
    )
    a = compute_indices(DATA, SPEC, design).get("a1", level="item")
    b = compute_indices(frame, SPEC, fixed).get("a1", level="item")
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-12)
    assert abs(a.se - b.se) > 1e-6
