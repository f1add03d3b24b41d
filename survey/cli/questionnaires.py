"""``sipas questionnaire``: check and publish questionnaire definitions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from survey.cli.app import with_appcontext
from survey.i18n import _


@click.group("questionnaire", help=_("Bảng hỏi: kiểm tra và công bố định nghĩa YAML."))
def questionnaire_group() -> None:
    pass


def _load_or_report(path: str):
    from survey.domain.questionnaires import QuestionnaireError, load_questionnaire

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
    from survey.domain.questionnaires import QuestionnaireError, load_questionnaire

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
    from survey.domain.questionnaires.store import PublishError, publish
    from survey.extensions import db
    from survey.models import AuditEntry

    q = _load_or_report(file)
    source = Path(file).read_text(encoding="utf-8")
    try:
        version, created = publish(db.session, q, source)
        if created:
            db.session.add(AuditEntry(action="questionnaire.publish", target=f"{q.id}@{q.version}",
                                      details={"content_hash": version.content_hash, "filename": Path(file).name}))
        db.session.commit()
    except PublishError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    if created:
        click.echo(_("Đã công bố %(id)s phiên bản %(version)s (%(hash)s).", id=q.id, version=q.version, hash=version.content_hash[:12]))
    else:
        click.echo(_("%(id)s phiên bản %(version)s đã được công bố trước đó; không có gì thay đổi.", id=q.id, version=q.version))


@questionnaire_group.command("list", help=_("Liệt kê các bảng hỏi và phiên bản đã công bố."))
@with_appcontext
def questionnaire_list() -> None:
    from survey.domain.questionnaires.store import published_versions
    from survey.extensions import db
    from survey.i18n import format_local_date

    published = published_versions(db.session)
    if not published:
        click.echo(_("Chưa công bố bảng hỏi nào; công bố bằng: sipas questionnaire publish TỆP.yaml"))
        return
    for entry in published:
        version = entry.version
        click.echo(_(
            "%(id)s phiên bản %(version)s: %(title)s; %(items)d câu hỏi; công bố %(day)s; đợt: %(rounds)s",
            id=version.questionnaire.code, version=version.version, title=version.definition["title"]["vi"],
            items=entry.items, day=format_local_date(version.published_at),
            rounds=", ".join(entry.rounds) or _("chưa có"),
        ))
