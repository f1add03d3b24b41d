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

import numpy as np
import pandas as pd

from analysis.design import DesignSpec
from analysis.estimators import Mean, Proportion, Ratio, Statistic, Total, estimate
from analysis.replicate import ReplicateDesign

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
    # 0.5: the source rounds to its last printed digit; 1.0: it truncates or its digits are not all rounded
    last_digit_units: float = 0.5


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


def printed_tolerance(text: str, units: float = 0.5) -> float:
    """``units`` of the last digit printed in ``text`` (``"127579.8"`` gives 0.05 for half a unit)."""
    exponent = Decimal(text).as_tuple().exponent
    assert isinstance(exponent, int)
    return units * 10.0**exponent


@dataclass(frozen=True)
class ReplicateColumns:
    """Replicate weights published as columns (``prefix1``, ``prefix2``, ...) and how they combine.

    The variance is ``scale * sum_r rscale * (theta_r - mean theta)^2``; ``df`` is the one the
    source uses for its intervals.  Each row is its own unit: the columns carry the design.
    """

    prefix: str
    method: str
    scale: float
    rscale: float
    df: float

    def design(self, frame: pd.DataFrame, weight: str) -> ReplicateDesign:
        columns = [c for c in frame.columns if c.startswith(self.prefix)]
        weights = frame[weight].to_numpy(dtype=float)
        factors = (frame[columns].to_numpy(dtype=float) / weights[:, None]).T
        rscales = np.full(len(columns), self.rscale)
        return ReplicateDesign(self.method, factors, self.scale, rscales, False, self.df)


def compute(case: Case) -> dict[str, float]:
    """Our estimate, se, variance, interval and df for the case's record."""
    frame = pd.read_csv(DATA / case.data)
    options = dict(case.options)
    columns = options.pop("replicate_columns", None)
    if columns is not None:
        options.update(
            variance=columns.method, replicates=columns.design(frame, case.design["weight"])
        )
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
        Outcome(quantity, text, ours[quantity], printed_tolerance(text, case.last_digit_units))
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
    return Case(
        name,
        R_LONELY_OUT,
        data,
        design,
        Mean("api00"),
        {"estimate": "644.17", "se": se},
        options=options,
        **extra,
    )


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
            _lonely_mean(
                rule,
                se,
                name=f"domain-lonely-{rule}-{flag}",
                data="apiclus1_no413.csv",
                options={"adjust_domain_lonely": flag},
            ),
            by="ds1",
            domain=1,
            expected={"estimate": "645.14", "se": se},
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


def _api(
    name: str, data: str, design: dict[str, Any], stat: Statistic, est: str, se: str, **options: Any
) -> Case:
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
    _api(
        "jk1-cluster-mean",
        "apiclus1.csv",
        CLUS1_FPC,
        Mean("api00"),
        "644.17",
        "26.329",
        variance="jk1",
    ),
    _api(
        "jk1-cluster-total",
        "apiclus1.csv",
        CLUS1_FPC,
        Total("enroll"),
        "3404940",
        "932235",
        variance="jk1",
    ),
)
# svyglm (logit, likelihood intervals) stops iterating at a relative change of 1e-8, which leaves R's
# estimate up to 4e-10 off, so those intervals are compared at 8 decimals, the rest at 10.
R_PROP = "R survey 4.1.1 (Debian) svyciprop, run here: data/proportions.R, output proportions.Rout"
PROP_METHODS = {
    "logit": "svyciprop method 'logit': interval of the logit from svyglm, t with the design df",
    "beta": "svyciprop method 'beta': Korn & Graubard (1998), Clopper-Pearson on the effective sample size "
    "n*(t_{n-1}/t_df)^2",
    "likelihood": "svyciprop method 'likelihood': Rao-Scott scaled chi-squared profile likelihood",
    "wald": "svyciprop method 'mean': estimate +/- t_df * se",
}


INTERVAL_KEYS = ("estimate", "se", "ci_low", "ci_high", "df")


def interval_case(
    name: str, source: str, data: str, design: dict[str, Any], stat: Statistic, values: tuple[str, ...],
    **extra: Any,
) -> Case:
    """A case whose source prints the estimate, its SE, the interval and the df, in that order."""
    return Case(name, source, data, design, stat, dict(zip(INTERVAL_KEYS, values, strict=True)), **extra)


def _prop(
    name: str, data: str, design: dict[str, Any], method: str, values: tuple[str, ...], **extra: Any
) -> Case:
    note = extra.pop("note", PROP_METHODS[method])
    return interval_case(name, R_PROP, data, design, Proportion("sch.wide", "Yes"), values,
                         options={"ci_method": method}, note=note, **extra)


STRAT_PROP = {"strata": "stype", "weight": "pw", "fpc": "fpc"}
PROPORTION_CASES = (
    _prop(
        "proportion-logit-cluster",
        "apiclus1.csv",
        CLUS1_FPC,
        "logit",
        ("0.8743169399", "0.0203594772", "0.82379889", "0.91190008", "14"),
    ),
    _prop(
        "proportion-logit-stratified",
        "apistrat_prop.csv",
        STRAT_PROP,
        "logit",
        ("0.8279480114", "0.0243447801", "0.77453965", "0.87081485", "197"),
    ),
    _prop(
        "proportion-beta-cluster",
        "apiclus1.csv",
        CLUS1_FPC,
        "beta",
        ("0.8743169399", "0.0203594772", "0.8237022108", "0.9147044921", "14"),
    ),
    _prop(
        "proportion-beta-stratified",
        "apistrat_prop.csv",
        STRAT_PROP,
        "beta",
        ("0.8279480114", "0.0243447801", "0.7741713286", "0.8734315926", "197"),
    ),
    _prop(
        "proportion-likelihood-cluster",
        "apiclus1.csv",
        CLUS1_FPC,
        "likelihood",
        ("0.8743169399", "0.0203594772", "0.82628824", "0.91369449", "14"),
    ),
    _prop(
        "proportion-wald-stratified",
        "apistrat_prop.csv",
        STRAT_PROP,
        "wald",
        ("0.8279480114", "0.0243447801", "0.7799381810", "0.8759578419", "197"),
    ),
    _prop(
        "domain-proportion-logit-domain-df",
        "apiclus1.csv",
        CLUS1_FPC,
        "logit",
        ("0.7857142857", "0.0914619100", "0.50368797", "0.92981257", "7"),
        by="stype",
        domain="H",
        note="high schools sit in 8 of the 15 sampled districts; R's default df for a domain is degf() of "
        "the subset (PSUs with data minus strata), sipas --domain-df domain",
    ),
    _prop(
        "domain-proportion-beta-domain-df",
        "apiclus1.csv",
        CLUS1_FPC,
        "beta",
        ("0.7857142857", "0.0914619100", "0.5217609712", "0.9439076937", "7"),
        by="stype",
        domain="H",
        note="R 4.1.1's beta interval always takes degf() of the subset (its df argument is not used)",
    ),
    _prop(
        "domain-proportion-logit-design-df",
        "apiclus1.csv",
        {**CLUS1_FPC, "domain_df": "design"},
        "logit",
        ("0.7857142857", "0.0914619100", "0.53349330", "0.92160755", "14"),
        by="stype",
        domain="H",
        note="svyby(~I(sch.wide == 'Yes'), ~stype, dclus1, svyciprop, method = 'logit', df = degf(dclus1)): "
        "the whole design's df, as Stata's svy, subpop() and samplics; sipas --domain-df design",
    ),
)
R_MU284 = (
    "Sarndal, Swensson & Wretman (1992) MU284 population (R package sampling 2.9, data(MU284)); "
    "two-stage sample and R survey 4.1.1 values from data/mu284.R, output mu284.Rout, 9 significant digits"
)
MU284 = {"psu": "CL", "ssu": "LABEL", "fpc": "N1", "fpc2": "N2"}
MU284_NOTE = "10 of 50 clusters, then 3 municipalities per cluster (simple random sampling, fpc at both stages)"
MU284_CASES = tuple(
    Case(
        name,
        R_MU284,
        "mu284_two_stage.csv",
        MU284,
        stat,
        {"estimate": est, "se": se, "df": "9"},
        note=MU284_NOTE,
    )
    for name, stat, est, se in (
        ("mu284-two-stage-total", Total("RMT85"), "58715.0000", "13563.4907"),
        ("mu284-two-stage-total-me84", Total("ME84"), "430041.667", "101434.078"),
        ("mu284-two-stage-mean", Mean("P85"), "25.9032258", "4.32851043"),
        ("mu284-two-stage-ratio", Ratio("RMT85", "P85"), "7.31195517", "0.310413553"),
    )
)
CASES = CASES + LONELY_OUT_CASES + DOMAIN_TOTAL_CASES + API_CASES + PROPORTION_CASES + MU284_CASES

__all__ = [
    "CASES",
    "Case",
    "Mean",
    "Outcome",
    "Proportion",
    "Ratio",
    "ReplicateColumns",
    "Total",
    "check",
    "compute",
]
