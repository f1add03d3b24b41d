"""``sipas dossiers``: import dossier events, the procedure catalogue and the portal's unit codes; the month's score."""

from __future__ import annotations

import math
import sys
from datetime import datetime
from pathlib import Path

import click
from babel.numbers import format_decimal

from survey.cli.app import with_appcontext
from survey.cli.loaders import unit_or_exit
from survey.cli.tables import output_options, write_table
from survey.domain.unit_kinds import N_
from survey.i18n import LOCAL_TZ, _, current_language, format_local_date

# The Circular 01 levels as the definition file names them, for the message catalogue.
LEVEL_LABELS = (N_("Rất hài lòng"), N_("Hài lòng"), N_("Không hài lòng"))
BAND_NAMES = (N_("Tốt"), N_("Đạt"), N_("Chưa đạt"))  # placeholders of 766-2022.json; a province's own stay as written
FILE_ARGUMENT = click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
SHEET_OPTION = click.option("--sheet", help=_("Tên trang tính trong tệp XLSX (mặc định: trang đầu tiên)."))
DRY_RUN_OPTION = click.option("--dry-run", is_flag=True, help=_("Chỉ kiểm tra, không lưu gì."))


@click.group("dossiers", help=_(
    "Hồ sơ thủ tục hành chính (Quyết định 766/QĐ-TTg): nhập sự kiện hồ sơ, danh mục thủ tục, ánh xạ mã đơn vị; "
    "tính điểm hài lòng theo tháng."))
def dossiers_group() -> None:
    pass


def _enqueue_recount() -> None:
    """Enqueue the recount of stale ended months (once: not while one waits), so the next view finds them current."""
    from flask import current_app

    from survey.domain.dossiers.recount import enqueue_recount
    from survey.extensions import db
    from survey.serving.queue import start_job

    try:
        enqueue_recount(db.session, lambda kind: start_job(current_app._get_current_object(), kind))
    except Exception as exc:  # noqa: BLE001 -- the data is committed; the dashboard counts what is stale itself
        click.echo(_("Không xếp được việc đếm lại các tháng đã qua: %(error)s", error=exc), err=True)


def _finish(report, file: Path, dry_run: bool, done: str, checked: str) -> None:
    """Commit a clean import (unless a dry run) and print its outcome, or every problem and exit 1."""
    from survey.extensions import db

    if not report.ok:
        db.session.rollback()
        for problem in report.problems:
            click.echo(problem.line(str(file)), err=True)
        click.echo(_("%(n)d lỗi; không lưu gì.", n=len(report.problems)), err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
        click.echo(checked)
    else:
        db.session.commit()
        click.echo(done)


@dossiers_group.command("import", help=_(
    "Nhập sự kiện hồ sơ từ tệp CSV hoặc XLSX với tên trường của Cổng Dịch vụ công quốc gia (MaHoSo, MaTTHC, "
    "DonViXuLy, NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra, ThoiGianSuKien…; ngày dạng yyyyMMddHHmmss). "
    "Có lỗi thì không lưu gì; nhập lại cùng tệp không thay đổi gì."))
@FILE_ARGUMENT
@click.option("--source", default="tep-nhap", show_default=True,
              help=_("Tên hệ thống một cửa gửi tệp (mã hồ sơ là duy nhất trong một hệ thống)."))
@SHEET_OPTION
@DRY_RUN_OPTION
@with_appcontext
def import_command(file: Path, source: str, sheet: str | None, dry_run: bool) -> None:
    from flask import current_app

    from survey.domain.dossiers import import_event_file
    from survey.extensions import db

    report = import_event_file(db.session, file.read_bytes(), file.name, source=source, sheet=sheet,
                               dry_run=dry_run, max_rows=current_app.config["DOSSIER_BATCH_MAX_EVENTS"])
    counts = {"stored": report.created, "duplicates": report.duplicates}
    _finish(report, file, dry_run,
            _("Đã lưu %(stored)d sự kiện; %(duplicates)d sự kiện đã có từ trước.", **counts),
            _("Kiểm tra xong, không lưu gì: %(stored)d sự kiện mới, %(duplicates)d sự kiện đã có.", **counts))
    if report.created and not dry_run:
        _enqueue_recount()


def _catalogue_import(importer, file: Path, sheet: str | None, dry_run: bool, done, checked) -> None:
    """Run a catalogue import; ``done`` and ``checked`` make its outcome line from the counts."""
    from survey.extensions import db

    report = importer(db.session, file.read_bytes(), file.name, sheet=sheet, dry_run=dry_run)
    counts = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
    _finish(report, file, dry_run, done(counts), checked(counts))


@dossiers_group.command("procedures-import", help=_(
    "Nhập danh mục thủ tục hành chính (MaTTHC, TenTTHC, MaLinhVuc, TenLinhVuc) từ tệp CSV hoặc XLSX."))
@FILE_ARGUMENT
@SHEET_OPTION
@DRY_RUN_OPTION
@with_appcontext
def procedures_import_command(file: Path, sheet: str | None, dry_run: bool) -> None:
    from survey.domain.dossiers import import_procedures

    _catalogue_import(
        import_procedures, file, sheet, dry_run,
        lambda counts: _("Thủ tục: tạo %(created)d, cập nhật %(updated)d, giữ nguyên %(unchanged)d.", **counts),
        lambda counts: _("Kiểm tra xong, không lưu gì: sẽ tạo %(created)d, cập nhật %(updated)d, giữ nguyên "
                         "%(unchanged)d thủ tục.", **counts))


@dossiers_group.command("units-map", help=_(
    "Nhập bảng ánh xạ mã đơn vị trên Cổng (MaDonViCong, ví dụ H26.189) sang mã đơn vị SIPAS (MaDonVi)."))
@FILE_ARGUMENT
@SHEET_OPTION
@DRY_RUN_OPTION
@with_appcontext
def units_map_command(file: Path, sheet: str | None, dry_run: bool) -> None:
    from survey.domain.dossiers import import_unit_map

    _catalogue_import(
        import_unit_map, file, sheet, dry_run,
        lambda counts: _("Mã đơn vị: tạo %(created)d, cập nhật %(updated)d, giữ nguyên %(unchanged)d.", **counts),
        lambda counts: _("Kiểm tra xong, không lưu gì: sẽ tạo %(created)d, cập nhật %(updated)d, giữ nguyên "
                         "%(unchanged)d mã đơn vị.", **counts))


class Month(click.ParamType):
    """A month written yyyy-mm or mm/yyyy."""

    name = "MONTH"

    def convert(self, value, param, ctx) -> tuple[int, int]:
        for fmt in ("%Y-%m", "%m/%Y"):
            try:
                moment = datetime.strptime(str(value).strip(), fmt)
                return moment.year, moment.month
            except ValueError:
                continue
        self.fail(_("%(value)s không phải là một tháng; hãy ghi yyyy-mm, ví dụ 2026-11.", value=value), param, ctx)


def _number(value: float) -> str:
    """Two decimals in the user's locale (4,91); "không áp dụng" for a zero denominator."""
    if value is None or math.isnan(value):
        return _("không áp dụng")
    return format_decimal(value, format="#,##0.00", locale=current_language())


@dossiers_group.command("score", help=_(
    "Điểm nhóm chỉ số Mức độ hài lòng (5.2, 5.3, 5.4) của từng đơn vị trong một tháng, theo Quyết định 766/QĐ-TTg."))
@click.option("--month", "month", type=Month(), required=True, help=_("Tháng, dạng yyyy-mm (ví dụ 2026-11)."))
@click.option("--unit", "unit_code", help=_("Chỉ đơn vị này và các đơn vị trực thuộc (mã SIPAS)."))
@click.option("--definition", "version", help=_("Phiên bản định nghĩa chỉ số (mặc định: mới nhất), ví dụ 766-2022."))
@output_options
@with_appcontext
def score_command(month: tuple[int, int], unit_code: str | None, version: str | None, fmt: str,
                  out: str | None) -> None:
    import pandas as pd

    from survey.domain.dossiers import current_definition, definition_path, month_score
    from survey.domain.units import descendant_ids
    from survey.extensions import db

    if version and not definition_path(version).is_file():
        raise click.ClickException(_("Không có định nghĩa chỉ số phiên bản %(version)s.", version=version))
    scope = descendant_ids(db.session, unit_or_exit(unit_code)) if unit_code else None
    now = datetime.now(LOCAL_TZ)
    score = month_score(db.session, *month, definition=current_definition(version), as_of=now, unit_ids=scope,
                        shown=sorted(scope) if scope else None)
    note = _("Tháng %(month)s, định nghĩa %(version)s.", month=score.period.label, version=score.definition.version)
    if score.outside_calendar:
        note += " " + _("Lịch ngày nghỉ lễ không có năm %(year)d: chỉ trừ thứ Bảy, Chủ nhật.", year=month[0])
    keep = [scope is None or unit.id in scope for unit in score.units]
    if not any(keep):
        click.echo(note)
        click.echo(_("Không có hồ sơ nào được tiếp nhận trong tháng."))
        return
    frame = pd.DataFrame({
        "unit": [u.code for u in score.units], "name": [u.name for u in score.units],
        "received": score.dossiers.denominator, "satisfied": score.dossiers.numerator,
        "percent_5_4": score.dossiers.percent, "points_5_4": score.dossiers.points,
        "pakn": score.on_time.denominator, "points_5_2": score.on_time.points, "points_5_3": score.satisfied.points,
        "points_group": score.group.points, "applicable_max": score.group.applicable_max,
    }).loc[keep]
    headers = {"unit": _("Mã"), "name": _("Tên"), "received": _("Hồ sơ tiếp nhận"), "satisfied": _("Hài lòng"),
               "percent_5_4": _("Tỷ lệ 5.4 (%)"), "points_5_4": _("Điểm 5.4"), "pakn": _("PAKN"),
               "points_5_2": _("Điểm 5.2"), "points_5_3": _("Điểm 5.3"), "points_group": _("Nhóm MDHL"),
               "applicable_max": _("Trên tối đa")}
    if fmt == "text":
        for column in ("percent_5_4", "points_5_4", "points_5_2", "points_5_3", "points_group", "applicable_max"):
            frame[column] = [_number(v) for v in frame[column]]
    write_table(frame, headers, fmt, out, note)


@dossiers_group.command("ratings", help=_(
    "Báo cáo đánh giá hồ sơ theo Thông tư 01/2018/TT-VPCP trong một tháng: điểm trung bình từng chỉ số, tổng điểm, "
    "tỷ lệ từng mức hài lòng, xếp loại (chỉ số liệu tổng hợp)."))
@click.option("--month", "month", type=Month(), required=True, help=_("Tháng, dạng yyyy-mm (ví dụ 2026-11)."))
@output_options
@with_appcontext
def ratings_command(month: tuple[int, int], fmt: str, out: str | None) -> None:
    import pandas as pd

    from survey.domain.dossiers import current_definition, month_ratings
    from survey.extensions import db

    definition = current_definition()
    ratings = month_ratings(db.session, *month, definition=definition)
    if not ratings.units:
        click.echo(_("Không có đánh giá hồ sơ nào trong tháng."))
        return
    report = ratings.report
    columns = {"unit": [u.code for u in ratings.units], "name": [u.name for u in ratings.units],
               "ratings": report.ratings}
    headers = {"unit": _("Mã"), "name": _("Tên"), "ratings": _("Số đánh giá")}
    for index in range(definition.n_indices):
        columns[f"index_{index + 1}"] = report.index_mean[:, index]
        headers[f"index_{index + 1}"] = _("CS %(n)d", n=index + 1)
    columns["total"] = report.total_mean
    headers["total"] = _("Tổng / %(max)d", max=report.max_total)
    for position, level in enumerate(report.level_names):
        columns[f"share_{level}"] = report.level_share[:, position] * 100
        headers[f"share_{level}"] = _("%(level)s (%%)", level=definition.text(definition.level_labels[level],
                                                                               current_language()))
    columns["band"] = [definition.text(band, current_language()) if band else "" for band in report.band]
    headers["band"] = _("Xếp loại")
    frame = pd.DataFrame(columns)
    if fmt == "text":
        for column in [c for c in frame.columns if c.startswith(("index_", "share_")) or c == "total"]:
            frame[column] = [_number(v) for v in frame[column]]
    write_table(frame, headers, fmt, out, _("Tháng %(month)s, định nghĩa %(version)s.",
                                            month=ratings.period.label, version=definition.version))


@dossiers_group.command("purge", help=_(
    "Xóa hồ sơ (cùng sự kiện, đánh giá của hồ sơ), phản ánh, kiến nghị và nhật ký truy cập cũ hơn thời hạn lưu giữ "
    "(SIPAS_DOSSIER_RETENTION_DAYS), tính theo ngày gần nhất của hồ sơ; ghi một dòng nhật ký kiểm toán."))
@with_appcontext
def purge_command() -> None:
    from flask import current_app

    from survey.domain.dossiers import purge_expired
    from survey.extensions import db

    days = current_app.config["DOSSIER_RETENTION_DAYS"]
    report = purge_expired(db.session, days)
    db.session.commit()
    counts = report.counts
    click.echo(_("Đã xóa dữ liệu cũ hơn %(days)d ngày (trước %(limit)s): %(dossiers)d hồ sơ, %(events)d sự kiện, "
                 "%(ratings)d đánh giá hồ sơ, %(complaints)d phản ánh, kiến nghị, %(log)d dòng nhật ký truy cập.",
                 days=days, limit=format_local_date(report.limit), dossiers=counts["dossiers"],
                 events=counts["events"], ratings=counts["ratings"], complaints=counts["complaints"],
                 log=counts["access_log"]))
    _enqueue_recount()


@dossiers_group.command("recount", help=_(
    "Đếm lại và lưu số liệu các tháng đã qua bị cũ (sau khi nâng cấp, sau khi xóa dữ liệu cũ hay nhập hàng loạt), "
    "để lần xem bảng điều khiển Quyết định 766 tiếp theo không phải đếm lại."))
@click.option("--months", type=click.IntRange(min=1, max=120), help=_(
    "Chỉ N tháng đã qua gần nhất (mặc định: 12 tháng của biểu đồ xu hướng và mọi tháng cũ hơn có số liệu bị cũ)."))
@with_appcontext
def recount_command(months: int | None) -> None:
    from survey.domain.dossiers.recount import recount_months
    from survey.domain.jobs import text_progress
    from survey.extensions import db

    with text_progress() as progress:
        report = recount_months(db.session, months=months, progress=progress)
    db.session.commit()
    click.echo(_("Đã đếm lại %(units)d tháng của đơn vị (trong %(months)d tháng).", units=report.unit_months,
                 months=report.months))


@dossiers_group.command("rating-link", help=_(
    "In đường dẫn đánh giá của một hồ sơ (mã hóa thành mã QR trên phiếu hẹn trả kết quả) và địa chỉ trang in phiếu; "
    "--sms gửi đường dẫn qua bộ gửi SMS đã cấu hình (SIPAS_DOSSIER_SMS_SENDER)."))
@click.argument("dossier_code")
@click.option("--source", help=_("Tên hệ thống một cửa, khi nhiều hệ thống có cùng mã hồ sơ."))
@click.option("--sms", "phone", help=_("Số điện thoại di động nhận đường dẫn (không được lưu lại)."))
@click.option("--base-url", help=_("Địa chỉ công khai của SIPAS, ví dụ https://sipas.example.gov.vn."))
@with_appcontext
def rating_link_command(dossier_code: str, source: str | None, phone: str | None, base_url: str | None) -> None:
    from flask import current_app

    from survey.cli.loaders import public_base_url
    from survey.domain.dossiers import log_dossier_access
    from survey.domain.dossiers.rating import find_dossiers, rating_token
    from survey.domain.dossiers.sms import SmsError, make_sender, normalise_phone, rating_sms_text
    from survey.extensions import db

    base = public_base_url(base_url).rstrip("/")
    found = find_dossiers(db.session, dossier_code, source)
    if not found:
        raise click.ClickException(_("Không có hồ sơ mã %(code)s.", code=dossier_code))
    if len(found) > 1:
        raise click.ClickException(_("Có %(n)d hồ sơ mã %(code)s (hệ thống: %(sources)s); hãy chọn --source.",
                                     n=len(found), code=dossier_code, sources=", ".join(d.source for d in found)))
    dossier = found[0]
    try:
        outbox = current_app.config["DOSSIER_SMS_OUTBOX"]
        sender = make_sender(current_app.config["DOSSIER_SMS_SENDER"], Path(outbox) if outbox else None) \
            if phone else None
        phone = normalise_phone(phone) if phone else None
    except SmsError as exc:
        raise click.ClickException(str(exc)) from None
    log_dossier_access(db.session, actor="cli", action="rating_link", rows=1, dossier_code=dossier.code,
                       details={"sms": bool(phone)})
    db.session.commit()
    url = f"{base}/d/{rating_token(current_app.config['SECRET_KEY'], dossier)}"
    click.echo(url)
    click.echo(_("Trang in phiếu có mã QR: %(url)s", url=f"{url}/slip"))
    if sender is not None and phone:
        sender.send(phone, rating_sms_text(url, dossier.code))  # after the commit, like every side effect
        click.echo(_("Đã gửi đường dẫn qua SMS."))
