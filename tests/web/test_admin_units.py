"""Admin pages for units: the list with filters, a unit's lineage, importing the list, merges, splits, renames."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from survey.domain.units import find_unit, seed_provinces
from survey.models import AuditEntry, LineageKind, Role, StaffUser, Unit

PASSWORD = "mật-khẩu-thử-nghiệm"
WARDS = """Mã,Tên,Cấp,Mã cấp trên,Hiệu lực từ
00004,Phường Ba Đình,Phường,01,01/07/2025
00008,Phường Ngọc Hà,Phường,01,01/07/2025
00070,Phường Hoàn Kiếm,Phường,01,01/07/2025
"""


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def _units(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Unit))


@pytest.fixture
def admin(client, db_session):
    """An empty install with the provinces, an admin (logged in) and a statistician."""
    seed_provinces(db_session)
    for login, role in (("quantri", Role.ADMIN), ("thongke", Role.STATISTICIAN)):
        user = StaffUser(login=login, display_name=login, role=role)
        user.set_password(PASSWORD)
        db_session.add(user)
    db_session.commit()
    assert client.post("/staff/login", data={"login": "quantri", "password": PASSWORD}).status_code == 302
    return client


def _upload(client, text: str, name: str = "phuong.csv"):
    return client.post("/admin/units/import", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_import_page_checks_first_then_saves(admin, db_session):
    before = _units(db_session)
    preview = _upload(admin, WARDS)
    text = _text(preview)
    assert preview.status_code == 200
    assert "3 dòng: sẽ tạo 3, cập nhật 0, giữ nguyên 0 đơn vị; 0 liên kết sắp xếp mới." in text
    assert _units(db_session) == before  # nothing stored by the check
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', text).group(1)
    saved = admin.post("/admin/units/import", data={"payload": payload, "filename": "phuong.csv", "sheet": "", "basis": ""})
    assert saved.status_code == 302 and saved.headers["Location"].startswith("/admin/units")
    assert _units(db_session) == before + 3
    assert find_unit(db_session, "00070").parent.name == "Thành phố Hà Nội"
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "units.import",
                                                       AuditEntry.target == "phuong.csv"))
    assert entry.user.login == "quantri" and entry.details["created"] == 3
    listed = _text(admin.get(saved.headers["Location"]))
    assert "Đã nhập phuong.csv: tạo 3, cập nhật 0, giữ nguyên 0 đơn vị" in listed
    again = _text(_upload(admin, WARDS))
    assert "không có gì thay đổi" in again and 'name="payload"' not in again


def test_import_page_lists_every_problem_and_stores_nothing(admin, db_session):
    before = _units(db_session)
    page = _upload(admin, WARDS + "4,Phường Bốn,Phường,1,01/07/2025\nQ1,Quầy 1,Quầy,08,2025-13-01\n")
    text = _text(page)
    assert page.status_code == 200 and 'name="payload"' not in text
    assert "<td>5</td><td>A (Mã)</td><td>Mã 4 thiếu số 0 ở đầu; có phải là 00004?" in text
    assert "<td>5</td><td>D (Mã cấp trên)</td><td>Không có đơn vị nào mang mã 1; có phải là 01?" in text
    assert "<td>6</td><td>D (Mã cấp trên)</td><td>Quầy không thể trực thuộc tỉnh, thành phố 08" in text
    assert "Ngày &#34;2025-13-01&#34; không hợp lệ" in text or "Ngày &quot;2025-13-01&quot; không hợp lệ" in text
    assert _units(db_session) == before
    assert admin.post("/admin/units/import", data={}).status_code == 400


def test_units_list_filters_by_level_parent_day_and_search(admin, db_session):
    _upload(admin, WARDS)
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', _text(_upload(admin, WARDS))).group(1)
    admin.post("/admin/units/import", data={"payload": payload, "filename": "phuong.csv"})
    wards = _text(admin.get("/admin/units?level=commune&parent=01"))
    assert "3 đơn vị." in wards and "Phường Ba Đình" in wards and "Tỉnh Tuyên Quang" not in wards
    assert ">Tỉnh Hà Giang</a>" in _text(admin.get("/admin/units?on=2024-06-01&level=province"))
    assert ">Tỉnh Hà Giang</a>" not in _text(admin.get("/admin/units?level=province"))  # only as a predecessor
    found = _text(admin.get("/admin/units?q=Hoàn&on=all"))
    assert "1 đơn vị." in found and "Phường Hoàn Kiếm" in found
    all_periods = _text(admin.get("/admin/units?on=all"))
    assert "100 đơn vị." in all_periods and "Trang 1 / 2" in all_periods
    assert "Thành phố Hà Nội" not in _text(admin.get("/admin/units?on=all&page=2&level=province"))  # sorted by code


def test_unit_page_shows_period_parent_children_and_lineage(admin, db_session):
    tuyen_quang = find_unit(db_session, "08")
    ha_giang = find_unit(db_session, "02", date(2024, 1, 1))
    page = _text(admin.get(f"/admin/units/{tuyen_quang.id}"))
    assert "Hiệu lực: 01/07/2025 – …" in page and "Hình thành từ" in page
    assert f'href="/admin/units/{ha_giang.id}">Tỉnh Hà Giang</a> (02) · sáp nhập · từ 01/07/2025 · Nghị quyết 202/2025/QH15' in page
    old = _text(admin.get(f"/admin/units/{ha_giang.id}"))
    assert "Đơn vị kế thừa" in old and "Tỉnh Tuyên Quang</a> (08)" in old and "không có hiệu lực hôm nay" in old
    assert "/merge" not in old  # an ended unit has no change forms


def test_rename_merge_and_split_forms_record_lineage_with_audit(admin, db_session):
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', _text(_upload(admin, WARDS))).group(1)
    admin.post("/admin/units/import", data={"payload": payload, "filename": "phuong.csv"})
    ba_dinh, hoan_kiem = find_unit(db_session, "00004"), find_unit(db_session, "00070")
    assert admin.get(f"/admin/units/{ba_dinh.id}/rename").status_code == 200

    renamed = admin.post(f"/admin/units/{hoan_kiem.id}/rename",
                         data={"name": "Phường Hoàn Kiếm mới", "on": "2026-01-01", "basis": "NQ 1/2026"})
    assert renamed.status_code == 302
    db_session.expire_all()
    new = find_unit(db_session, "00070", date(2026, 1, 1))
    assert new.name == "Phường Hoàn Kiếm mới" and new.predecessor_links[0].kind == LineageKind.RENAME
    assert renamed.headers["Location"] == f"/admin/units/{new.id}"

    merged = admin.post(f"/admin/units/{ba_dinh.id}/merge",
                        data={"others": "00008", "into": "00010", "name": "Phường Ba Đình mới", "on": "2026-01-01"})
    assert merged.status_code == 302, _text(merged)
    db_session.expire_all()
    new_ba_dinh = find_unit(db_session, "00010", date(2026, 1, 1))
    assert sorted(u.code for u in new_ba_dinh.predecessors) == ["00004", "00008"]

    split = admin.post(f"/admin/units/{new_ba_dinh.id}/split",
                       data={"into": "00011=Phường Một\r\n00012=Phường Hai\r\n", "on": "2026-06-01"})
    assert split.status_code == 302
    db_session.expire_all()
    assert [u.code for u in find_unit(db_session, "00010", date(2026, 1, 1)).successors] == ["00011", "00012"]
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.user_id.is_not(None),
                                                                 AuditEntry.action.like("units.%"))).all()
    assert sorted(actions) == ["units.import", "units.merge", "units.rename", "units.split"]


def test_a_change_that_does_not_fit_is_refused_with_its_reason(admin, db_session):
    tuyen_quang = find_unit(db_session, "08")
    early = admin.post(f"/admin/units/{tuyen_quang.id}/rename", data={"name": "Tỉnh Mới", "on": "2025-07-01"})
    assert early.status_code == 400
    assert "Đơn vị 08 có hiệu lực từ 01/07/2025; ngày thay đổi phải sau ngày đó." in _text(early)
    taken = admin.post(f"/admin/units/{tuyen_quang.id}/merge", data={"into": "01=Trùng", "on": "2026-01-01"})
    assert taken.status_code == 400 and "Mã 01 đang được dùng cho Thành phố Hà Nội" in _text(taken)
    missing = admin.post(f"/admin/units/{tuyen_quang.id}/split", data={"into": "", "on": "2026-01-01"})
    assert missing.status_code == 400
    db_session.expire_all()
    assert find_unit(db_session, "08").valid_to is None


def test_unit_administration_is_for_admins_only(admin, client, db_session):
    unit = find_unit(db_session, "08")
    client.post("/staff/logout")
    assert client.get("/admin/units/import").status_code == 302
    client.post("/staff/login", data={"login": "thongke", "password": PASSWORD})
    for url in ("/admin/units", "/admin/units/import", f"/admin/units/{unit.id}/rename"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/units/{unit.id}/rename", data={"name": "X", "on": "2026-01-01"}).status_code == 403
    assert find_unit(db_session, "08").name == "Tỉnh Tuyên Quang"
