"""The Decision 766 page: numbers computed by hand from posted dossiers, scope, hidden small cells, access log.

October 2026. Commune H26.189 (Xã Một): 8 dossiers received, of which C2 overdue, C3 drew a PAKN and
C4 was rated "not satisfied": 5/8 = 62,50 % → 6 × 0,625 / 0,9 = 4,17 points. Province H26 (Tỉnh Mẫu)
itself: 3/3 on time → 6,00. The province's scope: 8/11 = 72,73 % → 4,85 points. One PAKN (about C3),
handled in 2 working days with no dislike: 5.2 and 5.3 at 1/1 → 6,00 each; group of the scope
6 + 6 + 4,85 = 16,85 of 18.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.domain.dossiers import intake_events
from survey.models import Dossier, DossierAccess, DossierRating, Procedure, Role, StaffUser
from tests.dossier_fixtures import portal_units

PASSWORD = "mật-khẩu-đủ-dài"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def sync(code, unit, procedure, received, due, handled):
    return {"LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": received, "MaHoSo": code, "MaTTHC": procedure,
            "DonViXuLy": unit, "KenhThucHien": 1, "NgayTiepNhan": received, "NgayHenTra": due,
            "NgayKetThucXuLy": handled}


EVENTS = [
    sync("C1", "H26.189", "1.001234", "20261001080000", "20261005170000", "20261003100000"),
    sync("C2", "H26.189", "1.001234", "20261002080000", "20261006170000", "20261008100000"),  # overdue
    sync("C3", "H26.189", "1.004567", "20261005080000", "20261009170000", "20261007100000"),  # PAKN below
    sync("C4", "H26.189", "1.001234", "20261006080000", "20261010170000", "20261008100000"),  # rated badly
    *[sync(f"C{n}", "H26.189", "1.004567", f"202610{n + 10}080000", f"202610{n + 14}170000",
           f"202610{n + 12}100000") for n in range(5, 9)],
    *[sync(f"P{n}", "H26", "1.009999", f"202610{n + 10}080000", f"202610{n + 14}170000",
           f"202610{n + 11}100000") for n in range(1, 4)],
    sync("P4", "H26", "1.009999", "20260930080000", "20261002170000", "20261009100000"),  # September: not counted
    {"LoaiSuKien": "PAKN", "ThoiGianSuKien": "20261008090000", "MaPAKN": "PAKN-1", "DonViXuLy": "H26.189",
     "MaHoSo": "C3", "NgayTiepNhan": "20261008090000", "NgayKetThucXuLy": "20261010090000"},
]
# Circular 01 ratings: (dossier, score of every index, except index 9 when given, level)
RATINGS = [("C1", 2, None, "very_satisfied"), ("C5", 2, None, "very_satisfied"), ("C6", 1, None, "satisfied"),
           ("C7", 2, 0, "satisfied"), ("C4", 0, None, "not_satisfied"), ("P1", 2, None, "satisfied"),
           ("P2", 1, None, "satisfied")]


@pytest.fixture
def dossiers(db_session, make_unit):
    units = portal_units(db_session, make_unit)
    db_session.add_all([Procedure(code="1.001234", name="Đăng ký khai sinh"),
                        Procedure(code="1.004567", name="Chứng thực bản sao")])
    report = intake_events(db_session, EVENTS, source="motcua-h26", now=NOW)
    assert report.refused == 0, report.errors
    ids = dict(db_session.execute(select(Dossier.code, Dossier.id)).all())
    for code, score, ninth, level in RATINGS:
        scores = {str(i): score for i in range(1, 10)}
        if ninth is not None:
            scores["9"] = ninth
        db_session.add(DossierRating(dossier_id=ids[code], index_scores=scores, level=level, channel="link",
                                     rated_at=datetime(2026, 10, 20, 3, tzinfo=UTC)))
    users = {}
    for login, role, unit in (("tk", Role.STATISTICIAN, None), ("ql26", Role.MANAGER, units["province"]),
                              ("ql27", Role.MANAGER, units["other"])):
        user = StaffUser(login=login, display_name=login, role=role, unit=unit)
        user.set_password(PASSWORD)
        db_session.add(user)
        users[login] = user
    db_session.commit()
    return {**units, "users": users}


def _login(client, login):
    response = client.post("/staff/login", data={"login": login, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _row(body: str, label: str) -> str:
    """The text of the table row whose header holds ``label``."""
    start = body.index(label)
    return body[body.rindex("<tr", 0, start):body.index("</tr>", start)]


def _cells(row: str) -> list[str]:
    """The text of the data cells of a table row."""
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


def test_the_scores_of_a_province_and_its_commune_are_the_hand_computed_ones(client, dossiers):
    body = _login(client, "tk").get("/staff/decision766/26?month=10/2026&lang=vi").get_data(as_text=True)
    commune = _row(body, "Xã Một")
    assert "5 / 8" in commune and "62,50 %" in commune and "4,17" in commune
    assert "1 / 1" in commune and "100,00 %" in commune and "16,17" in commune  # 6 + 6 + 4,17
    province = _row(body, ">Tỉnh Mẫu<")
    assert "3 / 3" in province and "6,00" in province and "không áp dụng" in province  # no PAKN: 5.2/5.3 n/a
    total = _row(body, "Tổng phạm vi")
    assert "8 / 11" in total and "72,73 %" in total and "4,85" in total and "16,85" in total
    assert "16,85 / 18,00" in body  # the headline
    assert "Chỉ số hài lòng SIPAS" in body and "Chưa có bản kết quả được công bố." in body


def test_points_lost_by_procedure_name_and_by_unit_hide_a_lone_bad_rating(client, dossiers):
    body = _login(client, "tk").get("/staff/decision766/26?month=10/2026").get_data(as_text=True)
    birth = _row(body, "Đăng ký khai sinh")
    # C1, C2, C4 received; C2 overdue, C4 rated badly: 2 cost points; one bad rating is below 5, not shown
    assert _cells(birth) == ["3", "2", "1", "0", "&lt; 5"]
    copies = _row(body, "Chứng thực bản sao")
    assert "1.004567" in copies and ">5<" in copies  # C3, C5–C8 received; C3 drew the PAKN
    by_unit = body[body.index('id="lost-unit"'):]
    assert "00189" in by_unit and "Xã Một" in by_unit and "Tỉnh Mẫu" not in by_unit.split("</table>")[0]


def test_circular_01_report_and_units_with_too_few_ratings_hidden(client, dossiers):
    body = _login(client, "tk").get("/staff/decision766/26?month=10/2026").get_data(as_text=True)
    report = body[body.index('id="h-circular"'):]
    commune = _row(report, "Xã Một")
    # totals 18, 18, 9, 16, 0 → 12,20 of 18, band "Đạt"; index 1: 2,2,1,2,0 → 1,40; index 9: 2,2,1,0,0 → 1,00
    assert "12,20" in commune and "Đạt" in commune and "1,40" in commune and "1,00" in commune
    assert commune.count("40,00 %") == 2 and "20,00 %" in commune
    province = _row(report, "Tỉnh Mẫu")
    assert "Dưới 5 lượt đánh giá: không hiển thị" in province and ",00" not in province


def test_a_manager_of_another_province_gets_404_and_their_own_is_redirected(client, dossiers):
    other = _login(client, "ql27")
    for url in ("/staff/decision766/26", "/staff/decision766/00189", "/staff/decision766/26/table.csv",
                "/staff/decision766/table.csv"):
        assert other.get(url).status_code == 404, url
    client.post("/staff/logout")
    own = _login(client, "ql26")
    response = own.get("/staff/decision766/?month=10/2026")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/decision766/26?month=10/2026")
    assert own.get("/staff/decision766/00189?month=10/2026").status_code == 200


def test_each_view_writes_the_access_log(client, db_session, dossiers):
    _login(client, "ql26").get("/staff/decision766/26?month=10/2026")
    entry = db_session.scalar(select(DossierAccess).where(DossierAccess.action == "decision766_page"))
    assert entry.user_id == dossiers["users"]["ql26"].id and entry.actor == "ql26"
    assert entry.rows == 11 + 7  # October's dossiers and ratings in the scope
    assert entry.details == {"month": "2026-10", "unit": "26"}


def test_a_bad_or_future_month_is_refused_in_vietnamese(client, dossiers):
    staff = _login(client, "tk")
    response = staff.get("/staff/decision766/26?month=13/2026")
    assert response.status_code == 400
    assert "Tháng “13/2026” không đúng; hãy ghi tháng/năm dạng mm/yyyy" in response.get_data(as_text=True)
    response = staff.get("/staff/decision766/26?month=01/2099")
    assert response.status_code == 400 and "Tháng 01/2099 chưa đến" in response.get_data(as_text=True)
    assert staff.get("/staff/decision766/26/table.csv?month=abc").status_code == 400


def test_a_month_without_dossiers_is_not_applicable(client, dossiers):
    body = _login(client, "tk").get("/staff/decision766/00189?month=08/2026").get_data(as_text=True)
    commune = _row(body[body.index('id="h-units"'):], "Xã Một")
    assert "0 / 0" in commune and "không áp dụng" in commune
    assert "Không có hồ sơ nào bị trừ điểm trong tháng này." in body


def test_the_table_downloads_as_csv_and_xlsx(client, db_session, dossiers):
    staff = _login(client, "tk")
    response = staff.get("/staff/decision766/26/table.csv?month=10/2026")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["Mã đơn vị", "Đơn vị", "5.4 tử số", "5.4 mẫu số", "5.4 tỷ lệ (%)", "5.4 điểm"]
    assert rows[-1][:6] == ["", "Tổng phạm vi", "8", "11", "72.73", "4.85"] and rows[-1][-2:] == ["16.85", "18"]
    commune = next(row for row in rows if row[0] == "00189")
    assert commune[2:10] == ["5", "8", "62.5", "4.17", "1", "1", "100", "6"]
    excel = staff.get("/staff/decision766/26/table.csv?month=10/2026&dialect=excel-vn").get_data(as_text=True)
    assert ";8;11;72,73;4,85;" in excel
    workbook = load_workbook(io.BytesIO(staff.get("/staff/decision766/26/table.xlsx?month=10/2026").data))
    sheet = workbook.active
    last = [cell.value for cell in sheet[sheet.max_row]]
    assert last[1:6] == ["Tổng phạm vi", 8, 11, 72.73, 4.85] and sheet.cell(sheet.max_row, 5).number_format == '0.00" %"'
    logged = db_session.scalars(select(DossierAccess.rows).where(DossierAccess.action == "decision766_download"))
    assert list(logged) == [11 + 1] * 3  # October's dossiers and PAKN in the scope, once per download


def test_indicator_level_and_band_names_follow_the_page_language(client, dossiers):
    staff = _login(client, "tk")
    english = staff.get("/staff/decision766/26?month=10/2026&lang=en").get_data(as_text=True)
    assert "5.4 Satisfaction with receiving and handling dossiers" in english
    assert ">Very satisfied<" in english and ">Acceptable<" in english  # the commune's band (12,20 of 18)
    assert "tiếp nhận, giải quyết hồ sơ" not in english
    vietnamese = staff.get("/staff/decision766/26?month=10/2026&lang=vi").get_data(as_text=True)
    assert "5.4 Mức độ hài lòng trong tiếp nhận, giải quyết hồ sơ" in vietnamese and ">Đạt<" in vietnamese
