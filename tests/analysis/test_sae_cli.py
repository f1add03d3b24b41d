"""``sipas sae``: Fay–Herriot from a per-area file; 0- and 1-PSU areas get a smoothed variance."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from analysis.sae import fay_herriot, smoothed_variance
from survey.cli import main

AREAS = (
    "area,estimate,se,n,psu,pop\n"
    "A,70,3,200,5,1.0\nB,72,2.5,300,6,2.0\nC,65,4,150,4,1.5\nD,80,3.5,180,4,3.0\nE,75,2,400,8,2.0\n"
    "F,60,5,100,3,1.0\nG,77,0,30,1,0.5\nH,,,0,0,0.7\nI,71,,25,1,0.4\nJ,74,2.8,210,5,2.2\n"
)


@pytest.fixture
def areas(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(AREAS, encoding="utf-8")
    return path


def _sae(*args, lang="vi"):
    return CliRunner().invoke(main, ["sae", *map(str, args)], env={"SIPAS_LANG": lang})


def test_single_psu_areas_get_the_smoothed_variance_and_unsampled_ones_the_regression(areas):
    res = _sae(areas, "--covariate", "pop", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = {r["area"]: r for r in json.loads(res.output)["rows"]}
    assert rows["A"]["variance_source"] == "direct"
    assert rows["G"]["variance_source"] == rows["I"]["variance_source"] == "smoothed"
    assert rows["H"]["variance_source"] == "none" and rows["H"]["kind"] == "synthetic"
    y = np.array([70, 72, 65, 80, 75, 60, 77, np.nan, 71, 74])
    se = np.array([3, 2.5, 4, 3.5, 2, 5, 0, np.nan, np.nan, 2.8])
    n = np.array([200, 300, 150, 180, 400, 100, 30, 0, 25, 210])
    reliable = np.array([True] * 6 + [False, False, False, True])
    psi = smoothed_variance(y, se, n, reliable)
    # the median design effect of the reliable areas, applied to p(100-p)/n of a 1-PSU area
    deff = np.median((se**2 * n / (y * (100 - y)))[reliable])
    assert psi[6] == pytest.approx(deff * 77 * 23 / 30)
    fit = fay_herriot(y, psi, np.array([1, 2, 1.5, 3, 2, 1, 0.5, 0.7, 0.4, 2.2]), covariate_names=["pop"])
    assert [rows[a]["estimate"] for a in "ABCDEFGHIJ"] == pytest.approx(fit.estimate.tolist(), rel=1e-9)
    assert rows["G"]["rmse"] > 0


def test_text_output_is_vietnamese_and_english_with_sipas_lang(areas):
    vi = _sae(areas)
    assert vi.exit_code == 0, vi.output
    assert "Ước lượng địa bàn nhỏ" in vi.output and "làm trơn" in vi.output
    en = _sae(areas, lang="en")
    assert "Small-area estimate" in en.output and "smoothed" in en.output


def test_csv_output_file_has_a_bom(areas, tmp_path):
    out = tmp_path / "sae.csv"
    res = _sae(areas, "--format", "csv", "--out", out)
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and "Địa bàn" in out.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("area,estimate,se,n\nA,70,3,200\n", "thiếu cột 'psu'"),
        ("area,estimate,se,n,psu\nA,70,x,200,5\n", "dòng 2, cột 'se': 'x' không phải là số"),
        ("area,estimate,se,n,psu\nA,70,0,200,1\nB,60,0,100,1\n", "Không ước lượng được"),
        ("area,estimate,se,n,psu\nA,70,3,200,5\nA,60,3,100,4\n", "'A' lặp lại"),
    ],
)
def test_bad_files_stop_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    res = _sae(path)
    assert res.exit_code == 1 and message in res.output and "Traceback" not in res.output
