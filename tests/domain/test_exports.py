"""Exports: Excel numbers with the Vietnamese percent format, CSV with BOM, SPSS/Stata with labels, HTML report."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date

import numpy as np
import pytest
from sqlalchemy import func, select

from survey.cli import main
from survey.domain.exports import PERCENT_FORMAT, ExportError, export_release
from survey.domain.releases import current_release
from survey.models import Release, ReleaseIndex, SurveyRound, Unit, UnitKind


def _release(session, prefix: str = "sipas") -> Release:
    code = f"{prefix}-{date.today().year}"
    return current_release(session, session.scalar(select(SurveyRound).where(SurveyRound.code == code)))


def _province(session, code: str) -> Unit:
    return session.scalar(
        select(Unit).where(Unit.code == code, Unit.kind == UnitKind.PROVINCE, Unit.valid_from.is_not(None))
    )


def _national(session, release, level="overall", code="overall") -> ReleaseIndex:
    return session.scalar(
        select(ReleaseIndex).where(ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id.is_(None),
                                   ReleaseIndex.level == level, ReleaseIndex.index_code == code)
    )


def test_xlsx_has_a_sheet_per_level_with_numbers_in_the_vietnamese_percent_format(demo, db_session):
    from openpyxl import load_workbook

    release = _release(db_session)
    exported = export_release(db_session, release, "xlsx")
    assert exported.filename == f"sipas-{date.today().year}-ban-{release.number}.xlsx"
    workbook = load_workbook(io.BytesIO(exported.getvalue()))
    assert workbook.sheetnames == ["Chỉ số chung", "Nhóm chỉ số", "Câu hỏi", "Thông tin"]
    sheet = workbook["Chỉ số chung"]
    header = [c.value for c in sheet[1]]
    column = header.index("Giá trị (%)") + 1
    assert sheet.cell(2, 2).value == "Toàn quốc"
    cell = sheet.cell(2, column)
    assert isinstance(cell.value, float) and cell.value == pytest.approx(_national(db_session, release).estimate)
    assert cell.number_format == PERCENT_FORMAT == '0.00" %"'
    n_rows = db_session.scalar(select(func.count()).select_from(ReleaseIndex).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.level == "overall"))
    assert sheet.max_row == n_rows + 1
    items = workbook["Câu hỏi"]
    assert items.cell(2, header.index("Mã chỉ số") + 1).value == "a1"
    about = {row[0].value: row[1].value for row in workbook["Thông tin"].iter_rows()}
    assert about["Dấu vân tay dữ liệu (SHA-256)"] == release.data_fingerprint


def test_csv_starts_with_a_bom_and_keeps_the_diacritics(demo, db_session):
    release = _release(db_session)
    content = export_release(db_session, release, "csv").getvalue()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Cấp chỉ số", "Mã đơn vị", "Đơn vị"]
    assert len(rows) - 1 == db_session.scalar(
        select(func.count()).select_from(ReleaseIndex).where(ReleaseIndex.release_id == release.id))
    names = {row[2] for row in rows[1:]}
    assert {"Toàn quốc", "Tỉnh Tuyên Quang", "Thành phố Hà Nội"} <= names
    national = rows[1]
    assert float(national[7]) == pytest.approx(_national(db_session, release).estimate, abs=1e-6)
    semicolons = export_release(db_session, release, "csv", decimal_comma=True).getvalue().decode("utf-8-sig")
    assert semicolons.splitlines()[1].split(";")[7] == national[7].replace(".", ",")


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_microdata_read_back_with_value_labels(demo, db_session, tmp_path, fmt):
    import pyreadstat

    release = _release(db_session)
    path = tmp_path / f"data.{fmt}"
    path.write_bytes(export_release(db_session, release, fmt).getvalue())
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = read(str(path))
    assert len(frame) == release.n_responses
    assert {"unit_code", "province_code", "weight", "a1", "overall", "e10"} <= set(frame.columns)
    labels = {k if k == "a" else float(k): v for k, v in meta.variable_value_labels["a1"].items()}
    not_experienced = 9.0 if fmt == "sav" else "a"  # Stata keeps the user-missing 9 as .a
    assert labels[5.0] == "Rất hài lòng" and labels[not_experienced] == "Chưa trải qua"
    assert meta.column_names_to_labels["unit_code"] == "Mã đơn vị"
    satisfied = np.isin(frame["a1"], [4, 5]).sum() / np.isin(frame["a1"], [1, 2, 3, 4, 5]).sum()
    assert 100 * satisfied == pytest.approx(_national(db_session, release, "item", "a1").estimate)

    tuyen_quang = _province(db_session, "08")
    scoped = export_release(db_session, release, fmt, unit_ids={tuyen_quang.id}).getvalue()
    path.write_bytes(scoped)
    frame, _meta = read(str(path))
    assert set(frame["unit_code"]) == {"08"} and 0 < len(frame) < release.n_responses


def test_microdata_of_a_published_release_is_its_frozen_snapshot(demo, db_session, tmp_path):
    import pyreadstat

    from survey.domain.responses import record_response
    from survey.models import Channel, Response

    release = _release(db_session, "counter")
    assert release.parameters["snapshot"]["last_response_id"] > 0
    unit = db_session.get(Unit, db_session.scalar(select(ReleaseIndex.unit_id).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id.is_not(None)).limit(1)))
    # the round is open: an answer arriving after the release is not part of it
    record_response(db_session, response_uuid=uuid.uuid4(), survey_round=release.round, unit=unit,
                    channel=Channel.COUNTER, answers={"rating": 5})
    db_session.flush()
    path = tmp_path / "data.sav"
    path.write_bytes(export_release(db_session, release, "sav").getvalue())
    frame, _meta = pyreadstat.read_sav(str(path))
    assert len(frame) == release.n_responses
    # an answer inside the release removed: the copy frozen at publication still has it
    first = db_session.scalar(select(Response).where(Response.round_id == release.round_id).order_by(Response.id))
    db_session.delete(first)
    db_session.flush()
    frame_after, _meta = pyreadstat.read_sav(str(_write(path, export_release(db_session, release, "sav"))))
    assert frame_after.equals(frame)


def _write(path, exported):
    path.write_bytes(exported.getvalue())
    return path


def test_printable_report_of_a_unit(demo, db_session):
    release = _release(db_session)
    tuyen_quang = _province(db_session, "08")
    exported = export_release(db_session, release, "html", unit=tuyen_quang)
    html = exported.getvalue().decode("utf-8")
    assert exported.filename.endswith("-08.html") and exported.mimetype.startswith("text/html")
    assert "<h1>Tỉnh Tuyên Quang</h1>" in html and "@page" in html
    row = db_session.scalar(select(ReleaseIndex).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id == tuyen_quang.id,
        ReleaseIndex.level == "overall"))
    if row.estimate is not None:
        assert f"{row.estimate:.2f}".replace(".", ",") + " %" in html
    assert re.search(r"\d+,\d\d %", html)
    national = export_release(db_session, release, "html").getvalue().decode("utf-8")
    assert "Các tỉnh, thành phố" in national and "Tỉnh Tuyên Quang" in national
    english = export_release(db_session, release, "html", lang="en").getvalue().decode("utf-8")
    assert "Index groups" in english
    with pytest.raises(ExportError, match="ngoài phạm vi"):
        export_release(db_session, release, "html", unit=tuyen_quang, unit_ids={-1})


def test_cli_computes_publishes_lists_and_exports(app, demo, db_session, tmp_path):
    runner = app.test_cli_runner()
    code = f"counter-{date.today().year}"
    result = runner.invoke(main, ["releases", "compute", "--round", code, "--ci-method", "wilson", "--publish"], obj=app)
    assert result.exit_code == 0, result.output
    assert f"({code}, số 2, đã công bố)" in result.output
    result = runner.invoke(main, ["releases", "list", "--round", code], obj=app)
    assert result.output.count(code) == 2
    release = _release(db_session, "counter")
    assert release.number == 2 and release.parameters["ci_method"] == "wilson"
    result = runner.invoke(main, ["releases", "publish", str(release.id)], obj=app)
    assert result.exit_code == 1 and "đã được công bố" in result.output
    out = tmp_path / "bao-cao.html"
    result = runner.invoke(main, ["releases", "export", str(release.id), "--format", "html", "--unit", "01",
                                  "--out", str(out)], obj=app)
    assert result.exit_code == 0, result.output
    assert "Thành phố Hà Nội" in out.read_text(encoding="utf-8")
    out = tmp_path / "ket-qua.xlsx"
    result = runner.invoke(main, ["releases", "export", str(release.id), "--format", "xlsx", "--out", str(out)],
                           obj=app)
    assert result.exit_code == 0 and out.stat().st_size > 1000
