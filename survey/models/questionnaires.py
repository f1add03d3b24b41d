"""Questionnaires and their immutable published versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from survey.models.base import Base, ImmutableVersionError, utcnow


class Questionnaire(Base):
    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.id"
    )


class QuestionnaireVersion(Base):
    """An immutable published version of a questionnaire (content-addressed)."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "version", name="uq_questionnaire_versions_version"),
        UniqueConstraint("questionnaire_id", "content_hash", name="uq_questionnaire_versions_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    numeric_items: Mapped[list] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    @property
    def code(self) -> str:
        return self.questionnaire.code


@event.listens_for(Session, "before_flush")
def _guard_published_versions(session: Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, QuestionnaireVersion) and session.is_modified(obj):
            raise ImmutableVersionError(
                f"questionnaire version {obj.id} is published and cannot change; "
                "publish a new version instead"
            )
