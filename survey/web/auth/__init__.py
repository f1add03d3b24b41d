"""Staff authentication: user loader, role guards, personal API tokens, audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from functools import wraps
from typing import Any

from flask import Flask, abort, g, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.api_tokens import TOKEN_PREFIX, create_token
from survey.extensions import db, login
from survey.models import ApiToken, AuditEntry, Role, StaffUser, hash_token, utcnow
from survey.web.errors import error_response, refusal


def init_auth(app: Flask) -> None:
    login.login_view = "staff.login"
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
    """Allow a view only to logged-in staff with one of the given roles (all roles when none given)."""
    allowed = {Role(r) for r in roles} if roles else set(Role)

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


staff_required = role_required()


def audit(action: str, target: str | None = None, user: StaffUser | None = None, **details: Any) -> None:
    """Add an audit entry to the current transaction."""
    if user is None:
        user = g.get("api_user")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user  # type: ignore[assignment]
    db.session.add(
        AuditEntry(action=action, target=target, user_id=user.id if user else None, details=details or None)
    )


# --- personal API tokens ------------------------------------------------------------


def new_api_token(user: StaffUser, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user`` (survey.domain.api_tokens); the secret is returned once."""
    return create_token(db.session, user, name)


def bearer_secret(header: str | None) -> str | None:
    """The personal token in an ``Authorization: Bearer`` header, or None when it cannot be one."""
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return secret


def valid_api_token(session: Session, secret: str) -> ApiToken | None:
    """The unrevoked, unexpired token with this secret whose owner is active, else None."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    expires = token.expires_at
    if expires is not None and expires.replace(tzinfo=expires.tzinfo or UTC) <= utcnow():
        return None  # SQLite hands back naive UTC times
    return token


def user_for_bearer(header: str | None) -> StaffUser | None:
    """The active user of a valid, unrevoked ``Authorization: Bearer`` token, else None."""
    secret = bearer_secret(header)
    token = valid_api_token(db.session, secret) if secret is not None else None
    if token is None:
        return None
    token.last_used_at = utcnow()
    return token.user


def token_required(*roles: str) -> Callable:
    """Allow an API view only with a valid personal token whose owner has one of ``roles``.

    The owner becomes ``g.api_user``; views check scope with the same loaders
    as the pages, so a token can see exactly what its owner can.
    """
    allowed = {Role(r) for r in roles} if roles else set(Role)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from flask_babel import gettext as _

            user = user_for_bearer(request.headers.get("Authorization"))
            if user is None:
                message = _("Cần mã truy cập API hợp lệ (Authorization: Bearer …).")
                return error_response(refusal(401, "unauthorized", message,
                                              headers={"WWW-Authenticate": 'Bearer realm="sipas"'}))
            if user.role not in allowed:
                message = _("Tài khoản của bạn không được dùng chức năng này.")
                return error_response(refusal(403, "forbidden", message))
            g.api_user = user
            result = view(*args, **kwargs)
            db.session.commit()  # last_used_at
            return result

        return wrapped

    return decorator
