"""The statistician commands ``sipas indices`` and ``sipas estimate`` (invoked directly)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis import DesignSpec
from analysis.indices import IndexSpec, compute_indices
from survey.cli.analysis import estimate_command, indices_command

FIXTURES = Path(__file__).parent / "fixtures"
DATA = FIXTURES / "sipas_small.csv"
DESIGN = ["--weight", "wt", "--strata", "province", "--psu", "commune"]


def _run(command, args):
    return CliRunner().invoke(command, [str(a) for a in args])


def test_indices_json_contract():
    res = _run(
        indices_command,
        [
            DATA,
            "--items",
            "A=a1,a2,a3",
            "--items",
            "B=b1,b2",
            *DESIGN,
            "--by",
            "gender",
            "--compare",
            "gender=F:M",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    first = out["indices"][0]
    assert list(first) == [
        "index",
        "level",
        "domain",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "df",
        "n",
        "deff",
        "ci_method",
        "reliability",
    ]
    assert [r["index"] for r in out["indices"][:7]] == ["a1", "a2", "a3", "A", "b1", "b2", "B"]
    assert out["indices"][7]["index"] == "overall" and out["indices"][7]["level"] == "overall"
    assert out["indices"][8]["domain"] == {"gender": "F"}
    comp = out["comparisons"][0]
    assert comp["a"] == {"gender": "F"} and comp["b"] == {"gender": "M"}
    assert set(comp) == {
        "index",
        "level",
        "a",
        "b",
        "difference",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "df",
    }
    # the same numbers as the library
    frame = pd.read_csv(DATA)
    lib = compute_indices(
        frame,
        IndexSpec.simple({"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]}),
        DesignSpec(weight="wt", strata="province", psu="commune"),
    )
    assert first["estimate"] == pytest.approx(lib.get("a1").estimate)
    assert first["se"] == pytest.approx(lib.get("a1").se)


def test_indices_questionnaire_csv_and_bom(tmp_path):
    questionnaire = Path(__file__).resolve().parents[2] / "questionnaires" / "sipas-service.yaml"
    rng = np.random.default_rng(11)
    n = 300
    cols = [
        "a1",
        "a2",
        "a3",
        "p1",
        "p2",
        "p3",
        "p4",
        "s1",
        "s2",
        "s3",
        "r1",
        "r2",
        "r3",
        "f1",
        "f2",
        "f3",
    ]
    frame = pd.DataFrame({c: rng.choice([1, 2, 3, 4, 5, 9], n) for c in cols})
    for j in range(1, 11):
        frame[f"e{j}"] = rng.choice([1, 2, 3, 4], n)
    frame["commune"] = rng.integers(0, 25, n)
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + frame.to_csv(index=False).encode())
    res = _run(
        indices_command,
        [path, "--questionnaire", questionnaire, "--format", "csv", "--psu", "commune"],
    )
    assert res.exit_code == 0, res.output
    out = pd.read_csv(pd.io.common.StringIO(res.output))
    assert list(out.columns[:4]) == ["index", "level", "domain", "estimate"]
    groups = out[out.level == "group"]["index"].tolist()
    assert groups == ["access", "procedures", "staff", "results", "feedback", "expectations"]
    overall = out[out.level == "overall"]["estimate"].iloc[0]
    five = out[out["index"].isin(groups[:5])]["estimate"].mean()
    assert overall == pytest.approx(five)  # expectations are not in the overall


def test_questionnaire_fallback_reads_yaml(tmp_path, monkeypatch):
    import builtins

    from survey.cli import analysis as cmd

    q = tmp_path / "q.yaml"
    q.write_text("indices:\n  groups:\n    - code: A\n      items: [a1, a2]\n", encoding="utf-8")
    real_import = builtins.__import__

    def no_questionnaire(name, *args, **kwargs):
        if name == "survey.domain.questionnaires":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_questionnaire)
    assert cmd.load_indices_block(str(q)) == {"groups": [{"code": "A", "items": ["a1", "a2"]}]}


def test_indices_xlsx(tmp_path):
    out = tmp_path / "r.xlsx"
    res = _run(
        indices_command,
        [
            DATA,
            "--items",
            "A=a1,a2",
            "--format",
            "xlsx",
            "--out",
            out,
            "--compare",
            "gender=F:M",
            *DESIGN,
        ],
    )
    assert res.exit_code == 0, res.output
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["Chỉ số", "So sánh", "Thông tin"]  # Vietnamese unless --lang en
    assert len(sheets["Chỉ số"]) == 4 and len(sheets["So sánh"]) == 4


@pytest.mark.parametrize(
    "args, message",
    [
        (["--items", "A=a1,zz"], "zz"),
        (["--items", "A=a1", "--strata", "nope"], "nope"),
        (["--items", "A=a1", "--ci-method", "logit", "--satisfied", "x"], "--satisfied"),
        ([], "--questionnaire"),
        (["--items", "A=a1", "--compare", "gender=F"], "COL=A:B"),
    ],
)
def test_indices_errors_exit_2(args, message):
    res = _run(indices_command, [DATA, *args])
    assert res.exit_code == 2
    assert message in res.stderr


def test_lonely_psu_error_names_stratum():
    res = _run(indices_command, [FIXTURES / "sipas_small_lonely.csv", "--items", "A=a1", *DESIGN])
    assert res.exit_code == 2
    assert "P3" in res.stderr
    ok = _run(
        indices_command,
        [
            FIXTURES / "sipas_small_lonely.csv",
            "--items",
            "A=a1",
            *DESIGN,
            "--lonely-psu",
            "certainty",
        ],
    )
    assert ok.exit_code == 0


def test_estimate_command_records():
    res = _run(
        estimate_command,
        [
            DATA,
            "--mean",
            "wt",
            "--proportion",
            "gender=F",
            "--ratio",
            "a1/a2",
            "--total",
            "a1",
            *DESIGN,
            "--by",
            "channel",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["estimates"]
    columns = "statistic variable domain estimate se ci_low ci_high df deff n ci_method"
    assert set(rows[0]) == set(columns.split())
    assert [r["statistic"] for r in rows[:4]] == ["mean", "total", "ratio", "proportion"]
    assert rows[-1]["domain"] == {"channel": "paper"}
    frame = pd.read_csv(DATA)
    share = (frame.wt * (frame.gender == "F")).sum() / frame.wt.sum()
    assert rows[3]["estimate"] == pytest.approx(share)


def test_estimate_replicates_and_csv():
    res = _run(
        estimate_command, [DATA, "--mean", "wt", *DESIGN, "--variance", "jkn", "--format", "csv"]
    )
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(pd.io.common.StringIO(res.output))
    assert frame.loc[0, "statistic"] == "mean" and np.isfinite(frame.loc[0, "se"])
    bad = _run(estimate_command, [DATA, "--mean", "nope"])
    assert bad.exit_code == 2 and "nope" in bad.stderr


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("vi", "dòng {line}: cột commune để trống (tầng {stratum}); cột này cần giá trị ở mọi dòng."),
        ("en", "line {line}: column commune is empty (stratum {stratum}); it needs a value on every row."),
    ],
)
def test_indices_names_the_stratum_column_and_line_of_a_missing_psu_in_the_users_language(tmp_path, lang, expected):
    frame = pd.read_csv(DATA)
    row = 7  # the eighth data row: line 9 of the file
    frame.loc[row, "commune"] = None
    data = tmp_path / "no_commune.csv"
    frame.to_csv(data, index=False)
    res = CliRunner().invoke(
        indices_command, [str(data), "--items", "A=a1,a2,a3", *DESIGN], env={"SIPAS_LANG": lang}
    )
    assert res.exit_code == 2
    message = expected.format(line=row + 2, stratum=frame.loc[row, "province"])
    assert message in res.output, res.output
    assert "Traceback" not in res.output


def test_the_analysis_error_carries_the_column_row_and_stratum():
    from analysis import MissingDesignValueError, build_design

    data = {"s": np.array([1, 1, 2, 2]), "p": np.array([1.0, 2.0, np.nan, 3.0]), "w": np.ones(4)}
    with pytest.raises(MissingDesignValueError) as raised:
        build_design(data, DesignSpec(weight="w", strata="s", psu="p"))
    assert (raised.value.column, raised.value.row, raised.value.stratum) == ("p", 3, "2")
    with pytest.raises(MissingDesignValueError) as raised:
        build_design(data, DesignSpec(weight="w", psu="p"))  # no strata: no stratum to name
    assert (raised.value.column, raised.value.row, raised.value.stratum) == ("p", 3, None)
