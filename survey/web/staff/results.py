"""Managers' pages: a unit's results in a release, its comments, and live counter ratings.

Everything shown comes from the release's stored ReleaseIndex rows (a page
view never recomputes) and stays inside the viewer's scope: units are loaded
with ``get_unit_or_404`` and the league table lists only units the viewer may see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from scipy import special

from survey.domain.reasons import reason_items
from survey.domain.responses import questionnaire_for
from survey.extensions import db
from survey.i18n import current_language, format_local_date
from survey.models import Release, ReleaseIndex, Unit
from survey.web import charts
from survey.web.auth import staff_required
from survey.web.loaders import get_release_or_404, get_unit_or_404, in_scope, scope_of, typed_day
from survey.web.routing import id_arg
from survey.web.staff.blueprint import bp
from survey.web.staff.counters import counters_in, dashboard_reasons, scope_ids
from survey.web.staff.queries import (
    OVERALL,
    CommentFilter,
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
    if request.args.get("release"):  # a release the address names, or none: never another one instead
        release_id = id_arg("release")
        if release_id is None:
            abort(404)
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


def _t_quantile(probability: float, df: float | None) -> float:
    if df is None or not math.isfinite(df):
        return float(special.ndtri(probability))
    return float(special.stdtrit(df, probability))


def decision_interval(row: ReleaseIndex, alpha: float) -> tuple[float, float] | None:
    """The interval around the estimate that leaves out the reference exactly when Holm flags the unit.

    The release stores the difference from the reference and its Holm-adjusted p-value, not the
    raw one; the t statistic that gives the adjusted p-value, ``t*``, fixes the standard error
    ``|difference| / t*`` on which ``estimate ± t(1 - alpha/2) · se`` excludes the reference
    iff the adjusted p-value is below ``alpha``. Unbounded when the adjusted p-value is 1.
    """
    d, p = row.reference_difference, row.reference_p_adjusted
    if d is None or p is None or row.estimate is None or row.flag == charts.NOT_ESTIMABLE:
        return None
    t_adjusted = _t_quantile(1 - min(p, 1.0) / 2, row.df)
    if not t_adjusted > 0:
        return -math.inf, math.inf
    half = _t_quantile(1 - alpha / 2, row.df) * abs(d) / t_adjusted
    return row.estimate - half, row.estimate + half


def _estimate(label: str, row: ReleaseIndex | None, alpha: float | None = None, **kw) -> charts.Estimate:
    if row is None:
        return charts.Estimate(label, None, **kw)
    decision = decision_interval(row, alpha) if alpha is not None else None
    return charts.Estimate(label, row.estimate, row.ci_low, row.ci_high, row.flag, row.n,
                           decision_low=decision[0] if decision else None,
                           decision_high=decision[1] if decision else None, **kw)


def _trend(unit: Unit | None, release: Release, overall: ReleaseIndex | None):
    """The unit's overall index by round, the nation's on the same rounds (None for the nation), a lineage note."""
    questionnaire_id = release.questionnaire_version.questionnaire_id
    by_round: dict[int, tuple] = {}  # round id -> (ends_on, estimate)
    for r, row in trend_rows(db.session, unit.id if unit else None, questionnaire_id):
        if r.round.ends_on <= release.round.ends_on:
            by_round[r.round_id] = (r.round.ends_on, _estimate(r.round.name, row))
    note = ""
    previous = release.previous_release
    former = _former_units(release, unit)
    if (
        overall is not None
        and overall.previous_estimate is not None
        and previous is not None
        and (previous.round_id not in by_round or former)
    ):
        # The unit did not exist last round, or its territory grew (a merger): the release carries
        # the estimate re-computed on today's territory, which replaces the old unit's own point.
        note = (
            _("Đợt %(round)s: ước lượng lại trên địa bàn hiện nay, gồm %(units)s trước khi sáp nhập; "
              "khoảng tin cậy gần đúng.", round=previous.round.name, units=", ".join(former))
            if former
            else _("Đợt %(round)s: ước lượng lại trên địa bàn hiện nay của đơn vị (trước khi sắp xếp); "
                   "khoảng tin cậy gần đúng.", round=previous.round.name)
        )
        low, high = _previous_interval(overall, release)
        by_round[previous.round_id] = (
            previous.round.ends_on,
            charts.Estimate(previous.round.name, overall.previous_estimate, low, high, note=note),
        )
    elif former and previous is not None:
        note = _("Từ đợt %(round)s, đơn vị gồm %(units)s (sáp nhập); bản kết quả này không có ước lượng của đợt "
                 "trước trên địa bàn hiện nay, nên không so sánh được.", round=release.round.name, units=", ".join(former))
    order = sorted(by_round, key=lambda rid: by_round[rid][0])
    points = [by_round[rid][1] for rid in order]
    national: list[charts.Estimate] = []
    if unit is not None and points:
        nation = {r.round_id: _estimate(r.round.name, row) for r, row in trend_rows(db.session, None, questionnaire_id)}
        national = [nation.get(rid) or charts.Estimate(by_round[rid][1].label, None) for rid in order]
    return points, national, note


def _former_units(release: Release, unit: Unit | None) -> list[str]:
    """Names of the units merged into ``unit`` since the previous round, from the release's lineage record."""
    if unit is None:
        return []
    merged = ((release.parameters or {}).get("previous") or {}).get("merged_territories") or {}
    names = [db.session.get(Unit, uid) for uid in merged.get(str(unit.id), [])]
    return sorted(u.name for u in names if u is not None)


def _previous_interval(row: ReleaseIndex, release: Release) -> tuple[float | None, float | None]:
    """An approximate CI of the re-estimated previous value: rounds are independent samples, so
    Var(previous) = Var(change) - Var(current)."""
    if row.change_se is None or row.se is None or row.change_se <= row.se:
        return None, None
    level = float((release.parameters or {}).get("level", 0.95))
    half = float(special.ndtri(1 - (1 - level) / 2)) * math.sqrt(row.change_se**2 - row.se**2)
    return row.previous_estimate - half, row.previous_estimate + half


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
    alpha = float((release.parameters or {}).get("alpha", 0.05))
    forest = (
        charts.forest_plot(
            [_estimate(lr.unit.name, lr.row, alpha, highlight=lr.is_self) for lr in league],
            chart_id="forest",
            title=_("So sánh các đơn vị: chỉ số hài lòng chung với khoảng tin cậy 95 %"),
            desc=_(
                "Mỗi dòng là một đơn vị: chấm là ước lượng, vạch ngang là khoảng tin cậy; "
                "đường đứt là mức chung để so sánh."
            ),
            reference=reference.estimate if reference else None,
            reference_label=_("Mức chung"),
            flag_labels=flag_labels,
            legend=(_("Khoảng dùng để kết luận cao hơn/thấp hơn (đã hiệu chỉnh Holm)"), _("KTC 95 % của đơn vị")),
        )
        if league
        else None
    )
    trend_points, national_points, lineage_note = _trend(unit, release, overall)
    trend = (
        charts.trend_chart(
            trend_points,
            chart_id="trend",
            title=_("Chỉ số hài lòng chung qua các đợt khảo sát"),
            desc=_("Đường nối ước lượng của từng đợt; vạch dọc là khoảng tin cậy 95 %; đường đứt là cả nước."),
            reference=national_points,
            reference_label=_("Cả nước"),
        )
        if trend_points
        else None
    )
    national = (
        {(r.level, r.index_code): r for r in unit_indices(db.session, release.id, None)} if unit is not None else {}
    )
    weakest = satisfaction_items[:WEAKEST_ITEMS]
    item_chart = (
        charts.item_bars(
            [
                _estimate(labels.label(r.index_code, "item"), r, highlight=i < WEAKEST_ITEMS and r.flag != "not_estimable")
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
        lineage_note=lineage_note,
        national=national,
        alpha=alpha,
        reasons=dashboard_reasons(unit, release),
        min_ratings=int(current_app.config["COUNTER_MIN_RATINGS"]),
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
    unit_ids = scope_ids(unit)
    rule = CommentRule(
        min_age=timedelta(hours=float(current_app.config["COMMENTS_MIN_AGE_HOURS"])),
        min_later_responses=int(current_app.config["COMMENTS_MIN_LATER_RESPONSES"]),
        key=current_app.config["SECRET_KEY"].encode(),
    )
    rated = reason_items(questionnaire_for(release.round.questionnaire_version))
    devices = counters_in(unit_ids) if "counter" in (release.round.channels or []) else []
    only, errors, form = _comment_filter(request.args, rated, devices)
    found = comments(db.session, release.round_id, unit_ids, rule, search, only=only)
    lang = current_language()
    return render_template(
        "staff/comments.html", unit=unit, release=release, comments=found, search=search,
        local_date=format_local_date, min_age_hours=f"{rule.min_age.total_seconds() / 3600:g}",
        min_later=rule.min_later_responses, form=form, errors=errors, devices=devices,
        rating_options=[(code, label.get(lang) or label["vi"]) for code, label in rated[0].options] if rated else [],
        reason_options=[(str(code), label.get(lang) or label["vi"]) for code, label in rated[1].options] if rated else [],
        releases=releases_with_unit(db.session, unit.id),
    ), 400 if errors else 200


def _comment_filter(args, rated, devices) -> tuple[CommentFilter, dict[str, str], dict[str, str]]:
    """The comments form: each bad field named in Vietnamese and left out of the filter."""
    form = {name: (args.get(name) or "").strip()[:32] for name in ("from", "to", "rating", "reason", "counter")}
    errors: dict[str, str] = {}
    days = {}
    for name, label in (("from", _("Từ ngày")), ("to", _("Đến ngày"))):
        if form[name]:
            days[name], problem = typed_day(form[name], label)
            if problem:
                errors[name] = problem
    if days.get("from") and days.get("to") and days["to"] < days["from"]:
        errors["to"] = _("Đến ngày (%(end)s) phải sau hoặc bằng Từ ngày (%(start)s).",
                         end=format_local_date(days["to"]), start=format_local_date(days["from"]))
        days.pop("to")
    ratings = {str(code): code for code in rated[0].option_codes} if rated else {}
    reasons = {str(code) for code in rated[1].option_codes} if rated else set()
    counters = {str(d.id): d.id for d in devices}
    for name, allowed, label in (("rating", ratings, _("Mức đánh giá")), ("reason", reasons, _("Lý do")),
                                 ("counter", counters, _("Quầy"))):
        if form[name] and form[name] not in allowed:
            errors[name] = _("%(field)s: “%(value)s” không có trong danh sách; hãy chọn lại.", field=label,
                             value=form[name])
    only = CommentFilter(
        start=days.get("from"),
        end=days.get("to"),
        rating=ratings.get(form["rating"]) if "rating" not in errors else None,
        reason=form["reason"] or None if "reason" not in errors else None,
        counter_id=counters.get(form["counter"]) if "counter" not in errors else None,
    )
    return only, errors, form
