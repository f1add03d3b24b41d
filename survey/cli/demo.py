"""``sipas demo``: seed the demo data (idempotent)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from survey.cli.app import with_appcontext
from survey.i18n import _


@click.command("demo", help=_("Tạo dữ liệu mẫu (chạy lại không tạo trùng)."))
@with_appcontext
def demo_command() -> None:
    from survey.domain.demo import DEMO_URLS_FILE, seed_demo
    from survey.extensions import db
    from survey.models import database

    if database.current_revision(db.engine) != database.head_revision(db.engine):
        raise click.ClickException(_("Cơ sở dữ liệu chưa được nâng cấp: hãy chạy 'sipas db upgrade'."))
    report = seed_demo(db.session, Path(current_app.instance_path))
    if report.created:
        click.echo(_("Đã tạo dữ liệu mẫu: %(summary)s.", summary=report.summary()))
    else:
        click.echo(_("Dữ liệu mẫu đã có sẵn; không tạo thêm."))
    urls = Path(current_app.instance_path) / DEMO_URLS_FILE
    if urls.exists():  # the kiosk URLs carry the tablets' tokens: never printed, only the file named
        click.echo(_("Đường dẫn máy tính bảng và tài khoản mẫu: trong tệp %(path)s (chỉ chủ tệp đọc được).", path=urls))
