"""Sample frames and the weight sets computed from them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import JSON, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow

if TYPE_CHECKING:
    from survey.models.rounds import SurveyRound


class SampleFrame(Base):
    """A sample frame for a round: per unit, the population (e.g. dossiers completed)."""

    __tablename__ = "sample_frames"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    rows: Mapped[list] = mapped_column(JSON)  # [{"unit": code, "stratum": .., "population": ..}, ...]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[SurveyRound] = relationship()


class WeightSet(Base):
    """Final weights of a round's responses, with how they were made and their diagnostics.

    ``response_ids`` (int64) and ``weights`` (float64) are packed arrays of
    equal length, so a million weights load with one ``numpy.frombuffer``.
    """

    __tablename__ = "weight_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    frame_id: Mapped[int | None] = mapped_column(ForeignKey("sample_frames.id"))
    method: Mapped[dict] = mapped_column(JSON)
    diagnostics: Mapped[dict] = mapped_column(JSON)
    response_ids: Mapped[bytes] = mapped_column(LargeBinary)
    weights: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[SurveyRound] = relationship()

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.frombuffer(self.response_ids, dtype="<i8"), np.frombuffer(self.weights, dtype="<f8")
