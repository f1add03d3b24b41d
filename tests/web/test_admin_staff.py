"""Staff accounts on the web: the admin pages, the last-admin rule, and every user's own account page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from survey.domain import staff as accounts
from survey.models import ApiToken, AuditEntry, Role, StaffUser, UnitKind
from survey.web.auth import new_api_token

PASSWORD = "mật khẩu đủ dài"
NEW_PASSWORD = "một mật khẩu mới hẳn"


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


@pytest.fixture
def staff(db_session, make_unit):
    """An admin and a statistician; a province valid today."""
    make_unit("08", "Tỉnh Tuyên Quang", kind=UnitKind.PROVINCE, valid_from=date(2025, 7, 1))
    make_unit("02", "Tỉnh Hà Giang", kind=UnitKind.PROVINCE, valid_to=date(2025, 6, 30))
    users = {
        "admin": accounts.add_user(db_session, "admin", "admin", PASSWORD, display_name="Quản trị"),
        "thongke": accounts.add_user(db_session, "thongke", "statistician", PASSWORD),
    }
    db_session.commit()
    return users


def _login(app, login: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/staff/login", data={"login": login, "password": password})
    assert response.status_code == 302, login
    return client


def _user(db_session, login: str) -> StaffUser:
    db_session.expire_all()
    return accounts.find_user(db_session, login)


def test_admin_adds_a_manager_with_a_typed_password_who_can_then_log_in(app, staff, db_session):
    admin = _login(app, "admin")
    form = admin.get("/admin/staff/new")
    assert form.status_code == 200 and "Mã đơn vị phạm vi" in _text(form)
    added = admin.post("/admin/staff/new", data={"login": "QuanLy.TQ", "display_name": "Lãnh đạo tỉnh",
                                                 "role": "manager", "unit_code": "08", "password": PASSWORD})
    assert added.status_code == 302
    user = _user(db_session, "quanly.tq")
    assert (user.role, user.unit.code, user.display_name) == (Role.MANAGER, "08", "Lãnh đạo tỉnh")
    assert "Đã thêm tài khoản quanly.tq." in _text(admin.get(added.headers["Location"]))
    listed = _text(admin.get("/admin/staff"))
    assert "quanly.tq" in listed and "Tỉnh Tuyên Quang (08)" in listed and "Lãnh đạo" in listed
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.target == "quanly.tq"))
    assert entry.action == "staff.add" and entry.user_id == staff["admin"].id
    assert _login(app, "quanly.tq").get("/staff/").status_code == 200


def test_a_generated_password_is_shown_once_and_never_cached(app, staff, db_session):
    admin = _login(app, "admin")
    page = admin.post("/admin/staff/new", data={"login": "thongke2", "role": "statistician", "unit_code": ""})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    password = re.search(r'<p class="secret" id="new-password">([^<]+)</p>', page.get_data(as_text=True)).group(1)
    assert len(password) >= 10 and "chỉ hiện một lần" in _text(page)
    assert _user(db_session, "thongke2").check_password(password)
    assert password not in _text(admin.get("/admin/staff")) and password not in str(
        [e.details for e in db_session.scalars(select(AuditEntry))])
    _login(app, "thongke2", password)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"login": "ab", "role": "admin"}, "login", "từ 3 đến 64 ký tự"),
    ({"login": "ThongKe", "role": "statistician"}, "login", "thongke đã có người dùng"),
    ({"login": "quanly", "role": "manager", "unit_code": ""}, "unit_code", "cần một đơn vị phạm vi"),
    ({"login": "quanly", "role": "manager", "unit_code": "02"}, "unit_code", "Không có đơn vị mã 02 đang hoạt động"),
    ({"login": "quanly", "role": "manager", "unit_code": "08", "password": "ngắn"}, "password", "ít nhất 10 ký tự"),
    ({"login": "quanly", "role": "manager", "unit_code": "08", "password": "quanly"}, "password", "ít nhất 10 ký tự"),
    ({"login": "quanly123", "role": "manager", "unit_code": "08", "password": "QUANLY123 "}, "password", "trùng với tên"),
])
def test_the_add_form_shows_each_error_beside_its_field_and_stores_nothing(app, staff, db_session, data, field, message):
    admin = _login(app, "admin")
    page = admin.post("/admin/staff/new", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    errors = re.search(rf'id="{field}".*?</p>', html, re.DOTALL).group(0)
    assert message in errors and 'role="alert"' in errors
    assert len(db_session.scalars(select(StaffUser)).all()) == 2


def test_admin_edits_role_scope_and_name(app, staff, db_session):
    admin = _login(app, "admin")
    user_id = staff["thongke"].id
    page = admin.get(f"/admin/staff/{user_id}")
    assert page.status_code == 200 and 'selected value="statistician"' in page.get_data(as_text=True)
    unknown = admin.post(f"/admin/staff/{user_id}", data={"role": "manager", "unit_code": "99", "display_name": "X"})
    assert unknown.status_code == 400 and "Không có đơn vị mã 99 đang hoạt động hôm nay." in _text(unknown)
    assert _user(db_session, "thongke").role == Role.STATISTICIAN
    saved = admin.post(f"/admin/staff/{user_id}", data={"role": "manager", "unit_code": "08", "display_name": "Sở"})
    assert saved.status_code == 302
    user = _user(db_session, "thongke")
    assert (user.role, user.unit.code, user.display_name) == (Role.MANAGER, "08", "Sở")
    assert admin.get("/admin/staff?role=manager&active=1").get_data(as_text=True).count("data-login=") == 1
    assert "thongke" not in _text(admin.get("/admin/staff?role=statistician"))


def test_the_last_admin_can_be_neither_disabled_nor_demoted_on_the_pages(app, staff, db_session):
    admin = _login(app, "admin")
    admin_id = staff["admin"].id
    demoted = admin.post(f"/admin/staff/{admin_id}", data={"role": "statistician", "unit_code": ""})
    assert demoted.status_code == 400 and "quản trị viên đang hoạt động cuối cùng" in _text(demoted)
    disabled = admin.post(f"/admin/staff/{admin_id}/disable", follow_redirects=True)
    assert "quản trị viên đang hoạt động cuối cùng" in _text(disabled)
    user = _user(db_session, "admin")
    assert user.role == Role.ADMIN and user.active and admin.get("/admin/staff").status_code == 200


def test_a_disabled_users_session_and_api_token_stop_working_at_once(app, staff, db_session):
    statistician = _login(app, "thongke")
    _token, secret = new_api_token(staff["thongke"], "script")
    db_session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert statistician.get("/staff/").status_code == 200
    assert statistician.get("/api/v1/releases", headers=bearer).status_code == 200
    admin = _login(app, "admin")
    done = admin.post(f"/admin/staff/{staff['thongke'].id}/disable", follow_redirects=True)
    assert "Đã khóa tài khoản thongke" in _text(done) and "Mở khóa tài khoản" in _text(done)
    assert statistician.get("/staff/").headers["Location"].startswith("/staff/login")
    assert statistician.get("/api/v1/releases", headers=bearer).status_code == 401
    refused = app.test_client().post("/staff/login", data={"login": "thongke", "password": PASSWORD})
    assert refused.status_code == 401
    assert "thongke" in _text(admin.get("/admin/staff?active=0"))
    admin.post(f"/admin/staff/{staff['thongke'].id}/enable")
    assert _user(db_session, "thongke").active
    assert statistician.get("/api/v1/releases", headers=bearer).status_code == 401  # the token stays revoked
    _login(app, "thongke")


def test_admin_resets_a_password_and_logs_a_user_out_everywhere(app, staff, db_session):
    statistician = _login(app, "thongke")
    admin = _login(app, "admin")
    user_id = staff["thongke"].id
    weak = admin.post(f"/admin/staff/{user_id}/password", data={"password": "thongke"}, follow_redirects=True)
    assert "Mật khẩu phải có ít nhất 10 ký tự." in _text(weak)
    assert statistician.get("/staff/").status_code == 200  # nothing changed
    reset = admin.post(f"/admin/staff/{user_id}/password", data={"password": NEW_PASSWORD}, follow_redirects=True)
    assert "Đã đặt mật khẩu mới cho thongke" in _text(reset)
    assert statistician.get("/staff/").status_code == 302
    statistician = _login(app, "thongke", NEW_PASSWORD)
    _token, secret = new_api_token(_user(db_session, "thongke"), "script")
    db_session.commit()
    admin.post(f"/admin/staff/{user_id}/logout-everywhere")
    assert statistician.get("/staff/").status_code == 302
    assert app.test_client().get("/api/v1/releases", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    actions = [e.action for e in db_session.scalars(select(AuditEntry).where(AuditEntry.target == "thongke"))]
    assert actions.count("staff.reset_password") == 1 and actions.count("staff.logout_everywhere") == 2


def test_password_change_keeps_this_session_and_ends_the_others(app, staff, db_session):
    here, there = _login(app, "thongke"), _login(app, "thongke")
    page = here.get("/staff/account")
    assert page.status_code == 200 and "Đăng xuất khỏi mọi thiết bị" in _text(page)
    wrong = here.post("/staff/account", data={"current_password": "sai rồi đấy", "new_password": NEW_PASSWORD,
                                               "new_password_again": NEW_PASSWORD})
    assert wrong.status_code == 400
    assert re.search(r'id="current_password".*?Mật khẩu hiện tại không đúng\.', wrong.get_data(as_text=True), re.DOTALL)
    weak = here.post("/staff/account", data={"current_password": PASSWORD, "new_password": "1234567890",
                                              "new_password_again": "1234567890"})
    assert weak.status_code == 400
    assert re.search(r'id="new_password".*?quá phổ biến', weak.get_data(as_text=True), re.DOTALL)
    mismatch = here.post("/staff/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                  "new_password_again": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 400 and "Hai lần nhập mật khẩu mới không giống nhau." in _text(mismatch)
    assert there.get("/staff/").status_code == 200 and _user(db_session, "thongke").check_password(PASSWORD)

    changed = here.post("/staff/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                 "new_password_again": NEW_PASSWORD}, follow_redirects=True)
    assert changed.status_code == 200 and "Đã đổi mật khẩu." in _text(changed)
    assert here.get("/staff/").status_code == 200
    assert there.get("/staff/").headers["Location"].startswith("/staff/login")
    assert _user(db_session, "thongke").check_password(NEW_PASSWORD)
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.change_password"))
    assert entry.target == "thongke" and entry.user_id == staff["thongke"].id


def test_log_out_everywhere_revokes_every_token_of_the_user(app, staff, db_session):
    client = _login(app, "thongke")
    other = _login(app, "thongke")
    secrets = [new_api_token(staff["thongke"], name)[1] for name in ("script", "excel")]
    db_session.commit()
    assert "thu hồi mọi mã" in _text(client.get("/staff/tokens"))
    done = client.post("/staff/account/logout-everywhere", follow_redirects=True)
    assert "Đã đăng xuất khỏi mọi thiết bị và thu hồi 2 mã API." in _text(done)
    for secret in secrets:
        response = app.test_client().get("/api/v1/releases", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 401 and response.json["errors"][0]["code"] == "unauthorized"
    for session in (client, other):
        assert session.get("/staff/").headers["Location"].startswith("/staff/login")
    db_session.expire_all()
    assert all(t.revoked_at is not None for t in db_session.scalars(select(ApiToken)))


def test_every_staff_role_has_the_account_page_and_only_admins_the_staff_pages(app, staff, db_session):
    accounts.add_user(db_session, "quanly", "manager", PASSWORD, unit_code="08")
    db_session.commit()
    for login in ("admin", "thongke", "quanly"):
        client = _login(app, login)
        assert client.get("/staff/account").status_code == 200
        assert 'href="/staff/account"' in client.get("/staff/tokens").get_data(as_text=True)
        assert client.get("/admin/staff").status_code == (200 if login == "admin" else 403)
        if login != "admin":
            assert client.post(f"/admin/staff/{staff['thongke'].id}/disable").status_code == 403
    assert _user(db_session, "thongke").active
