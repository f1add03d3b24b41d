"""The conventions of the conformance suite through ``sipas estimate``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from survey.cli.analysis import estimate_command

from .suite import DATA

SINGLETON = [
    str(DATA / "r_lonely_singleton.csv"),
    "--weight",
    "Design_Weight",
    "--strata",
    "Stratum",
    "--psu",
    "PSU",
]


def _estimates(*args: str) -> list[dict]:
    res = CliRunner().invoke(estimate_command, [*SINGLETON, *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)["estimates"]


def test_adjust_total_follows_current_r() -> None:
    (row,) = _estimates("--total", "Age", "--lonely-psu", "adjust")
    assert row["se"] ** 2 == pytest.approx(127579.8, abs=0.05)


def test_domain_df_design_uses_the_whole_design_and_says_so() -> None:
    res = CliRunner().invoke(
        estimate_command,
        [
            *SINGLETON,
            "--mean",
            "Age",
            "--by",
            "Sex",
            "--domain-df",
            "design",
            "--lonely-psu",
            "remove",
        ],
    )
    assert res.exit_code == 0, res.output
    document = json.loads(res.output)
    assert document["conventions"] == {"domain_df": "design", "design_df": 2}
    assert [row["df"] for row in document["estimates"]] == [2.0, 2.0, 2.0]


def test_domain_df_default_counts_the_psus_of_the_domain() -> None:
    rows = _estimates("--mean", "Age", "--by", "Sex", "--lonely-psu", "remove")
    by_domain = {None if r["domain"] is None else r["domain"]["Sex"]: r["df"] for r in rows}
    # F: PSUs 2 and 3 in strata 1 and 2; M: PSUs 1, 4, 5 in strata 1, 2, 3
    assert by_domain == {None: 2.0, "F": 0.0, "M": 0.0}


def test_unknown_domain_df_is_refused_with_the_choices() -> None:
    res = CliRunner().invoke(estimate_command, [*SINGLETON, "--mean", "Age", "--domain-df", "x"])
    assert res.exit_code == 2
    assert "domain" in res.output and "design" in res.output


def test_adjust_domain_lonely_as_r() -> None:
    data = str(DATA / "apiclus1_no413.csv")
    args = [data, "--weight", "pw", "--strata", "dnum", "--mean", "api00", "--by", "ds1"]
    for flag, se in (([], 5.8909), (["--adjust-domain-lonely"], 5.9119)):
        res = CliRunner().invoke(estimate_command, [*args, "--lonely-psu", "adjust", *flag])
        assert res.exit_code == 0, res.output
        rows = json.loads(res.output)["estimates"]
        (row,) = [r for r in rows if r["domain"] == {"ds1": "1"}]
        assert row["se"] == pytest.approx(se, abs=5e-5)


def test_average_without_a_stratum_to_average_names_the_stratum() -> None:
    args = [str(DATA / "r_lonely_singleton.csv"), "--weight", "Design_Weight", "--strata", "PSU"]
    res = CliRunner().invoke(estimate_command, [*args, "--total", "Age", "--lonely-psu", "average"])
    assert res.exit_code == 2
    assert "stratum '1'" in res.output and "NaN" not in res.output


def test_domain_options_with_replicate_weights_are_refused() -> None:
    res = CliRunner().invoke(
        estimate_command,
        [*SINGLETON, "--mean", "Age", "--variance", "jk1", "--domain-df", "design"],
    )
    assert res.exit_code == 2
    assert "--variance taylor" in res.output


def test_domain_totals_under_adjust_follow_r_4_5() -> None:
    # svy's R survey 4.5 targets (tests/conformance/catalogue.py): strata 5 and 6 have one PSU,
    # stratum 2 one PSU within g1 and within g2
    data = str(DATA / "svy_singleton_domain.csv")
    args = [
        data,
        "--weight",
        "wgt",
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--total",
        "y",
        "--by",
        "dom",
        "--lonely-psu",
        "adjust",
        "--adjust-domain-lonely",
    ]
    res = CliRunner().invoke(estimate_command, args)
    assert res.exit_code == 0, res.output
    se = {r["domain"]["dom"]: r["se"] for r in json.loads(res.output)["estimates"] if r["domain"]}
    assert se == pytest.approx(
        {"g1": 393.509424845, "g2": 325.941690928, "g3": 174.583129602}, abs=5e-9
    )


def test_fail_names_the_lonely_stratum() -> None:
    res = CliRunner().invoke(
        estimate_command, [*SINGLETON, "--total", "Age", "--lonely-psu", "fail"]
    )
    assert res.exit_code == 2
    assert "tầng 3 chỉ có một PSU" in res.output and "r_lonely_singleton.csv" in res.output and "NaN" not in res.output


def test_stratum_without_a_psu_id_names_the_column_and_row(tmp_path) -> None:
    # stratum 2's only row has no PSU: R refuses the design ("missing values in `id'")
    data = tmp_path / "no_psu.csv"
    data.write_text(
        "Stratum,PSU,Design_Weight,Age\n1,1,10,30\n1,2,10,40\n2,,10,50\n3,4,10,20\n3,5,10,25\n",
        encoding="utf-8",
    )
    args = [
        str(data),
        "--weight",
        "Design_Weight",
        "--strata",
        "Stratum",
        "--psu",
        "PSU",
        "--total",
        "Age",
    ]
    res = CliRunner().invoke(estimate_command, [*args, "--lonely-psu", "adjust"], env={"SIPAS_LANG": "vi"})
    assert res.exit_code == 2
    # the file's line 4 is the third row; it lies in stratum 2
    assert f"Tệp {data}, dòng 4: cột PSU để trống (tầng 2)" in res.output and "NaN" not in res.output
    res = CliRunner().invoke(estimate_command, [*args, "--lonely-psu", "adjust"], env={"SIPAS_LANG": "en"})
    assert res.exit_code == 2
    assert f"File {data}, line 4: column PSU is empty (stratum 2)" in res.output and "NaN" not in res.output
