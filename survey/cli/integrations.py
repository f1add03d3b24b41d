"""``sipas integrations``: credentials of the one-stop-shop systems that post dossier events."""

from __future__ import annotations

import click

from survey.cli.app import with_appcontext
from survey.cli.loaders import unit_or_exit
from survey.cli.output import echo_table
from survey.i18n import _, format_local_datetime


@click.group("integrations", help=_(
    "Thông tin kết nối của các hệ thống một cửa gửi hồ sơ: tạo, liệt kê, thu hồi."))
def integrations_group() -> None:
    pass


@integrations_group.command("add", help=_(
    "Tạo thông tin kết nối cho một hệ thống một cửa, được gửi hồ sơ của một đơn vị và các đơn vị trực thuộc."))
@click.option("--name", "system_name", required=True, help=_("Tên hệ thống, ví dụ \"Một cửa điện tử tỉnh H26\"."))
@click.option("--unit", "unit_code", required=True, help=_("Mã đơn vị SIPAS của phạm vi."))
@with_appcontext
def add_command(system_name: str, unit_code: str) -> None:
    from survey.domain.dossiers import CredentialError, add_credential
    from survey.extensions import db

    unit = unit_or_exit(unit_code)
    try:
        credential, secret = add_credential(db.session, system_name, unit)
        db.session.commit()
    except CredentialError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(_("Đã tạo thông tin kết nối số %(id)d: %(name)s, phạm vi %(unit)s %(unit_name)s và các đơn vị "
                 "trực thuộc.", id=credential.id, name=credential.system_name, unit=unit.code, unit_name=unit.name))
    click.echo(_("Khóa bí mật (chỉ hiện một lần; hãy chuyển cho quản trị hệ thống một cửa qua kênh an toàn):"))
    click.echo(secret)


@integrations_group.command("list", help=_("Liệt kê thông tin kết nối, phạm vi và lần dùng gần nhất."))
@with_appcontext
def list_command() -> None:
    from survey.domain.dossiers import list_credentials
    from survey.extensions import db

    credentials = list_credentials(db.session)
    if not credentials:
        click.echo(_("Chưa có thông tin kết nối nào."))
        return
    rows = [(_("Số"), _("Hệ thống"), _("Phạm vi"), _("Dùng gần nhất"), _("Tình trạng"))]
    for c in credentials:
        status = _("đã thu hồi") if c.revoked_at else _("hoạt động")
        last = format_local_datetime(c.last_used_at) if c.last_used_at else _("chưa bao giờ")
        rows.append((str(c.id), c.system_name, f"{c.unit.code} {c.unit.name}", last, status))
    echo_table(rows)


@integrations_group.command("revoke", help=_("Thu hồi thông tin kết nối của một hệ thống; khóa của nó hết hiệu lực ngay."))
@click.argument("system_name")
@with_appcontext
def revoke_command(system_name: str) -> None:
    from survey.domain.dossiers import CredentialError, revoke_credential
    from survey.extensions import db

    try:
        credential = revoke_credential(db.session, system_name)
        db.session.commit()
    except CredentialError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(_("Đã thu hồi thông tin kết nối của %(name)s.", name=credential.system_name))
