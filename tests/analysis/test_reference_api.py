"""Every value in shared/reference/api/reference.json (R ``survey`` on the api samples).

Estimates, standard errors and design effects to 1e-9 relative, intervals to
1e-6 relative, degrees of freedom exactly.  A record whose method is missing
fails; nothing is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import (
    DesignSpec,
    Mean,
    Proportion,
    Ratio,
    Total,
    build_design,
    domain_difference,
    estimate,
)
from analysis.replicate import make_replicates
from analysis.weighting import poststratify_design, rake_design

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "api"
if not REFERENCE.exists():  # repository checked out elsewhere
    REFERENCE = Path("/work/shared/reference/api")
REF = json.loads((REFERENCE / "reference.json").read_text())
RECORDS = REF["results"]
DATA_CACHE: dict[str, pd.DataFrame] = {}


def _data(name: str) -> pd.DataFrame:
    if name not in DATA_CACHE:
        DATA_CACHE[name] = pd.read_csv(REFERENCE / name)
    return DATA_CACHE[name]


def _design(key: str):
    d = REF["designs"][key]
    data = _data(d["data"])
    spec = DesignSpec(
        weight=d.get("weight"),
        strata=d.get("strata"),
        psu=d.get("psu"),
        ssu=d.get("ssu"),
        fpc=d.get("fpc"),
        fpc2=d.get("fpc2"),
    )
    return data, build_design(data, spec)


def _statistic(record: dict):
    kind, var = record["statistic"], record["variable"]
    if "==" in var:
        return Proportion(*var.split("=="))
    if kind in ("mean", "domain_mean"):
        return Mean(var)
    if kind == "total":
        return Total(var)
    if kind == "ratio":
        return Ratio(*var.split("/"))
    raise AssertionError(f"unknown statistic {kind}")


def _compute(record: dict):
    key = record["design"]
    replicates = None
    if key == "clus1_JK1":
        data, design = _design("clus1_nofpc")
        replicates = make_replicates(design, "jk1")
    elif key == "strat_JKn":
        data = _data("apistrat.csv")
        design = build_design(data, DesignSpec(weight="pw", strata="stype"))
        replicates = make_replicates(design, "jkn")
    elif key == "clus1_raked":
        data, design = _design("clus1")
        margins = next(r["margins"] for r in RECORDS if r["design"] == key and "margins" in r)
        design, report = rake_design(design, data, margins)
        assert report.converged
    elif key == "strat_poststrat":
        data, design = _design("strat")
        ((column, population),) = record["poststrata"].items()
        design = poststratify_design(design, data, column, population)
    else:
        data, design = _design(key)
    if record["statistic"] == "domain_difference":
        a, b = record["variable"].split("-")
        return domain_difference(data, design, Mean("api00"), "stype", a[-2], b[-2])
    stat = _statistic(record)
    if record["statistic"] == "domain_mean":
        ((column, value),) = record["domain"].items()
        res = estimate(data, design, [stat], by=column, overall=False, domain_df="design")
        return next(r for r in res.records if r.domain == {column: value})
    res = estimate(
        data,
        design,
        [stat],
        ci_method=record.get("ci_method", "logit"),
        variance=replicates.method if replicates else "taylor",
        replicates=replicates,
        domain_df="design",
    )
    (rec,) = res.records
    return rec


def _id(record: dict) -> str:
    parts = [record["design"], record["statistic"], record["variable"]]
    if "ci_method" in record:
        parts.append(record["ci_method"])
    if "domain" in record:
        parts.append("=".join(*record["domain"].items()))
    return "-".join(parts)


@pytest.mark.parametrize("record", RECORDS, ids=[_id(r) for r in RECORDS])
def test_reproduces_r_survey(record):
    result = _compute(record)
    if record["statistic"] == "domain_difference":
        np.testing.assert_allclose(result.difference, record["estimate"], rtol=1e-9)
    else:
        np.testing.assert_allclose(result.estimate, record["estimate"], rtol=1e-9)
    np.testing.assert_allclose(result.se, record["se"], rtol=1e-9)
    if "ci_low" in record:
        np.testing.assert_allclose(
            [result.ci_low, result.ci_high], [record["ci_low"], record["ci_high"]], rtol=1e-6
        )
    if "df" in record:
        assert result.df == record["df"]
    if "deff" in record:
        np.testing.assert_allclose(result.deff, record["deff"], rtol=1e-9)


def test_every_reference_design_is_exercised():
    designs = {r["design"] for r in RECORDS}
    assert designs == {
        "srs",
        "strat",
        "clus1",
        "clus2",
        "clus1_nofpc",
        "clus1_JK1",
        "strat_JKn",
        "clus1_raked",
        "strat_poststrat",
    }
    assert len(RECORDS) >= 60
