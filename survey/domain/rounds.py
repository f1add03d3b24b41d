"""Finding the survey round a unit answers on a channel."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey.models import Channel, RoundStatus, SurveyRound, Unit


def _ancestor_ids(unit: Unit) -> set[int]:
    ids: set[int] = set()
    current: Unit | None = unit
    while current is not None and current.id not in ids:
        ids.add(current.id)
        current = current.parent
    return ids


def current_round(session: Session, unit: Unit, channel: Channel, day: date | None = None) -> SurveyRound | None:
    """The open round covering ``unit`` (or one of its parents) on ``channel`` today.

    A round with no units in scope covers every unit. When several match, the
    most recently started one wins.
    """
    day = day or date.today()
    candidates = session.scalars(
        select(SurveyRound)
        .where(SurveyRound.status == RoundStatus.OPEN, SurveyRound.starts_on <= day, SurveyRound.ends_on >= day)
        .options(selectinload(SurveyRound.units))
        .order_by(SurveyRound.starts_on.desc(), SurveyRound.id.desc())
    ).all()
    lineage = _ancestor_ids(unit)
    for survey_round in candidates:
        if channel.value not in survey_round.channels:
            continue
        if not survey_round.units or lineage & {u.id for u in survey_round.units}:
            return survey_round
    return None
