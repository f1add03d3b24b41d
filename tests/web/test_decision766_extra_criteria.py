"""A province's own rating criteria: stored with the rating, reported beside Circular 01, never in the total of 18.

The form has 12 criteria: seven asked indices, three criteria of the province's own that SIPAS reports (two
scored 2/1/0, one with a "Không rõ" answer, and a five-level question), one whose codes are not points
(not stored), the overall level; and a free-text comment (never stored). Five ratings of the commune in
November, one of the province itself (under the minimum: hidden); the numbers below are counted by hand.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.domain.dossiers import current_definition, month_ratings
from survey.domain.dossiers.rating import CHANNEL_LINK, extra_criteria, save_rating
from survey.domain.questionnaires import load_questionnaire
from survey.domain.questionnaires.store import publish
from survey.models import Dossier, DossierRating, Role, StaffUser
from tests.dossier_fixtures import portal_units

PASSWORD = "mật-khẩu-đủ-dài"
INDICES = ("chi_so_2", "chi_so_3", "chi_so_4", "chi_so_6", "chi_so_7", "chi_so_8", "chi_so_9")


def _points_item(code: str, question: str, not_known: bool = False) -> str:
    extra = '\n          - {code: 9, label: {vi: "Không rõ", en: "Not known"}}' if not_known else ""
    return f"""
      - code: {code}
        type: single
        required: true
        label: {{vi: "{question}", en: "{question} (en)"}}
        options:
          - {{code: 2, label: {{vi: "Tốt", en: "Good"}}}}
          - {{code: 1, label: {{vi: "Được", en: "Fair"}}}}
          - {{code: 0, label: {{vi: "Chưa tốt", en: "Poor"}}}}{extra}"""


FORM = f"""
id: dossier-rating-26
version: 1
languages: [vi, en]
title: {{vi: "Phiếu đánh giá hồ sơ của Tỉnh Mẫu (12 tiêu chí)", en: "Tỉnh Mẫu's rating (12 criteria)"}}
sections:
  - code: tieu_chi
    title: {{vi: "Mười hai tiêu chí", en: "Twelve criteria"}}
    items:{"".join(_points_item(code, f"Chỉ số {code[-1]}") for code in INDICES)}{
    _points_item("co_so_vat_chat", "Cơ sở vật chất nơi tiếp nhận")}{
    _points_item("phi_le_phi", "Phí, lệ phí được niêm yết", not_known=True)}
      - code: thai_do
        type: satisfaction
        required: true
        label: {{vi: "Thái độ chung của công chức", en: "Officers' attitude"}}
      - code: so_lan_den
        type: single
        required: true
        label: {{vi: "Số lần phải đến", en: "Visits"}}
        options:
          - {{code: 1, label: {{vi: "Một lần", en: "Once"}}}}
          - {{code: 2, label: {{vi: "Hai lần", en: "Twice"}}}}
          - {{code: 3, label: {{vi: "Ba lần trở lên", en: "Three or more"}}}}
      - code: muc_do_hai_long
        type: single
        required: true
        label: {{vi: "Mức độ hài lòng chung", en: "Overall"}}
        options:
          - {{code: 2, label: {{vi: "Rất hài lòng", en: "Very satisfied"}}}}
          - {{code: 1, label: {{vi: "Hài lòng", en: "Satisfied"}}}}
          - {{code: 0, label: {{vi: "Không hài lòng", en: "Not satisfied"}}}}
      - code: gop_y
        type: text
        label: {{vi: "Góp ý khác", en: "Other comments"}}
"""
# per rating of the commune: co_so_vat_chat, phi_le_phi, thai_do (five levels), so_lan_den, overall
COMMUNE = [(2, 2, 5, 1, 2), (2, 9, 3, 2, 1), (1, 9, 3, 3, 1), (0, 1, 1, 1, 0), (2, 9, 5, 1, 2)]
RATED_AT = datetime(2026, 11, 10, 3, tzinfo=UTC)


def _answers(criteria: tuple[int, int, int, int, int], comment: str = "") -> dict:
    place, fees, attitude, visits, overall = criteria
    answers = {**dict.fromkeys(INDICES, 1), "co_so_vat_chat": place, "phi_le_phi": fees, "thai_do": attitude,
               "so_lan_den": visits, "muc_do_hai_long": overall}
    return {**answers, "gop_y": comment} if comment else answers


@pytest.fixture
def rated(app, db_session, make_unit, tmp_path):
    units = portal_units(db_session, make_unit)
    path = tmp_path / "dossier-rating-26.yaml"
    path.write_text(FORM, encoding="utf-8")
    form = load_questionnaire(path)
    assert len([item for item in form.items if item.type != "text"]) == 12
    publish(db_session, form, str(path))
    definition = current_definition()
    for n, (unit, criteria) in enumerate([*((units["commune"], c) for c in COMMUNE),
                                          (units["province"], (0, 0, 1, 1, 0))]):
        dossier = Dossier(source="Một cửa", code=f"D{n}", unit_id=unit.id, portal_unit_code="H26.189",
                          received_at=datetime(2026, 11, 3, 1, tzinfo=UTC), due_at=datetime(2026, 11, 6, 10, tzinfo=UTC),
                          handled_at=datetime(2026, 11, 6, 3, tzinfo=UTC), returned=True)  # index 1 = 1, index 5 = 2
        db_session.add(dossier)
        db_session.flush()
        save_rating(db_session, dossier, form, _answers(criteria, "Tôi là Nguyễn Văn A, 0912345678" if n == 0 else ""),
                    channel=CHANNEL_LINK, definition=definition, change_hours=24, now=RATED_AT)
    manager = StaffUser(login="ql26", display_name="ql26", role=Role.MANAGER, unit_id=units["province"].id)
    manager.set_password(PASSWORD)
    db_session.add(manager)
    db_session.commit()
    app.config["DOSSIER_MIN_RATINGS"] = 4
    return units, form


def test_only_the_point_criteria_are_stored_as_points(db_session, rated):
    _units, form = rated
    assert [item.code for item in extra_criteria(form, current_definition())] == ["co_so_vat_chat", "phi_le_phi",
                                                                                 "thai_do"]
    stored = {code: scores for code, scores in db_session.execute(
        select(Dossier.code, DossierRating.extra_scores).join(DossierRating.dossier))}
    assert stored["D0"] == {"co_so_vat_chat": 2, "phi_le_phi": 2, "thai_do": 2}  # no comment, no visits
    assert stored["D1"] == {"co_so_vat_chat": 2, "thai_do": 1}  # "Không rõ" left out; "Bình thường" is satisfied
    assert stored["D3"] == {"co_so_vat_chat": 0, "phi_le_phi": 1, "thai_do": 0}


def test_the_report_counts_each_criterion_apart_from_the_total(db_session, rated):
    units, _form = rated
    report = month_ratings(db_session, 2026, 11)
    commune = [unit.id for unit in report.units].index(units["commune"].id)
    assert float(report.report.total_mean[commune]) == 10.0  # 7 asked indices at 1 + index 1 (1) + index 5 (2)
    assert list(report.extras) == ["co_so_vat_chat", "phi_le_phi", "thai_do"]
    place, fees, attitude = report.extras.values()
    assert (int(place.answered[commune]), float(place.mean[commune])) == (5, 1.4)  # (2+2+1+0+2)/5
    assert [round(float(v), 4) for v in place.level_share[commune]] == [0.6, 0.2, 0.2]
    assert (int(fees.answered[commune]), float(fees.mean[commune])) == (2, 1.5)
    assert (int(attitude.answered[commune]), float(attitude.mean[commune])) == (5, 1.2)  # 5,3,3,1,5 -> 2,1,1,0,2
    assert [round(float(v), 4) for v in attitude.level_share[commune]] == [0.4, 0.4, 0.2]


def _login(client):
    assert client.post("/staff/login", data={"login": "ql26", "password": PASSWORD}).status_code == 302


def test_the_page_shows_the_criteria_marked_outside_the_total(client, rated):
    _login(client)
    page = client.get("/staff/decision766/26?month=11/2026&lang=vi")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("không tính vào tổng 18 điểm") >= 3  # each criterion's heading, and the legend
    assert "Cơ sở vật chất nơi tiếp nhận" in html and "Thái độ chung của công chức" in html
    assert "Số lần phải đến" not in html and "Nguyễn Văn A" not in html
    assert "1,40" in html and "1,20" in html
    assert "Dưới 4 câu trả lời" in html  # phi_le_phi: two answers in the commune
    assert "table=circular01" in html


def test_the_circular01_downloads_have_the_criteria_columns(client, rated):
    _login(client)
    response = client.get("/staff/decision766/26/table.csv?month=11/2026&table=circular01&lang=vi")
    assert response.status_code == 200
    assert 'filename="qd766-tt01-26-202611.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    assert "Cơ sở vật chất nơi tiếp nhận: điểm trung bình (không tính vào tổng 18 điểm)" in header
    commune = next(row for row in rows[1:] if row[0] == "00189")
    other = next(row for row in rows[1:] if row[0] == "26")
    cell = dict(zip(header, commune, strict=True))
    assert cell["Lượt đánh giá"] == "5" and float(cell["Tổng (trên 18)"]) == 10.0
    assert float(cell["Cơ sở vật chất nơi tiếp nhận: điểm trung bình (không tính vào tổng 18 điểm)"]) == 1.4
    assert float(cell["Thái độ chung của công chức: Rất hài lòng (%) (không tính vào tổng 18 điểm)"]) == 40.0
    assert cell["Phí, lệ phí được niêm yết: điểm trung bình (không tính vào tổng 18 điểm)"] == ""  # 2 answers < 4
    assert other[2] == "1" and set(other[3:]) == {"", "Dưới 4 lượt đánh giá: không hiển thị"}  # count only

    xlsx = client.get("/staff/decision766/26/table.xlsx?month=11/2026&table=circular01&lang=vi")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    column = values[0].index("Thái độ chung của công chức: điểm trung bình (không tính vào tổng 18 điểm)")
    assert [row[column] for row in values[1:] if row[0] == "00189"] == [1.2]
    assert client.get("/staff/decision766/26/table.csv?month=11/2026&table=x&lang=vi").status_code == 400
