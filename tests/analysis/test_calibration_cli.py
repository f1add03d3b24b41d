"""``sipas indices --rake/--poststrat``: calibrated weights with R's calibrate/postStratify variance,
and domains that are not estimable flagged in the output (fixtures/calibration_variance.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from survey.cli.analysis import indices_command

FIXTURES = Path(__file__).parent / "fixtures"
DATA = FIXTURES / "sipas_small.csv"
REF = json.loads((FIXTURES / "calibration_variance.json").read_text())
DESIGN = ["--weight", "wt", "--strata", "province", "--psu", "commune", "--fpc", "N_communes"]
CELLS = ["P1:F", "P1:M", "P2:F", "P2:M", "P3:F", "P3:M", "P4:F", "P4:M"]


def _margins(tmp_path: Path) -> tuple[Path, Path]:
    crossed = tmp_path / "province_gender.csv"
    pd.DataFrame(
        {
            "province": [c.split(":")[0] for c in CELLS],
            "gender": [c.split(":")[1] for c in CELLS],
            "total": [1200, 1100, 1500, 1300, 700, 600, 1700, 1400],
        }
    ).to_csv(crossed, index=False)
    channel = tmp_path / "channel.csv"
    pd.DataFrame({"channel": ["kiosk", "online", "paper"], "total": [3300, 3500, 2700]}).to_csv(
        channel, index=False
    )
    return crossed, channel


def _run(args):
    return CliRunner().invoke(indices_command, [str(a) for a in args])


def _record(out, index, province=None):
    want = None if province is None else {"province": province}
    return next(
        r for r in out["indices"] if r["index"] == index and r["level"] == "item" and r["domain"] == want
    )


def test_rake_to_a_crossed_margin_gives_r_calibrate_variance(tmp_path):
    crossed, channel = _margins(tmp_path)
    res = _run([DATA, "--items", "G=a1,b1,c2", *DESIGN, "--by", "province",
                "--rake", f"province,gender={crossed}", "--rake", f"channel={channel}"])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    for item in ("a1", "b1", "c2"):
        ref = REF["calibrate_raking"][item]
        whole = _record(out, item)
        np.testing.assert_allclose(whole["estimate"] / 100, ref["estimate"], rtol=1e-7)
        np.testing.assert_allclose(whole["se"] / 100, ref["se"], rtol=1e-7)
        p2 = _record(out, item, "P2")
        np.testing.assert_allclose(p2["se"] / 100, ref["province_se"][1], rtol=1e-7)


def test_poststrat_gives_r_poststratify_variance(tmp_path):
    crossed, _ = _margins(tmp_path)
    res = _run([DATA, "--items", "G=a1,b1,c2", *DESIGN, "--poststrat", f"province,gender={crossed}"])
    assert res.exit_code == 0, res.stderr
    whole = _record(json.loads(res.stdout), "a1")
    np.testing.assert_allclose(whole["se"] / 100, REF["poststratify"]["a1"]["se"], rtol=1e-8)


def test_a_province_with_one_df_is_flagged_not_estimable_in_json_csv_and_stderr(tmp_path):
    args = [DATA, "--items", "G=a1,b1,c2", *DESIGN, "--by", "province"]
    res = _run(args)
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert _record(out, "a1", "P3")["df"] == 1
    assert _record(out, "a1", "P3")["reliability"] == "not_estimable"
    assert _record(out, "a1", "P1")["reliability"] == "ok"
    assert _record(out, "a1")["reliability"] == "ok"
    assert "not estimable" in res.stderr and "không tin cậy" in res.stderr
    csv = _run([*args, "--format", "csv"])
    table = pd.read_csv(pd.io.common.StringIO(csv.stdout))
    p3 = table[(table["domain"] == "province=P3") & (table["index"] == "a1")]
    assert list(p3["reliability"]) == ["not_estimable"]


def test_a_margin_file_without_total_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"channel": ["kiosk"], "count": [1]}).to_csv(bad, index=False)
    res = _run([DATA, "--items", "G=a1", *DESIGN, "--rake", f"channel={bad}"])
    assert res.exit_code == 2
    assert "total" in res.stderr and "bad.csv" in res.stderr
    assert "cần các cột channel và cột total" in res.stderr
    english = CliRunner().invoke(indices_command, [str(a) for a in [DATA, "--items", "G=a1", *DESIGN, "--rake",
                                                                  f"channel={bad}"]], env={"SIPAS_LANG": "en"})
    assert english.exit_code == 2 and "needs the columns channel and a total column" in english.stderr
    negative = tmp_path / "negative.csv"
    pd.DataFrame({"channel": ["kiosk", "paper"], "total": [5, -1]}).to_csv(negative, index=False)
    res = _run([DATA, "--items", "G=a1", *DESIGN, "--rake", f"channel={negative}"])
    assert res.exit_code == 2 and "dòng 3: tổng không hợp lệ" in res.stderr


def test_a_category_missing_from_the_margin_file_names_it(tmp_path):
    short = tmp_path / "short.csv"
    pd.DataFrame({"channel": ["kiosk", "online"], "total": [5000, 4500]}).to_csv(short, index=False)
    res = _run([DATA, "--items", "G=a1", *DESIGN, "--rake", f"channel={short}"])
    assert res.exit_code == 2
    assert "paper" in res.stderr
