"""Dossiers that cost points by desk (MaQuay): intake through the API, the file import and the kiosk; the
dashboard's table and its download; a month whose rows were purged.

October 2026, commune H26.189: Q1 and Q2 received at desk "Q01" (Q2 overdue), Q3 at "Q02" then moved by
a later event to "Q03" (overdue), Q4 without a desk, rated at the kiosk's return desk "Quầy 5" and
rated "not satisfied". By desk: Q01 2 received / 1 lost (overdue), Q03 1 / 1 (overdue), Quầy 5 1 / 1
(one bad rating: below 5, not shown). Q02 lost its only dossier to Q03.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.domain.dossiers import add_credential, import_event_file, purge_expired
from survey.models import Device, Dossier, DossierAccess, DossierRating, Role, StaffUser
from tests.dossier_fixtures import portal_units

PASSWORD = "mật-khẩu-đủ-dài"
URL = "/api/v1/dossiers/events"


def sync(code, received, due, handled, **fields):
    return {"LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": received, "MaHoSo": code, "MaTTHC": "1.001234",
            "DonViXuLy": "H26.189", "NgayTiepNhan": received, "NgayHenTra": due, "NgayKetThucXuLy": handled,
            **fields}


@pytest.fixture
def desks(client, db_session, make_unit):
    units = portal_units(db_session, make_unit)
    _credential, secret = add_credential(db_session, "Một cửa H26", units["province"])
    manager = StaffUser(login="ql26", display_name="ql26", role=Role.MANAGER, unit=units["province"])
    manager.set_password(PASSWORD)
    db_session.add_all([manager, Device(unit_id=units["commune"].id, counter_label="Quầy 5", token_hash="x" * 64)])
    db_session.commit()
    events = [
        sync("Q1", "20261001080000", "20261005170000", "20261003100000", MaQuay="Q01"),
        sync("Q2", "20261002080000", "20261006170000", "20261008100000", MaQuay="Q01"),
        sync("Q3", "20261005080000", "20261009170000", "20261012100000", MaQuay="Q02"),
        {"LoaiSuKien": "CapNhatTienDoHoSoMC", "ThoiGianSuKien": "20261006090000", "MaHoSo": "Q3",
         "DonViXuLy": "H26.189", "MaQuay": "Q03"},  # a later event: the dossier moved desk
        {"LoaiSuKien": "CapNhatTienDoHoSoMC", "ThoiGianSuKien": "20261005090000", "MaHoSo": "Q1",
         "DonViXuLy": "H26.189", "MaQuay": "Q09"},  # an earlier event than Q1's second below: ignored
        {"LoaiSuKien": "CapNhatTienDoHoSoMC", "ThoiGianSuKien": "20261005100000", "MaHoSo": "Q1",
         "DonViXuLy": "H26.189", "MaQuay": "Q01"},
        sync("Q4", "20261007080000", "20261011170000", "20261010100000"),
        sync("Q5", "20261008080000", "20261012170000", "20261010100000", MaQuay="X" * 33),
    ]
    answer = client.post(URL, data=json.dumps({"events": events}), content_type="application/json",
                         headers={"Authorization": f"Bearer {secret}", "Accept-Language": "vi"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["stored"], body["refused"]) == (7, 1)
    [refused] = [r for r in body["results"] if r["status"] == "refused"]
    assert refused["errors"] == [{"field": "MaQuay", "code": "too_long",
                                  "message": "Sự kiện 7, trường MaQuay: dài quá 32 ký tự."}]
    return units


def _login(client, login="ql26"):
    assert client.post("/staff/login", data={"login": login, "password": PASSWORD}).status_code == 302
    return client


def _kiosk_rating(client, db_session, code, desk):
    start = client.post("/dossiers/kiosk", data={"code": code, "desk": desk})
    assert start.status_code == 302, start.get_data(as_text=True)
    dossier = db_session.scalar(select(Dossier).where(Dossier.code == code))
    db_session.add(DossierRating(dossier_id=dossier.id, index_scores={"1": 0}, level="not_satisfied",
                                 channel="kiosk", rated_at=datetime(2026, 10, 10, 3, tzinfo=UTC)))
    db_session.commit()


def test_the_latest_desk_event_wins_and_a_too_long_desk_is_refused(db_session, desks):
    stored = dict(db_session.execute(select(Dossier.code, Dossier.desk_code)).all())
    assert stored == {"Q1": "Q01", "Q2": "Q01", "Q3": "Q03", "Q4": None}


def test_the_kiosk_remembers_the_officers_desk_and_never_overrides_a_posted_one(client, db_session, desks):
    _login(client)
    form = client.get("/dossiers/kiosk").get_data(as_text=True)
    assert '<option value="Quầy 5">' in form  # the unit's tablet counters are offered
    too_long = client.post("/dossiers/kiosk", data={"code": "Q4", "desk": "Q" * 40})
    assert too_long.status_code == 400 and "Mã quầy dài quá 32 ký tự." in too_long.get_data(as_text=True)
    assert db_session.scalar(select(Dossier.desk_code).where(Dossier.code == "Q4")) is None
    _kiosk_rating(client, db_session, "Q4", "Quầy 5")
    assert 'value="Quầy 5"' in client.get("/dossiers/kiosk").get_data(as_text=True)  # remembered
    _kiosk_rating(client, db_session, "Q3", "Quầy 5")
    desks_now = dict(db_session.execute(select(Dossier.code, Dossier.desk_code)).all())
    assert desks_now["Q4"] == "Quầy 5" and desks_now["Q3"] == "Q03"  # the system's desk stays
    logged = db_session.scalars(select(DossierAccess.details).where(DossierAccess.action == "rating_kiosk"))
    assert list(logged) == [{"desk": "Quầy 5"}] * 2


def test_the_dashboard_counts_lost_dossiers_by_desk_and_downloads_them(client, db_session, desks):
    _login(client)
    _kiosk_rating(client, db_session, "Q4", "Quầy 5")
    body = client.get("/staff/decision766/26?month=10/2026&lang=vi").get_data(as_text=True)
    table = body[body.index('id="lost-desk"'):]
    table = table[:table.index("</table>")]
    rows = [row for row in table.split("<tr>")[2:]]
    assert [row.split("<th scope=\"row\">")[1].split(" ")[0] for row in rows] == ["Q01", "Q03", "Quầy"]
    assert "Q02" not in table and "Q09" not in table
    assert ">2<" in rows[0] and "&lt; 5" in rows[2]  # Q01 received 2; the lone bad rating hidden
    response = client.get("/staff/decision766/26/table.csv?month=10/2026&table=desks")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="qd766-quay-26-202610.csv"'
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines == [
        ["Mã đơn vị", "Đơn vị", "Quầy (MaQuay)", "Hồ sơ tiếp nhận", "Bị trừ điểm", "Quá hạn",
         "Có phản ánh, kiến nghị", "Đánh giá «Không hài lòng»"],
        ["00189", "Xã Một", "Q01", "2", "1", "1", "0", "0"],
        ["00189", "Xã Một", "Q03", "1", "1", "1", "0", "0"],
        ["00189", "Xã Một", "Quầy 5", "1", "1", "0", "0", "< 5"],
    ]
    sheet = load_workbook(io.BytesIO(client.get(
        "/staff/decision766/26/table.xlsx?month=10/2026&table=desks").data)).active
    assert [c.value for c in sheet[2]] == ["00189", "Xã Một", "Q01", 2, 1, 1, 0, 0]
    bad = client.get("/staff/decision766/26/table.csv?month=10/2026&table=officers")
    assert bad.status_code == 400 and "Bảng “officers” không có" in bad.get_data(as_text=True)
    logged = db_session.scalars(select(DossierAccess.rows).where(DossierAccess.action == "decision766_download_desks"))
    assert list(logged) == [4, 4]  # October's four dossiers read, per download


def test_another_provinces_manager_sees_no_desk(client, db_session, desks):
    other = StaffUser(login="ql27", display_name="ql27", role=Role.MANAGER, unit=desks["other"])
    other.set_password(PASSWORD)
    db_session.add(other)
    db_session.commit()
    _login(client, "ql27")
    assert client.get("/staff/decision766/26/table.csv?month=10/2026&table=desks").status_code == 404
    assert "Q01" not in client.get("/staff/decision766/27?month=10/2026").get_data(as_text=True)


def test_a_desk_column_in_an_event_file_is_stored(db_session, desks):
    data = (b"MaHoSo,MaTTHC,DonViXuLy,ThoiGianSuKien,NgayTiepNhan,MaQuay\n"
            b"F1,1.001234,H26.189,20261020080000,20261020080000,Q07\n")
    report = import_event_file(db_session, data, "hoso.csv", source="tep", now=datetime(2026, 12, 1, tzinfo=UTC))
    assert report.ok, [p.line("hoso.csv") for p in report.problems]
    assert db_session.scalar(select(Dossier.desk_code).where(Dossier.code == "F1")) == "Q07"


def test_a_purged_month_is_said_to_be_gone_not_shown_as_zero(client, db_session, desks):
    limit = datetime(2026, 10, 31, 17, tzinfo=UTC)  # 01/11/2026 00:00 in Hà Nội
    purge_expired(db_session, 30, now=limit + timedelta(days=30))
    db_session.commit()
    _login(client)
    body = client.get("/staff/decision766/26?month=11/2026&lang=vi").get_data(as_text=True)
    trend = body[body.index('id="trend-caption"'):]
    assert "<th scope=\"row\">10/2026</th><td class=\"num\">đã xóa theo thời hạn lưu giữ</td>" in trend
    assert "<th scope=\"row\">11/2026</th><td class=\"num\">không áp dụng</td>" in trend
    october = client.get("/staff/decision766/26?month=10/2026&lang=vi").get_data(as_text=True)
    assert "Dữ liệu hồ sơ trước 01/11/2026 đã bị xóa theo thời hạn lưu giữ" in october
    assert "điểm của tháng 10/2026 không thể tính lại" in october
