"""Personal API tokens: created, listed and revoked the same way from the staff page and ``sipas tokens``.

A token carries its owner's role and scope. Its secret is returned once, at
creation, and only its hash is stored. Functions take a Session, flush and
return; the caller commits. ``by`` is the staff user acting (``None`` from the
command line); every change leaves an audit entry. A refused value raises
:class:`TokenError` with a Vietnamese message and the field at fault.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.i18n import LOCAL_TZ, _
from survey.models import ApiToken, AuditEntry, StaffUser, hash_token, utcnow

TOKEN_PREFIX = "sipas_"
NAME_MAX_LENGTH = 100  # ApiToken.name
MAX_EXPIRY_DAYS = 3660  # ten years: anything longer is a typing error
_DAYS = re.compile(r"(\d{1,5})\s*d")


class TokenError(ValueError):
    """A refused token change; ``field`` names the option or form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def parse_expiry(text: str | None, today: date | None = None) -> datetime | None:
    """The end of validity named by ``90d`` (days from now) or ``2026-12-31`` (the end of that day, Vietnam time).

    Empty means no expiry; a day in the past, or more than ten years ahead, is refused.
    """
    text = (text or "").strip().lower()
    if not text:
        return None
    now = utcnow()
    today = today or now.astimezone(LOCAL_TZ).date()
    days = _DAYS.fullmatch(text)
    if days is not None:
        count = int(days.group(1))
        if not 1 <= count <= MAX_EXPIRY_DAYS:
            raise TokenError(_("Số ngày hiệu lực phải từ 1 đến %(n)d.", n=MAX_EXPIRY_DAYS), "expires")
        return now + timedelta(days=count)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise TokenError(_("Hạn dùng “%(value)s” không hợp lệ: ghi số ngày (ví dụ 90d) hoặc một ngày YYYY-MM-DD.",
                           value=text[:40]), "expires") from None
    if day < today:
        raise TokenError(_("Hạn dùng %(day)s đã qua.", day=day.strftime("%d/%m/%Y")), "expires")
    if day > today + timedelta(days=MAX_EXPIRY_DAYS):
        raise TokenError(_("Hạn dùng không được quá %(n)d ngày kể từ hôm nay.", n=MAX_EXPIRY_DAYS), "expires")
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=LOCAL_TZ).astimezone(UTC)


def is_expired(token: ApiToken, now: datetime | None = None) -> bool:
    """Whether the token's validity has ended (SQLite hands back naive UTC times)."""
    expires = token.expires_at
    if expires is None:
        return False
    return expires.replace(tzinfo=expires.tzinfo or UTC) <= (now or utcnow())


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """``revoked``, ``expired`` or ``active``."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if is_expired(token, now) else "active"


def state_label(state: str) -> str:
    """A token state as users read it."""
    labels = {"revoked": _("Đã thu hồi"), "expired": _("Đã hết hạn"), "active": _("Đang dùng")}
    return labels[state]


def create_token(session: Session, owner: StaffUser, name: str, expires_at: datetime | None = None,
                 by: StaffUser | None = None) -> tuple[ApiToken, str]:
    """A new token of ``owner``; returns it and its secret (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_("Cần đặt tên cho mã (ví dụ tên chương trình dùng mã)."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenError(_("Tên mã quá dài (tối đa %(n)d ký tự).", n=NAME_MAX_LENGTH), "name")
    if not owner.active:
        raise TokenError(_("Tài khoản %(login)s đang bị khóa.", login=owner.login), "user")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=owner.id, name=name, token_hash=hash_token(secret), expires_at=expires_at)
    session.add(token)
    session.flush()
    details = {"token_id": token.id, "owner": owner.login}
    if expires_at is not None:
        details["expires_at"] = expires_at.isoformat()
    session.add(AuditEntry(user_id=by.id if by else None, action="api_token.create", target=name, details=details))
    return token, secret


def revoke_token(session: Session, token: ApiToken, by: StaffUser | None = None) -> bool:
    """Revoke ``token``; False when it was revoked already (nothing changes, nothing audited)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.add(AuditEntry(user_id=by.id if by else None, action="api_token.revoke", target=token.name,
                           details={"token_id": token.id, "owner": token.user.login}))
    session.flush()
    return True


def list_tokens(session: Session, owner: StaffUser | None = None) -> list[ApiToken]:
    """The tokens of ``owner`` (everybody's when None), newest first."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if owner is not None:
        query = query.where(ApiToken.user_id == owner.id)
    return list(session.scalars(query))
