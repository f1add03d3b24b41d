"""Releases: frozen, reproducible results of a round, and the index records they hold."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from survey.models.base import Base, BigId, ImmutableVersionError, db_enum, utcnow

if TYPE_CHECKING:
    from survey.models.questionnaires import QuestionnaireVersion
    from survey.models.rounds import SurveyRound
    from survey.models.staff import StaffUser
    from survey.models.units import Unit
    from survey.models.weights import WeightSet


class ReleaseStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Release(Base):
    """Frozen results of a round's computation and what makes them reproducible.

    A published release never changes; a correction is a new release that
    ``supersedes`` the old one.
    """

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("round_id", "number", name="uq_releases_round_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    status: Mapped[ReleaseStatus] = mapped_column(
        db_enum(ReleaseStatus, "release_status"), default=ReleaseStatus.DRAFT
    )
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    weight_set_id: Mapped[int | None] = mapped_column(ForeignKey("weight_sets.id"))
    previous_release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    data_fingerprint: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict] = mapped_column(JSON)
    software_version: Mapped[str] = mapped_column(String(64))
    n_responses: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    round: Mapped[SurveyRound] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    weight_set: Mapped[WeightSet | None] = relationship()
    previous_release: Mapped[Release | None] = relationship(foreign_keys=[previous_release_id], remote_side=[id])
    supersedes: Mapped[Release | None] = relationship(foreign_keys=[supersedes_id], remote_side=[id])
    created_by: Mapped[StaffUser | None] = relationship()


class ReleaseIndex(Base):
    """One index of one unit (or the nation: ``unit_id`` NULL) in a release.

    Same record shape as ``sipas indices`` (estimate, se, CI, df, n, deff,
    ci_method), plus the comparison with the reference value (the parent unit
    or the nation: ``flag`` above/below/none after Holm adjustment), the rank
    interval among siblings, and the change since the previous round.
    """

    __tablename__ = "release_indices"
    __table_args__ = (
        Index("ix_release_indices_release_unit", "release_id", "unit_id"),
        Index("ix_release_indices_release_index", "release_id", "level", "index_code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    level: Mapped[str] = mapped_column(String(16))  # item | group | overall
    index_code: Mapped[str] = mapped_column(String(64))
    statistic: Mapped[str] = mapped_column(String(16), default="index")
    estimate: Mapped[float | None] = mapped_column()
    se: Mapped[float | None] = mapped_column()
    ci_low: Mapped[float | None] = mapped_column()
    ci_high: Mapped[float | None] = mapped_column()
    df: Mapped[float | None] = mapped_column()
    n: Mapped[int] = mapped_column(Integer)
    deff: Mapped[float | None] = mapped_column()
    ci_method: Mapped[str] = mapped_column(String(16))
    reference_difference: Mapped[float | None] = mapped_column()
    reference_p_adjusted: Mapped[float | None] = mapped_column()
    flag: Mapped[str | None] = mapped_column(String(16))  # above | below | none | not_estimable
    rank_low: Mapped[int | None] = mapped_column(Integer)
    rank_high: Mapped[int | None] = mapped_column(Integer)
    previous_estimate: Mapped[float | None] = mapped_column()
    change: Mapped[float | None] = mapped_column()
    change_se: Mapped[float | None] = mapped_column()
    change_p: Mapped[float | None] = mapped_column()

    unit: Mapped[Unit | None] = relationship()


class ReleaseMicrodata(Base):
    """The analysis microdata a published release was computed from, frozen at publication.

    ``payload`` is a compressed NumPy ``.npz`` (no pickled objects) of the arrays
    (unit ids, item scores, weights, design and calibration columns, reason
    answers); ``columns`` describes them (items, units' codes and names as of
    the release, design); ``checksum`` is the SHA-256 of ``payload``. Never
    changes, like its release.
    """

    __tablename__ = "release_microdata"

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True)
    payload_format: Mapped[str] = mapped_column(String(16))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    checksum: Mapped[str] = mapped_column(String(64))
    columns: Mapped[dict] = mapped_column(JSON)
    n_responses: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@event.listens_for(Session, "before_flush")
def _guard_published_releases(session: Session, flush_context, instances) -> None:
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, ReleaseMicrodata) and (obj in session.deleted or session.is_modified(obj)):
            raise ImmutableVersionError(f"the frozen microdata of release {obj.release_id} cannot change")
        if isinstance(obj, Release):
            release: Release | None = obj
        elif isinstance(obj, ReleaseIndex):
            release = session.get(Release, obj.release_id)
        else:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if release is not None and _stored_status(session, release) == ReleaseStatus.PUBLISHED:
            raise ImmutableVersionError(
                f"release {release.id} is published and cannot change; make a new release instead"
            )


def _stored_status(session: Session, release: Release) -> ReleaseStatus | None:
    """The release's status as stored in the database, ignoring pending changes."""
    if release.id is None:
        return None
    with session.no_autoflush:
        return session.execute(
            select(Release.status).where(Release.id == release.id).execution_options(populate_existing=False)
        ).scalar()
