"""A release's life cycle: publish (frozen from then on), discard a draft, find the current one."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey.domain.releases.data import RoundData
from survey.domain.releases.microdata import freeze_microdata
from survey.domain.releases.spec import ReleaseError
from survey.i18n import _
from survey.models import (
    AuditEntry,
    Release,
    ReleaseIndex,
    ReleaseStatus,
    StaffUser,
    SurveyRound,
    Unit,
    utcnow,
)


def publish_release(
    session: Session, release: Release, user: StaffUser | None, data: RoundData | None = None
) -> Release:
    """Publish a draft release with its microdata frozen; from now on neither changes (flush only).

    ``data``: the arrays the release was computed from, when they are not the
    round's stored responses (:func:`compute_release_from_data`).
    """
    if release.status == ReleaseStatus.PUBLISHED:
        raise ReleaseError(_("Kết quả #%(id)d đã được công bố.", id=release.id))
    freeze_microdata(session, release, data)
    release.status = ReleaseStatus.PUBLISHED
    release.published_at = utcnow()
    session.add(
        AuditEntry(
            user_id=None if user is None else user.id,
            action="release.publish",
            target=f"release:{release.id}",
            details={"round_id": release.round_id, "number": release.number, "supersedes": release.supersedes_id},
        )
    )
    session.flush()
    return release


def discard_release(session: Session, release: Release, user: StaffUser | None = None) -> None:
    """Delete a draft release and its results; a published release cannot be deleted."""
    if release.status == ReleaseStatus.PUBLISHED:
        raise ReleaseError(_("Kết quả #%(id)d đã được công bố nên không xóa được.", id=release.id))
    session.execute(delete(ReleaseIndex).where(ReleaseIndex.release_id == release.id))
    session.add(
        AuditEntry(user_id=None if user is None else user.id, action="release.discard", target=f"release:{release.id}")
    )
    session.delete(release)
    session.flush()


def current_release(session: Session, survey_round: SurveyRound) -> Release | None:
    """The round's latest published release (the one dashboards show)."""
    return session.scalar(
        select(Release)
        .where(Release.round_id == survey_round.id, Release.status == ReleaseStatus.PUBLISHED)
        .order_by(Release.number.desc())
        .limit(1)
    )


def league_rows(
    session: Session, release: Release, parent: Unit | None, index_code: str = "overall", level: str = "overall"
) -> list[ReleaseIndex]:
    """The stored results of a unit's sub-units (``parent`` None: top-level units) for one index."""
    parent_filter = Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id
    return list(
        session.scalars(
            select(ReleaseIndex)
            .join(Unit, ReleaseIndex.unit_id == Unit.id)
            .where(
                ReleaseIndex.release_id == release.id,
                ReleaseIndex.level == level,
                ReleaseIndex.index_code == index_code,
                parent_filter,
            )
            .order_by(ReleaseIndex.estimate.desc(), Unit.code)
        )
    )
