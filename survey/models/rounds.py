"""Survey rounds (a questionnaire version, a period, channels, units) and their one-use invitations.

Invitations record only *that* they were used (and on which day), never which
response they produced.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, db_enum, utcnow

if TYPE_CHECKING:
    from survey.models.questionnaires import QuestionnaireVersion
    from survey.models.units import Unit


class Channel(enum.Enum):
    COUNTER = "counter"
    ONLINE = "online"
    PAPER = "paper"
    PHONE = "phone"


class RoundKind(enum.Enum):
    """What a round is for: a yearly sample survey, or the continuous rating at counters."""

    YEARLY_SAMPLE = "yearly_sample"
    CONTINUOUS_COUNTER = "continuous_counter"


class RoundStatus(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


round_units = Table(
    "round_units",
    Base.metadata,
    Column("round_id", ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class SurveyRound(Base):
    """A survey round: one questionnaire version, a period, channels and units in scope."""

    __tablename__ = "survey_rounds"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[RoundKind] = mapped_column(db_enum(RoundKind, "round_kind"), default=RoundKind.YEARLY_SAMPLE)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[RoundStatus] = mapped_column(
        db_enum(RoundStatus, "round_status"), default=RoundStatus.OPEN
    )
    sampling_design: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary=round_units)

    def accepts(self, channel: Channel, day: date) -> bool:
        return (
            self.status == RoundStatus.OPEN
            and channel.value in self.channels
            and self.starts_on <= day <= self.ends_on
        )


class Invitation(Base):
    """A one-use invitation for a sampled respondent.

    Only the token hash, and whether it was used (not when), are kept:
    nothing links an invitation to the response it led to.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used: Mapped[bool] = mapped_column(Boolean, default=False)

    round: Mapped[SurveyRound] = relationship()
    unit: Mapped[Unit] = relationship()
