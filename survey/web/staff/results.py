"""Managers' pages: a unit's results in a release, its comments, and live counter ratings.

Everything shown comes from the release's stored ReleaseIndex rows (a page
view never recomputes) and stays inside the viewer's scope: units are loaded
with ``get_unit_or_404`` and the league table lists only units the viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.extensions import db
from survey.i18n import current_language, format_local_date
from survey.models import Release, ReleaseIndex, Unit, utcnow
from survey.web import charts
from survey.web.auth import staff_required
from survey.web.loaders import get_release_or_404, get_unit_or_404, in_scope, scope_of
from survey.web.staff.blueprint import bp
from survey.web.staff.counters import AlertRule, counter_board
from survey.web.staff.queries import (
    OVERALL,
    CommentRule,
    comments,
    current_release_for,
    index_labels,
    league_rows,
    releases_with_unit,
    trend_rows,
    unit_indices,
)

WEAKEST_ITEMS = 5

bp.add_app_template_filter(charts.fast_percent, "fast_pct")


@dataclass
class LeagueRow:
    unit: Unit
    row: ReleaseIndex
    is_self: bool = False


def _flag_labels() -> dict[str, str]:
    return {
        "above": _("cao hơn mức chung"),
        "below": _("thấp hơn mức chung"),
        "none": _("không khác biệt rõ"),
        "not_estimable": _("không ước lượng được / không tin cậy (df ≤ 1 hoặc SE bằng 0), không xếp hạng"),
    }


def _release_for(unit: Unit | None) -> Release | None:
    release_id = request.args.get("release", type=int)
    if release_id is not None:
        return get_release_or_404(release_id)
    return current_release_for(db.session, unit.id if unit else None)


def _league(release: Release, unit: Unit | None) -> tuple[list[LeagueRow], str | None, ReleaseIndex | None]:
    """Sub-units of the unit, else its siblings when the viewer may see their parent."""
    if unit is None:
        rows = league_rows(db.session, release.id, None)
        return [LeagueRow(u, r) for u, r in rows], "children", None
    rows = [(u, r) for u, r in league_rows(db.session, release.id, unit.id) if in_scope(u.id)]
    if rows:
        return [LeagueRow(u, r) for u, r in rows], "children", None
    if in_scope(unit.parent_id):
        rows = league_rows(db.session, release.id, unit.parent_id)
        parent_rows = unit_indices(db.session, release.id, unit.parent_id)
        reference = next((r for r in parent_rows if r.level == "overall"), None)
        return [LeagueRow(u, r, u.id == unit.id) for u, r in rows], "siblings", reference
    return [], None, None


def _estimate(label: str, row: ReleaseIndex | None, **kw) -> charts.Estimate:
    if row is None:
        return charts.Estimate(label, None, **kw)
    return charts.Estimate(label, row.estimate, row.ci_low, row.ci_high, row.flag, row.n, **kw)


def _trend(unit: Unit | None, release: Release, overall: ReleaseIndex | None) -> list[charts.Estimate]:
    points = []
    rounds_seen = set()
    questionnaire_id = release.questionnaire_version.questionnaire_id
    for r, row in trend_rows(db.session, unit.id if unit else None, questionnaire_id):
        if r.round.ends_on > release.round.ends_on:
            continue
        points.append(_estimate(r.round.name, row))
        rounds_seen.add(r.round_id)
    previous = release.previous_release
    if (
        overall is not None
        and overall.previous_estimate is not None
        and previous is not None
        and previous.round_id not in rounds_seen
    ):
        # The unit did not exist last round (e.g. a merged province): the release
        # carries the estimate for its former territory.
        points.insert(0, charts.Estimate(previous.round.name, overall.previous_estimate))
    return points


def _dashboard(unit: Unit | None):
    release = _release_for(unit)
    name = unit.name if unit else _("Toàn quốc")
    if release is None:
        return render_template("staff/unit.html", unit=unit, name=name, release=None)
    lang = current_language()
    labels = index_labels(release.questionnaire_version, lang)
    rows = unit_indices(db.session, release.id, unit.id if unit else None)
    if not rows:
        abort(404)
    overall = next((r for r in rows if r.level == "overall" and r.index_code == OVERALL), None)
    groups = sorted(
        (r for r in rows if r.level == "group" and r.index_code not in labels.expectation_groups),
        key=lambda r: labels.group_order.index(r.index_code) if r.index_code in labels.group_order else 99,
    )
    expectation_groups = {
        item for g_ in release.questionnaire_version.definition.get("indices", {}).get("groups", [])
        if g_.get("in_overall") is False for item in g_.get("items", [])
    }
    items = [r for r in rows if r.level == "item" and r.estimate is not None]
    satisfaction_items = sorted(
        (r for r in items if r.index_code not in expectation_groups), key=lambda r: r.estimate
    )
    expectations = sorted((r for r in items if r.index_code in expectation_groups), key=lambda r: -r.estimate)
    league, league_kind, sibling_reference = _league(release, unit)
    reference = overall if league_kind == "children" else sibling_reference
    flag_labels = _flag_labels()
    forest = (
        charts.forest_plot(
            [_estimate(lr.unit.name, lr.row, highlight=lr.is_self) for lr in league],
            chart_id="forest",
            title=_("So sánh các đơn vị: chỉ số hài lòng chung với khoảng tin cậy 95 %"),
            desc=_(
                "Mỗi dòng là một đơn vị: chấm là ước lượng, vạch ngang là khoảng tin cậy; "
                "đường đứt là mức chung để so sánh."
            ),
            reference=reference.estimate if reference else None,
            reference_label=_("Mức chung"),
            flag_labels=flag_labels,
        )
        if league
        else None
    )
    trend_points = _trend(unit, release, overall)
    trend = (
        charts.trend_chart(
            trend_points,
            chart_id="trend",
            title=_("Chỉ số hài lòng chung qua các đợt khảo sát"),
            desc=_("Đường nối ước lượng của từng đợt; vạch dọc là khoảng tin cậy 95 %."),
        )
        if trend_points
        else None
    )
    weakest = satisfaction_items[:WEAKEST_ITEMS]
    item_chart = (
        charts.item_bars(
            [
                _estimate(labels.label(r.index_code, "item"), r, highlight=i < WEAKEST_ITEMS)
                for i, r in enumerate(satisfaction_items)
            ],
            chart_id="items",
            title=_("Tỷ lệ hài lòng theo từng câu hỏi, thấp nhất trước"),
            desc=_("Thanh càng ngắn, tỷ lệ hài lòng càng thấp; các câu yếu nhất tô đỏ."),
        )
        if satisfaction_items
        else None
    )
    return render_template(
        "staff/unit.html",
        unit=unit,
        name=name,
        release=release,
        labels=labels,
        overall=overall,
        groups=groups,
        weakest=weakest,
        expectations=expectations,
        priorities=sorted((r for r in groups if r.estimate is not None), key=lambda r: r.estimate)[:3],
        league=league,
        league_kind=league_kind,
        reference=reference,
        forest=forest,
        trend=trend,
        item_chart=item_chart,
        flag_labels=flag_labels,
        export_formats=_export_formats(),
        other_releases=[r for r in releases_with_unit(db.session, unit.id if unit else None) if r.id != release.id],
    )


def _export_formats() -> tuple[str, ...]:
    from survey.web.staff.releases import export_formats

    return export_formats()


@bp.route("/dashboard/")
@staff_required
def my_dashboard():
    """A manager's own unit; national users get the national page."""
    if current_user.unit is not None:
        return redirect(url_for("staff.unit_dashboard", unit_code=current_user.unit.code, **request.args))
    if scope_of() is not None:
        abort(404)
    return _dashboard(None)


@bp.route("/dashboard/<unit_code>")
@staff_required
def unit_dashboard(unit_code: str):
    return _dashboard(get_unit_or_404(unit_code))


@bp.route("/dashboard/<unit_code>/comments")
@staff_required
def unit_comments(unit_code: str):
    unit = get_unit_or_404(unit_code)
    release = _release_for(unit)
    if release is None:
        abort(404)
    search = request.args.get("q", "")[:100]
    scope = scope_of()
    from survey.domain.units import descendant_ids

    unit_ids = descendant_ids(db.session, unit)
    if scope is not None:
        unit_ids &= scope
    rule = CommentRule(
        min_age=timedelta(hours=float(current_app.config["COMMENTS_MIN_AGE_HOURS"])),
        min_later_responses=int(current_app.config["COMMENTS_MIN_LATER_RESPONSES"]),
        key=current_app.config["SECRET_KEY"].encode(),
    )
    found = comments(db.session, release.round_id, unit_ids, rule, search)
    return render_template("staff/comments.html", unit=unit, release=release, comments=found, search=search,
                           local_date=format_local_date, min_age_hours=f"{rule.min_age.total_seconds() / 3600:g}",
                           min_later=rule.min_later_responses)


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
    from survey.domain.units import descendant_ids

    scope = scope_of()
    unit_ids = descendant_ids(db.session, unit) if unit else scope
    if unit is not None and scope is not None:
        unit_ids &= scope
    board = counter_board(db.session, unit_ids, utcnow(), AlertRule.from_config(current_app.config))
    weekdays = [_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"), _("Chủ Nhật")]
    heat = charts.heat_map(
        board.heat,
        chart_id="heat",
        title=_("Tỷ lệ đánh giá hài lòng theo giờ và thứ trong tuần (%(n)d tuần gần nhất)", n=board.weeks),
        desc=_("Mỗi ô là một giờ của một ngày trong tuần; màu xanh là nhiều người hài lòng, màu đỏ là ít."),
        weekday_labels=weekdays,
        hours=board.hours,
    )
    return render_template("staff/counters.html", unit=unit, board=board, heat=heat)
