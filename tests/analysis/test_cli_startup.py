"""``sipas indices`` starts without the web stack, pandas or scipy (issue 13).

Each check runs a fresh interpreter, as a statistician's shell would, and
reads which modules it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "fixtures" / "sipas_small.csv"
WEB_STACK = ("flask", "sqlalchemy", "flask_sqlalchemy", "survey.models", "survey.web", "survey.extensions")

PROBE = """
import json, sys
from survey.cli import main
try:
    main({args!r}, prog_name="sipas")
except SystemExit as stop:
    code = stop.code
else:
    code = 0
print(json.dumps({{"code": code, "modules": sorted(sys.modules)}}), file=sys.stderr)
"""


def _loaded(args: list[str]) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def _run_to_file(tmp_path: Path, args: list[str], fmt: str) -> tuple[str, set[str]]:
    """The text a successful run wrote with ``--format fmt --out FILE``, and the modules it loaded."""
    out = tmp_path / f"{args[1].rsplit('/', 1)[-1]}.out.{fmt}"
    code, modules = _loaded([*args, "--format", fmt, "--out", str(out)])
    assert code in (0, None)
    return out.read_bytes().decode("utf-8"), modules  # bytes as written: no newline translation


def _present(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_help_of_indices_loads_no_web_stack_and_no_pandas():
    code, modules = _loaded(["indices", "--help"])
    assert code == 0
    assert _present(modules, (*WEB_STACK, "pandas", "scipy", "analysis")) == []


INDICES_RUN = ["--items", "A=a1,a2,a3", "--weight", "wt", "--strata", "province", "--psu", "commune",
               "--by", "province"]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_real_indices_run_loads_no_web_stack_no_pandas_and_no_scipy(tmp_path, fmt):
    text, modules = _run_to_file(tmp_path, ["indices", str(DATA), *INDICES_RUN], fmt)
    assert text.removeprefix("\ufeff").startswith("index,level,domain,estimate" if fmt == "csv" else "{")
    # a plain CSV is read with numpy; logit intervals need neither scipy.special nor pandas
    assert _present(modules, (*WEB_STACK, "pandas", "scipy", "numpy.ma", "numpy.testing")) == []
    assert "analysis.indices" in modules  # the probe did run the command
    # start-up (issue 13, second pass): Babel (its dates, localtime and support modules cost
    # about 40 ms) and secrets (with hmac) are not loaded (the probe itself imports json)
    assert _present(modules, ("babel", "secrets", "hmac")) == []


def test_an_english_message_comes_from_the_compiled_catalogue_without_babel(tmp_path):
    # a PSU id missing in stratum 2: the English text is read from the .mo file with Python's gettext
    data = tmp_path / "no_psu.csv"
    data.write_text("province,commune,wt,a1\n1,1,1,4\n1,2,1,5\n2,,1,3\n2,4,1,4\n", encoding="utf-8")
    args = ["indices", str(data), "--items", "A=a1", "--weight", "wt", "--strata", "province", "--psu", "commune"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        capture_output=True, text=True, cwd=ROOT, check=False, env={**os.environ, "SIPAS_LANG": "en"},
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 2
    assert f"File {data}, line 4: column commune is empty (stratum 2)" in done.stderr
    assert _present(set(report["modules"]), ("babel",)) == []


def test_quotes_around_fields_are_read_without_pandas_a_comma_inside_them_with_pandas(tmp_path):
    import pandas as pd

    frame = pd.read_csv(DATA)
    r_style, with_comma = tmp_path / "r_style.csv", tmp_path / "with_comma.csv"
    frame.to_csv(r_style, index=False, quoting=1)  # every field in quotes, as R's write.csv quotes text
    frame.assign(note="a, b").to_csv(with_comma, index=False, quoting=1)
    outputs = []
    for path, pandas_needed in ((DATA, False), (r_style, False), (with_comma, True)):
        out = tmp_path / f"{path.stem}.out.csv"
        code, modules = _loaded(["indices", str(path), *INDICES_RUN, "--format", "csv", "--out", str(out)])
        assert code in (0, None)
        assert ("pandas" in modules) == pandas_needed, path
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_web_command_still_finds_its_app():
    # the lazy group still loads a command that needs the app (its module imports Flask when asked)
    code, modules = _loaded(["db", "--help"])
    assert code == 0
    assert "survey.cli.db" in modules


@pytest.mark.parametrize("command", ["plan", "sae", "compare", "estimate"])
def test_help_of_the_other_statistics_commands_is_instant_too(command):
    code, modules = _loaded([command, "--help"])
    assert code == 0
    assert _present(modules, (*WEB_STACK, "pandas", "scipy")) == []


ESTIMATE_RUN = ["--mean", "a1", "--total", "a2", "--ratio", "a1/a2", "--proportion", "gender=F",
                "--proportion", "a3=5", "--weight", "wt", "--strata", "province", "--psu", "commune",
                "--by", "channel"]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_real_estimate_run_loads_no_web_stack_no_pandas_and_no_scipy(tmp_path, fmt):
    text, modules = _run_to_file(tmp_path, ["estimate", str(DATA), *ESTIMATE_RUN], fmt)
    assert text.startswith("statistic,variable,domain,estimate" if fmt == "csv" else "{")
    assert "ratio,a1/a2,channel=kiosk," in text if fmt == "csv" else '"channel": "kiosk"' in text
    # a plain CSV read with numpy, blanks and text columns included; t intervals of whole df without scipy
    assert _present(modules, (*WEB_STACK, "pandas", "scipy")) == []
    assert "analysis.estimators" in modules


def test_estimate_gives_the_same_bytes_as_with_pandas_and_replicates_load_scipy_only_there(tmp_path):
    import pandas as pd

    with_comma = tmp_path / "with_comma.csv"
    pd.read_csv(DATA).assign(note="a, b").to_csv(with_comma, index=False, quoting=1)  # needs pandas' reader
    outputs = {}
    for path, pandas_needed in ((DATA, False), (with_comma, True)):
        for fmt in ("csv", "json"):
            text, modules = _run_to_file(tmp_path, ["estimate", str(path), *ESTIMATE_RUN], fmt)
            assert ("pandas" in modules) == pandas_needed, path
            outputs[path.stem, fmt] = text.encode("utf-8")
    assert outputs["sipas_small", "csv"] == outputs["with_comma", "csv"]
    assert outputs["sipas_small", "json"] == outputs["with_comma", "json"]
    # the CSV written without pandas is the one pandas writes from the same rows
    rows = json.loads(outputs["sipas_small", "json"])["estimates"]
    for row in rows:
        row["domain"] = None if row["domain"] is None else ", ".join(f"{k}={v}" for k, v in row["domain"].items())
    assert outputs["sipas_small", "csv"].decode("utf-8") == pd.DataFrame(rows).to_csv(index=False)
    code, modules = _loaded(["estimate", str(DATA), "--mean", "a1", "--weight", "wt", "--psu", "commune",
                             "--variance", "jk1", "--out", str(tmp_path / "jk1.json")])
    assert code in (0, None) and "scipy" in modules and "pandas" not in modules


def test_the_bench_floor_imports_what_a_csv_run_imports(tmp_path):
    """bench/indices_cli.py reports a start-up floor: a process importing FLOOR_IMPORTS and doing nothing.

    It is honest only while those are the modules a run loads: fewer would make
    the floor look lower than it is, more would hide start-up work in it.
    """
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from indices_cli import FLOOR_IMPORTS
    finally:
        sys.path.remove(str(ROOT / "bench"))
    _, run = _run_to_file(tmp_path, ["indices", str(DATA), *INDICES_RUN], "csv")
    done = subprocess.run(
        [sys.executable, "-c", FLOOR_IMPORTS + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    floor = set(json.loads(done.stderr.strip().splitlines()[-1]))
    probe_only = {"json", "json.decoder", "json.encoder", "json.scanner", "_json"}
    assert sorted((run - floor) - probe_only) == []
    assert sorted((floor - run) - probe_only) == []
