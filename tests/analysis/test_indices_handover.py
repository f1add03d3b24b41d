"""``sipas indices --format csv|xlsx --lang vi|en --csv-dialect``: files a ministry can be handed (issue 13)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from survey.cli import main

DATA = Path(__file__).parent / "fixtures" / "sipas_small.csv"
RUN = ["indices", DATA, "--items", "A=a1,a2,a3", "--weight", "wt", "--strata", "province",
       "--psu", "commune", "--by", "gender", "--compare", "gender=F:M"]


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], env={"SIPAS_LANG": "vi"})


@pytest.fixture(scope="module")
def reference():
    res = _invoke(*RUN, "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_xlsx_in_vietnamese_has_percent_cells_and_readable_columns(tmp_path, reference):
    out = tmp_path / "chi-so.xlsx"
    assert _invoke(*RUN, "--format", "xlsx", "--out", out, "--lang", "vi").exit_code == 0
    book = load_workbook(out)
    assert book.sheetnames == ["Chỉ số", "So sánh", "Thông tin"]
    sheet = book["Chỉ số"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Mã chỉ số", "Cấp chỉ số", "Miền ước lượng"]
    col = {name: j for j, name in enumerate(header)}
    assert "Giá trị (%)" in col and "Cận dưới khoảng tin cậy (%)" in col and "Số phiếu hợp lệ" in col
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(reference["indices"])
    first, want = rows[0], reference["indices"][0]
    assert first[col["Giá trị (%)"]].value == pytest.approx(want["estimate"])
    assert first[col["Giá trị (%)"]].number_format == '0.00" %"'
    assert first[col["Cận dưới khoảng tin cậy (%)"]].number_format == '0.00" %"'
    assert first[col["Cận trên khoảng tin cậy (%)"]].value == pytest.approx(want["ci_high"])
    assert first[col["Sai số chuẩn (điểm %)"]].number_format == "0.00"
    assert first[col["Số phiếu hợp lệ"]].value == want["n"]
    assert first[col["Số phiếu hợp lệ"]].number_format == "#,##0"
    assert first[col["Độ tin cậy của ước lượng"]].value == "Ước lượng được"
    assert rows[5][col["Miền ước lượng"]].value == "gender=F"
    # every column at least as wide as its header, so nothing is cut when opened
    for j, name in enumerate(header):
        letter = sheet.cell(row=1, column=j + 1).column_letter
        assert sheet.column_dimensions[letter].width >= min(len(name), 43)
    comparisons = list(book["So sánh"].iter_rows(min_row=2, values_only=True))
    assert len(comparisons) == len(reference["comparisons"])
    about = dict(book["Thông tin"].iter_rows(values_only=True))
    assert about["Mức tin cậy"] == 0.95 and about["--by"] == "gender"


def test_xlsx_in_english(tmp_path):
    out = tmp_path / "indices.xlsx"
    assert _invoke(*RUN, "--format", "xlsx", "--out", out, "--lang", "en").exit_code == 0
    book = load_workbook(out)
    assert book.sheetnames == ["Index", "Comparisons", "About"]
    header = [c.value for c in book["Index"][1]]
    assert header[:4] == ["Index code", "Index level", "Domain", "Statistic"]
    assert "Value (%)" in header and "Reliability of the estimate" in header


def test_csv_for_vietnamese_excel(tmp_path, reference):
    out = tmp_path / "chi-so.csv"
    res = _invoke(*RUN, "--format", "csv", "--out", out, "--lang", "vi", "--csv-dialect", "excel-vn")
    assert res.exit_code == 0, res.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=";"))
    assert rows[0][:2] == ["Mã chỉ số", "Cấp chỉ số"]
    col = {name: j for j, name in enumerate(rows[0])}
    want = reference["indices"][0]
    estimate = rows[1][col["Giá trị (%)"]]
    assert "," in estimate and "." not in estimate
    assert float(estimate.replace(",", ".")) == pytest.approx(want["estimate"], abs=1e-6)
    assert float(rows[1][col["Cận dưới khoảng tin cậy (%)"]].replace(",", ".")) == pytest.approx(want["ci_low"], abs=1e-6)
    assert rows[1][col["Bậc tự do"]] == str(want["df"])
    blank = rows.index([])  # the comparisons follow after a blank line
    assert rows[blank + 1][:4] == ["Mã chỉ số", "Cấp chỉ số", "Miền A", "Miền B"]
    assert len(rows) - blank - 2 == len(reference["comparisons"]) + (rows[-1] == [])


def test_csv_in_english_with_commas(tmp_path):
    out = tmp_path / "indices.csv"
    assert _invoke(*RUN, "--format", "csv", "--out", out, "--lang", "en").exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("Index code,Index level,Domain,Statistic,Answer code,Value (%),")
    assert ";" not in text.splitlines()[1]


def test_machine_csv_keeps_the_json_keys_and_gets_a_bom_in_a_file(tmp_path):
    out = tmp_path / "indices.csv"
    assert _invoke(*RUN, "--format", "csv", "--out", out).exit_code == 0
    assert out.read_bytes().startswith("\ufeffindex,level,domain,estimate".encode())
    screen = _invoke(*RUN, "--format", "csv")
    assert screen.output.startswith("index,level,domain,estimate")  # no BOM on a terminal


def test_compare_reads_the_handed_over_files(tmp_path):
    base = ["indices", DATA, "--items", "A=a1,a2,a3", "--weight", "wt", "--strata", "province",
            "--psu", "commune", "--by", "province", "--format", "csv"]
    plain, vn, en = tmp_path / "plain.csv", tmp_path / "vn.csv", tmp_path / "en.csv"
    assert _invoke(*base, "--out", plain).exit_code == 0
    assert _invoke(*base, "--out", vn, "--lang", "vi", "--csv-dialect", "excel-vn").exit_code == 0
    assert _invoke(*base, "--out", en, "--lang", "en").exit_code == 0
    results = []
    for now in (plain, vn, en):
        res = _invoke("compare", now, plain, "--format", "json")
        assert res.exit_code == 0, res.output
        results.append(json.loads(res.output)["rows"])
    assert len(results[0]) == len(results[1]) == len(results[2]) > 5
    for a, b in zip(results[0], results[1], strict=True):
        assert (a["index"], a["domain"]) == (b["index"], b["domain"])
        assert b["difference"] == pytest.approx(0, abs=1e-5)


def test_unknown_dialect_is_refused():
    res = _invoke(*RUN, "--format", "csv", "--csv-dialect", "excel-fr")
    assert res.exit_code == 2 and "excel-fr" in res.output
