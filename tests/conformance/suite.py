"""Conformance cases: published values from other projects, and how we compute each.

Every :class:`Case` names where its value was published (project, file,
version), the data (``data/``, with the R script that made or uses it beside
it), the design and the statistic.  Published values are kept as the text
they were printed with; :func:`check` compares our value at that precision
(half a unit of the last printed digit).  ``tests/conformance/test_suite.py``
runs every case and ``tools/conformance_doc.py`` writes ``docs/conformance.md``
from the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.design import DesignSpec
from analysis.estimators import Mean, Proportion, Ratio, Statistic, Total, estimate

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Case:
    """One published value set and the sipas computation that should reproduce it."""

    name: str
    source: str
    data: str
    design: dict[str, Any]
    statistic: Statistic
    expected: dict[str, str]
    by: str | None = None
    domain: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    """Our value, the published one and whether they agree at the printed precision."""

    quantity: str
    published: str
    ours: float
    tolerance: float

    @property
    def difference(self) -> float:
        return self.ours - float(self.published)

    @property
    def agrees(self) -> bool:
        # below 1e-10 relative the order of floating-point sums decides, not the method
        limit = max(self.tolerance, 1e-10 * abs(float(self.published)))
        return abs(self.difference) <= limit * (1 + 1e-9)


def printed_tolerance(text: str) -> float:
    """Half a unit of the last digit printed in ``text`` (``"127579.8"`` gives 0.05)."""
    exponent = Decimal(text).as_tuple().exponent
    assert isinstance(exponent, int)
    return 0.5 * 10.0**exponent


def compute(case: Case) -> dict[str, float]:
    """Our estimate, se, variance, interval and df for the case's record."""
    frame = pd.read_csv(DATA / case.data)
    options = dict(case.options)
    lonely = options.pop("lonely_psu", "fail")
    domain_lonely = options.pop("adjust_domain_lonely", False)
    spec = DesignSpec(**case.design, lonely_psu=lonely, adjust_domain_lonely=domain_lonely)
    by = case.by
    results = estimate(frame, spec, [case.statistic], by=by, overall=by is None, **options)
    records = [r for r in results.records if by is None or r.domain == {by: case.domain}]
    (record,) = records
    return {
        "estimate": record.estimate,
        "se": record.se,
        "variance": record.se**2,
        "ci_low": record.ci_low,
        "ci_high": record.ci_high,
        "df": record.df,
    }


def check(case: Case) -> list[Outcome]:
    """Compare every published quantity of ``case`` with ours."""
    ours = compute(case)
    return [
        Outcome(quantity, text, ours[quantity], printed_tolerance(text))
        for quantity, text in case.expected.items()
    ]


R_LONELY = "R survey 4.4+, tests/lonely.psu.R (cran/survey), svytotal checks, stopifnot targets"
SINGLETON = {"weight": "Design_Weight", "strata": "Stratum", "psu": "PSU"}

CASES: tuple[Case, ...] = (
    Case(
        "lonely-remove-total",
        R_LONELY,
        "r_lonely_singleton.csv",
        SINGLETON,
        Total("Age"),
        {"variance": "126625"},
        options={"lonely_psu": "remove"},
    ),
    Case(
        "lonely-certainty-total",
        R_LONELY,
        "r_lonely_singleton.csv",
        SINGLETON,
        Total("Age"),
        {"variance": "126625"},
        options={"lonely_psu": "certainty"},
    ),
    Case(
        "lonely-adjust-total",
        R_LONELY,
        "r_lonely_singleton.csv",
        SINGLETON,
        Total("Age"),
        {"variance": "127579.8"},
        options={"lonely_psu": "adjust"},
        note="R < 4.4 centred the lonely PSU at zero: 562225",
    ),
)

R_LONELY_OUT = "R survey, tests/lonely.psu.Rout.save (cran/survey, stored version 014e4db), printed"
CLUS1 = {"weight": "pw", "strata": "dnum"}


def _lonely_mean(rule: str, se: str, **extra: Any) -> Case:
    """A ``svymean(~api00, ds)`` of lonely.psu.R on apiclus1 (stratum 413 has one school)."""
    data = extra.pop("data", "apiclus1.csv")
    design = {**CLUS1, **extra.pop("design", {})}
    name = extra.pop("name", f"lonely-{rule}-mean")
    options = {"lonely_psu": rule, **extra.pop("options", {})}
    return Case(name, R_LONELY_OUT, data, design, Mean("api00"), {"estimate": "644.17", "se": se},
                options=options, **extra)


LONELY_OUT_CASES = (
    _lonely_mean("remove", "5.8058"),
    _lonely_mean("certainty", "5.8058"),
    _lonely_mean("adjust", "5.8281"),
    _lonely_mean("average", "6.0096"),
    *(
        _lonely_mean(rule, "5.7344", name=f"fpc-certainty-stratum-{rule}", design={"fpc": "fpc413"})
        for rule in ("fail", "remove", "adjust", "average")
    ),
    *(
        replace(
            _lonely_mean(rule, se, name=f"domain-lonely-{rule}-{flag}", data="apiclus1_no413.csv",
                         options={"adjust_domain_lonely": flag}),
            by="ds1", domain=1, expected={"estimate": "645.14", "se": se},
            note="ds1 <- ds[-31, ]: stratum 406 keeps one of its two schools",
        )
        for flag, rule, se in (
            (False, "remove", "5.8909"),
            (False, "adjust", "5.8909"),
            (False, "average", "5.8909"),
            (True, "remove", "5.8909"),
            (True, "adjust", "5.9119"),
            (True, "average", "6.0914"),
        )
    ),
)
R_RUN = "R survey 4.1.1 (Debian), tests/conformance/data/apiclus1.R run here, 15 significant digits"
DOMAIN_TOTAL_CASES = tuple(
    Case(
        f"domain-lonely-{rule}-{flag}-total",
        R_RUN,
        "apiclus1_no413.csv",
        CLUS1,
        Total("api00"),
        {"se": se},
        by="ds1",
        domain=1,
        options={"lonely_psu": rule, "adjust_domain_lonely": flag},
    )
    for flag, rule, se in (
        (False, "adjust", "40571.304781352"),
        (True, "remove", "40571.304781352"),
        (True, "average", "37317.8860218428"),
    )
)
R_API = "R survey, tests/api.Rout.save (cran/survey, stored version 014e4db; example(api)), printed"
STRAT = {"strata": "stype", "weight": "pw", "fpc": "fpc"}
CLUS1_FPC = {"psu": "dnum", "weight": "pw", "fpc": "fpc"}
CLUS2_FPC = {"psu": "dnum", "ssu": "snum", "fpc": "fpc1", "fpc2": "fpc2"}
CLUS2_WR = {"psu": "dnum", "ssu": "snum", "weight": "pw"}


def _api(name: str, data: str, design: dict[str, Any], stat: Statistic, est: str, se: str,
         **options: Any) -> Case:
    return Case(name, R_API, data, design, stat, {"estimate": est, "se": se}, options=options)


API_CASES = (
    _api("stratified-fpc-mean", "apistrat.csv", STRAT, Mean("api00"), "662.29", "9.4089"),
    _api("stratified-fpc-total", "apistrat.csv", STRAT, Total("enroll"), "3687178", "114642"),
    _api("cluster-fpc-mean", "apiclus1.csv", CLUS1_FPC, Mean("api00"), "644.17", "23.542"),
    _api("cluster-fpc-total", "apiclus1.csv", CLUS1_FPC, Total("enroll"), "3404940", "932235"),
    _api("two-stage-fpc-mean", "apiclus2.csv", CLUS2_FPC, Mean("api00"), "670.81", "30.099"),
    _api("two-stage-fpc-total", "apiclus2.csv", CLUS2_FPC, Total("enroll"), "2639273", "799638"),
    _api("two-stage-wr-mean", "apiclus2.csv", CLUS2_WR, Mean("api00"), "670.81", "30.712"),
    _api("two-stage-wr-total", "apiclus2.csv", CLUS2_WR, Total("enroll"), "2639273", "820261"),
    _api("jk1-cluster-mean", "apiclus1.csv", CLUS1_FPC, Mean("api00"), "644.17", "26.329",
         variance="jk1"),
    _api("jk1-cluster-total", "apiclus1.csv", CLUS1_FPC, Total("enroll"), "3404940", "932235",
         variance="jk1"),
)
CASES = CASES + LONELY_OUT_CASES + DOMAIN_TOTAL_CASES + API_CASES

__all__ = ["CASES", "Case", "Mean", "Outcome", "Proportion", "Ratio", "Total", "check", "compute"]
