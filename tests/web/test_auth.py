"""Staff access: hashed passwords, cookie flags, CSRF on every form, login rate limit, audit log,
security headers, API tokens of deactivated users."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from survey.models import AuditEntry, Role, StaffUser, utcnow

PASSWORD = "mật-khẩu-đủ-dài"


@pytest.fixture
def staff(db_session, make_unit):
    """An admin, a statistician and a manager of one commune."""
    unit = make_unit("90001", "Xã Thử Nghiệm")
    users = {}
    for login, role, scope in (("qt", Role.ADMIN, None), ("tk", Role.STATISTICIAN, None), ("ql", Role.MANAGER, unit)):
        user = StaffUser(login=login, display_name=login.upper(), role=role, unit=scope)
        user.set_password(PASSWORD)
        db_session.add(user)
        users[login] = user
    db_session.commit()
    return users


def _login(client, login: str, password: str = PASSWORD, **kwargs):
    return client.post("/staff/login", data={"login": login, "password": password, **kwargs})


def _other_app(tmp_path, sqlite_template, **config):
    """A second app on a copy of the migrated template (its own limiter and CSRF settings)."""
    from survey import create_app

    db_file = tmp_path / "other.db"
    shutil.copy(sqlite_template, db_file)
    settings = {
        "TESTING": True,
        "SECRET_KEY": "other-secret",
        "DATABASE_URL": f"sqlite:///{db_file}",
        "INSTANCE_PATH": str(tmp_path / "other-instance"),
    }
    settings.update(config)
    return create_app(settings)


def _add_user(app, login: str, role: Role = Role.STATISTICIAN) -> None:
    from survey.extensions import db

    with app.app_context():
        user = StaffUser(login=login, display_name=login, role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        db.session.remove()


def test_passwords_are_stored_as_scrypt_hashes(staff, db_session):
    stored = db_session.scalar(select(StaffUser.password_hash).where(StaffUser.login == "tk"))
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_session_cookie_is_httponly_and_samesite(client, staff):
    response = _login(client, "tk")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_production_cookies_are_secure_and_a_secret_is_required(tmp_path, sqlite_template, monkeypatch):
    app = _other_app(tmp_path, sqlite_template, ENV_NAME="production", WTF_CSRF_ENABLED=False)
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    _add_user(app, "prod")
    response = app.test_client().post("/staff/login", data={"login": "prod", "password": PASSWORD},
                                      base_url="https://sipas.example")
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    from survey import create_app

    monkeypatch.delenv("SIPAS_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SIPAS_SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": None, "INSTANCE_PATH": str(tmp_path / "p"),
                    "DATABASE_URL": "sqlite://"})


def test_every_staff_form_needs_its_csrf_token(tmp_path, sqlite_template):
    app = _other_app(tmp_path, sqlite_template, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)
    _add_user(app, "csrf")
    client = app.test_client()
    refused = client.post("/staff/login", data={"login": "csrf", "password": PASSWORD})
    assert refused.status_code == 400
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert _login(client, "csrf", csrf_token=token).status_code == 302
    for url, data in (("/staff/tokens", {"name": "x"}), ("/staff/logout", {}), ("/staff/releases/compute", {"round_id": "1", "title": "x"})):
        assert client.post(url, data=data).status_code == 400, url
    tokens_page = client.get("/staff/tokens").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', tokens_page).group(1)
    assert client.post("/staff/tokens", data={"name": "x", "csrf_token": token}).status_code == 200
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302


def test_login_is_rate_limited(tmp_path, sqlite_template):
    app = _other_app(tmp_path, sqlite_template, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True)
    _add_user(app, "brute")
    client = app.test_client()
    statuses = [client.post("/staff/login", data={"login": "brute", "password": f"guess-{i}"}).status_code for i in range(10)]
    assert statuses == [401] * 10
    blocked = client.post("/staff/login", data={"login": "brute", "password": PASSWORD})
    assert blocked.status_code == 429  # even the right password waits out the window
    assert client.get("/staff/login").status_code == 200  # the form itself stays reachable


def test_login_redirects_only_within_the_site(client, staff):
    assert _login(client, "tk").headers["Location"] == "/staff/"
    client.post("/staff/logout")
    response = client.post("/staff/login?next=//evil.example/x", data={"login": "tk", "password": PASSWORD})
    assert response.headers["Location"] == "/staff/"
    client.post("/staff/logout")
    response = client.post("/staff/login?next=/staff/tokens", data={"login": "tk", "password": PASSWORD})
    assert response.headers["Location"] == "/staff/tokens"


def test_audit_log_records_logins_and_is_for_admins_only(client, staff, db_session):
    assert _login(client, "tk", "sai").status_code == 401
    assert _login(client, "tk").status_code == 302
    assert client.get("/admin/audit").status_code == 403
    client.post("/staff/logout")
    entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.target) for e in entries][:3] == [("login_failed", "tk"), ("login", "tk"), ("logout", "tk")]
    assert entries[1].user.login == "tk" and entries[0].user_id is None
    _login(client, "ql")
    assert client.get("/admin/audit").status_code == 403
    client.post("/staff/logout")
    _login(client, "qt")
    page = client.get("/admin/audit")
    html = page.get_data(as_text=True)
    # In words, not codes: who did what, the filter offering the actions by name.
    assert page.status_code == 200 and "tk đã đăng xuất." in html and "ql đã đăng nhập." in html
    assert '<option value="login_failed" >Đăng nhập sai</option>' in html
    filtered = client.get("/admin/audit?action=login_failed").get_data(as_text=True)
    rows = re.findall(r"<tr data-action.*?</tr>", filtered[filtered.index('id="audit"'):], re.DOTALL)
    assert len(rows) == 1 and "Có người đăng nhập không thành công với tên “tk”." in rows[0]
    by_user = client.get("/admin/audit?user=ql").get_data(as_text=True)
    assert by_user.count("<tr data-action") == 2  # ql's login and logout
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert "Không có mục nào." in client.get(f"/admin/audit?from={tomorrow}").get_data(as_text=True)


def test_security_headers_and_no_caching_of_staff_pages(client, staff):
    _login(client, "tk")
    response = client.get("/staff/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_tokens_of_deactivated_users_stop_working(client, staff, db_session):
    from survey.web.auth import new_api_token

    _token, secret = new_api_token(staff["ql"], "script")
    db_session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/releases", headers=headers).status_code == 200
    staff["ql"].active = False
    db_session.commit()
    assert client.get("/api/v1/releases", headers=headers).status_code == 401


def test_manager_without_a_unit_sees_nothing(client, db_session):
    user = StaffUser(login="lost", display_name="", role=Role.MANAGER)
    user.set_password(PASSWORD)
    db_session.add(user)
    db_session.commit()
    _login(client, "lost")
    assert client.get("/staff/dashboard/").status_code == 404
    assert client.get("/staff/counters/").status_code == 200
    assert "Chưa có lượt đánh giá nào" in client.get("/staff/counters/").get_data(as_text=True)
