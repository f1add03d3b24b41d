"""Shared loaders that apply the viewer's scope: anything outside it is a 404.

A 404 (not a 403) for another unit's page means a manager cannot even learn
which unit codes or release numbers exist beyond their scope.
"""

from __future__ import annotations

from datetime import date

from flask import abort, g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey.domain.rounds import parse_day
from survey.extensions import db
from survey.models import Release, ReleaseStatus, Role, StaffUser, Unit


def viewer(for_user: StaffUser | None = None) -> StaffUser:
    """The user a request acts for: the API token's owner, else the logged-in user."""
    if for_user is not None:
        return for_user
    user = g.get("api_user")
    if user is not None:
        return user
    if current_user and current_user.is_authenticated:
        return current_user  # type: ignore[return-value]
    abort(401)


def scope_of(user: StaffUser | None = None) -> set[int] | None:
    """Unit ids the user may see (``None``: every unit), computed once per request."""
    from survey.web.staff.queries import scope_unit_ids

    user = viewer(user)
    cache = g.setdefault("_sipas_scopes", {})
    key = (user.id, user.unit_id, user.role)
    if key not in cache:
        cache[key] = scope_unit_ids(db.session, user)
    return cache[key]


def in_scope(unit_id: int | None, user: StaffUser | None = None) -> bool:
    """Whether the user may see this unit (``None`` = the nation: national scope only)."""
    scope = scope_of(user)
    if scope is None:
        return True
    return unit_id is not None and unit_id in scope


def _unit_by_code(code: str) -> Unit | None:
    """The unit with this code valid today, else the most recent one with it."""
    units = db.session.scalars(select(Unit).where(Unit.code == code)).all()
    if not units:
        return None
    today = date.today()
    valid = [u for u in units if u.is_valid_on(today)]
    pool = valid or units
    return max(pool, key=lambda u: (u.valid_from or date.min, u.id))


def get_unit_or_404(code_or_id: str | int, for_user: StaffUser | None = None) -> Unit:
    """A unit by id (int) or code (str) that ``for_user`` (default: the viewer) may see; else 404."""
    if isinstance(code_or_id, int):
        unit = db.session.get(Unit, code_or_id)
    else:
        unit = _unit_by_code(str(code_or_id)[:32])
    if unit is None or not in_scope(unit.id, for_user):
        abort(404)
    return unit


def may_see_drafts(user: StaffUser | None = None) -> bool:
    return viewer(user).role in (Role.STATISTICIAN, Role.ADMIN)


def get_release_or_404(release_id: int, for_user: StaffUser | None = None) -> Release:
    """A release the user may see: managers see published releases only; else 404."""
    release = db.session.get(Release, release_id)
    if release is None:
        abort(404)
    if release.status != ReleaseStatus.PUBLISHED and not may_see_drafts(for_user):
        abort(404)
    return release


def typed_day(text: str, label: str) -> tuple[date | None, str | None]:
    """A day typed in a filter (dd/mm/yyyy, or yyyy-mm-dd from old links), or the message naming the field."""
    day = parse_day(text)
    if day is None and text:
        return None, _("%(field)s: “%(value)s” không phải là một ngày; hãy ghi dd/mm/yyyy, ví dụ 03/12/2026.",
                       field=label, value=text)
    return day, None
