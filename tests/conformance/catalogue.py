"""Conformance cases from sources other than R's own saved outputs, and the whole list.

:mod:`tests.conformance.suite` holds the machinery (:class:`Case`, :func:`check`)
and the cases from R survey's saved test outputs; this module adds the values
published in other packages' test suites (svy's R survey 4.5 targets for
lonely PSUs within domains, samplics' targets for a stratified design with
fpc and ``subpop``-style domains) and R's replicate-weight variances, and
gives :data:`ALL_CASES`, the list the tests and ``docs/conformance.md`` use.
The copied data files and their origin: ``data/copied_data.md``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from analysis.estimators import Mean, Proportion, Ratio, Statistic, Total

from .suite import CASES, CLUS1, R_LONELY_OUT, Case, ReplicateColumns, interval_case

SVY = (
    "svy (samplics-org/svy) tests/svy/core/test_singleton_domains.py (stored version 32e555d), "
    "R survey 4.5 targets, 12 significant digits"
)
SVY_DESIGN = {"weight": "wgt", "strata": "stratum", "psu": "psu"}
SVY_NOTE = (
    "options(survey.lonely.psu='{rule}', survey.adjust.domain.lonely=TRUE); strata 5 and 6 have one "
    "PSU, stratum 2 one PSU within g1 and within g2"
)


def _svy(rule: str, stat: Statistic, ses: tuple[str, ...], **extra: Any) -> tuple[Case, ...]:
    """One case per domain ``g1``, ``g2``, ``g3`` of an ``svyby(~y, ~dom, d, ...)`` of svy's test."""
    data = extra.pop("data", "svy_singleton_domain.csv")
    flag = extra.pop("flag", True)
    label = extra.pop("label", type(stat).__name__.lower())
    note = extra.pop("note", SVY_NOTE.format(rule=rule))
    return tuple(
        Case(
            f"svy-{rule}-{'domain-lonely' if flag else 'standard'}-{label}-{g}",
            SVY,
            data,
            SVY_DESIGN,
            stat,
            {"se": se},
            by="dom",
            domain=g,
            options={"lonely_psu": rule, "adjust_domain_lonely": flag},
            note=note,
        )
        for g, se in zip(("g1", "g2", "g3"), ses, strict=True)
    )


NO_LONELY = "strata 1-4 only (no lonely PSU in the design); R survey 4.5 with adjust"
SVY_CASES = (
    *_svy("adjust", Total("y"), ("393.509424845", "325.941690928", "174.583129602")),
    *_svy("adjust", Mean("y"), ("0.574407603207", "1.34152313442", "0.974555800635")),
    *_svy("adjust", Ratio("y", "x"), ("0.0315571957517", "0.0665225719832", "0.0626878079167")),
    *_svy("average", Total("y"), ("240.399022748", "331.738708366", "245.295342394")),
    *_svy("average", Mean("y"), ("0.76067710675", "0.712412281346", "1.00925501928")),
    *_svy("average", Ratio("y", "x"), ("0.0392813087634", "0.0270992773207", "0.0375090276583")),
    Case(
        "svy-adjust-domain-lonely-total-reg1",
        SVY,
        "svy_singleton_domain.csv",
        SVY_DESIGN,
        Total("y"),
        {"se": "679.196967013"},
        by="reg",
        domain=1,
        options={"lonely_psu": "adjust", "adjust_domain_lonely": True},
        note="svytotal(~y, subset(d, reg == 1)): every stratum has one PSU within the domain",
    ),
    *_svy(
        "adjust",
        Total("y"),
        ("389.641389363", "265.579019489", "173.45"),
        flag=False,
        data="svy_singleton_domain_strata1to4.csv",
        label="total-strata1to4",
        note=NO_LONELY,
    ),
    *_svy(
        "adjust",
        Total("y"),
        ("391.734795063", "327.11788508", "173.45"),
        data="svy_singleton_domain_strata1to4.csv",
        label="total-strata1to4",
        note=NO_LONELY + " and survey.adjust.domain.lonely=TRUE",
    ),
)

SAMPLICS = (
    "samplics (samplics-org/samplics) tests/estimation/test_expansion_fpc.py (stored version 15615ba), "
    "test targets with 7 significant digits, some truncated: compared within one unit of the last"
)
SAMPLICS_DESIGN = {
    "weight": "weight",
    "strata": "stratid",
    "psu": "psuid",
    "fpc": "Nh",
    "domain_df": "design",
}
SAMPLICS_NOTE = (
    "stratified cluster design, fpc 1 - nh/Nh at the one stage; domains with the design's df "
    "(9 = 12 PSUs - 3 strata) as samplics and Stata's subpop(), sipas --domain-df design"
)


def _samplics(
    name: str, stat: Statistic, values: tuple[str, str, str, str], domain: Any = None
) -> Case:
    keys = ("estimate", "se", "ci_low", "ci_high")
    by = None if domain is None else "domain"
    return Case(
        name,
        SAMPLICS,
        "samplics_one_stage_fpc.csv",
        SAMPLICS_DESIGN,
        stat,
        dict(zip(keys, values, strict=True)),
        by=by,
        domain=domain,
        note=SAMPLICS_NOTE,
        last_digit_units=1.0,
    )


SAMPLICS_CASES = (
    _samplics("samplics-fpc-total", Total("y"), ("853.12", "97.41386", "632.75452", "1073.48547")),
    _samplics("samplics-fpc-mean", Mean("y"), ("10.27855", "0.7750964", "8.525164", "12.03194")),
    _samplics(
        "samplics-fpc-ratio", Ratio("y", "x"), ("1.892038", "0.0072954", "1.875535", "1.908542")
    ),
    _samplics(
        "samplics-fpc-total-domain-1", Total("y"), ("528.52", "165.5088", "154.113", "902.927"), 1
    ),
    _samplics(
        "samplics-fpc-total-domain-2", Total("y"), ("324.6", "97.16214", "104.804", "544.396"), 2
    ),
    _samplics(
        "samplics-fpc-mean-domain-1", Mean("y"), ("9.972075", "1.05736", "7.580162", "12.36399"), 1
    ),
    _samplics(
        "samplics-fpc-mean-domain-2", Mean("y"), ("10.82", "0.9217838", "8.73478", "12.90522"), 2
    ),
    _samplics(
        "samplics-fpc-ratio-domain-1",
        Ratio("y", "x"),
        ("1.895016", "0.0106066", "1.871022", "1.91901"),
        1,
    ),
    _samplics(
        "samplics-fpc-ratio-domain-2",
        Ratio("y", "x"),
        ("1.887209", "0.0077895", "1.869588", "1.90483"),
        2,
    ),
)

R_REP = (
    "R survey 4.1.1 (Debian) as.svrepdesign, run here: data/replicate.R, output replicate.Rout, "
    "15 significant digits"
)
SCD = {"strata": "ESA", "psu": "ambulance"}
SCD_NOTE = "data(scd) of ?svrepdesign: 3 strata of 2 ambulances; Fay with rho = 0.5"


def _rep(method: str, stat: Statistic, est: str, se: str, **extra: Any) -> Case:
    data = extra.pop("data", "scd.csv")
    rule = extra.pop("lonely_psu", None)
    options: dict[str, Any] = (
        {"variance": method} if rule is None else {"lonely_psu": rule, "variance": method}
    )
    name = f"{method}-{type(stat).__name__.lower()}" + (f"-lonely-{rule}" if rule else "")
    return Case(
        name,
        R_REP,
        data,
        SCD,
        stat,
        {"estimate": est, "se": se},
        options=options,
        note=extra.pop("note", SCD_NOTE),
    )


LONELY_SCD = "scd without its first row: stratum 1 keeps one ambulance; R < 4.4 and the stored R source agree"
REPLICATE_CASES = (
    _rep("brr", Mean("alive"), "46.33333333333334", "3.58236421003411"),
    _rep("brr", Total("arrests"), "1811.00000000000", "152.35813073151"),
    _rep("brr", Ratio("alive", "arrests"), "0.15350635008282718", "0.00941840066991849"),
    _rep("fay", Ratio("alive", "arrests"), "0.15350635008282718", "0.00960096935781804"),
    _rep("fay", Total("arrests"), "1811.00000000000", "152.35813073151"),
    _rep("jkn", Mean("alive"), "46.33333333333334", "3.58236421003411"),
    _rep("jkn", Ratio("alive", "arrests"), "0.15350635008282718", "0.00984645720399716"),
    *(
        _rep("jkn", stat, est, se, data="scd_lonely.csv", lonely_psu=rule, note=LONELY_SCD)
        for rule, stat, est, se in (
            ("remove", Total("arrests"), "1691.000000000000", "146.454771175268"),
            ("certainty", Mean("alive"), "50.60000000000000", "4.29418211071678"),
            ("adjust", Total("arrests"), "1691.000000000000", "538.835045878297"),
            ("adjust", Mean("alive"), "50.60000000000000", "6.39109275997984"),
            ("average", Total("arrests"), "1691.000000000000", "163.741411988538"),
            ("average", Mean("alive"), "50.60000000000000", "4.80104155366312"),
        )
    ),
)

SVY_PROP = (
    "svy (samplics-org/svy) tests/svy/estimation/test_prop_ci_domain.py (stored version 71e5019), "
    "R survey 4.5 targets, 15 significant digits (exact ones such as 0.3 as R 4.1.1 prints them here); "
    "df from R 4.1.1 run here (data/prop_ci_domain.R, output prop_ci_domain.Rout)"
)
SVY_PROP_NOTE = (
    "svyciprop(method='beta') on subset(des, {subset}): Korn & Graubard with the subset's n and df "
    "(8 PSUs in 2 strata for the women); data rebuilt as svy's _frame() by data/prop_ci_domain.R"
)


def _beta(y: str, by: str, domain: Any, values: tuple[str, ...], subset: str) -> Case:
    name = f"svy-beta-{y.replace('_', '-')}-{subset.replace(' ', '').replace('==', '-').replace('&', '-')}"
    return interval_case(name, SVY_PROP, "prop_ci_domain.csv", {"weight": "wgt", "strata": "stratum", "psu": "psu"},
                         Proportion(y, 1), values, by=by, domain=domain, options={"ci_method": "beta"},
                         note=SVY_PROP_NOTE.format(subset=subset))


BETA_CASES = (
    _beta(
        "y_mid",
        "female",
        1,
        ("0.366666666666667", "0.103637545034320", "0.138846801273085", "0.649366612413814", "6"),
        "female == 1",
    ),
    _beta(
        "y_mid",
        "dom",
        "1_1",
        ("0.300000000000000", "0.129099444873581", "0.026912858673537", "0.772658049163753", "3"),
        "female == 1 & stratum == 1",
    ),
    _beta(
        "y_mid",
        "dom",
        "1_2",
        ("0.400000000000000", "0.141421356237310", "0.056027190573667", "0.847107899229998", "3"),
        "female == 1 & stratum == 2",
    ),
    _beta(
        "y_flat",
        "female",
        1,
        ("0.450000000000000", "0.037267799624996", "0.359739743149435", "0.542749458006750", "6"),
        "female == 1",
    ),
    _beta(
        "y_flat",
        "dom",
        "1_1",
        ("0.450000000000000", "0.0500000000000000", "0.297777350798571", "0.609395087641518", "3"),
        "female == 1 & stratum == 1",
    ),
)

TUTORIAL = (
    "samplics (samplics-org/samplics) tutorial estimation.ipynb (docs/source/_build/html/_sources/"
    "tutorial/estimation.ipynb.txt, stored version 0e08c76), printed output, 6-8 significant digits"
)
TUTORIAL_NOTE = (
    "samplics' nhanes2 (Stata's NHANES II, 31 strata, 62 PSUs); the tutorial shows Stata's "
    "svy: mean zinc beside it with the same values"
)
NHANES2 = {"weight": "finalwgt", "strata": "stratid", "psu": "psuid"}


def _tutorial(
    name: str, data: str, design: dict[str, Any], stat: Statistic, values: tuple[str, ...], note: str,
    **options: Any,
) -> Case:
    return interval_case(name, TUTORIAL, data, design, stat, values, options=options, note=note)


REPLICATE_NOTE = (
    "replicate weights as published in samplics' data sets (each row its own unit); "
    "variance {formula}, centred at the replicates' mean; the df samplics uses"
)
TUTORIAL_CASES = (
    _tutorial(
        "samplics-nhanes2-mean-zinc",
        "samplics_nhanes2.csv.gz",
        NHANES2,
        Mean("zinc"),
        ("87.182067", "0.494483", "86.173563", "88.190571", "31"),
        TUTORIAL_NOTE,
    ),
    _tutorial(
        "samplics-nhanes2-mean-zinc-unstratified",
        "samplics_nhanes2.csv.gz",
        {"weight": "finalwgt", "psu": "psuid"},
        Mean("zinc"),
        ("87.182067", "0.742622", "77.746158", "96.617976", "1"),
        "the same without strata: 2 PSUs, df 1",
    ),
    _tutorial(
        "samplics-nhanes2-ratio-highbp-highlead",
        "samplics_nhanes2.csv.gz",
        NHANES2,
        Ratio("highbp", "highlead"),
        ("5.93255", "0.553058", "4.80458", "7.060519", "31"),
        "rows with highlead missing left out of both totals",
    ),
    _tutorial(
        "samplics-brr-ratio-weight-height",
        "samplics_nhanes2brr.csv.gz",
        {"weight": "finalwgt"},
        Ratio("weight", "height"),
        ("0.426082", "0.00273", "0.420295", "0.43187", "16"),
        REPLICATE_NOTE.format(formula="sum (theta_r - mean)^2 / 32"),
        replicate_columns=ReplicateColumns("brr_", "brr", 1 / 32, 1.0, 16),
    ),
    _tutorial(
        "samplics-jackknife-ratio-weight-height",
        "samplics_nhanes2jk.csv.gz",
        {"weight": "finalwgt"},
        Ratio("weight", "height"),
        ("0.423502", "0.003464", "0.416574", "0.430429", "61"),
        REPLICATE_NOTE.format(
            formula="0.5 sum (theta_r - mean)^2 (rep_coefs 0.5: two PSUs a stratum)"
        ),
        replicate_columns=ReplicateColumns("jkw_", "jkn", 1.0, 0.5, 61),
    ),
    _tutorial(
        "samplics-bootstrap-mean-birth-weight",
        "samplics_nmihs.csv.gz",
        {"weight": "finalwgt"},
        Mean("birth_weight"),
        ("2679.127143", "31.053792", "2616.722212", "2741.532074", "49"),
        REPLICATE_NOTE.format(
            formula="sum (theta_r - mean)^2 / 50 (samplics; R's bootstrap divides by 49)"
        ),
        replicate_columns=ReplicateColumns("bsrw", "bootstrap", 1 / 50, 1.0, 49),
    ),
)

JKN_NOTE = (
    "svymean(~api00, as.svrepdesign(ds)): JKn on apiclus1 stratified by district, stratum 413 "
    "has one school{fpc}"
)


def _jkn_api(rule: str, stat: Statistic, expected: dict[str, str], fpc: bool) -> Case:
    design = {**CLUS1, "fpc": "fpc413"} if fpc else CLUS1
    name = (
        f"jkn-{'fpc-certainty' if fpc else 'lonely'}-{rule}-{type(stat).__name__.lower()}-apiclus1"
    )
    note = JKN_NOTE.format(fpc=" sampled whole (fpc 1, others 1000)" if fpc else "")
    return Case(
        name,
        R_LONELY_OUT,
        "apiclus1.csv",
        design,
        stat,
        expected,
        options={"lonely_psu": rule, "variance": "jkn"},
        note=note,
    )


JKN_API_CASES = (
    *(
        _jkn_api(rule, Mean("api00"), {"estimate": "644.17", "se": se}, False)
        for rule, se in (
            ("remove", "5.8058"),
            ("certainty", "5.8058"),
            ("adjust", "5.8267"),
            ("average", "5.8217"),
        )
    ),
    *(
        _jkn_api(rule, Mean("api00"), {"estimate": "644.17", "se": se}, True)
        for rule, se in (
            ("fail", "5.7344"),
            ("remove", "5.7344"),
            ("certainty", "5.7344"),
            ("adjust", "5.7344"),
            ("average", "5.7501"),
        )
    ),
    replace(
        _jkn_api("average", Total("api00"), {"estimate": "3989986", "se": "35616"}, True),
        last_digit_units=1.0,
        note="svytotal(~api00, rs): R's printCoefmat shows the total 3989985.47 as 3989986 (R 4.1.1 "
        "here too), so it is compared within one unit of the last digit",
    ),
)

R_FPC = (
    "R survey, tests/fpc.Rout.save (cran/survey, stored version 014e4db; example(fpc)), printed; "
    "data(fpc) is Stata's own fpc example (stata-press.com/data/r7/fpc.dta), written by data/fpc.R"
)
FPC_DESIGN = {"weight": "weight", "strata": "stratid", "psu": "psuid"}
FPC_CASES = tuple(
    Case(
        name,
        R_FPC,
        "fpc.csv",
        {**FPC_DESIGN, **extra},
        Mean("x"),
        {"estimate": "5.4481", "se": se},
        note=note,
    )
    for name, extra, se, note in (
        (
            "stata-fpc-example-without-fpc",
            {},
            "0.7413",
            "2 strata of 5 and 3 PSUs, with replacement",
        ),
        (
            "stata-fpc-example-fpc",
            {"fpc": "Nh"},
            "0.616",
            "fpc as PSUs in the stratum's population (15, 12)",
        ),
        (
            "stata-fpc-example-fraction",
            {"fpc": "frac"},
            "0.616",
            "fpc as the sampling fraction nh/Nh",
        ),
    )
)

ALL_CASES: tuple[Case, ...] = (
    CASES
    + SVY_CASES
    + SAMPLICS_CASES
    + REPLICATE_CASES
    + BETA_CASES
    + TUTORIAL_CASES
    + JKN_API_CASES
    + FPC_CASES
)

__all__ = ["ALL_CASES"]
