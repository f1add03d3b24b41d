"""The audit log for administrators: logins, imports, computations, releases, exports, changes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from sqlalchemy import func, select

from survey.extensions import db
from survey.i18n import LOCAL_TZ
from survey.models import AuditEntry, StaffUser
from survey.web.admin.blueprint import bp
from survey.web.auth import role_required
from survey.web.labels import action_name, audit_sentence
from survey.web.routing import page_number

PAGE_SIZE = 100


def _day(value: str | None):
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None


@bp.route("/audit")
@role_required("admin")
def audit_log():
    action = request.args.get("action", "").strip()
    login = request.args.get("user", "").strip()
    target = request.args.get("target", "").strip()[:100]
    day_from, day_to = _day(request.args.get("from")), _day(request.args.get("to"))
    page = page_number()
    query = select(AuditEntry, StaffUser.login).outerjoin(StaffUser, StaffUser.id == AuditEntry.user_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if login:
        query = query.where(StaffUser.login == login)
    if target:
        query = query.where(AuditEntry.target.contains(target, autoescape=True))
    if day_from:
        query = query.where(AuditEntry.at >= datetime.combine(day_from, time.min, LOCAL_TZ))
    if day_to:
        query = query.where(AuditEntry.at < datetime.combine(day_to + timedelta(days=1), time.min, LOCAL_TZ))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    entries = db.session.execute(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    users = db.session.scalars(select(StaffUser.login).order_by(StaffUser.login)).all()
    return render_template(
        "admin/audit.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        actions=actions,
        users=users,
        action_name=action_name,
        audit_sentence=audit_sentence,
        filters={"action": action, "user": login, "target": target,
                 "from": day_from.isoformat() if day_from else "", "to": day_to.isoformat() if day_to else ""},
    )
