"""SIPAS-style indices against R ``survey`` (fixtures/sipas_small.R -> sipas_small.json).

Two-stage stratified design with fpc at both stages, blanks and code 9 ("not
experienced"), a 4-point expectation group outside the overall, pooled and
weighted groups, gender domains, F - M comparisons, raking, lonely PSUs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import DesignSpec, LonelyPSUError, build_design
from analysis.indices import IndexSpec, compute_indices
from analysis.weighting import rake_design

FIXTURES = Path(__file__).parent / "fixtures"
REF = json.loads((FIXTURES / "sipas_small.json").read_text())
DATA = pd.read_csv(FIXTURES / "sipas_small.csv")
LONELY = pd.read_csv(FIXTURES / "sipas_small_lonely.csv")
SPEC = IndexSpec.from_dict(
    {
        "groups": [
            {"code": "A", "items": ["a1", "a2", "a3"]},
            {"code": "B", "items": ["b1", "b2"], "aggregation": "pooled"},
            {
                "code": "C",
                "items": ["c1", "c2", "c3"],
                "aggregation": "weighted",
                "weights": [1, 2, 1],
            },
            {
                "code": "E",
                "items": ["e1", "e2"],
                "satisfied": [3, 4],
                "valid": [1, 2, 3, 4],
                "in_overall": False,
            },
        ]
    }
)
SPECS = {
    "two_stage": DesignSpec(
        weight="wt",
        strata="province",
        psu="commune",
        ssu="village",
        fpc="N_communes",
        fpc2="N_villages",
    ),
    "one_stage": DesignSpec(weight="wt", strata="province", psu="commune", fpc="N_communes"),
}
_CACHE: dict[str, object] = {}


def _results(case: str):
    if case in _CACHE:
        return _CACHE[case]
    if case == "raked":
        design = build_design(DATA, DesignSpec(weight="wt", strata="province", psu="commune"))
        design, report = rake_design(
            design,
            DATA,
            {
                "gender": {"F": 5200, "M": 4800},
                "channel": {"kiosk": 2000, "online": 3000, "paper": 5000},
            },
        )
        assert report.converged
        data = DATA
    elif case.startswith("lonely_"):
        rule = case.removeprefix("lonely_")
        design = build_design(
            LONELY, DesignSpec(weight="wt", strata="province", psu="commune", lonely_psu=rule)
        )
        data = LONELY
    else:
        design = build_design(DATA, SPECS[case])
        data = DATA
    by = None if case.startswith("lonely_") else "gender"
    res = compute_indices(data, SPEC, design, by=by, compare=[("gender", "F", "M")] if by else ())
    _CACHE[case] = res
    return res


def _id(r):
    return f"{r['case']}-{r['index']}-{r['domain']}"


@pytest.mark.parametrize("ref", REF, ids=[_id(r) for r in REF])
def test_index_matches_r(ref):
    res = _results(ref["case"])
    if ref["domain"] == "F-M":
        (rec,) = [c for c in res.comparisons if c.index == ref["index"]]
        np.testing.assert_allclose(rec.difference, ref["estimate"], rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(rec.se, ref["se"], rtol=1e-9)
        assert rec.df == ref["df"]
        return
    domain = None if ref["domain"] == "all" else {"gender": ref["domain"]}
    rec = res.get(ref["index"], domain)
    assert rec.level == ref["level"]
    np.testing.assert_allclose(rec.estimate, ref["estimate"], rtol=1e-9)
    np.testing.assert_allclose(rec.se, ref["se"], rtol=1e-9)
    assert rec.df == ref["df"]
    if "ci_low" in ref:
        np.testing.assert_allclose(
            [rec.ci_low, rec.ci_high], [ref["ci_low"], ref["ci_high"]], rtol=1e-6
        )
        assert rec.ci_method == "logit"
        np.testing.assert_allclose(rec.deff, ref["deff"], rtol=1e-9)
        assert rec.n == ref["n"]


def test_lonely_psu_fail_names_the_stratum():
    design = build_design(LONELY, DesignSpec(weight="wt", strata="province", psu="commune"))
    with pytest.raises(LonelyPSUError, match=r"Stratum \(P3\)"):
        compute_indices(LONELY, SPEC, design)
