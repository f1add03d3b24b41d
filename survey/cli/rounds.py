"""``sipas rounds``: create, open, close and list survey rounds."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from survey.cli.app import with_appcontext
from survey.cli.loaders import round_or_exit
from survey.cli.output import echo_table
from survey.domain.rounds import (
    CHANNELS,
    RoundError,
    RoundFields,
    close_round,
    create_round,
    kind_label,
    list_rounds,
    open_round,
    parse_day,
    status_label,
)
from survey.extensions import db
from survey.i18n import _, format_local_date
from survey.models import RoundKind, SurveyRound

KINDS = {"yearly": RoundKind.YEARLY_SAMPLE, "counter": RoundKind.CONTINUOUS_COUNTER}
# Which option each field of a RoundError came from.
OPTIONS = {
    "code": "CODE", "name": "--name", "questionnaire": "--questionnaire", "version": "--version",
    "kind": "--kind", "channels": "--channels", "starts_on": "--from", "ends_on": "--to", "units": "--unit",
    "reason": "--reason", "status": "CODE",
}


@click.group("rounds", help=_("Đợt khảo sát: tạo, mở, đóng và liệt kê."))
def rounds_group() -> None:
    pass


def _stop(problems: dict[str, str]) -> NoReturn:
    """Roll back, print every problem with the option it concerns, exit 1."""
    db.session.rollback()
    for field, message in problems.items():
        click.echo(f"{OPTIONS.get(field, field)}: {message}", err=True)
    sys.exit(1)


def _day(text: str, field: str, problems: dict[str, str]):
    day = parse_day(text)
    if day is None:
        problems[field] = _("%(text)s không phải là một ngày (dd/mm/yyyy).", text=text)
    return day


@rounds_group.command("create", help=_("Tạo một đợt khảo sát ở trạng thái nháp."))
@click.argument("code")
@click.option("--name", required=True, help=_("Tên đợt, ví dụ \"SIPAS 2026\"."))
@click.option("--questionnaire", "questionnaire", required=True, help=_("Mã bảng hỏi đã công bố."))
@click.option("--version", "version", default=None, help=_("Phiên bản bảng hỏi (mặc định: bản mới nhất)."))
@click.option("--kind", type=click.Choice(sorted(KINDS)), required=True,
              help=_("yearly: khảo sát năm chọn mẫu; counter: đánh giá liên tục tại quầy."))
@click.option("--channels", required=True, help=_("Các kênh, cách nhau bởi dấu phẩy: %(channels)s.",
                                                  channels=",".join(CHANNELS)))
@click.option("--from", "starts_on", required=True, help=_("Ngày bắt đầu (dd/mm/yyyy)."))
@click.option("--to", "ends_on", required=True, help=_("Ngày kết thúc (dd/mm/yyyy)."))
@click.option("--unit", "units", multiple=True, help=_("Mã đơn vị trong phạm vi (lặp lại; bỏ trống: mọi đơn vị)."))
@with_appcontext
def create(code: str, name: str, questionnaire: str, version: str | None, kind: str, channels: str,
           starts_on: str, ends_on: str, units: tuple[str, ...]) -> None:
    bad_days: dict[str, str] = {}
    fields = RoundFields(
        code=code, name=name, questionnaire=questionnaire, version=version, kind=KINDS[kind],
        channels=tuple(c.strip() for c in channels.split(",") if c.strip()),
        starts_on=_day(starts_on, "starts_on", bad_days), ends_on=_day(ends_on, "ends_on", bad_days),
        unit_codes=tuple(units),
    )
    try:
        survey_round = create_round(db.session, fields)
    except RoundError as exc:
        _stop({**exc.problems, **bad_days})
    db.session.commit()
    version_row = survey_round.questionnaire_version
    click.echo(_("Đã tạo đợt %(code)s (nháp): %(q)s phiên bản %(v)s, %(from)s – %(to)s, %(units)s.",
                 code=survey_round.code, q=version_row.questionnaire.code, v=version_row.version,
                 units=_scope_text(survey_round), **{"from": format_local_date(survey_round.starts_on),
                                                     "to": format_local_date(survey_round.ends_on)}))
    click.echo(_("Mở đợt để nhận phiếu: sipas rounds open %(code)s", code=survey_round.code))


def _scope_text(survey_round: SurveyRound) -> str:
    if not survey_round.units:
        return _("mọi đơn vị")
    return _("%(n)d đơn vị", n=len(survey_round.units))


@rounds_group.command("open", help=_("Mở một đợt để nhận phiếu; mở lại đợt đã đóng cần --reason."))
@click.argument("code")
@click.option("--reason", default=None, help=_("Lý do mở lại một đợt đã đóng (ghi vào nhật ký)."))
@with_appcontext
def open_command(code: str, reason: str | None) -> None:
    survey_round = round_or_exit(code)
    try:
        open_round(db.session, survey_round, reason=reason)
    except RoundError as exc:
        _stop(exc.problems)
    db.session.commit()
    click.echo(_("Đợt %(code)s đang mở.", code=survey_round.code))


@rounds_group.command("close", help=_("Đóng một đợt: không kênh nào nhận phiếu của đợt này nữa."))
@click.argument("code")
@with_appcontext
def close_command(code: str) -> None:
    survey_round = round_or_exit(code)
    try:
        close_round(db.session, survey_round)
    except RoundError as exc:
        _stop(exc.problems)
    db.session.commit()
    click.echo(_("Đã đóng đợt %(code)s.", code=survey_round.code))


@rounds_group.command("list", help=_("Liệt kê các đợt khảo sát với trạng thái và số phiếu."))
@with_appcontext
def list_command() -> None:
    summaries = list_rounds(db.session)
    if not summaries:
        click.echo(_("Chưa có đợt khảo sát nào; tạo bằng: sipas rounds create."))
        return
    rows = [(_("Mã"), _("Tên"), _("Loại"), _("Bảng hỏi"), _("Kênh"), _("Thời gian"), _("Trạng thái"), _("Số phiếu"))]
    for summary in summaries:
        r = summary.survey_round
        rows.append((
            r.code, r.name, kind_label(r.kind),
            f"{r.questionnaire_version.questionnaire.code}@{r.questionnaire_version.version}",
            ",".join(r.channels), f"{format_local_date(r.starts_on)} – {format_local_date(r.ends_on)}",
            status_label(r.status), str(summary.responses),
        ))
    echo_table(rows)
