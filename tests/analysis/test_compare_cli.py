"""``sipas compare``: two rounds from two ``sipas indices --format csv`` files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main

DATA = Path(__file__).parent / "fixtures" / "sipas_small.csv"
INDICES = ["--items", "A=a1,a2,a3", "--items", "B=b1,b2", "--weight", "wt", "--strata", "province",
           "--psu", "commune", "--by", "province", "--format", "csv"]


def _invoke(*args, lang="vi"):
    return CliRunner().invoke(main, [str(a) for a in args], env={"SIPAS_LANG": lang})


@pytest.fixture
def rounds(tmp_path):
    before_data = pd.read_csv(DATA)
    before_data.loc[before_data.index % 3 == 0, "a1"] = 5  # last year more satisfied with a1
    before_data.to_csv(tmp_path / "before_data.csv", index=False)
    now, before = tmp_path / "now.csv", tmp_path / "before.csv"
    assert _invoke("indices", DATA, *INDICES, "--out", now).exit_code == 0
    assert _invoke("indices", tmp_path / "before_data.csv", *INDICES, "--out", before).exit_code == 0
    return now, before


def test_changes_match_the_records_of_both_rounds(rounds):
    now, before = rounds
    res = _invoke("compare", now, before, "--labels", "2026,2025", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["rows"]
    a_now, a_before = pd.read_csv(now), pd.read_csv(before)
    first = rows[0]
    assert (first["index"], first["domain"]) == ("a1", "all")
    est_now = a_now[(a_now["index"] == "a1") & a_now["domain"].isna()].iloc[0]
    est_before = a_before[(a_before["index"] == "a1") & a_before["domain"].isna()].iloc[0]
    assert first["difference"] == pytest.approx(est_now.estimate - est_before.estimate)
    assert first["se"] == pytest.approx((est_now.se**2 + est_before.se**2) ** 0.5)
    assert first["ci_low"] < first["difference"] < first["ci_high"]
    unchanged = next(r for r in rows if r["index"] == "b1" and r["domain"] == "all")
    assert unchanged["difference"] == 0 and unchanged["p_value"] == pytest.approx(1)
    assert any(r["domain"].startswith("province=") for r in rows)


def test_text_in_vietnamese_and_english(rounds):
    vi = _invoke("compare", *rounds, "--labels", "2026,2025")
    assert vi.exit_code == 0 and "Chênh lệch" in vi.output and "2026 so với 2025" in vi.output
    en = _invoke("compare", *rounds, "--labels", "2026,2025", lang="en")
    assert "Difference" in en.output and "2026 against 2025" in en.output


def test_files_without_a_common_index_or_with_a_wrong_layout(rounds, tmp_path):
    now, _ = rounds
    other = tmp_path / "other.csv"
    frame = pd.read_csv(now)
    frame["index"] = "z" + frame["index"]
    frame.to_csv(other, index=False)
    res = _invoke("compare", now, other)
    assert res.exit_code == 1 and "không có chỉ số chung" in res.output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    res = _invoke("compare", now, wrong)
    assert res.exit_code == 1 and "thiếu cột 'index'" in res.output
    res = _invoke("compare", now, now, "--labels", "2026")
    assert res.exit_code == 2 and "--labels" in res.output
