"""Dossier-level data identifies a case: every read of it is logged, and it is kept only so long.

Retention (``DOSSIER_RETENTION_DAYS``) goes by a dossier's latest date: its
receipt, handling, return, last update and rating must all be older than the
limit for the dossier to go, and with it its events, its rating and the PAKN
about it (once they are old too). PAKN about no kept dossier, and access-log
rows, go by their own dates. Each purge writes one audit line whose target is
the limit: the dashboard reads it to say that a month before it can no longer
be recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session

from survey.domain.dossiers.closed_months import MONTHS_HANDLED, bump_until
from survey.domain.dossiers.portal import COMPLAINT
from survey.models import (
    AuditEntry,
    Complaint,
    Dossier,
    DossierAccess,
    DossierEvent,
    DossierRating,
    utcnow,
)

PURGE_ACTION = "dossiers.purge"
PURGE_BATCH = 500  # dossiers (or PAKN) per batch: short IN lists, bounded memory


def log_dossier_access(session: Session, *, actor: str, action: str, rows: int, dossier_code: str | None = None,
                       user_id: int | None = None, credential_id: int | None = None,
                       details: dict[str, Any] | None = None) -> DossierAccess:
    """Record a read of dossier-level rows (who, what, how many) in the same transaction as the read."""
    entry = DossierAccess(actor=actor[:100], action=action, rows=rows, dossier_code=dossier_code, user_id=user_id,
                          credential_id=credential_id, details=details, at=utcnow())
    session.add(entry)
    return entry


@dataclass
class PurgeReport:
    """How many rows of each kind a purge deleted, and the limit (UTC) it deleted before."""

    limit: datetime
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("dossiers", "events", "ratings", "complaints", "access_log"), 0))


def _older(column, limit: datetime):
    return or_(column.is_(None), column < limit)


def _expired_dossiers(limit: datetime):
    rated_later = exists().where(DossierRating.dossier_id == Dossier.id, DossierRating.rated_at >= limit)
    return and_(_older(Dossier.received_at, limit), _older(Dossier.due_at, limit),
                _older(Dossier.handled_at, limit), _older(Dossier.returned_at, limit), Dossier.updated_at < limit,
                ~rated_later)


def _expired_complaints(limit: datetime):
    about_kept = exists().where(Dossier.source == Complaint.source, Dossier.code == Complaint.dossier_code)
    return and_(_older(Complaint.received_at, limit), _older(Complaint.handled_at, limit), ~about_kept)


def _delete_events(session: Session, keys: list[tuple[str, str]], kinds_of_complaint: bool) -> int:
    kind = DossierEvent.kind == COMPLAINT if kinds_of_complaint else DossierEvent.kind != COMPLAINT
    result = session.execute(delete(DossierEvent).where(
        tuple_(DossierEvent.source, DossierEvent.code).in_(keys), kind).execution_options(synchronize_session=False))
    return result.rowcount or 0


def purge_expired(session: Session, retention_days: int, now: datetime | None = None, *,
                  batch: int = PURGE_BATCH, user_id: int | None = None) -> PurgeReport:
    """Delete dossiers (with their events and rating), PAKN and access-log rows older than the retention.

    In batches of ``batch`` dossiers; flushes, never commits (the caller commits once); one audit line.
    """
    limit = ((now or utcnow()) - timedelta(days=retention_days)).astimezone(UTC)
    report = PurgeReport(limit)
    counts = report.counts
    handled = {"synchronize_session": False, MONTHS_HANDLED: True}  # the months are bumped once, below
    while rows := session.execute(select(Dossier.id, Dossier.source, Dossier.code)
                                  .where(_expired_dossiers(limit)).limit(batch)).all():
        ids = [row.id for row in rows]
        counts["ratings"] += session.execute(delete(DossierRating).where(DossierRating.dossier_id.in_(ids))
                                             .execution_options(**handled)).rowcount or 0
        counts["events"] += _delete_events(session, [(row.source, row.code) for row in rows], False)
        counts["dossiers"] += session.execute(delete(Dossier).where(Dossier.id.in_(ids))
                                              .execution_options(**handled)).rowcount or 0
    while rows := session.execute(select(Complaint.id, Complaint.source, Complaint.code)
                                  .where(_expired_complaints(limit)).limit(batch)).all():
        counts["events"] += _delete_events(session, [(row.source, row.code) for row in rows], True)
        counts["complaints"] += session.execute(delete(Complaint).where(Complaint.id.in_([row.id for row in rows]))
                                                .execution_options(**handled)).rowcount or 0
    if counts["dossiers"] or counts["complaints"]:  # their months' stored counts no longer match the rows
        bump_until(session.connection(), limit)
    counts["access_log"] = session.execute(delete(DossierAccess).where(DossierAccess.at < limit)
                                           .execution_options(synchronize_session=False)).rowcount or 0
    session.add(AuditEntry(user_id=user_id, action=PURGE_ACTION, target=limit.isoformat(),
                           details={**counts, "retention_days": retention_days}))
    session.flush()
    return report


def last_purge_limit(session: Session) -> datetime | None:
    """The limit of the latest purge: rows before it may be gone, so months before it cannot be recomputed."""
    text = session.scalar(select(func.max(AuditEntry.target)).where(AuditEntry.action == PURGE_ACTION))
    return datetime.fromisoformat(text) if text else None
