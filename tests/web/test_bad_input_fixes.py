"""The bad input the sweep (test_bad_input_sweep.py) found answered with a 500 or stored: each now a clear refusal."""

from __future__ import annotations

import codecs
import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from survey.domain.dossiers import add_credential
from survey.domain.paper_import import ImportFileError
from survey.domain.paper_import.reading import read_table
from survey.models import AuditEntry, Dossier, DossierEvent, Role, StaffUser, Unit, UnitKind

PASSWORD = "mat-khau-thu"
NUL_MESSAGE = "Dữ liệu gửi lên có ký tự NUL (mã 0) không hợp lệ; hãy xoá ký tự đó rồi gửi lại."
HUGE = "99999999999999999999"


def _text(answer) -> str:
    return re.sub(r"\s+", " ", answer.get_data(as_text=True))


def _count(db_session, model) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def install(db_session):
    """A province and a commune of it, an admin and a statistician, a one-stop-shop system of the province."""
    province = Unit(code="01", name="Thành phố Hà Nội", kind=UnitKind.PROVINCE, valid_from=date(2025, 7, 1))
    commune = Unit(code="00004", name="Phường Ba Đình", kind=UnitKind.COMMUNE, parent=province,
                   valid_from=date(2025, 7, 1))
    db_session.add_all([province, commune])
    for login, role in (("quantri", Role.ADMIN), ("thongke", Role.STATISTICIAN)):
        user = StaffUser(login=login, display_name=login, role=role)
        user.set_password(PASSWORD)
        db_session.add(user)
    _credential, secret = add_credential(db_session, "Một cửa H01", province)
    db_session.commit()
    return {"commune": commune, "system": secret}


def _signed_in(app, login: str):
    client = app.test_client()
    assert client.post("/staff/login", data={"login": login, "password": PASSWORD}).status_code == 302
    return client


def test_a_nul_character_in_a_form_field_is_refused_and_nothing_is_written_down(app, client, db_session, install):
    # Before: a login "a\x00b" wrote a login_failed audit entry holding the NUL (a 500 on PostgreSQL).
    before = _count(db_session, AuditEntry)
    answer = client.post("/staff/login", data={"login": "quan\x00tri", "password": PASSWORD})
    assert answer.status_code == 400
    assert '<html lang="vi"' in _text(answer) and NUL_MESSAGE in _text(answer)
    assert _count(db_session, AuditEntry) == before
    english = client.post("/staff/login?lang=en", data={"login": "x\x00", "password": "y"})
    assert english.status_code == 400 and "contains a NUL character" in _text(english)
    assert client.get("/staff/login").status_code == 200  # no one was signed in, nothing broke


def test_a_nul_character_in_the_query_is_a_400_page_or_the_json_error(client, install):
    page = client.get("/staff/login?next=%00")
    assert page.status_code == 400 and NUL_MESSAGE in _text(page)
    api = client.get("/api/v1/releases?unit=0%004")
    assert api.status_code == 400 and api.is_json
    assert api.get_json()["errors"] == [{"field": "", "code": "bad_request", "message": NUL_MESSAGE}]


def test_an_unknown_or_absurd_release_in_the_dashboard_address_is_a_404(app, install):
    client = _signed_in(app, "thongke")
    for value in (HUGE, "abc", "-1", "0", "١٢"):  # a 500 (OverflowError) for HUGE; "abc" showed another release
        answer = client.get(f"/staff/dashboard/?release={value}")
        assert answer.status_code == 404, value
        assert "Không tìm thấy trang" in _text(answer)
    assert client.get("/staff/dashboard/00004/comments?release=" + HUGE).status_code == 404
    assert client.get("/staff/dashboard/?release=").status_code == 200  # no release asked for: the current one


def test_a_tablet_form_prefilled_from_an_absurd_unit_id_is_simply_blank(app, install):
    client = _signed_in(app, "quantri")
    blank = client.get(f"/admin/devices/new?unit={HUGE}")  # a 500 (OverflowError) before
    assert blank.status_code == 200 and 'value="00004"' not in _text(blank)
    prefilled = client.get(f"/admin/devices/new?unit={install['commune'].id}")
    assert prefilled.status_code == 200 and 'value="00004"' in _text(prefilled)


def test_a_bad_reasons_download_is_the_error_page_not_bare_text(app, install):
    client = _signed_in(app, "thongke")
    answer = client.get("/staff/counters/reasons.csv?by=2026-13", headers={"Referer": "/staff/counters/"})
    assert answer.status_code == 400 and answer.mimetype == "text/html"  # was text/plain
    text = _text(answer)
    assert "Yêu cầu không hợp lệ" in text and "Cách nhóm “2026-13” không có; hãy chọn trong danh sách." in text
    assert 'href="/staff/counters/"' in text  # a way back


def test_a_damaged_utf16_file_is_a_clear_import_error():
    cut = codecs.BOM_UTF16_LE + "Mã,Tên\n01,Hà Nội\n".encode("utf-16-le")[:-1]  # an odd byte: the last one cut
    with pytest.raises(ImportFileError) as refused:
        read_table(cut, "don-vi.csv")  # was a UnicodeDecodeError, a 500 on both import pages
    assert refused.value.problem.key == "bad_utf16"
    assert str(refused.value).startswith("Tệp bắt đầu như UTF-16 nhưng bị hỏng hoặc bị cắt (byte lạ ở khoảng byte")


def test_the_units_import_page_refuses_a_damaged_utf16_file_and_stores_nothing(app, db_session, install):
    client = _signed_in(app, "quantri")
    before = _count(db_session, Unit)
    upload = {"file": (io.BytesIO(b"\xff\xfe\x00a,b\x00\n\x00\x00\n;;;\n"), "don-vi.csv")}
    answer = client.post("/admin/units/import", data=upload, content_type="multipart/form-data")
    assert answer.status_code == 200 and 'name="payload"' not in _text(answer)  # no "save" button
    assert "Tệp bắt đầu như UTF-16 nhưng bị hỏng hoặc bị cắt (byte lạ ở khoảng byte" in _text(answer)
    assert _count(db_session, Unit) == before


def test_a_too_deeply_nested_dossier_batch_is_invalid_json_and_stores_nothing(client, db_session, install):
    body = b'{"events": ' + b"[" * 5000 + b"]" * 5000 + b"}"  # a RecursionError, a 500 before
    for data in (body, b"NaN", b'{"events": [{"MaHoSo": NaN}]}'):
        answer = client.post("/api/v1/dossiers/events", data=data, content_type="application/json",
                             headers={"Authorization": f"Bearer {install['system']}"})
        assert answer.status_code == 400 and answer.is_json
        (error,) = answer.get_json()["errors"]
        assert error["code"] == "invalid_json" and error["message"] == "Nội dung yêu cầu không phải JSON hợp lệ."
    assert (_count(db_session, Dossier), _count(db_session, DossierEvent)) == (0, 0)
    assert json.loads(client.post("/api/v1/dossiers/events", data=b'{"events": []}', content_type="application/json",
                                  headers={"Authorization": f"Bearer {install['system']}"}).data)["stored"] == 0


def test_a_nul_character_in_the_address_names_nothing(app, client, install):
    # A 500 on PostgreSQL ("text fields cannot contain NUL"), which every unit lookup by code reached.
    for url in ("/s/%00", "/s/0%004/thanks", "/staff/login%00"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert "Không tìm thấy trang" in _text(answer)
    staff = _signed_in(app, "thongke")
    assert staff.get("/staff/dashboard/%00").status_code == 404
    assert staff.get("/staff/counters/0000%004").status_code == 404
