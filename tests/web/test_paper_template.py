"""The paper-import template files on the staff import page: links per round, XLSX and CSV downloads."""

from __future__ import annotations

import codecs
import io

from openpyxl import load_workbook
from sqlalchemy import select

from survey.models import SurveyRound


def _round(db_session, code: str) -> SurveyRound:
    return db_session.scalar(select(SurveyRound).where(SurveyRound.code == code))


def test_statisticians_download_the_templates_linked_from_the_import_page(client, demo, db_session, login_as):
    paper = _round(db_session, "sipas-2024")
    login_as("thongke")
    page = client.get("/staff/imports").get_data(as_text=True)
    xlsx_url = f"/staff/imports/rounds/{paper.id}/template.xlsx"
    assert xlsx_url in page and f"/staff/imports/rounds/{paper.id}/template.csv" in page
    assert "Tệp mẫu để nhập liệu" in page

    xlsx = client.get(xlsx_url)
    assert xlsx.status_code == 200
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx.headers["Content-Disposition"] == 'attachment; filename="mau-nhap-phieu-sipas-2024.xlsx"'
    workbook = load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames == ["Phiếu", "Mã phương án"]
    headers = [c.value for c in workbook["Phiếu"][1]]
    assert headers[:3] == ["@unit", "@form", "@date"] and "a0 – Nhìn chung, Ông/Bà hài lòng thế nào về…" in headers
    options = [[c.value for c in row] for row in workbook["Mã phương án"].iter_rows(min_row=2)]
    assert any(row[3] == 5 and row[4] == "Rất hài lòng" for row in options)

    csv = client.get(f"/staff/imports/rounds/{paper.id}/template.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.data.startswith(codecs.BOM_UTF8) and csv.data.decode("utf-8-sig").startswith("@unit,@form,@date,")


def test_templates_are_for_statisticians_and_admins_and_for_paper_rounds_only(client, demo, db_session, login_as):
    paper = _round(db_session, "sipas-2024")
    url = f"/staff/imports/rounds/{paper.id}/template.xlsx"
    assert client.get(url).status_code == 302  # to the login page
    login_as("quanly.hanoi")
    assert client.get(url).status_code == 403
    client.post("/staff/logout")
    login_as("admin")
    assert client.get(url).status_code == 200
    assert client.get(f"/staff/imports/rounds/{paper.id}/template.pdf").status_code == 404
    counter = db_session.scalar(select(SurveyRound).where(SurveyRound.code.like("counter-%")))
    assert client.get(f"/staff/imports/rounds/{counter.id}/template.csv").status_code == 404
    assert client.get("/staff/imports/rounds/999999/template.csv").status_code == 404
