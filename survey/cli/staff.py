"""``sipas staff``: staff accounts from the command line; the first admin of a fresh install is made here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import click
from babel.dates import format_datetime

from survey.cli.app import with_appcontext
from survey.cli.output import echo_table
from survey.domain import staff as accounts
from survey.extensions import db
from survey.i18n import _, current_language, local_time
from survey.models import StaffUser

T = TypeVar("T")
ROLE_CHOICES = click.Choice(["admin", "statistician", "manager"], case_sensitive=False)


@click.group("staff", help=_("Tài khoản cán bộ: thêm, liệt kê, khóa, đặt lại mật khẩu."))
def staff_group() -> None:
    pass


def _read_password(from_stdin: bool) -> str:
    """One line of standard input (scripts), else a hidden prompt typed twice."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.ClickException(_("Không đọc được mật khẩu từ đầu vào chuẩn (dòng trống)."))
        return line
    return click.prompt(_("Mật khẩu"), hide_input=True, confirmation_prompt=_("Nhập lại mật khẩu"))


def _commit(change: Callable[[], T]) -> T:
    """Run one change and commit it, or stop with its message and store nothing."""
    try:
        result = change()
        db.session.commit()
        return result
    except accounts.StaffError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    except Exception:
        db.session.rollback()
        raise


def _user_or_exit(login: str) -> StaffUser:
    user = accounts.find_user(db.session, login)
    if user is None:
        raise click.ClickException(_("Không có tài khoản %(login)s.", login=login))
    return user


def _change_user(login: str, change: Callable[[StaffUser], T]) -> tuple[StaffUser, T]:
    """Apply one change to the account ``login`` and commit it, or stop with a message."""
    user = _user_or_exit(login)
    return user, _commit(lambda: change(user))


password_stdin = click.option("--password-stdin", is_flag=True,
                              help=_("Đọc mật khẩu từ một dòng của đầu vào chuẩn (cho tập lệnh)."))


@staff_group.command("add", help=_("Thêm tài khoản cán bộ; cách tạo quản trị viên đầu tiên: sipas staff add admin --role admin."))
@click.argument("login")
@click.option("--role", required=True, type=ROLE_CHOICES, help=_("Vai trò: admin, statistician hoặc manager."))
@click.option("--unit", "unit_code", help=_("Mã đơn vị phạm vi (bắt buộc với manager)."))
@click.option("--name", "display_name", default="", help=_("Tên hiển thị."))
@password_stdin
@with_appcontext
def add(login: str, role: str, unit_code: str | None, display_name: str, password_stdin: bool) -> None:
    _commit(lambda: accounts.check_new_user(db.session, login, role, unit_code))  # before asking a password
    password = _read_password(password_stdin)
    _commit(lambda: accounts.add_user(db.session, login, role, password, unit_code=unit_code,
                                      display_name=display_name))
    click.echo(_("Đã thêm tài khoản %(login)s (%(role)s).", login=accounts.normalise_login(login),
                 role=accounts.role_label(accounts.parse_role(role))))


def _last_login(moment: datetime | None) -> str:
    if moment is None:
        return _("chưa bao giờ")
    return format_datetime(local_time(moment), format="dd/MM/yyyy HH:mm", locale=current_language())


@staff_group.command("list", help=_("Liệt kê tài khoản cán bộ, vai trò, phạm vi và lần đăng nhập gần nhất."))
@with_appcontext
def list_staff() -> None:
    users = accounts.list_users(db.session)
    if not users:
        click.echo(_("Chưa có tài khoản cán bộ nào. Tạo quản trị viên đầu tiên: sipas staff add admin --role admin"))
        return
    rows = [(_("Tên đăng nhập"), _("Họ tên"), _("Vai trò"), _("Phạm vi"), _("Hoạt động"), _("Đăng nhập gần nhất"))]
    for user in users:
        scope = f"{user.unit.code} {user.unit.name}" if user.unit else _("toàn quốc")
        rows.append((user.login, user.display_name, accounts.role_label(user.role), scope,
                     _("hoạt động") if user.active else _("đã khóa"), _last_login(user.last_login_at)))
    echo_table(rows)


@staff_group.command("disable", help=_("Khóa một tài khoản và đăng xuất nó khỏi mọi thiết bị."))
@click.argument("login")
@with_appcontext
def disable(login: str) -> None:
    user, _done = _change_user(login, lambda user: accounts.disable_user(db.session, user))
    click.echo(_("Đã khóa tài khoản %(login)s; mọi phiên và mã API của tài khoản đã hết hiệu lực.", login=user.login))


@staff_group.command("enable", help=_("Mở khóa một tài khoản."))
@click.argument("login")
@with_appcontext
def enable(login: str) -> None:
    user, _done = _change_user(login, lambda user: accounts.enable_user(db.session, user))
    click.echo(_("Đã mở khóa tài khoản %(login)s.", login=user.login))


@staff_group.command("reset-password", help=_("Đặt mật khẩu mới cho một tài khoản và đăng xuất nó khỏi mọi thiết bị."))
@click.argument("login")
@password_stdin
@with_appcontext
def reset_password(login: str, password_stdin: bool) -> None:
    _user_or_exit(login)  # before asking a password
    password = _read_password(password_stdin)
    user, _done = _change_user(login, lambda user: accounts.reset_password(db.session, user, password))
    click.echo(_("Đã đặt mật khẩu mới cho %(login)s; mọi phiên và mã API của tài khoản đã hết hiệu lực.",
                 login=user.login))


@staff_group.command("logout-everywhere", help=_("Đăng xuất một tài khoản khỏi mọi thiết bị và thu hồi mọi mã API của nó."))
@click.argument("login")
@with_appcontext
def logout_everywhere(login: str) -> None:
    user, revoked = _change_user(login, lambda user: accounts.log_out_everywhere(db.session, user))
    click.echo(_("Đã đăng xuất %(login)s khỏi mọi thiết bị và thu hồi %(n)d mã API.", login=user.login, n=revoked))
