"""Statistician commands on the database: ``sipas frames``, ``sipas weights``, ``sipas releases``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from survey.cli.app import with_appcontext
from survey.domain.releases import CI_METHODS
from survey.i18n import _


def _session():
    from survey.extensions import db

    return db.session


def _round(code: str):
    from survey.models import SurveyRound

    survey_round = _session().scalar(select(SurveyRound).where(SurveyRound.code == code))
    if survey_round is None:
        raise click.ClickException(_("Không có đợt khảo sát mã %(code)s.", code=code))
    return survey_round


def _get(model, ident: int, message: str):
    row = _session().get(model, ident)
    if row is None:
        raise click.ClickException(message)
    return row


# --- frames ---------------------------------------------------------------------


@click.group("frames", help=_("Khung mẫu: danh sách đơn vị với tầng, PSU, quy mô tổng thể."))
def frames_group() -> None:
    pass


@frames_group.command("import", help=_("Nhập khung mẫu (CSV hoặc XLSX) cho một đợt khảo sát."))
@click.option("--round", "round_code", required=True, help=_("Mã đợt khảo sát."))
@click.option("--name", default=None, help=_("Tên khung mẫu (mặc định: tên tệp)."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def frames_import(round_code: str, name: str | None, file: str) -> None:
    from flask import current_app

    from survey.domain.paper_import import FileLimits
    from survey.domain.weights import FrameError, import_frame

    session = _session()
    survey_round = _round(round_code)
    limits = FileLimits.from_config(current_app.config)  # the IMPORT_MAX_* and XLSX_MAX_* settings
    try:
        frame = import_frame(session, survey_round, Path(file).read_bytes(), Path(file).name, name=name,
                             limits=limits)
    except FrameError as exc:
        session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(_("%(n)d lỗi trong %(file)s.", n=len(exc.problems), file=file), err=True)
        sys.exit(2)
    session.commit()
    click.echo(_("Đã nhập khung mẫu #%(id)d: %(n)d đơn vị.", id=frame.id, n=len(frame.rows)))


# --- weights ------------------------------------------------------------------------


def _parse_margin(text: str) -> tuple[str, dict[str, float]]:
    """``gender=1:480000,2:520000`` -> ("gender", {"1": 480000.0, "2": 520000.0})."""
    try:
        name, rest = text.split("=", 1)
        totals = {}
        for part in rest.split(","):
            category, total = part.rsplit(":", 1)
            totals[category.strip()] = float(total)
        return name.strip(), totals
    except ValueError:
        raise click.BadParameter(
            _("Tổng biên phải có dạng BIẾN=NHÓM:TỔNG,NHÓM:TỔNG (ví dụ gender=1:480000,2:520000)."),
            param_hint="--rake",
        ) from None


@click.group("weights", help=_("Trọng số: tính từ khung mẫu, xem chẩn đoán."))
def weights_group() -> None:
    pass


@weights_group.command("compute", help=_("Tính trọng số cho các phiếu của một đợt từ khung mẫu."))
@click.option("--round", "round_code", required=True, help=_("Mã đợt khảo sát."))
@click.option("--frame", "frame_id", required=True, type=int, help=_("Số hiệu khung mẫu."))
@click.option("--rake", "rake", multiple=True, help=_("Cân chỉnh theo tổng biên: BIẾN=NHÓM:TỔNG,... (lặp lại được)."))
@click.option("--bounds", default=None, help=_("Giới hạn hệ số cân chỉnh, ví dụ 0.3,3."))
@click.option("--nonresponse-cells", type=click.Choice(["unit", "stratum"]), default="unit", show_default=True,
              help=_("Ô điều chỉnh không trả lời."))
@click.option("--trim", type=float, default=None, help=_("Cắt trọng số tại bội số này của trung vị (ví dụ 3.5)."))
@with_appcontext
def weights_compute(round_code: str, frame_id: int, rake: tuple[str, ...], bounds: str | None,
                    nonresponse_cells: str, trim: float | None) -> None:
    from survey.domain.jobs import text_progress
    from survey.domain.weights import WeightError, compute_weight_set, diagnostics_summary
    from survey.models import SampleFrame

    session = _session()
    survey_round = _round(round_code)
    frame = _get(SampleFrame, frame_id, _("Không có khung mẫu #%(id)d.", id=frame_id))
    margins = dict(_parse_margin(text) for text in rake) or None
    rake_bounds = None
    if bounds:
        try:
            low, high = (float(x) for x in bounds.split(","))
        except ValueError:
            raise click.BadParameter(_("Giới hạn phải có dạng THẤP,CAO (ví dụ 0.3,3)."), param_hint="--bounds") from None
        rake_bounds = (low, high)
    try:
        with text_progress() as progress:
            weight_set = compute_weight_set(
                session, survey_round, frame, nonresponse_cells=nonresponse_cells, margins=margins,
                rake_bounds=rake_bounds, trim_median_multiple=trim, progress=progress,
            )
    except WeightError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    for line in diagnostics_summary(weight_set):
        click.echo(line)


@weights_group.command("show", help=_("In chẩn đoán của một bộ trọng số."))
@click.argument("weight_set_id", type=int)
@with_appcontext
def weights_show(weight_set_id: int) -> None:
    from survey.domain.weights import diagnostics_summary
    from survey.models import WeightSet

    weight_set = _get(WeightSet, weight_set_id, _("Không có bộ trọng số #%(id)d.", id=weight_set_id))
    for line in diagnostics_summary(weight_set):
        click.echo(line)


# --- releases -------------------------------------------------------------------------


@click.group("releases", help=_("Bản kết quả: tính, công bố, xuất."))
def releases_group() -> None:
    pass


@releases_group.command("compute", help=_("Tính chỉ số của một đợt và lưu thành bản kết quả (bản nháp)."))
@click.option("--round", "round_code", required=True, help=_("Mã đợt khảo sát."))
@click.option("--weights", "weight_set_id", type=int, default=None, help=_("Số hiệu bộ trọng số (mặc định: trọng số bằng nhau)."))
@click.option("--ci-method", type=click.Choice(list(CI_METHODS)), default="logit", show_default=True,
              help=_("Phương pháp khoảng tin cậy."))
@click.option("--level", type=float, default=0.95, show_default=True, help=_("Mức tin cậy."))
@click.option("--title", default=None, help=_("Tiêu đề bản kết quả."))
@click.option("--supersedes", "supersedes_id", type=int, default=None, help=_("Số hiệu bản kết quả được thay thế (đính chính)."))
@click.option("--publish", is_flag=True, help=_("Công bố ngay sau khi tính."))
@click.option("--domain-df", type=click.Choice(["domain", "design"]), default="domain", show_default=True,
              help=_("Bậc tự do của khoảng tin cậy từng đơn vị: 'domain' = số PSU có phiếu của đơn vị trừ số tầng "
                     "(như R, thận trọng với đơn vị ít PSU); 'design' = của cả thiết kế (như Stata subpop)."))
@click.option("--adjust-domain-lonely", is_flag=True,
              help=_("Áp dụng quy tắc PSU đơn lẻ cho tầng chỉ có một PSU trong đơn vị "
                     "(như R survey.adjust.domain.lonely)."))
@with_appcontext
def releases_compute(round_code: str, weight_set_id: int | None, ci_method: str, level: float,
                     title: str | None, supersedes_id: int | None, publish: bool, domain_df: str,
                     adjust_domain_lonely: bool) -> None:
    from survey.domain.jobs import text_progress
    from survey.domain.releases import ReleaseError, compute_release
    from survey.models import Release, WeightSet

    session = _session()
    survey_round = _round(round_code)
    weight_set = None
    if weight_set_id is not None:
        weight_set = _get(WeightSet, weight_set_id, _("Không có bộ trọng số #%(id)d.", id=weight_set_id))
    supersedes = None
    if supersedes_id is not None:
        supersedes = _get(Release, supersedes_id, _("Không có bản kết quả #%(id)d.", id=supersedes_id))
    try:
        with text_progress() as progress:
            release = compute_release(
                session, survey_round, weight_set=weight_set, parameters={"ci_method": ci_method, "level": level, "domain_df": domain_df,
                                                            "adjust_domain_lonely": adjust_domain_lonely},
                progress=progress, supersedes=supersedes, title=title, publish=publish,
            )
    except ReleaseError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    status = _("đã công bố") if publish else _("bản nháp")
    click.echo(
        _("Bản kết quả #%(id)d (%(round)s, số %(number)d, %(status)s): %(n)d phiếu.",
          id=release.id, round=survey_round.code, number=release.number, status=status, n=release.n_responses)
    )


@releases_group.command("list", help=_("Liệt kê các bản kết quả."))
@click.option("--round", "round_code", default=None, help=_("Chỉ các bản của đợt này."))
@with_appcontext
def releases_list(round_code: str | None) -> None:
    from survey.models import Release, SurveyRound

    query = select(Release, SurveyRound).join(SurveyRound, Release.round_id == SurveyRound.id)
    if round_code:
        query = query.where(SurveyRound.code == round_code)
    rows = _session().execute(query.order_by(SurveyRound.code, Release.number)).all()
    if not rows:
        click.echo(_("Chưa có bản kết quả nào."))
    for release, survey_round in rows:
        status = _("đã công bố") if release.status.value == "published" else _("bản nháp")
        click.echo(
            f"#{release.id}\t{survey_round.code}\t{release.number}\t{status}\t{release.n_responses}\t"
            f"{release.data_fingerprint[:12]}\t{release.title}"
        )


@releases_group.command("publish", help=_("Công bố một bản kết quả (sau đó không thay đổi được nữa)."))
@click.argument("release_id", type=int)
@with_appcontext
def releases_publish(release_id: int) -> None:
    from survey.domain.releases import ReleaseError, publish_release
    from survey.models import Release

    session = _session()
    release = _get(Release, release_id, _("Không có bản kết quả #%(id)d.", id=release_id))
    try:
        publish_release(session, release, None)
    except ReleaseError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(_("Đã công bố bản kết quả #%(id)d.", id=release.id))


@releases_group.command("export", help=_("Xuất một bản kết quả ra tệp."))
@click.argument("release_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "sav", "dta", "html"]), required=True,
              help=_("Định dạng tệp."))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help=_("Tệp kết quả."))
@click.option("--unit", "unit_code", default=None, help=_("Mã đơn vị (báo cáo in; chỉ các đơn vị trực thuộc với các định dạng khác)."))
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True, help=_("Ngôn ngữ nhãn."))
@click.option("--decimal-comma", is_flag=True, help=_("CSV: dấu phẩy thập phân và dấu chấm phẩy giữa các cột."))
@click.option("--csv-dialect", type=click.Choice(["standard", "excel-vn"]), default=None,
              help=_("Kiểu CSV: 'standard' (dấu phẩy, dấu chấm thập phân) hoặc 'excel-vn' (dấu chấm phẩy, dấu phẩy "
                     "thập phân, như Excel tiếng Việt mở)."))
@with_appcontext
def releases_export(release_id: int, fmt: str, out: str, unit_code: str | None, lang: str, decimal_comma: bool,
                    csv_dialect: str | None) -> None:
    from survey.domain.exports import ExportError, export_release
    from survey.domain.units import descendant_ids
    from survey.models import Release, Unit

    session = _session()
    release = _get(Release, release_id, _("Không có bản kết quả #%(id)d.", id=release_id))
    unit = None
    unit_ids = None
    if unit_code:
        candidates = session.scalars(select(Unit).where(Unit.code == unit_code)).all()
        valid = [u for u in candidates if u.is_valid_on(release.round.ends_on)] or list(candidates)
        if not valid:
            raise click.ClickException(_("Không có đơn vị mã %(code)s.", code=unit_code))
        unit = valid[0]
        unit_ids = descendant_ids(session, unit)
    try:
        exported = export_release(session, release, fmt, unit_ids=unit_ids, unit=unit, lang=lang,
                                  decimal_comma=decimal_comma, dialect=csv_dialect)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    Path(out).write_bytes(exported.getvalue())
    click.echo(_("Đã ghi %(file)s.", file=out))


@releases_group.command("synthetic", help=_("Tạo một đợt mô phỏng lớn và công bố bản kết quả của nó (để đo tốc độ)."))
@click.option("--responses", type=int, default=1_000_000, show_default=True, help=_("Số phiếu."))
@click.option("--units", type=int, default=3_000, show_default=True, help=_("Số xã, phường."))
@click.option("--seed", type=int, default=20260701, show_default=True, help=_("Hạt giống ngẫu nhiên."))
@click.option("--store", is_flag=True, help=_("Lưu cả các phiếu vào cơ sở dữ liệu rồi tính từ đó."))
@with_appcontext
def releases_synthetic(responses: int, units: int, seed: int, store: bool) -> None:
    import time

    from survey.domain.jobs import text_progress
    from survey.domain.synthetic import create_synthetic_release

    started = time.perf_counter()
    with text_progress() as progress:
        release = create_synthetic_release(
            _session(), n_responses=responses, n_units=units, seed=seed, store_responses=store, progress=progress
        )
    click.echo(
        _("Bản kết quả #%(id)d (%(round)s): %(n)d phiếu, %(seconds).1f giây.",
          id=release.id, round=release.round.code, n=release.n_responses, seconds=time.perf_counter() - started)
    )
