"""``sipas tokens``: personal API tokens of a staff member, from the command line (as on the staff page)."""

from __future__ import annotations

from datetime import datetime

import click

from survey.cli.app import with_appcontext
from survey.cli.output import echo_table
from survey.domain import api_tokens
from survey.domain.staff import find_user
from survey.extensions import db
from survey.i18n import _, format_local_datetime
from survey.models import ApiToken, StaffUser


@click.group("tokens", help=_("Mã truy cập API của cán bộ: tạo, liệt kê, thu hồi."))
def tokens_group() -> None:
    pass


def _user_or_exit(login: str) -> StaffUser:
    user = find_user(db.session, login)
    if user is None:
        raise click.ClickException(_("Không có tài khoản %(login)s.", login=login))
    return user


def _when(moment: datetime | None, never: str = "–") -> str:
    return format_local_datetime(moment) if moment is not None else never


@tokens_group.command("create", help=_("Tạo mã cho một tài khoản; mã bí mật chỉ in ra một lần."))
@click.option("--user", "login", required=True, help=_("Tên đăng nhập của chủ mã; mã có đúng quyền và phạm vi của tài khoản này."))
@click.option("--name", required=True, help=_("Tên gợi nhớ, ví dụ tên chương trình dùng mã."))
@click.option("--expires", default="", help=_("Hạn dùng: số ngày (90d) hoặc một ngày (2026-12-31); bỏ trống: không hết hạn."))
@with_appcontext
def create(login: str, name: str, expires: str) -> None:
    owner = _user_or_exit(login)
    try:
        expires_at = api_tokens.parse_expiry(expires)
        token, secret = api_tokens.create_token(db.session, owner, name, expires_at=expires_at)
        db.session.commit()
    except api_tokens.TokenError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    except Exception:
        db.session.rollback()
        raise
    click.echo(_("Đã tạo mã số %(id)d “%(name)s” cho %(login)s, hạn dùng: %(expires)s.", id=token.id, name=token.name,
                 login=owner.login, expires=_when(token.expires_at, _("không hết hạn"))))
    click.echo(_("Mã bí mật (chỉ hiện một lần; dùng trong tiêu đề Authorization: Bearer …):"))
    click.echo(secret)


@tokens_group.command("list", help=_("Liệt kê các mã: tên, chủ mã, ngày tạo, lần dùng cuối, hạn dùng, trạng thái."))
@click.option("--user", "login", help=_("Chỉ các mã của tài khoản này."))
@with_appcontext
def list_command(login: str | None) -> None:
    owner = _user_or_exit(login) if login else None
    tokens = api_tokens.list_tokens(db.session, owner)
    if not tokens:
        click.echo(_("Chưa có mã nào."))
        return
    rows = [(_("Số"), _("Tên"), _("Chủ mã"), _("Tạo lúc"), _("Dùng lần cuối"), _("Hết hạn"), _("Trạng thái"))]
    for token in tokens:
        rows.append((str(token.id), token.name, token.user.login, _when(token.created_at),
                     _when(token.last_used_at, _("chưa bao giờ")), _when(token.expires_at, _("không hết hạn")),
                     api_tokens.state_label(api_tokens.token_state(token))))
    echo_table(rows)


@tokens_group.command("revoke", help=_("Thu hồi một mã theo số của nó (xem sipas tokens list)."))
@click.argument("token_id", type=click.IntRange(min=1, max=2**31 - 1))
@with_appcontext
def revoke(token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(_("Không có mã số %(id)d.", id=token_id))
    try:
        changed = api_tokens.revoke_token(db.session, token)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if changed:
        click.echo(_("Đã thu hồi mã số %(id)d “%(name)s” của %(login)s.", id=token.id, name=token.name,
                     login=token.user.login))
    else:
        click.echo(_("Mã số %(id)d đã bị thu hồi từ trước; không thay đổi gì.", id=token.id))
