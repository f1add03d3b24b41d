"""Anonymous responses, their sample-design variables and the paper batches they were imported in.

Responses carry no personal data: no IP address, user agent, name or phone.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, BigId, db_enum, utcnow
from survey.models.rounds import Channel

if TYPE_CHECKING:
    from survey.models.devices import Device
    from survey.models.questionnaires import QuestionnaireVersion
    from survey.models.rounds import SurveyRound
    from survey.models.units import Unit


class Response(Base):
    """One anonymous questionnaire response.

    ``answers`` keeps every answer (JSON, including text); ``scores`` keeps the
    numeric answers as a packed little-endian float32 vector in the order of the
    version's ``numeric_items`` (NaN = no answer), so that analysis loads a
    million responses with one query and one ``numpy.frombuffer``.
    """

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_round_unit", "round_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[uuid_module.UUID] = mapped_column(Uuid, unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    channel: Mapped[Channel] = mapped_column(db_enum(Channel, "channel"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[dict] = mapped_column(JSON)
    scores: Mapped[bytes] = mapped_column(LargeBinary)

    round: Mapped[SurveyRound] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    unit: Mapped[Unit] = relationship()
    device: Mapped[Device | None] = relationship()

    def score_vector(self) -> np.ndarray:
        return np.frombuffer(self.scores, dtype="<f4")


class ResponseDesign(Base):
    """Sample-design variables of one response (stratum, PSU, SSU, base weight).

    Kept apart from the answers: design information comes from the sample
    frame and may be filled in after the answers arrive.
    """

    __tablename__ = "response_design"

    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    stratum: Mapped[str | None] = mapped_column(String(64))
    psu: Mapped[str | None] = mapped_column(String(64))
    ssu: Mapped[str | None] = mapped_column(String(64))
    base_weight: Mapped[float | None] = mapped_column()
    fpc1: Mapped[float | None] = mapped_column()
    fpc2: Mapped[float | None] = mapped_column()


class ImportBatch(Base):
    """One file of paper questionnaires typed in by operators, imported all at once."""

    __tablename__ = "import_batches"
    __table_args__ = (
        UniqueConstraint("round_id", "file_sha256", name="uq_import_batches_round_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict] = mapped_column(JSON)
    rows: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[SurveyRound] = relationship()
