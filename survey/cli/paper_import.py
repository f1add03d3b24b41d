"""``sipas import``: paper questionnaires typed into CSV or XLSX, imported all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from survey.cli.app import with_appcontext
from survey.cli.loaders import round_or_exit
from survey.i18n import _


def _parse_mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, target = pair.partition("=")
        if not sep or not header.strip():
            raise click.BadParameter(
                _("Cần dạng TIÊU_ĐỀ=mã_câu_hỏi, ví dụ \"Câu 1=a1\"; nhận được %(value)s.", value=repr(pair)),
                param_hint="--map",
            )
        target = target.strip()
        mapping[header.strip()] = "" if target in ("", "-") else target
    return mapping


@click.command(
    "import",
    help=_(
        "Nhập phiếu giấy đã được nhập liệu vào tệp CSV hoặc XLSX: kiểm tra mọi dòng, "
        "có lỗi thì không lưu gì; nhập lại cùng tệp không tạo phiếu trùng. "
        "Cột đặc biệt: @unit (mã đơn vị, bắt buộc), @form (số phiếu), @date (ngày), "
        "@stratum, @psu, @ssu, @weight; '-' để bỏ qua một cột."
    ),
)
@click.option("--round", "round_code", required=True, help=_("Mã đợt khảo sát."))
@click.option("--sheet", help=_("Tên trang tính trong tệp XLSX (mặc định: trang đầu tiên)."))
@click.option("--map", "pairs", multiple=True, metavar="HEADER=ITEM",
              help=_("Gán một cột cho một câu hỏi, ví dụ --map \"Câu 1=a1\" (có thể lặp lại)."))
@click.option("--dry-run", is_flag=True, help=_("Chỉ kiểm tra, không lưu gì."))
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@with_appcontext
def import_command(round_code: str, sheet: str | None, pairs: tuple[str, ...], dry_run: bool, file: Path) -> None:

    from flask import current_app

    from survey.domain.paper_import import FileLimits, ImportProblem, run_import
    from survey.extensions import db

    limits = FileLimits.from_config(current_app.config)

    mapping = _parse_mapping(pairs)
    survey_round = round_or_exit(round_code)
    name = str(file)
    size = file.stat().st_size
    if size > limits.max_bytes:  # said before reading a huge file into memory
        too_large = ImportProblem("too_large", {"size": f"{size / 1048576:.1f}",
                                                "max": f"{limits.max_bytes / 1048576:g}"})
        click.echo(too_large.line(name, _), err=True)
        sys.exit(1)
    data = file.read_bytes()
    try:
        report = run_import(db.session, survey_round, data, file.name, mapping=mapping, sheet=sheet,
                            dry_run=dry_run, limits=limits)
        if report.batch is not None:
            db.session.commit()
        else:
            db.session.rollback()
    except Exception:
        db.session.rollback()
        raise

    for notice in report.notices:
        click.echo(f"{name}: {notice.message(_)}")
    if not report.ok:
        for problem in report.problems:
            click.echo(problem.line(name, _), err=True)
        hidden = report.problem_count - len(report.problems)
        if hidden:
            click.echo(_("… và %(n)d lỗi khác.", n=hidden), err=True)
        click.echo(
            _("%(n)d lỗi trong %(file)s; không lưu phiếu nào.", n=report.problem_count, file=name), err=True
        )
        sys.exit(1)
    for duplicate in report.duplicates:
        click.echo(ImportProblem.line(duplicate, name, _))
    if report.already_imported is not None:
        return
    if dry_run:
        click.echo(
            _(
                "%(file)s: %(rows)d dòng hợp lệ, %(new)d phiếu mới, %(dup)d phiếu đã có; "
                "không lưu gì (--dry-run).",
                file=name, rows=report.rows, new=len(report.prepared), dup=len(report.duplicates),
            )
        )
        return
    click.echo(
        _(
            "Đã nhập %(new)d phiếu từ %(file)s vào đợt %(round)s (lô %(batch)d); "
            "%(dup)d phiếu đã có từ trước, bỏ qua.",
            new=report.created, file=name, round=survey_round.code, batch=report.batch.id,
            dup=len(report.duplicates),
        )
    )


@click.command(
    "import-template",
    help=_(
        "Ghi tệp mẫu để nhập phiếu giấy của một đợt khảo sát: OUT.xlsx (có danh sách mã phương án "
        "và trang \"Mã phương án\") hoặc OUT.csv (UTF-8). Tệp mẫu điền đủ sẽ nhập được ngay."
    ),
)
@click.option("--round", "round_code", required=True, help=_("Mã đợt khảo sát."))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def import_template_command(round_code: str, out: Path) -> None:
    from survey.domain.paper_import import TEMPLATE_FORMATS, build_template
    from survey.domain.responses import questionnaire_for
    from survey.models import Channel

    file_format = out.suffix.lower().lstrip(".")
    if file_format not in TEMPLATE_FORMATS:
        raise click.ClickException(_("Tệp mẫu phải có đuôi .xlsx hoặc .csv: %(file)s.", file=str(out)))
    survey_round = round_or_exit(round_code)
    if Channel.PAPER.value not in survey_round.channels:
        raise click.ClickException(_("Đợt khảo sát %(round)s không nhận phiếu giấy.", round=survey_round.code))
    data = build_template(survey_round, questionnaire_for(survey_round.questionnaire_version), file_format)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(_("Không ghi được tệp %(file)s: %(reason)s", file=str(out), reason=exc.strerror)) from None
    click.echo(_("Đã ghi tệp mẫu %(file)s cho đợt %(round)s.", file=str(out), round=survey_round.code))
