"""Dossier-level data identifies a case: every read of it is logged, and ratings are kept only so long."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from survey.models import DossierAccess, DossierRating, utcnow


def log_dossier_access(session: Session, *, actor: str, action: str, rows: int, dossier_code: str | None = None,
                       user_id: int | None = None, credential_id: int | None = None,
                       details: dict[str, Any] | None = None) -> DossierAccess:
    """Record a read of dossier-level rows (who, what, how many) in the same transaction as the read."""
    entry = DossierAccess(actor=actor[:100], action=action, rows=rows, dossier_code=dossier_code, user_id=user_id,
                          credential_id=credential_id, details=details, at=utcnow())
    session.add(entry)
    return entry


def purge_expired_ratings(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete dossier ratings older than ``retention_days`` (DOSSIER_RETENTION_DAYS); returns how many."""
    limit = (now or utcnow()) - timedelta(days=retention_days)
    result = session.execute(delete(DossierRating).where(DossierRating.rated_at < limit))
    return result.rowcount or 0
