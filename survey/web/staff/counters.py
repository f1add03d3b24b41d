"""Live counter ratings: share satisfied today and this week, hour × weekday, unhappy spikes, reasons.

Counter ratings are the first satisfaction item of a counter questionnaire
(1–5): 4–5 count as satisfied, 1–2 as unhappy. These are raw shares of the
ratings given, not survey estimates, and are labelled as such on the page.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.reasons import (
    GROUPINGS,
    Grouping,
    breakdown_csv,
    breakdown_xlsx,
    reason_breakdown,
)
from survey.domain.units import descendant_ids
from survey.extensions import db
from survey.i18n import LOCAL_TZ, current_language, format_local_date
from survey.models import Channel, Device, QuestionnaireVersion, Unit, utcnow
from survey.models import Response as StoredResponse
from survey.web import charts
from survey.web.auth import staff_required
from survey.web.errors import error_page
from survey.web.loaders import get_unit_or_404, scope_of, typed_day
from survey.web.staff.blueprint import bp

SATISFIED = (4, 5)
UNHAPPY = (1, 2)


@dataclass(frozen=True)
class AlertRule:
    """Alert when at least ``share`` of at least ``min_ratings`` ratings in ``minutes`` are unhappy."""

    minutes: int = 15
    min_ratings: int = 4
    share: float = 0.5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AlertRule:
        return cls(
            minutes=int(config["COUNTER_ALERT_MINUTES"]),
            min_ratings=int(config["COUNTER_ALERT_MIN_RATINGS"]),
            share=float(config["COUNTER_ALERT_UNHAPPY_SHARE"]),
        )


@dataclass
class Tally:
    satisfied: int = 0
    unhappy: int = 0
    total: int = 0

    def add(self, rating: float) -> None:
        self.total += 1
        self.satisfied += rating in SATISFIED
        self.unhappy += rating in UNHAPPY

    @property
    def share(self) -> float | None:
        return 100.0 * self.satisfied / self.total if self.total else None


@dataclass
class CounterRow:
    unit: Unit
    label: str  # the counter's label, or "" for the unit's own row
    today: Tally = field(default_factory=Tally)
    week: Tally = field(default_factory=Tally)


@dataclass(frozen=True)
class Alert:
    unit: Unit
    counter: str
    unhappy: int
    total: int
    since: datetime


@dataclass
class CounterBoard:
    units: list[CounterRow]
    counters: list[CounterRow]
    heat: dict[tuple[int, int], tuple[int, int]]
    hours: list[int]
    alerts: list[Alert]
    weeks: int


def _local(moment: datetime) -> datetime:
    # PostgreSQL returns aware times; SQLite returns naive ones, stored in UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def _rating_positions(session: Session, version_ids: set[int]) -> dict[int, int | None]:
    from survey.domain.responses import questionnaire_for

    positions: dict[int, int | None] = {}
    for version in session.scalars(select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(version_ids))):
        questionnaire = questionnaire_for(version)
        rating = next((i.code for i in questionnaire.items if i.type == "satisfaction"), None)
        positions[version.id] = version.numeric_items.index(rating) if rating in version.numeric_items else None
    return positions


def counter_board(
    session: Session, unit_ids: set[int] | None, now: datetime, rule: AlertRule, weeks: int = 8
) -> CounterBoard:
    """Counter ratings of the last ``weeks`` weeks within the scope, summarised for the page."""
    now_local = _local(now)
    today = now_local.date()
    week_start = today - timedelta(days=today.weekday())
    since = datetime.combine(min(week_start, today - timedelta(weeks=weeks)), datetime.min.time(), LOCAL_TZ)
    query = (
        select(StoredResponse.unit_id, StoredResponse.device_id, StoredResponse.submitted_at, StoredResponse.scores,
               StoredResponse.questionnaire_version_id)
        .where(StoredResponse.channel == Channel.COUNTER, StoredResponse.submitted_at >= since.astimezone(UTC))
        .execution_options(yield_per=5000)
    )
    if unit_ids is not None:
        query = query.where(StoredResponse.unit_id.in_(unit_ids))
    rows = session.execute(query).all()
    positions = _rating_positions(session, {r.questionnaire_version_id for r in rows})
    unit_ids_seen = {r.unit_id for r in rows}
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids_seen)))}
    devices = {
        d.id: d for d in session.scalars(select(Device).where(Device.id.in_({r.device_id for r in rows if r.device_id})))
    }
    by_unit: dict[int, CounterRow] = {}
    by_counter: dict[int, CounterRow] = {}
    heat: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    recent: dict[int, list[float]] = defaultdict(list)
    window_start = now_local - timedelta(minutes=rule.minutes)
    for row in rows:
        position = positions.get(row.questionnaire_version_id)
        if position is None:
            continue
        rating = float(np.frombuffer(row.scores, dtype="<f4")[position])
        if math.isnan(rating):  # no rating
            continue
        moment = _local(row.submitted_at)
        unit = units[row.unit_id]
        targets = [by_unit.setdefault(unit.id, CounterRow(unit, ""))]
        if row.device_id:
            device = devices[row.device_id]
            targets.append(by_counter.setdefault(device.id, CounterRow(unit, device.counter_label)))
            if window_start <= moment <= now_local + timedelta(minutes=5):
                recent[device.id].append(rating)
        for target in targets:
            if moment.date() == today:
                target.today.add(rating)
            if moment.date() >= week_start:
                target.week.add(rating)
        cell = heat[(moment.weekday(), moment.hour)]
        cell[0] += rating in SATISFIED
        cell[1] += 1
    alerts = []
    for device_id, ratings in recent.items():
        unhappy = sum(r in UNHAPPY for r in ratings)
        if len(ratings) >= rule.min_ratings and unhappy >= rule.share * len(ratings):
            device = devices[device_id]
            alerts.append(Alert(device.unit, device.counter_label, unhappy, len(ratings), window_start))
    busy_hours = [h for (_, h) in heat] or [8]
    hours = list(range(min(7, min(busy_hours)), max(17, max(busy_hours)) + 1))
    order = lambda r: (r.unit.name, r.label)
    return CounterBoard(
        units=sorted(by_unit.values(), key=order),
        counters=sorted(by_counter.values(), key=order),
        heat={k: (v[0], v[1]) for k, v in heat.items()},
        hours=hours,
        alerts=sorted(alerts, key=lambda a: -a.unhappy / a.total),
        weeks=weeks,
    )


# --- the pages: live counter ratings, reasons behind low ratings, their download ----------------

GROUPING_LABELS = {
    "total": lambda: _("Tổng cộng"),
    "unit": lambda: _("Theo đơn vị"),
    "counter": lambda: _("Theo quầy"),
    "week": lambda: _("Theo tuần"),
    "month": lambda: _("Theo tháng"),
}
MAX_REASON_DAYS = 400
bp.add_app_template_filter(format_local_date, "local_date")  # a longer period is refused: the page reads every answer of it


@dataclass
class ReasonFilter:
    """The reasons form (GET): period in local days, grouping, one counter; ``errors`` by field."""

    start: date
    end: date
    by: Grouping = "counter"
    counter_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **extra) -> dict[str, Any]:
        args = {"from": self.start.strftime("%d/%m/%Y"), "to": self.end.strftime("%d/%m/%Y"), "by": self.by}
        if self.counter_id is not None:
            args["counter"] = self.counter_id
        return {**args, **extra}


def reason_filter(args: Mapping[str, str], today: date, default_start: date, default_by: Grouping) -> ReasonFilter:
    """Read the form; a bad field is named in Vietnamese and its default used instead."""
    found = ReasonFilter(default_start, today, default_by)
    for name, label in (("from", _("Từ ngày")), ("to", _("Đến ngày"))):
        text = (args.get(name) or "").strip()[:32]
        if not text:
            continue
        day, problem = typed_day(text, label)
        if problem:
            found.errors[name] = problem
        elif name == "from":
            found.start = day
        else:
            found.end = day
    if found.end < found.start:
        found.errors["to"] = _("Đến ngày (%(end)s) phải sau hoặc bằng Từ ngày (%(start)s).",
                               end=format_local_date(found.end), start=format_local_date(found.start))
        found.start, found.end = default_start, today
    elif (found.end - found.start).days > MAX_REASON_DAYS:
        found.errors["to"] = _("Khoảng thời gian dài quá %(days)d ngày; hãy chọn khoảng ngắn hơn.", days=MAX_REASON_DAYS)
        found.start, found.end = default_start, today
    by = args.get("by") or default_by
    if by in GROUPINGS:
        found.by = by  # type: ignore[assignment]
    else:
        found.errors["by"] = _("Cách nhóm “%(value)s” không có; hãy chọn trong danh sách.", value=by[:32])
    counter = (args.get("counter") or "").strip()
    if counter:
        if counter.isdigit():
            found.counter_id = int(counter)
        else:
            found.errors["counter"] = _("Quầy “%(value)s” không có; hãy chọn trong danh sách.", value=counter[:32])
    return found


def scope_ids(unit: Unit | None) -> set[int] | None:
    """The unit and its sub-units that the viewer may see (the viewer's scope without a unit)."""
    scope = scope_of()
    if unit is None:
        return scope
    unit_ids = descendant_ids(db.session, unit)
    return unit_ids & scope if scope is not None else unit_ids


def counters_in(unit_ids: set[int] | None) -> list[Device]:
    """The counter tablets of the units, by unit and label."""
    query = select(Device).join(Unit, Unit.id == Device.unit_id).order_by(Unit.name, Device.counter_label)
    if unit_ids is not None:
        query = query.where(Device.unit_id.in_(unit_ids))
    return list(db.session.scalars(query))


def _reason_context(unit: Unit | None, unit_ids: set[int] | None, chosen: ReasonFilter) -> dict[str, Any]:
    devices = counters_in(unit_ids)
    if chosen.counter_id is not None and chosen.counter_id not in {d.id for d in devices}:
        chosen.errors["counter"] = _("Quầy đã chọn không thuộc phạm vi của trang này.")
        chosen.counter_id = None
    breakdown = reason_breakdown(db.session, unit_ids, chosen.start, chosen.end, chosen.by, chosen.counter_id)
    download = {"unit": unit.code if unit else None, **chosen.query()}
    return {
        "reasons": breakdown,
        "reason_filter": chosen,
        "reason_devices": devices,
        "groupings": [(code, GROUPING_LABELS[code]()) for code in GROUPINGS],
        "reason_downloads": [
            ("CSV", url_for("staff.reasons_download", fmt="csv", **download)),
            (_("CSV cho Excel tiếng Việt (;)"), url_for("staff.reasons_download", fmt="csv", decimal_comma=1, **download)),
            ("XLSX", url_for("staff.reasons_download", fmt="xlsx", **download)),
        ],
        "lang": current_language(),
    }


def dashboard_reasons(unit: Unit | None, release) -> dict[str, Any] | None:
    """The reasons cited by the low ratings in the unit's scope during the release's round; None if none were asked."""
    today = _local(utcnow()).date()
    start, end = release.round.starts_on, min(release.round.ends_on, today)
    if end < start:
        return None
    context = _reason_context(unit, scope_ids(unit), ReasonFilter(start, end, "total"))
    return context if context["reasons"].reasons else None


@bp.route("/counters/")
@staff_required
def counters():
    """Live counter ratings in the viewer's whole scope."""
    return _counters(None)


@bp.route("/counters/<unit_code>")
@staff_required
def unit_counters(unit_code: str):
    return _counters(get_unit_or_404(unit_code))


def _counters(unit: Unit | None):
    unit_ids = scope_ids(unit)
    now = utcnow()
    board = counter_board(db.session, unit_ids, now, AlertRule.from_config(current_app.config))
    min_ratings = int(current_app.config["COUNTER_MIN_RATINGS"])
    weekdays = [_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"), _("Chủ Nhật")]
    heat = charts.heat_map(
        board.heat,
        chart_id="heat",
        title=_("Tỷ lệ lượt chọn «Hài lòng» hoặc «Rất hài lòng» theo giờ và thứ (%(n)d tuần gần nhất)", n=board.weeks),
        desc=_("Mỗi ô là một giờ của một ngày trong tuần; xanh là nhiều người hài lòng, đỏ là ít; "
               "ô xám có dấu — là có dưới %(k)d lượt đánh giá. Bảng số liệu ở ngay dưới biểu đồ.", k=min_ratings),
        weekday_labels=weekdays,
        hours=board.hours,
        min_total=min_ratings,
        few_label=_("quá ít lượt"),
    )
    today = _local(now).date()
    chosen = reason_filter(request.args, today, today - timedelta(weeks=board.weeks), "counter")
    context = _reason_context(unit, unit_ids, chosen)
    status = 400 if chosen.errors else 200
    return render_template("staff/counters.html", unit=unit, board=board, heat=heat, weekdays=weekdays,
                           min_ratings=min_ratings, heat_percent=charts.heat_percent,
                           refreshed=f"{format_local_date(now)} {_local(now):%H:%M}", **context), status


@bp.route("/counters/reasons.<fmt>")
@staff_required
def reasons_download(fmt: str):
    """The reasons table of the counters page or the dashboard, as CSV (optionally ``;`` and 90,5) or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    code = request.args.get("unit")
    unit = get_unit_or_404(code) if code else None
    today = _local(utcnow()).date()
    chosen = reason_filter(request.args, today, today - timedelta(weeks=8), "counter")
    if chosen.errors:
        return error_page(400, message=" ".join(chosen.errors.values()), back_url=request.referrer)
    context = _reason_context(unit, scope_ids(unit), chosen)
    if chosen.errors:
        return error_page(400, message=" ".join(chosen.errors.values()), back_url=request.referrer)
    lang = current_language()
    name = f"ly-do-{unit.code if unit else 'toan-bo'}-{chosen.start:%Y%m%d}-{chosen.end:%Y%m%d}"
    if fmt == "csv":
        body = breakdown_csv(context["reasons"], lang, decimal_comma=request.args.get("decimal_comma") == "1")
        mimetype = "text/csv; charset=utf-8"
    else:
        body = breakdown_xlsx(context["reasons"], lang)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
