"""The audit log for administrators: logins, imports, computations, releases, exports, changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from survey.extensions import db
from survey.i18n import LOCAL_TZ, format_local_date
from survey.models import AuditEntry, StaffUser
from survey.web.admin.audit_details import audit_words
from survey.web.admin.blueprint import bp
from survey.web.auth import role_required
from survey.web.labels import action_name, audit_sentence
from survey.web.loaders import typed_day
from survey.web.routing import page_number

PAGE_SIZE = 100


def _day(name: str, label: str, errors: list[str]) -> date | None:
    """The day typed in filter ``name`` (dd/mm/yyyy, or yyyy-mm-dd from old links); an error names a bad one."""
    text = request.args.get(name, "").strip()[:32]
    day, problem = typed_day(text, label)
    if problem:
        errors.append(problem)
    return day


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` in Hà Nội, in UTC: SQLite keeps times without their zone, as UTC."""
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)


@bp.route("/audit")
@role_required("admin")
def audit_log():
    action = request.args.get("action", "").strip()
    login = request.args.get("user", "").strip()
    target = request.args.get("target", "").strip()[:100]
    errors: list[str] = []
    day_from, day_to = _day("from", _("Từ ngày"), errors), _day("to", _("Đến ngày"), errors)
    page = page_number()
    query = select(AuditEntry, StaffUser.login).outerjoin(StaffUser, StaffUser.id == AuditEntry.user_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if login:
        query = query.where(StaffUser.login == login)
    if target:
        query = query.where(AuditEntry.target.contains(target, autoescape=True))
    if day_from:
        query = query.where(AuditEntry.at >= _start_of(day_from))
    if day_to:
        query = query.where(AuditEntry.at < _start_of(day_to + timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    entries = db.session.execute(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    users = db.session.scalars(select(StaffUser.login).order_by(StaffUser.login)).all()
    targets, details = audit_words(db.session, [entry for entry, _login in entries])
    return render_template(
        "admin/audit.html",
        entries=entries,
        targets=targets,
        details=details,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        actions=actions,
        users=users,
        action_name=action_name,
        audit_sentence=audit_sentence,
        filters={"action": action, "user": login, "target": target,
                 "from": format_local_date(day_from) if day_from else "", "to": format_local_date(day_to) if day_to else ""},
        errors=errors,
    )
