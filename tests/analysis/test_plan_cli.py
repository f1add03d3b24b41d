"""``sipas plan``: sample size and allocation from last year's per-stratum file."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from analysis.planning import allocate, sample_size_proportion, stratified_margin_of_error
from survey.cli import main

LAST_YEAR = "stratum,population,estimate,deff\nHà Nội,500000,80,2.0\nLào Cai,60000,70,1.5\nCà Mau,120000,90,3.0\n"


@pytest.fixture
def last_year(tmp_path):
    path = tmp_path / "last.csv"
    path.write_text(LAST_YEAR, encoding="utf-8-sig")
    return path


def _plan(*args, env=None):
    return CliRunner().invoke(main, ["plan", *map(str, args)], env=env or {"SIPAS_LANG": "vi"})


def test_moe_target_gives_the_size_and_a_neyman_allocation(last_year):
    res = _plan(last_year, "--moe", 2, "--method", "neyman", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["rows"]
    pop = np.array([500000, 60000, 120000])
    p = np.array([0.8, 0.7, 0.9])
    deff = np.array([2.0, 1.5, 3.0])
    share = pop / pop.sum()
    size = sample_size_proportion(0.02, p=float(share @ p), deff=float(share @ deff), population=float(pop.sum()))
    expected = allocate(size.n_required, pop, method="neyman", sd=np.sqrt(deff * p * (1 - p)))
    assert [r["n"] for r in rows] == expected.n.tolist()
    assert sum(r["n"] for r in rows) == size.n_required
    assert [r["stratum"] for r in rows] == ["Hà Nội", "Lào Cai", "Cà Mau"]
    national = stratified_margin_of_error(expected.n, pop, p, deff)
    assert national * 100 == pytest.approx(float(json.loads(res.output)["note"].split("±")[1].split()[0]), abs=0.01)
    assert national < 0.0205  # the plan reaches about the target


def test_given_n_proportional_csv_with_bom_and_vietnamese_headers(last_year, tmp_path):
    out = tmp_path / "plan.csv"
    res = _plan(last_year, "--n", 1000, "--minimum", 150, "--response-rate", 0.8, "--format", "csv", "--out", out)
    assert res.exit_code == 0, res.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Tầng,Quy mô,Chỉ số năm trước")
    n = [int(line.split(",")[4]) for line in lines[1:]]
    assert sum(n) == 1000 and min(n) >= 150
    issued = [int(line.split(",")[5]) for line in lines[1:]]
    assert issued == [int(np.ceil(k / 0.8)) for k in n]


def test_english_output(last_year):
    res = _plan(last_year, "--n", 900, env={"SIPAS_LANG": "en"})
    assert res.exit_code == 0, res.output
    assert "Stratum" in res.output and "900 completed" in res.output


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("stratum,pop\nA,10\n", ["--n", "5"], "thiếu cột 'population'"),
        ("stratum,population\nA,10\nB,abc\n", ["--n", "5"], "dòng 3, cột 'population': 'abc' không phải là số"),
        ("stratum,population\nA,10\nA,20\n", ["--n", "5"], "'A' lặp lại ở dòng 2 và 3"),
        ("stratum,population,estimate\nA,10,120\n", ["--n", "5"], "dòng 2, cột 'estimate': chỉ số phải nằm trong 0–100"),
        ("stratum,population\nA,10\nB,20\n", ["--n", "500"], "Không lập được kế hoạch"),
        ("stratum,population\nA,10\n", [], "Cần đúng một trong --moe"),
    ],
)
def test_bad_files_and_options_stop_with_a_clear_message(tmp_path, content, args, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    res = _plan(path, *args)
    assert res.exit_code in (1, 2)
    assert message in res.output
    assert "Traceback" not in res.output


def test_missing_file(tmp_path):
    res = _plan(tmp_path / "none.csv", "--n", 5)
    assert res.exit_code == 1 and "Không tìm thấy tệp" in res.output
