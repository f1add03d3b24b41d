"""``sipas db``: create and migrate the database (Alembic)."""

from __future__ import annotations

import click

from survey.cli.app import with_appcontext
from survey.i18n import _


@click.group("db", help=_("Cơ sở dữ liệu: tạo và nâng cấp lược đồ."))
def db_group() -> None:
    pass


@db_group.command("upgrade", help=_("Nâng cấp cơ sở dữ liệu lên phiên bản mới nhất."))
@click.option("--revision", default="head", help=_("Phiên bản đích (mặc định: head)."))
@with_appcontext
def db_upgrade(revision: str) -> None:
    from survey.extensions import db
    from survey.models import database

    database.upgrade(db.engine, revision)
    click.echo(_("Cơ sở dữ liệu đã ở phiên bản %(rev)s.", rev=database.current_revision(db.engine)))


@db_group.command("downgrade", help=_("Hạ cơ sở dữ liệu về một phiên bản cũ hơn."))
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    from survey.extensions import db
    from survey.models import database

    database.downgrade(db.engine, revision)
    click.echo(_("Cơ sở dữ liệu đã ở phiên bản %(rev)s.", rev=database.current_revision(db.engine)))


@db_group.command("current", help=_("In phiên bản hiện tại của cơ sở dữ liệu."))
@with_appcontext
def db_current() -> None:
    from survey.extensions import db
    from survey.models import database

    click.echo(database.current_revision(db.engine) or "-")
