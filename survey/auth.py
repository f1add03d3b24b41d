"""Staff authentication helpers: user loader, role guard, audit log."""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Flask, abort
from flask_login import current_user

from survey.extensions import db, login
from survey.models import AuditEntry, Role, StaffUser


def init_auth(app: Flask) -> None:
    login.login_view = "dashboard.login"
    login.login_message = None

    @login.user_loader
    def _load_user(user_id: str) -> StaffUser | None:
        try:
            ident, version = (int(part) for part in user_id.split(":"))
        except ValueError:
            return None
        user = db.session.get(StaffUser, ident)
        if user is None or not user.active or user.session_version != version:
            return None
        return user


def role_required(*roles: str) -> Callable:
    """Allow a view only to logged-in staff with one of the given roles."""
    allowed = {Role(r) for r in roles}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def audit(action: str, target: str | None = None, user: StaffUser | None = None, **details: Any) -> None:
    """Add an audit entry to the current transaction."""
    if user is None and current_user and current_user.is_authenticated:
        user = current_user  # type: ignore[assignment]
    db.session.add(
        AuditEntry(action=action, target=target, user_id=user.id if user else None, details=details or None)
    )
