"""The ``sipas`` command line (click), with Vietnamese and English help.

The language follows ``SIPAS_LANG`` or the usual locale variables (``LANG``);
Vietnamese is the default.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from babel.support import NullTranslations, Translations
from flask import Flask, current_app

from survey.config import DEFAULT_CONNECTIONS

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def cli_language() -> str:
    for var in ("SIPAS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "en" if value.lower().startswith("en") else "vi"
    return "vi"


def _load_translations() -> NullTranslations:
    language = cli_language()
    if language == "vi":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [language])


_translations = _load_translations()


def _(message: str, **variables: object) -> str:
    text = _translations.gettext(message)
    return text % variables if variables else text


def _create_app() -> Flask:
    """The app given by the caller (tests pass ``obj=app``), else a new one from config."""
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(Flask) if ctx is not None else None
    if app is not None:
        return app
    from survey import create_app

    return create_app()


def with_appcontext(command: Callable) -> Callable:
    """Run a command inside the application context (only commands that need it)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _create_app().app_context():
            return command(*args, **kwargs)

    return wrapper


@click.group(help=_("SIPAS: đo lường sự hài lòng về dịch vụ hành chính công."))
@click.version_option(package_name="sipas")
def main() -> None:
    """Entry point of the sipas command."""


# --- database -----------------------------------------------------------


@main.group("db", help=_("Cơ sở dữ liệu: tạo và nâng cấp lược đồ."))
def db_group() -> None:
    pass


@db_group.command("upgrade", help=_("Nâng cấp cơ sở dữ liệu lên phiên bản mới nhất."))
@click.option("--revision", default="head", help=_("Phiên bản đích (mặc định: head)."))
@with_appcontext
def db_upgrade(revision: str) -> None:
    from survey import database
    from survey.extensions import db

    database.upgrade(db.engine, revision)
    click.echo(_("Cơ sở dữ liệu đã ở phiên bản %(rev)s.", rev=database.current_revision(db.engine)))


@db_group.command("downgrade", help=_("Hạ cơ sở dữ liệu về một phiên bản cũ hơn."))
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    from survey import database
    from survey.extensions import db

    database.downgrade(db.engine, revision)
    click.echo(_("Cơ sở dữ liệu đã ở phiên bản %(rev)s.", rev=database.current_revision(db.engine)))


@db_group.command("current", help=_("In phiên bản hiện tại của cơ sở dữ liệu."))
@with_appcontext
def db_current() -> None:
    from survey import database
    from survey.extensions import db

    click.echo(database.current_revision(db.engine) or "-")


# --- demo ----------------------------------------------------------------


@main.command("demo", help=_("Tạo dữ liệu mẫu (chạy lại không tạo trùng)."))
@with_appcontext
def demo_command() -> None:
    from survey import database
    from survey.demo import seed_demo
    from survey.extensions import db

    if database.current_revision(db.engine) != database.head_revision(db.engine):
        raise click.ClickException(_("Cơ sở dữ liệu chưa được nâng cấp: hãy chạy 'sipas db upgrade'."))
    report = seed_demo(db.session, Path(current_app.instance_path))
    if report.created:
        click.echo(_("Đã tạo dữ liệu mẫu: %(summary)s.", summary=report.summary()))
    else:
        click.echo(_("Dữ liệu mẫu đã có sẵn; không tạo thêm."))


# --- questionnaires ----------------------------------------------------------


@main.group("questionnaire", help=_("Bảng hỏi: kiểm tra và công bố định nghĩa YAML."))
def questionnaire_group() -> None:
    pass


def _load_or_report(path: str):
    from survey.questionnaire import QuestionnaireError, load_questionnaire

    try:
        return load_questionnaire(path)
    except QuestionnaireError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(_("%(n)d lỗi trong %(file)s.", n=len(exc.problems), file=path), err=True)
        sys.exit(1)


@questionnaire_group.command("check", help=_("Kiểm tra tệp bảng hỏi; báo từng lỗi kèm dòng và trường."))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def questionnaire_check(files: tuple[str, ...]) -> None:
    from survey.questionnaire import QuestionnaireError, load_questionnaire

    failed = 0
    for path in files:
        try:
            q = load_questionnaire(path)
        except QuestionnaireError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(_("%(n)d lỗi trong %(file)s.", n=len(exc.problems), file=path), err=True)
            continue
        click.echo(
            _(
                "%(file)s: hợp lệ (%(id)s phiên bản %(version)s, %(items)d câu hỏi).",
                file=path,
                id=q.id,
                version=q.version,
                items=len(q.items),
            )
        )
    if failed:
        sys.exit(1)


@questionnaire_group.command("publish", help=_("Công bố tệp bảng hỏi thành một phiên bản không thay đổi được."))
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@with_appcontext
def questionnaire_publish(file: str) -> None:
    from survey.extensions import db
    from survey.questionnaires import PublishError, publish

    q = _load_or_report(file)
    source = Path(file).read_text(encoding="utf-8")
    try:
        version, created = publish(db.session, q, source)
        db.session.commit()
    except PublishError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    if created:
        click.echo(_("Đã công bố %(id)s phiên bản %(version)s (%(hash)s).", id=q.id, version=q.version, hash=version.content_hash[:12]))
    else:
        click.echo(_("%(id)s phiên bản %(version)s đã được công bố trước đó; không có gì thay đổi.", id=q.id, version=q.version))


# --- serving ------------------------------------------------------------------


@main.command("serve", help=_("Chạy máy chủ web (gunicorn) cho môi trường thật."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("Địa chỉ lắng nghe."))
@click.option("--port", default=5000, show_default=True, type=int, help=_("Cổng."))
@click.option("--workers", default=None, type=int, help=_("Số tiến trình (mặc định: 2 với SQLite, 2 × số lõi + 1 với PostgreSQL)."))
@click.option("--connections", default=DEFAULT_CONNECTIONS, show_default=True, type=int,
              help=_("Số kết nối mở tối đa mỗi tiến trình (mỗi kết nối một luồng)."))
def serve_command(host: str, port: int, workers: int | None, connections: int) -> None:
    from survey.server import run_gunicorn

    app = _create_app()
    urls = Path(app.instance_path) / "demo-urls.txt"
    click.echo(_("SIPAS đang chạy tại http://%(host)s:%(port)d/", host=host, port=port))
    if urls.exists():
        click.echo(urls.read_text(encoding="utf-8").replace("{base}", f"http://{host}:{port}"))
    run_gunicorn(app, host=host, port=port, workers=workers, connections=connections)


def _register_optional_commands() -> None:
    """Commands contributed by other areas (analysis, devices, invitations...)."""
    import importlib

    for module_name, attributes in (
        ("survey.commands.analysis", ("indices_command", "estimate_command")),
        ("survey.commands.devices", ("devices_group",)),
        ("survey.commands.invitations", ("invitations_group",)),
        ("survey.commands.staff", ("staff_group",)),
        ("survey.commands.releases", ("releases_group", "weights_group", "frames_group")),
        ("survey.commands.imports", ("import_command",)),
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for attribute in attributes:
            command = getattr(module, attribute, None)
            if command is not None:
                main.add_command(command)


_register_optional_commands()
