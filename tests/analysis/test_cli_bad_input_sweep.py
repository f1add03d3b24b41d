"""Bad input files for every statistics command: a Vietnamese message naming file, column and line; never a traceback.

Each command is first run on a valid file (so the sweep is known to reach it),
then on one bad input at a time. A refusal exits non-zero through click (no
other exception escapes), names what is wrong and where, and leaves no output
file (nor a temporary one) behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "sipas_small.csv"
DESIGN = ["--weight", "wt", "--strata", "province", "--psu", "commune"]
LAST_YEAR = "stratum,population,estimate,deff\nHà Nội,500000,80,2.0\nLào Cai,60000,70,1.5\nCà Mau,120000,90,3.0\n"
AREAS = (
    "area,estimate,se,n,psu,pop\n"
    "A,70,3,200,5,1.0\nB,72,2.5,300,6,2.0\nC,65,4,150,4,1.5\nD,80,3.5,180,4,3.0\nE,75,2,400,8,2.0\n"
    "F,60,5,100,3,1.0\nG,77,0,30,1,0.5\nH,,,0,0,0.7\nI,71,,25,1,0.4\nJ,74,2.8,210,5,2.2\n"
)


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], env={"SIPAS_LANG": "vi"})


def _set_cell(text: str, line: int, column: str, value: str) -> str:
    """The CSV text with the field of ``column`` on (1-based) ``line`` replaced."""
    lines = text.splitlines()
    index = lines[0].split(",").index(column)
    fields = lines[line - 1].split(",")
    fields[index] = value
    lines[line - 1] = ",".join(fields)
    return "\n".join(lines) + "\n"


def _bad_files(good: str, number_column: str) -> dict[str, tuple[bytes, str]]:
    """Bad variants of a valid CSV text: name -> (bytes of the file, a fragment the message must hold)."""
    lines = good.splitlines()
    header = lines[0]
    return {
        "empty": (b"", "trống (không có dòng tiêu đề)"),
        "header_only": ((header + "\n").encode(), "không có dòng dữ liệu nào"),
        "binary": (bytes(range(256)) * 4, "không phải tệp văn bản CSV"),
        "utf16": (good.encode("utf-16"), "UTF-16"),
        "windows1258": (good.replace("a", "à").encode("cp1258", errors="replace"), "không phải mã UTF-8"),
        "latin1": (_set_cell(good.replace("à", "a"), 3, number_column, "é").encode("latin-1", errors="replace"),
                   "không phải mã UTF-8"),
        "longer_row": (("\n".join([*lines[:3], lines[3] + ",9,9", *lines[4:]]) + "\n").encode(), "dòng 4: có"),
        "shorter_row": (("\n".join([*lines[:3], lines[3].rsplit(",", 1)[0], *lines[4:]]) + "\n").encode(), "dòng 4: có"),
        "unclosed_quote": (_set_cell(good, 3, number_column, '"7').encode(), "dòng 3: có"),
        "text_number": (_set_cell(good, 3, number_column, "năm").encode(), "dòng 3, cột"),
        "inf_number": (_set_cell(good, 3, number_column, "inf").encode(), "số hữu hạn"),
        "json": (b'{"indices": []}\n', "là tệp JSON"),
    }


def _indices_data() -> str:
    return SMALL.read_text(encoding="utf-8")


COMMANDS = {
    "indices": (["--items", "A=a1,a2,a3", *DESIGN, "--by", "gender"], "a1"),
    "estimate": (["--mean", "a1", "--ratio", "a2/a3", *DESIGN, "--by", "gender"], "a1"),
    "plan": (["--n", "900"], "population"),
    "sae": (["--covariate", "pop"], "se"),
    "compare": (None, "se"),  # the files come from `sipas indices --format csv`
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The valid file of each command (and the BEFORE file of compare)."""
    folder = tmp_path_factory.mktemp("good")
    files = {"indices": SMALL, "estimate": SMALL}
    (folder / "plan.csv").write_text(LAST_YEAR, encoding="utf-8")
    (folder / "sae.csv").write_text(AREAS, encoding="utf-8")
    files["plan"], files["sae"] = folder / "plan.csv", folder / "sae.csv"
    for name in ("now", "before"):
        res = _invoke("indices", SMALL, *COMMANDS["indices"][0], "--format", "csv", "--out", folder / f"{name}.csv")
        assert res.exit_code == 0, res.output
    files["compare"] = folder / "now.csv"
    files["before"] = folder / "before.csv"
    return files


def _args(command: str, data: Path, inputs) -> list:
    if command == "compare":
        return ["compare", data, inputs["before"], "--labels", "2026,2025"]
    return [command, data, *COMMANDS[command][0]]


def _refused(res, out: Path, *fragments: str) -> None:
    assert res.exit_code != 0, res.output
    assert isinstance(res.exception, SystemExit), res.exc_info  # click stopped it; no other exception escaped
    assert "Traceback" not in res.output
    for fragment in fragments:
        assert fragment in res.output, res.output
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_valid_file_runs(command, inputs, tmp_path):
    out = tmp_path / "result.csv"
    res = _invoke(*_args(command, inputs[command], inputs), "--format", "csv", "--out", out)
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 0


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(_bad_files("a,b\n1,2\n3,4\n5,6\n", "b")))
def test_a_bad_file_is_refused_with_its_name_and_line(command, case, inputs, tmp_path):
    good = Path(inputs[command]).read_text(encoding="utf-8-sig")
    content, fragment = _bad_files(good, COMMANDS[command][1])[case]
    data = tmp_path / "data.csv"
    data.write_bytes(content)
    out = tmp_path / "result.csv"
    res = _invoke(*_args(command, data, inputs), "--format", "csv", "--out", out)
    _refused(res, out, str(data), fragment)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_semicolons_and_decimal_commas_as_vietnamese_excel_saves_them_give_the_same_result(command, inputs, tmp_path):
    frame = pd.read_csv(inputs[command], encoding="utf-8-sig")
    data = tmp_path / "excel.csv"
    frame.to_csv(data, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    expected = _invoke(*_args(command, inputs[command], inputs), "--format", "json")
    res = _invoke(*_args(command, data, inputs), "--format", "json")
    assert res.exit_code == 0, res.output
    assert res.output == expected.output


@pytest.mark.parametrize("command", list(COMMANDS))
def test_missing_paths_folders_and_swapped_formats(command, inputs, tmp_path):
    out = tmp_path / "result.csv"
    cases = {
        tmp_path / "none.csv": "Không tìm thấy tệp",
        tmp_path: "là một thư mục",
        tmp_path / "book.xlsx": "không phải tệp Excel (XLSX)",
        tmp_path / "book.csv": "là tệp Excel (XLSX) nhưng có đuôi '.csv'",
    }
    (tmp_path / "book.xlsx").write_bytes(Path(inputs[command]).read_bytes())
    pd.read_csv(inputs[command], encoding="utf-8-sig").to_excel(tmp_path / "real.xlsx", index=False)
    shutil.copy(tmp_path / "real.xlsx", tmp_path / "book.csv")
    for data, fragment in cases.items():
        res = _invoke(*_args(command, data, inputs), "--format", "csv", "--out", out)
        _refused(res, out, str(data), fragment)
    res = _invoke(*_args(command, tmp_path / "real.xlsx", inputs), "--format", "csv", "--out", out)
    assert res.exit_code == 0, res.output  # XLSX is read where CSV is


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_output_in_a_missing_folder_or_a_folder_is_refused_before_computing(command, inputs, tmp_path):
    for out, fragment in ((tmp_path / "no" / "result.csv", "không tồn tại"), (tmp_path, "là một thư mục")):
        res = _invoke(*_args(command, inputs[command], inputs), "--format", "csv", "--out", out)
        assert res.exit_code != 0 and isinstance(res.exception, SystemExit), res.exc_info
        assert f"--out {out}" in res.output and fragment in res.output
    assert not (tmp_path / "no").exists()


def _design_file(tmp_path, edit) -> Path:
    frame = pd.read_csv(SMALL)
    edit(frame)
    path = tmp_path / "design.csv"
    frame.to_csv(path, index=False)
    return path


def _weight(value):
    def edit(frame):
        frame["wt"] = frame["wt"].astype(object)
        frame.loc[3, "wt"] = value
    return edit


def _one_psu(frame):
    frame.loc[frame["province"] == "P1", "commune"] = "C11"


@pytest.mark.parametrize("command", ["indices", "estimate"])
@pytest.mark.parametrize(
    ("edit", "args", "fragment"),
    [
        (_weight(-5), [], "dòng 5, cột wt: trọng số '-5' không hợp lệ"),
        (_weight(0), [], "dòng 5, cột wt: trọng số '0' không hợp lệ"),
        (_weight(None), [], "dòng 5, cột wt: trọng số để trống"),
        (_weight("NaN"), [], "dòng 5, cột wt: trọng số để trống"),
        (_weight("inf"), [], "dòng 5, cột wt: 'inf' không phải là một số hữu hạn"),
        (_weight("năm"), [], "dòng 5, cột wt: 'năm' không phải là một số"),
        (_one_psu, [], "tầng P1 chỉ có một PSU"),
        (lambda frame: None, ["--weight", "wgt"], "thiếu cột 'wgt' (các cột có: province, commune"),
        (lambda frame: None, ["--by", "gendr"], "thiếu cột 'gendr'"),
    ],
)
def test_design_problems_name_the_column_and_line(command, edit, args, fragment, tmp_path):
    data = _design_file(tmp_path, edit)
    out = tmp_path / "result.json"
    res = _invoke(*_args(command, data, {}), *args, "--out", out)
    _refused(res, out, str(data), fragment)


def test_a_comparison_with_an_empty_domain_is_refused(tmp_path):
    out = tmp_path / "result.json"
    res = _invoke(*_args("indices", SMALL, {}), "--compare", "gender=F:X", "--out", out)
    _refused(res, out, "cột gender = 'X' (miền trống)")


def test_a_quoted_field_with_a_newline_is_read_as_one_field(tmp_path):
    data = tmp_path / "quoted.csv"
    data.write_text(AREAS.replace("\nA,", '\n"Phường\nA",', 1), encoding="utf-8")
    res = _invoke("sae", data, "--covariate", "pop", "--format", "json")
    assert res.exit_code == 0, res.output
    assert '"area": "Phường\\nA"' in res.output


def test_a_failed_write_keeps_the_previous_output_whole(tmp_path, monkeypatch):
    out = tmp_path / "result.json"
    out.write_text("previous", encoding="utf-8")

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", refuse)
    res = _invoke(*_args("indices", SMALL, {}), "--out", out)
    assert res.exit_code != 0 and isinstance(res.exception, SystemExit), res.exc_info
    assert "Không ghi được tệp" in res.output and "No space left on device" in res.output
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


@pytest.mark.parametrize("option", ["--rake", "--poststrat"])
@pytest.mark.parametrize("total", ["năm", "inf", "-1", ""])
def test_a_margin_total_that_is_not_a_count_names_its_file_and_line(option, total, tmp_path):
    margin = tmp_path / "margin.csv"
    margin.write_text(f"gender,total\nF,{total}\nM,900\n", encoding="utf-8")
    out = tmp_path / "result.json"
    res = _invoke(*_args("indices", SMALL, {}), option, f"gender={margin}", "--out", out)
    _refused(res, out, f"{option}: tệp {margin}, dòng 2: tổng không hợp lệ")
