"""Release exports at hand-over quality: headers by language, CSV dialects, date cells, widths, user-missing 9."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import numpy as np
import pytest
from sqlalchemy import select

from survey.domain.exports import ExportError, export_release
from survey.domain.releases import current_release
from survey.models import Release, ReleaseIndex, SurveyRound


def _release(session, prefix: str = "sipas"):
    code = f"{prefix}-{date.today().year}"
    return current_release(session, session.scalar(select(SurveyRound).where(SurveyRound.code == code)))


def test_xlsx_headers_follow_the_language_and_dates_are_date_cells(demo, db_session):
    from openpyxl import load_workbook

    release = _release(db_session)
    assert release.published_at is not None
    english = load_workbook(io.BytesIO(export_release(db_session, release, "xlsx", lang="en").getvalue()))
    assert english.sheetnames[-1] == "About"
    header = [c.value for c in english.worksheets[0][1]]
    assert "Unit code" in header and "Value (%)" in header and "Mã đơn vị" not in header
    book = load_workbook(io.BytesIO(export_release(db_session, release, "xlsx", lang="vi").getvalue()))
    about = {row[0].value: row[1] for row in book["Thông tin"].iter_rows()}
    published = about["Ngày công bố"]
    assert isinstance(published.value, datetime)  # a real date, sortable and filterable in Excel
    assert published.number_format == "dd/mm/yyyy"
    assert published.value.date() == release.published_at.date() or abs(
        (published.value.date() - release.published_at.date()).days) == 1  # local day of a UTC time
    assert about["Ngày tính"].number_format == "dd/mm/yyyy"
    sheet = book["Chỉ số chung"]
    header = [c.value for c in sheet[1]]
    names = header.index("Đơn vị")
    longest = max(len(str(sheet.cell(r, names + 1).value or "")) for r in range(2, sheet.max_row + 1))
    letter = sheet.cell(1, names + 1).column_letter
    assert sheet.column_dimensions[letter].width >= min(longest, 43)  # unit names are not cut


def test_csv_dialects_and_english_headers(demo, db_session):
    release = _release(db_session)
    standard = export_release(db_session, release, "csv", lang="en").getvalue()
    assert standard.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(standard.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Index level", "Unit code", "Unit"]
    value = rows[0].index("Value (%)")
    national = db_session.scalar(select(ReleaseIndex).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id.is_(None), ReleaseIndex.level == "overall"))
    assert float(rows[1][value]) == pytest.approx(national.estimate, abs=1e-6)
    excel = export_release(db_session, release, "csv", dialect="excel-vn").getvalue().decode("utf-8-sig")
    vn_rows = list(csv.reader(io.StringIO(excel), delimiter=";"))
    assert vn_rows[0][:3] == ["Cấp chỉ số", "Mã đơn vị", "Đơn vị"]
    assert vn_rows[1][value] == rows[1][value].replace(".", ",")
    assert export_release(db_session, release, "csv", decimal_comma=True).getvalue().decode("utf-8-sig") == excel
    with pytest.raises(ExportError, match="excel-fr"):
        export_release(db_session, release, "csv", dialect="excel-fr")


def test_sav_declares_9_user_missing(demo, db_session, tmp_path):
    import pyreadstat

    release = _release(db_session)
    path = tmp_path / "data.sav"
    path.write_bytes(export_release(db_session, release, "sav", lang="en").getvalue())
    raw, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert meta.missing_ranges["a1"] == [{"lo": 9.0, "hi": 9.0}]
    assert "e10" not in meta.missing_ranges or meta.missing_ranges["e10"] == [{"lo": 9.0, "hi": 9.0}]
    assert (raw["a1"] == 9).sum() > 0  # the demo has "not experienced" answers
    assert meta.column_names_to_labels["unit_code"] == "Unit code"
    assert meta.variable_value_labels["a1"][9.0] == "Not experienced"
    # as SPSS reads it: 9 is missing, so the mean of "satisfied" is the published index
    frame, _meta = pyreadstat.read_sav(str(path))
    assert not (frame["a1"] == 9).any()
    index = 100 * np.isin(frame["a1"], [4, 5]).sum() / frame["a1"].notna().sum()
    published = db_session.scalar(select(ReleaseIndex.estimate).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id.is_(None), ReleaseIndex.level == "item",
        ReleaseIndex.index_code == "a1"))
    assert index == pytest.approx(published)


def test_dta_declares_9_as_extended_missing(demo, db_session, tmp_path):
    import pyreadstat

    release = _release(db_session)
    path = tmp_path / "data.dta"
    path.write_bytes(export_release(db_session, release, "dta").getvalue())
    raw, meta = pyreadstat.read_dta(str(path), user_missing=True)
    assert meta.missing_user_values["a1"] == ["a"]
    assert (raw["a1"] == "a").sum() > 0 and not (raw["a1"] == 9).any()
    assert meta.variable_value_labels["a1"]["a"] == "Chưa trải qua"
    assert meta.variable_value_labels["a1"][5] == "Rất hài lòng"
    frame, _meta = pyreadstat.read_dta(str(path))
    assert frame["a1"].dropna().isin([1, 2, 3, 4, 5]).all()


def test_cli_release_conventions_and_csv_dialect(app, demo, db_session, tmp_path):
    from survey.cli import main

    runner = app.test_cli_runner()
    code = f"sipas-{date.today().year}"
    result = runner.invoke(main, ["releases", "compute", "--round", code, "--domain-df", "design",
                                  "--adjust-domain-lonely"], obj=app)
    assert result.exit_code == 0, result.output
    release = db_session.scalar(select(Release).join(SurveyRound).where(SurveyRound.code == code)
                                .order_by(Release.id.desc()).limit(1))  # the new draft
    assert release.parameters["domain_df"] == "design" and release.parameters["adjust_domain_lonely"] is True
    dfs = db_session.scalars(select(ReleaseIndex.df).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.level == "overall")).all()
    national = db_session.scalar(select(ReleaseIndex.df).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.level == "overall", ReleaseIndex.unit_id.is_(None)))
    finite = [d for d in dfs if d is not None]
    assert len(finite) > 3 and set(finite) == {national}  # every unit's interval uses the design's df
    out = tmp_path / "ket-qua.csv"
    result = runner.invoke(main, ["releases", "export", str(release.id), "--format", "csv", "--csv-dialect",
                                  "excel-vn", "--lang", "en", "--out", str(out)], obj=app)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").startswith("Index level;Unit code;Unit;")
    result = runner.invoke(main, ["releases", "compute", "--round", code, "--domain-df", "stata"], obj=app)
    assert result.exit_code == 2 and "stata" in result.output
