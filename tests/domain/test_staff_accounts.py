"""Staff accounts: the domain rules and `sipas staff` (the first admin of a fresh install is made here)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from survey.cli import main
from survey.domain import staff as accounts
from survey.domain.staff import StaffError
from survey.models import ApiToken, AuditEntry, Role, StaffUser, UnitKind
from survey.web.auth import new_api_token

PASSWORD = "một mật khẩu dài"


def invoke(app, *args, input: str | None = None):
    return CliRunner().invoke(main, list(args), obj=app, input=input)


def _actions(db_session) -> list[tuple[str, str]]:
    return [(e.action, e.target) for e in db_session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


@pytest.fixture
def province(make_unit, db_session):
    """A province valid today and a former one that is not."""
    make_unit("02", "Tỉnh Hà Giang", kind=UnitKind.PROVINCE, valid_to=date(2025, 6, 30))
    unit = make_unit("08", "Tỉnh Tuyên Quang", kind=UnitKind.PROVINCE, valid_from=date(2025, 7, 1))
    db_session.commit()
    return unit


# --- domain ----------------------------------------------------------------------------------


def test_add_user_stores_a_lower_case_login_a_hash_and_an_audit_entry(db_session, province):
    admin = accounts.add_user(db_session, "admin", "admin", PASSWORD, display_name="  Quản   trị  ")
    user = accounts.add_user(db_session, " QuanLy.TuyenQuang ", Role.MANAGER, PASSWORD, unit_code="08",
                             display_name="Lãnh đạo tỉnh", by=admin)
    db_session.commit()
    assert (user.login, user.role, user.unit.code, user.active) == ("quanly.tuyenquang", Role.MANAGER, "08", True)
    assert admin.display_name == "Quản trị" and admin.unit is None
    assert PASSWORD not in user.password_hash and user.check_password(PASSWORD)
    assert accounts.find_user(db_session, "QUANLY.tuyenquang") is user
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.target == "quanly.tuyenquang")).one()
    assert (entry.action, entry.user_id, entry.details) == ("staff.add", admin.id, {"role": "manager", "unit": "08"})


@pytest.mark.parametrize(("login", "role", "unit", "password", "field", "message"), [
    ("ab", "admin", None, PASSWORD, "login", "từ 3 đến 64 ký tự"),
    ("nguyễn.văn.a", "admin", None, PASSWORD, "login", "chữ a–z không dấu"),
    ("có khoảng", "admin", None, PASSWORD, "login", "các dấu . _ -"),
    ("ADMIN", "admin", None, PASSWORD, "login", "admin đã có người dùng"),
    ("thongke", "boss", None, PASSWORD, "role", "admin, statistician, manager"),
    ("quanly", "manager", None, PASSWORD, "unit_code", "cần một đơn vị phạm vi"),
    ("quanly", "manager", "02", PASSWORD, "unit_code", "mã 02 đang hoạt động hôm nay"),
    ("quanly", "manager", "99", PASSWORD, "unit_code", "mã 99"),
    ("thongke", "statistician", None, "ngắn quá", "password", "ít nhất 10 ký tự"),
    ("thongke.so", "statistician", None, "ThongKe.So", "password", "trùng với tên đăng nhập"),
    ("thongke", "statistician", None, "1234567890", "password", "quá phổ biến"),
    ("thongke", "statistician", None, "sipas-demo", "password", "quá phổ biến"),
])
def test_add_user_refuses_bad_input_saying_the_rule_and_stores_nothing(
    db_session, province, login, role, unit, password, field, message
):
    accounts.add_user(db_session, "admin", "admin", PASSWORD)
    db_session.commit()
    with pytest.raises(StaffError) as refused:
        accounts.add_user(db_session, login, role, password, unit_code=unit)
    db_session.rollback()
    assert refused.value.field == field and message in str(refused.value)
    assert [u.login for u in db_session.scalars(select(StaffUser))] == ["admin"]


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(db_session, province):
    first = accounts.add_user(db_session, "admin", "admin", PASSWORD)
    with pytest.raises(StaffError, match="quản trị viên đang hoạt động cuối cùng"):
        accounts.disable_user(db_session, first)
    with pytest.raises(StaffError, match="quản trị viên đang hoạt động cuối cùng") as demoted:
        accounts.set_role_and_scope(db_session, first, "statistician", None)
    assert demoted.value.field == "role" and first.role == Role.ADMIN and first.active
    second = accounts.add_user(db_session, "admin2", "admin", PASSWORD)
    accounts.disable_user(db_session, second)
    with pytest.raises(StaffError):  # a disabled admin does not count
        accounts.disable_user(db_session, first)
    accounts.enable_user(db_session, second)
    accounts.set_role_and_scope(db_session, first, "manager", "08", "Lãnh đạo", by=second)
    assert (first.role, first.unit.code, first.display_name) == (Role.MANAGER, "08", "Lãnh đạo")
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.update")).one()
    assert entry.details["before"]["role"] == "admin" and entry.details["after"] == {
        "role": "manager", "unit": "08", "name": "Lãnh đạo"}


def test_disabling_and_resetting_log_out_everywhere_and_revoke_tokens(db_session, province):
    admin = accounts.add_user(db_session, "admin", "admin", PASSWORD)
    user = accounts.add_user(db_session, "thongke", "statistician", PASSWORD)
    new_api_token(user, "script")
    new_api_token(user, "excel")
    version = user.session_version
    accounts.reset_password(db_session, user, "mật khẩu mới đủ dài", by=admin)
    assert user.session_version == version + 1 and user.check_password("mật khẩu mới đủ dài")
    assert all(t.revoked_at is not None for t in db_session.scalars(select(ApiToken)))
    new_api_token(user, "again")
    accounts.disable_user(db_session, user, by=admin)
    assert not user.active and user.session_version == version + 2
    assert all(t.revoked_at is not None for t in db_session.scalars(select(ApiToken)))
    assert [a for a, _t in _actions(db_session) if not a.startswith("api_token.")][2:] == [
        "staff.reset_password", "staff.logout_everywhere", "staff.disable", "staff.logout_everywhere"]
    assert [a for a, _t in _actions(db_session) if a.startswith("api_token.")] == ["api_token.create"] * 3
    logout = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.logout_everywhere")).all()
    assert [e.details for e in logout] == [{"tokens_revoked": 2}, {"tokens_revoked": 1}]


def test_change_password_needs_the_current_one_and_the_policy(db_session):
    user = accounts.add_user(db_session, "admin", "admin", PASSWORD)
    with pytest.raises(StaffError) as wrong:
        accounts.change_password(db_session, user, "không phải", "mật khẩu mới đủ dài")
    assert wrong.value.field == "current_password" and "không đúng" in str(wrong.value)
    with pytest.raises(StaffError) as weak:
        accounts.change_password(db_session, user, PASSWORD, "admin")
    assert weak.value.field == "new_password" and "ít nhất 10" in str(weak.value)
    version = user.session_version
    accounts.change_password(db_session, user, PASSWORD, "mật khẩu mới đủ dài")
    assert user.check_password("mật khẩu mới đủ dài") and user.session_version == version + 1
    assert _actions(db_session)[-1] == ("staff.change_password", "admin")


# --- sipas staff ------------------------------------------------------------------------------


def test_first_admin_on_an_empty_install_then_a_manager_by_script(app, db_session, province, client):
    assert "sipas staff add admin --role admin" in client.get("/staff/login").get_data(as_text=True)
    first = invoke(app, "staff", "add", "admin", "--role", "admin", "--name", "Quản trị Sở",
                   input=f"{PASSWORD}\n{PASSWORD}\n")
    assert first.exit_code == 0, first.output
    assert "Đã thêm tài khoản admin" in first.output and PASSWORD not in first.output  # the prompt hides it
    script = invoke(app, "staff", "add", "quanly", "--role", "manager", "--unit", "08", "--password-stdin",
                    input=PASSWORD + "\n")
    assert script.exit_code == 0, script.output
    users = {u.login: u for u in db_session.scalars(select(StaffUser))}
    assert users["admin"].role == Role.ADMIN and users["admin"].display_name == "Quản trị Sở"
    assert users["quanly"].unit.code == "08" and users["quanly"].check_password(PASSWORD)
    assert _actions(db_session) == [("staff.add", "admin"), ("staff.add", "quanly")]
    assert "sipas staff add" not in client.get("/staff/login").get_data(as_text=True)
    login = client.post("/staff/login", data={"login": "Admin", "password": PASSWORD})
    assert login.status_code == 302 and client.get("/admin/staff").status_code == 200


def test_add_refuses_mismatched_prompts_bad_passwords_and_unknown_units(app, db_session, province):
    mismatch = invoke(app, "staff", "add", "admin", "--role", "admin", input=f"{PASSWORD}\nkhác hẳn rồi\n" * 3)
    assert mismatch.exit_code != 0 and "Nhập lại mật khẩu" in mismatch.output
    weak = invoke(app, "staff", "add", "admin", "--role", "admin", "--password-stdin", input="admin123\n")
    assert weak.exit_code == 1 and "Mật khẩu phải có ít nhất 10 ký tự." in weak.output
    unknown = invoke(app, "staff", "add", "quanly", "--role", "manager", "--unit", "02")  # asked no password
    assert unknown.exit_code == 1 and "Không có đơn vị mã 02 đang hoạt động hôm nay." in unknown.output
    empty = invoke(app, "staff", "add", "admin", "--role", "admin", "--password-stdin", input="")
    assert empty.exit_code == 1 and "dòng trống" in empty.output
    assert db_session.scalars(select(StaffUser)).all() == [] and _actions(db_session) == []


def test_list_disable_enable_reset_and_logout_everywhere(app, db_session, province):
    for args in (("admin", "--role", "admin", "--name", "Quản trị"), ("thongke", "--role", "statistician")):
        assert invoke(app, "staff", "add", *args, "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    thongke = accounts.find_user(db_session, "thongke")
    thongke.last_login_at = datetime(2026, 3, 2, 1, 5, tzinfo=UTC)  # 08:05 in Hà Nội
    new_api_token(thongke, "script")
    db_session.commit()
    listed = invoke(app, "staff", "list")
    assert listed.exit_code == 0
    admin_line, thongke_line = listed.output.splitlines()[1:]
    assert admin_line.split()[:3] == ["admin", "Quản", "trị"] and "toàn quốc" in admin_line
    assert "chưa bao giờ" in admin_line and "02/03/2026 08:05" in thongke_line and "Thống kê" in thongke_line

    last_admin = invoke(app, "staff", "disable", "admin")
    assert last_admin.exit_code == 1 and "quản trị viên đang hoạt động cuối cùng" in last_admin.output
    disabled = invoke(app, "staff", "disable", "ThongKe")
    assert disabled.exit_code == 0 and "Đã khóa tài khoản thongke" in disabled.output
    db_session.expire_all()
    assert not thongke.active and db_session.scalar(select(ApiToken)).revoked_at is not None
    assert "đã khóa" in invoke(app, "staff", "list").output
    assert invoke(app, "staff", "enable", "thongke").exit_code == 0
    reset = invoke(app, "staff", "reset-password", "thongke", "--password-stdin", input="mật khẩu mới đủ dài\n")
    assert reset.exit_code == 0, reset.output
    logout = invoke(app, "staff", "logout-everywhere", "thongke")
    assert logout.exit_code == 0 and "thu hồi 0 mã API" in logout.output
    missing = invoke(app, "staff", "disable", "khongco")
    assert missing.exit_code == 1 and "Không có tài khoản khongco." in missing.output
    db_session.expire_all()
    assert thongke.active and thongke.check_password("mật khẩu mới đủ dài")
    assert [a for a, t in _actions(db_session) if t == "thongke"] == [
        "staff.add", "staff.disable", "staff.logout_everywhere", "staff.enable", "staff.reset_password",
        "staff.logout_everywhere", "staff.logout_everywhere"]


def test_staff_list_on_an_empty_install_says_how_to_begin(app):
    result = invoke(app, "staff", "list")
    assert result.exit_code == 0 and "sipas staff add admin --role admin" in result.output
