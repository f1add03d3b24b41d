"""Staff accounts: adding, changing, disabling and logging out staff users, each change audited.

Functions take a Session, flush and return; the caller commits. ``by`` is the
staff user making the change (``None`` from the command line). A refused change
raises :class:`StaffError` with a Vietnamese message and the field at fault.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from survey.domain.units import find_unit
from survey.i18n import _
from survey.models import ApiToken, AuditEntry, Role, StaffUser, Unit, utcnow

LOGIN_PATTERN = re.compile(r"[a-z0-9._-]{3,64}")
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
# Passwords guessed first (and the demo's, known to everybody): never accepted.
COMMON_PASSWORDS = frozenset({
    "0123456789", "1234567890", "12345678910", "123456789a", "1234567890a", "1111111111", "0000000000",
    "abc1234567", "abcd123456", "qwertyuiop", "qwerty1234", "password12", "password123", "passw0rd12",
    "matkhau123", "matkhau1234", "admin12345", "admin123456", "administrator", "iloveyou12",
    "vietnam123", "sipas-demo", "sipas12345",
})


class StaffError(ValueError):
    """A refused change to a staff account; ``field`` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def role_label(role: Role) -> str:
    """The role as users call it."""
    labels = {Role.ADMIN: _("Quản trị viên"), Role.STATISTICIAN: _("Thống kê"), Role.MANAGER: _("Lãnh đạo")}
    return labels[role]


def parse_role(value: str | Role) -> Role:
    """The role named ``value`` (admin, statistician, manager), or a StaffError listing them."""
    if isinstance(value, Role):
        return value
    try:
        return Role(value.strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise StaffError(_("Vai trò %(role)s không có; chọn một trong: %(choices)s.", role=value, choices=choices),
                         "role") from None


def normalise_login(login: str) -> str:
    """A login as stored: trimmed and in lower case (logins are case-insensitive)."""
    return login.strip().lower()


def find_user(session: Session, login: str) -> StaffUser | None:
    """The staff user with this login, whatever its case."""
    return session.scalar(select(StaffUser).where(func.lower(StaffUser.login) == normalise_login(login)))


def staff_exists(session: Session) -> bool:
    """Whether any staff user exists (a fresh install has none)."""
    return session.scalar(select(StaffUser.id).limit(1)) is not None


def list_users(session: Session, active: bool | None = None, role: Role | None = None) -> list[StaffUser]:
    """Staff users by login, optionally only the active (or disabled) ones or one role."""
    query = select(StaffUser).order_by(StaffUser.login)
    if active is not None:
        query = query.where(StaffUser.active.is_(active))
    if role is not None:
        query = query.where(StaffUser.role == role)
    return list(session.scalars(query))


def check_password_policy(password: str, login: str, field: str = "password") -> None:
    """Refuse a password that is short, equal to the login or common, saying the rule."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise StaffError(_("Mật khẩu phải có ít nhất %(n)d ký tự.", n=PASSWORD_MIN_LENGTH), field)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise StaffError(_("Mật khẩu dài quá %(n)d ký tự.", n=PASSWORD_MAX_LENGTH), field)
    if password.strip().lower() == normalise_login(login):
        raise StaffError(_("Mật khẩu không được trùng với tên đăng nhập."), field)
    if password.strip().lower() in COMMON_PASSWORDS:
        raise StaffError(_("Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác."), field)


def generate_password() -> str:
    """A random password that meets the policy, to be shown once."""
    return secrets.token_urlsafe(12)


def check_new_user(
    session: Session, login: str, role: str | Role, unit_code: str | None
) -> tuple[str, Role, Unit | None]:
    """The stored login, role and scope unit of a new user, or a StaffError (asked before a password)."""
    login = normalise_login(login)
    if not LOGIN_PATTERN.fullmatch(login):
        raise StaffError(
            _("Tên đăng nhập phải có từ 3 đến 64 ký tự, chỉ gồm chữ a–z không dấu, chữ số và các dấu . _ -"),
            "login",
        )
    if find_user(session, login) is not None:
        raise StaffError(_("Tên đăng nhập %(login)s đã có người dùng.", login=login), "login")
    role = parse_role(role)
    return login, role, _scope_unit(session, role, unit_code)


def add_user(
    session: Session,
    login: str,
    role: str | Role,
    password: str,
    *,
    unit_code: str | None = None,
    display_name: str = "",
    by: StaffUser | None = None,
) -> StaffUser:
    """Create a staff user after checking login, role, scope unit and password."""
    login, role, unit = check_new_user(session, login, role, unit_code)
    check_password_policy(password, login)
    user = StaffUser(login=login, display_name=_display_name(display_name), role=role, unit=unit, active=True,
                     session_version=1)
    user.set_password(password)
    session.add(user)
    session.flush()
    _audit(session, by, "staff.add", user, role=role.value, unit=unit.code if unit else None)
    return user


def set_role_and_scope(
    session: Session,
    user: StaffUser,
    role: str | Role,
    unit_code: str | None,
    display_name: str | None = None,
    by: StaffUser | None = None,
) -> StaffUser:
    """Change a user's role, scope unit and (when given) display name; never demote the last admin."""
    role = parse_role(role)
    unit = _scope_unit(session, role, unit_code)
    if user.role == Role.ADMIN and role != Role.ADMIN:
        _refuse_losing_last_admin(session, user, "role")
    before = {"role": user.role.value, "unit": user.unit.code if user.unit else None, "name": user.display_name}
    user.role, user.unit = role, unit
    if display_name is not None:
        user.display_name = _display_name(display_name)
    after = {"role": role.value, "unit": unit.code if unit else None, "name": user.display_name}
    session.flush()
    if after != before:
        _audit(session, by, "staff.update", user, before=before, after=after)
    return user


def disable_user(session: Session, user: StaffUser, by: StaffUser | None = None) -> StaffUser:
    """Disable an account and log it out everywhere; never the last active admin."""
    if not user.active:
        return user
    _refuse_losing_last_admin(session, user, None)
    user.active = False
    _audit(session, by, "staff.disable", user)
    log_out_everywhere(session, user, by)
    return user


def enable_user(session: Session, user: StaffUser, by: StaffUser | None = None) -> StaffUser:
    """Enable a disabled account again (its old sessions and tokens stay invalid)."""
    if not user.active:
        user.active = True
        _audit(session, by, "staff.enable", user)
        session.flush()
    return user


def reset_password(session: Session, user: StaffUser, password: str, by: StaffUser | None = None) -> StaffUser:
    """Set a new password chosen by an administrator and log the user out everywhere."""
    check_password_policy(password, user.login)
    user.set_password(password)
    _audit(session, by, "staff.reset_password", user)
    log_out_everywhere(session, user, by)
    return user


def change_password(session: Session, user: StaffUser, current: str, new: str) -> StaffUser:
    """The user's own password change: needs the current one; every other session is logged out.

    The caller logs the current session in again with the new ``session_version``.
    """
    if not user.check_password(current):
        raise StaffError(_("Mật khẩu hiện tại không đúng."), "current_password")
    check_password_policy(new, user.login, "new_password")
    if new == current:
        raise StaffError(_("Mật khẩu mới phải khác mật khẩu hiện tại."), "new_password")
    user.set_password(new)
    user.session_version += 1
    _audit(session, user, "staff.change_password", user)
    return user


def log_out_everywhere(session: Session, user: StaffUser, by: StaffUser | None = None) -> int:
    """End every session of the user and revoke all their API tokens; returns the tokens revoked."""
    user.session_version += 1
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount
    _audit(session, by, "staff.logout_everywhere", user, tokens_revoked=revoked)
    return revoked


def _scope_unit(session: Session, role: Role, unit_code: str | None) -> Unit | None:
    code = (unit_code or "").strip()
    if not code:
        if role == Role.MANAGER:
            raise StaffError(_("Tài khoản lãnh đạo cần một đơn vị phạm vi (mã đơn vị)."), "unit_code")
        return None
    unit = find_unit(session, code)
    if unit is None:
        raise StaffError(_("Không có đơn vị mã %(code)s đang hoạt động hôm nay.", code=code), "unit_code")
    return unit


def _display_name(name: str) -> str:
    name = " ".join(name.split())
    if len(name) > 255:
        raise StaffError(_("Tên hiển thị dài quá 255 ký tự."), "display_name")
    return name


def _refuse_losing_last_admin(session: Session, user: StaffUser, field: str | None) -> None:
    if user.role != Role.ADMIN or not user.active:
        return
    others = session.scalar(
        select(func.count()).select_from(StaffUser).where(
            StaffUser.role == Role.ADMIN, StaffUser.active.is_(True), StaffUser.id != user.id
        )
    )
    if not others:
        raise StaffError(
            _("%(login)s là quản trị viên đang hoạt động cuối cùng: hãy thêm một quản trị viên khác trước.",
              login=user.login),
            field,
        )


def _audit(session: Session, by: StaffUser | None, action: str, user: StaffUser, **details: Any) -> None:
    details = {key: value for key, value in details.items() if value is not None}
    session.add(AuditEntry(user_id=by.id if by else None, action=action, target=user.login, details=details or None))
    session.flush()
