"""Read queries for the staff dashboard."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Response, StaffUser, SurveyRound, Unit
from survey.units import descendant_ids


def scope_unit_ids(session: Session, user: StaffUser) -> set[int] | None:
    """Unit ids a user may see; ``None`` means every unit (national scope)."""
    if user.unit is None:
        return None
    return descendant_ids(session, user.unit)


def round_overview(session: Session, unit_ids: set[int] | None) -> list[dict]:
    """Per round: number of responses and units answering, within the user's scope."""
    query = (
        select(
            SurveyRound,
            func.count(Response.id),
            func.count(func.distinct(Response.unit_id)),
        )
        .outerjoin(Response, Response.round_id == SurveyRound.id)
        .group_by(SurveyRound.id)
        .order_by(SurveyRound.starts_on.desc(), SurveyRound.id)
    )
    if unit_ids is not None:
        query = query.where((Response.unit_id.in_(unit_ids)) | (Response.id.is_(None)))
    return [
        {"round": r, "responses": n, "units": u} for r, n, u in session.execute(query).all()
    ]


def responses_by_unit(session: Session, round_id: int, unit_ids: set[int] | None) -> list[tuple[Unit, int]]:
    query = (
        select(Unit, func.count(Response.id))
        .join(Response, Response.unit_id == Unit.id)
        .where(Response.round_id == round_id)
        .group_by(Unit.id)
        .order_by(func.count(Response.id).desc())
    )
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids))
    return list(session.execute(query).tuples())
