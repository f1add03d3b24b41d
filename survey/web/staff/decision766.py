"""The Decision 766 satisfaction score of a unit and month: indicators 5.2–5.4, the group out of 18, its trend,
the dossiers that cost points, the Circular 01 report, beside the unit's SIPAS index; and the table's download.

Managers see aggregates of their own units only (``get_unit_or_404``, ``scope_ids``); each view that reads
dossier-level rows to build those aggregates writes one row of the dossier access log.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from analysis.decision766 import Period
from survey.domain.dossiers import (
    current_definition,
    last_purge_limit,
    log_dossier_access,
    month_ratings,
    trend_scores,
)
from survey.domain.dossiers.rating import criterion_labels
from survey.domain.dossiers.reports import (
    INDICATORS,
    LostRow,
    UnitScore,
    lost_points,
    scope_score,
)
from survey.domain.dossiers.scoring import local_moment
from survey.domain.handover import (
    COUNT_FORMAT,
    PERCENT_FORMAT,
    POINTS_FORMAT,
    csv_bytes,
    set_column_widths,
)
from survey.domain.spreadsheet_cells import append_row
from survey.extensions import db
from survey.i18n import LOCAL_TZ, current_language
from survey.models import Release, ReleaseIndex, ReleaseStatus, SurveyRound, Unit, utcnow
from survey.web.auth import staff_required
from survey.web.charts import fast_percent
from survey.web.charts_766 import month_bars
from survey.web.errors import error_page
from survey.web.loaders import get_unit_or_404, scope_of
from survey.web.staff.blueprint import bp
from survey.web.staff.counters import scope_ids
from survey.web.staff.queries import OVERALL, current_release_for, unit_indices

TREND_MONTHS = 12
UNITS_SHOWN = 100  # units of the score table on the page (lowest group points first); "units=all" and downloads: all
LOST_ROWS_SHOWN = 100  # rows of each "cost points" table on the page (most first); the desks' download has all
MONTH_PATTERN = re.compile(r"^(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class MonthChoice:
    """The month of the GET form (mm/yyyy); ``error`` names what was wrong, the current month then shown."""

    year: int
    month: int
    error: str | None = None

    @property
    def text(self) -> str:
        return f"{self.month:02d}/{self.year}"

    def back(self, months: int) -> tuple[int, int]:
        index = self.year * 12 + self.month - 1 - months
        return index // 12, index % 12 + 1


def month_choice(args: Mapping[str, str], now: datetime) -> MonthChoice:
    """Read ``month`` (mm/yyyy); a malformed or future month is refused in Vietnamese, the current month used."""
    today = now.astimezone(LOCAL_TZ)
    current = MonthChoice(today.year, today.month)
    text = (args.get("month") or "").strip()[:16]
    if not text:
        return current
    found = MONTH_PATTERN.match(text)
    if not found or not 1 <= int(found.group(1)) <= 12 or int(found.group(2)) < 2000:
        return MonthChoice(current.year, current.month,
                           _("Tháng “%(value)s” không đúng; hãy ghi tháng/năm dạng mm/yyyy, ví dụ %(example)s.",
                             value=text, example=current.text))
    chosen = MonthChoice(int(found.group(2)), int(found.group(1)))
    if (chosen.year, chosen.month) > (current.year, current.month):
        return MonthChoice(current.year, current.month,
                           _("Tháng %(value)s chưa đến; hãy chọn tháng này (%(current)s) hoặc một tháng trước đó.",
                             value=chosen.text, current=current.text))
    return chosen


def points_text(value: float | None) -> str:
    """Points with two decimals in the user's locale (4,91); "không áp dụng" when there are none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _("không áp dụng")
    return format_decimal(value, format="#,##0.00")


def _latest_sipas(unit_ids: list[int]) -> dict[int, tuple[Release, ReleaseIndex]]:
    """Each unit's overall SIPAS index in its latest published release (survey rounds before counter-only ones)."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(Release, ReleaseIndex, SurveyRound)
        .join(ReleaseIndex, ReleaseIndex.release_id == Release.id)
        .join(SurveyRound, SurveyRound.id == Release.round_id)
        .where(Release.status == ReleaseStatus.PUBLISHED, ReleaseIndex.unit_id.in_(unit_ids),
               ReleaseIndex.level == "overall", ReleaseIndex.index_code == OVERALL,
               ReleaseIndex.statistic == "index")).all()
    latest: dict[int, tuple[Release, ReleaseIndex]] = {}
    for release, row, survey_round in sorted(
            rows, key=lambda r: (r[2].channels != ["counter"], r[2].ends_on, r[0].number)):
        latest[row.unit_id] = (release, row)  # the one to show first comes last
    return latest


def _sipas_headline(unit: Unit | None) -> tuple[Release, ReleaseIndex] | None:
    if unit is not None:
        return _latest_sipas([unit.id]).get(unit.id)
    release = current_release_for(db.session, None)
    if release is None:
        return None
    overall = [r for r in unit_indices(db.session, release.id, None) if r.level == "overall"]
    return (release, overall[0]) if overall else None


@dataclass(frozen=True)
class RatingRow:
    """The Circular 01 report of one unit; ``shown`` False: fewer ratings than the minimum, numbers hidden."""

    unit: Unit
    ratings: int
    shown: bool
    index_mean: list[float | None]
    total_mean: float | None
    level_share: list[float | None]  # percentages
    band: str | None
    # a province's own criteria, in the order of the report's ``extras``: (mean points, share of each level %),
    # None where hidden (fewer ratings, or fewer answers to that criterion, than the minimum)
    extras: list[tuple[float | None, list[float | None]]]


def _rating_rows(year: int, month: int, unit_ids: set[int] | None, minimum: int) -> tuple[list[RatingRow], Any]:
    report = month_ratings(db.session, year, month)
    result = report.report
    rows = []
    for position, unit in enumerate(report.units):
        if unit_ids is not None and unit.id not in unit_ids:
            continue
        count = int(result.ratings[position])
        shown = count >= minimum

        def value(number: float, shown: bool = shown) -> float | None:
            return None if not shown or math.isnan(number) else float(number)

        extras = []
        for criterion in report.extras.values():
            enough = shown and int(criterion.answered[position]) >= minimum
            extras.append((value(criterion.mean[position], enough),
                           [value(v * 100, enough) for v in criterion.level_share[position]]))
        rows.append(RatingRow(unit, count, shown, [value(v) for v in result.index_mean[position]],
                              value(result.total_mean[position]),
                              [value(v * 100) for v in result.level_share[position]],
                              result.band[position] if shown else None, extras))
    rows.sort(key=lambda row: (row.unit.code, row.unit.id))
    return rows, result, criterion_labels(db.session, list(report.extras), current_language())


def _trend(choice: MonthChoice, unit_ids: set[int] | None, now: datetime, definition):
    """The scope's group points over the last months (one query), a purged month shown as such, not as 0."""
    months = trend_scores(db.session, choice.year, choice.month, TREND_MONTHS, unit_ids, as_of=now,
                          definition=definition, purged_before=last_purge_limit(db.session))
    purged = _("đã xóa theo thời hạn lưu giữ")
    bars = [(month.text, None if month.purged else month.group_points) for month in months]
    group_max = definition.group_max["MDHL"]
    chart = month_bars(
        bars, maximum=group_max, chart_id="trend766", fmt=points_text, not_applicable=_("không áp dụng"),
        title=_("Điểm nhóm Mức độ hài lòng (trên %(max)s) trong %(n)d tháng gần nhất",
                max=points_text(group_max), n=TREND_MONTHS),
        desc=_("Mỗi cột là một tháng, tính đến tháng đã chọn; số trên cột là điểm; dấu — là tháng không áp dụng "
               "(không có hồ sơ và phản ánh, kiến nghị) hoặc tháng mà dữ liệu hồ sơ đã bị xóa theo thời hạn lưu "
               "giữ. Bảng số liệu ở ngay dưới biểu đồ."))
    return chart, [(month.text, purged if month.purged else points_text(month.group_points)) for month in months]


def _log(action: str, rows: int, unit: Unit | None, choice: MonthChoice) -> None:
    log_dossier_access(db.session, actor=current_user.login, action=action, rows=rows, user_id=current_user.id,
                       details={"month": f"{choice.year:04d}-{choice.month:02d}", "unit": unit.code if unit else None})


def _downloads(unit: Unit | None, choice: MonthChoice, table: str) -> list[tuple[str, str]]:
    args = {"unit_code": unit.code} if unit else {}
    return [
        ("CSV", url_for("staff.decision766_download", fmt="csv", month=choice.text, table=table, **args)),
        (_("CSV cho Excel tiếng Việt (;)"), url_for("staff.decision766_download", fmt="csv", dialect="excel-vn",
                                                   month=choice.text, table=table, **args)),
        ("XLSX", url_for("staff.decision766_download", fmt="xlsx", month=choice.text, table=table, **args)),
    ]


def _page(unit: Unit | None):
    now = utcnow()
    choice = month_choice(request.args, now)
    unit_ids = scope_ids(unit)
    score = scope_score(db.session, choice.year, choice.month, unit_ids, shown=[unit.id] if unit else None,
                        as_of=now)
    lost = lost_points(db.session, choice.year, choice.month, unit_ids, as_of=now)
    minimum = int(current_app.config["DOSSIER_MIN_RATINGS"])
    ratings, circular, criteria = _rating_rows(choice.year, choice.month, unit_ids, minimum)
    chart, trend = _trend(choice, unit_ids, now, score.definition)
    all_units = request.args.get("units") == "all"
    ranked = sorted(score.units, key=lambda row: (row.group_points is None, row.group_points or 0.0,
                                                  row.unit.code))  # type: ignore[union-attr]
    unit_rows = ranked if all_units else ranked[:UNITS_SHOWN]
    rated = sorted(ratings, key=lambda row: not row.shown)  # stable: units with numbers first, each by code
    rating_rows = rated if all_units else rated[:UNITS_SHOWN]
    definition, lang = score.definition, current_language()
    purge_limit = last_purge_limit(db.session)
    month_purged = purge_limit is not None and Period.month(choice.year, choice.month).start < local_moment(
        purge_limit)
    page = render_template(  # before the commit, which would expire the thousands of units it shows
        "staff/decision766.html", unit=unit, name=unit.name if unit else _("Toàn quốc"), choice=choice,
        score=score, unit_rows=unit_rows, all_units=all_units, lost=lost, ratings=ratings, rating_rows=rating_rows, min_ratings=minimum, chart=chart, trend=trend,
        month_purged=month_purged, purge_limit=purge_limit, lost_shown=LOST_ROWS_SHOWN,
        downloads=_downloads(unit, choice, "units"), desk_downloads=_downloads(unit, choice, "desks"),
        circular_downloads=_downloads(unit, choice, "circular01"), criteria=list(criteria.values()),
        sipas=_latest_sipas([row.unit.id for row in unit_rows]),  # type: ignore[union-attr]
        sipas_headline=_sipas_headline(unit),
        pts=points_text, pct=lambda value: fast_percent(value, 2), indicators=INDICATORS,
        indicator_names={code: definition.text(rule.name, lang) for code, rule in definition.indicators.items()},
        level_labels=[definition.text(definition.level_labels[name], lang) for name in circular.level_names],
        band_name=lambda band: definition.text(band, lang) if band else "–",
        n_indices=definition.n_indices, max_total=circular.max_total, lang=lang,
    )
    _log("decision766_page", lost.rows_read + sum(row.ratings for row in ratings), unit, choice)
    db.session.commit()
    return page, (400 if choice.error else 200)


@bp.route("/decision766/")
@staff_required
def decision766():
    """A manager's own unit; national users get every unit."""
    if current_user.unit is not None:
        return redirect(url_for("staff.unit_decision766", unit_code=current_user.unit.code, **request.args))
    if scope_of() is not None:
        abort(404)
    return _page(None)


@bp.route("/decision766/<unit_code>")
@staff_required
def unit_decision766(unit_code: str):
    return _page(get_unit_or_404(unit_code))


# --- the month's table as CSV or XLSX ---------------------------------------------------------


def _columns() -> list[tuple[str, str | None]]:
    """(header, Excel number format) of the table, in the page's language."""
    columns: list[tuple[str, str | None]] = [(_("Mã đơn vị"), None), (_("Đơn vị"), None)]
    for code in ("5.4", "5.2", "5.3"):
        columns += [(_("%(code)s tử số", code=code), COUNT_FORMAT), (_("%(code)s mẫu số", code=code), COUNT_FORMAT),
                    (_("%(code)s tỷ lệ (%%)", code=code), PERCENT_FORMAT), (_("%(code)s điểm", code=code),
                                                                            POINTS_FORMAT)]
    return columns + [(_("Nhóm Mức độ hài lòng (điểm)"), POINTS_FORMAT),
                      (_("Điểm tối đa của các chỉ số áp dụng"), POINTS_FORMAT)]


def _table_row(row: UnitScore) -> list[Any]:
    values: list[Any] = [row.unit.code if row.unit else "", row.unit.name if row.unit else _("Tổng phạm vi")]
    for code in ("5.4", "5.2", "5.3"):
        cell = row.cells[code]
        values += [cell.numerator, cell.denominator, cell.percent, cell.points]
    return values + [row.group_points, row.group_applicable_max]


def _desk_columns() -> list[tuple[str, str | None]]:
    return [(_("Mã đơn vị"), None), (_("Đơn vị"), None), (_("Quầy (MaQuay)"), None),
            (_("Hồ sơ tiếp nhận"), COUNT_FORMAT), (_("Bị trừ điểm"), COUNT_FORMAT), (_("Quá hạn"), COUNT_FORMAT),
            (_("Có phản ánh, kiến nghị"), COUNT_FORMAT), (_("Đánh giá «Không hài lòng»"), COUNT_FORMAT)]


def _desk_row(row: LostRow, minimum: int) -> list[Any]:
    """One desk; fewer "not satisfied" ratings than the minimum are written "< k", as on the page."""
    disliked: Any = row.disliked if row.disliked == 0 or row.disliked >= minimum else f"< {minimum}"
    return [row.unit_code, row.name, row.code, row.received, row.not_satisfied, row.overdue, row.complained,
            disliked]


def _circular_columns(labels: list[str], criteria: list[str], n_indices: int, max_total: int
                      ) -> list[tuple[str, str | None]]:
    """The Circular 01 table: the indices, total and levels, then each extra criterion (not in the total)."""
    columns: list[tuple[str, str | None]] = [(_("Mã đơn vị"), None), (_("Đơn vị"), None),
                                             (_("Lượt đánh giá"), COUNT_FORMAT)]
    columns += [(_("Trung bình chỉ số %(i)d", i=i), POINTS_FORMAT) for i in range(1, n_indices + 1)]
    columns += [(_("Tổng (trên %(max)d)", max=max_total), POINTS_FORMAT)]
    columns += [(_("%(level)s (%%)", level=label), PERCENT_FORMAT) for label in labels] + [(_("Xếp loại"), None)]
    for criterion in criteria:
        outside = _("không tính vào tổng %(max)d điểm", max=max_total)
        columns += [(_("%(criterion)s: điểm trung bình (%(outside)s)", criterion=criterion, outside=outside),
                     POINTS_FORMAT)]
        columns += [(_("%(criterion)s: %(level)s (%%) (%(outside)s)", criterion=criterion, level=label,
                       outside=outside), PERCENT_FORMAT) for label in labels]
    return columns


def _circular_row(row: RatingRow, band: str, minimum: int) -> list[Any]:
    """One unit; a unit under the minimum keeps its count of ratings, its numbers are left out and said so."""
    values: list[Any] = [row.unit.code, row.unit.name, row.ratings, *row.index_mean, row.total_mean,
                         *row.level_share, band if row.shown else _("Dưới %(k)d lượt đánh giá: không hiển thị",
                                                                    k=minimum)]
    for mean, shares in row.extras:
        values += [mean, *shares]
    return values


def _circular_table(unit: Unit | None, choice: MonthChoice) -> tuple[list, list[list[Any]], int]:
    minimum = int(current_app.config["DOSSIER_MIN_RATINGS"])
    ratings, circular, criteria = _rating_rows(choice.year, choice.month, scope_ids(unit), minimum)
    definition, lang = current_definition(), current_language()
    labels = [definition.text(definition.level_labels[name], lang) for name in circular.level_names]
    columns = _circular_columns(labels, list(criteria.values()), definition.n_indices, circular.max_total)
    rows = [_circular_row(row, definition.text(row.band, lang) if row.band else "", minimum) for row in ratings]
    return columns, rows, sum(row.ratings for row in ratings)


def _xlsx(columns: list[tuple[str, str | None]], rows: list[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    append_row(sheet, [header for header, _fmt in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    for j, (_header, fmt) in enumerate(columns, start=1):
        for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
            if fmt:
                cell.number_format = fmt
    set_column_widths(sheet, [header for header, _fmt in columns], rows)
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _download_error(message: str) -> Response:
    """A download asked for wrongly: the error page with the reason and a way back to the page."""
    return error_page(400, message=message, back_url=request.referrer or url_for("staff.decision766"))


@bp.route("/decision766/table.<fmt>", defaults={"unit_code": None})
@bp.route("/decision766/<unit_code>/table.<fmt>")
@staff_required
def decision766_download(fmt: str, unit_code: str | None):
    """The month's table (per unit, then the scope's total) as CSV (``dialect=excel-vn``: ``;`` and 73,72) or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if unit_code is None and scope_of() is not None:
        abort(404)  # a manager downloads their own unit's table
    unit = get_unit_or_404(unit_code) if unit_code else None
    now = utcnow()
    choice = month_choice(request.args, now)
    if choice.error:
        return _download_error(choice.error)
    dialect = request.args.get("dialect", "standard")
    if dialect not in ("standard", "excel-vn"):
        return _download_error(_("Kiểu CSV “%(value)s” không có; hãy chọn standard hoặc excel-vn.", value=dialect[:32]))
    table = request.args.get("table", "units")
    if table not in ("units", "desks", "circular01"):
        return _download_error(_("Bảng “%(value)s” không có; hãy chọn units, desks hoặc circular01.", value=table[:32]))
    if table == "circular01":
        columns, rows, read = _circular_table(unit, choice)
        _log("decision766_download_circular01", read, unit, choice)
    elif table == "desks":
        lost = lost_points(db.session, choice.year, choice.month, scope_ids(unit), as_of=now)
        minimum = int(current_app.config["DOSSIER_MIN_RATINGS"])
        columns, rows = _desk_columns(), [_desk_row(row, minimum) for row in lost.by_desk]
        _log("decision766_download_desks", lost.rows_read, unit, choice)
    else:
        score = scope_score(db.session, choice.year, choice.month, scope_ids(unit),
                            shown=[unit.id] if unit else None, as_of=now)
        columns, rows = _columns(), [_table_row(row) for row in [*score.units, score.total]]
        _log("decision766_download", score.total.cells["5.4"].denominator + score.total.cells["5.2"].denominator,
             unit, choice)
    db.session.commit()
    prefix = {"desks": "quay-", "circular01": "tt01-"}.get(table, "")
    name = (f"qd766-{prefix}{unit.code if unit else 'toan-quoc'}-"
            f"{choice.year:04d}{choice.month:02d}")
    if fmt == "csv":
        body = csv_bytes([([header for header, _fmt in columns], rows)], dialect)  # type: ignore[arg-type]
        mimetype = "text/csv; charset=utf-8"
    else:
        body = _xlsx(columns, rows, _("Tháng %(month)s", month=choice.text.replace("/", "-")))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
