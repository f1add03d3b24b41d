"""Count the stale stored months again ahead of the dashboard (``sipas dossiers recount`` and a background job).

A stored month (:mod:`.closed_months`) goes stale when a write touches its unit and month, when a bulk
statement bumps every stored month, when a purge bumps the months it cut into, or when the PAKN calendar
changes; right after the upgrade to 0010 there are no stored months at all. The dashboard then counts the
stale ones on its next view, which for a province is seconds. :func:`recount_months` does that counting
beforehand, the same way (:func:`.closed_months.count_units`, stored under the generation read before
counting, so a write meanwhile leaves the month stale, never wrong). Nothing here commits but the job, once
a month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from analysis.decision766 import Definition, Period
from survey.domain.dossiers.closed_months import calendar_key, count_again, month_is_over, month_key
from survey.domain.dossiers.scoring import current_definition
from survey.domain.jobs import Progress
from survey.models import Job, JobStatus, Unit, utcnow
from survey.models.dossiers import DossierMonth

RECOUNT_JOB = "recount_months"
DEFAULT_MONTHS = 12  # the dashboard's trend: every unit of these months is stored, not only the stale ones
UNITS_PER_COUNT = 500


@dataclass(frozen=True)
class RecountReport:
    unit_months: int  # unit-months counted again and stored
    months: int  # months that had at least one


def _ended_months(as_of: datetime, count: int) -> list[Period]:
    """The ``count`` months that ended last before ``as_of`` (local time), oldest first."""
    year, month = map(int, month_key(as_of).split("-"))
    index = year * 12 + month - 1
    return [Period.month((index - k) // 12, (index - k) % 12 + 1) for k in range(count, 0, -1)]


def _stale_clause(key: str):
    return or_(DossierMonth.counted_generation.is_(None), DossierMonth.counted_generation != DossierMonth.generation,
               DossierMonth.calendar_key.is_(None), DossierMonth.calendar_key != key)


def months_to_recount(session: Session, definition: Definition, *, months: int | None = None,
                      as_of: datetime | None = None) -> list[Period]:
    """The last ``months`` ended months; without ``months``, the trend's and every older one with a stale row."""
    as_of = as_of or utcnow()
    periods = _ended_months(as_of, months if months is not None else DEFAULT_MONTHS)
    if months is None:
        labels = {period.label for period in periods}
        older = session.scalars(select(DossierMonth.month).distinct().where(
            DossierMonth.month < month_key(as_of), _stale_clause(calendar_key(definition))))
        periods += [Period.month(*map(int, label.split("-"))) for label in sorted(set(older) - labels)]
    return sorted((period for period in periods if month_is_over(period, as_of)), key=lambda p: p.label)


def recount_months(session: Session, *, months: int | None = None, as_of: datetime | None = None,
                   definition: Definition | None = None, progress: Progress | None = None) -> RecountReport:
    """Count again and store every unit-month of :func:`months_to_recount` that is missing or stale."""
    definition = definition or current_definition()
    key = calendar_key(definition)
    periods = months_to_recount(session, definition, months=months, as_of=as_of)
    units = list(session.scalars(select(Unit.id).order_by(Unit.id)))
    counted = touched = 0
    for position, period in enumerate(periods):
        if progress:
            progress(position / max(len(periods), 1), period.label)
        rows = {row[0]: row[1:] for row in session.execute(
            select(DossierMonth.unit_id, DossierMonth.generation, DossierMonth.counted_generation,
                   DossierMonth.calendar_key, DossierMonth.parts).where(DossierMonth.month == period.label))}
        stale = [unit_id for unit_id in units if unit_id not in rows or rows[unit_id][1] != rows[unit_id][0]
                 or rows[unit_id][2] != key or rows[unit_id][3] is None]  # parts: JSON null reads back as None
        for first in range(0, len(stale), UNITS_PER_COUNT):
            chunk = stale[first:first + UNITS_PER_COUNT]
            count_again(session, period, chunk, {u: rows[u][0] for u in chunk if u in rows}, key, definition,
                         parts=True)
        counted += len(stale)
        touched += bool(stale)
    if progress:
        progress(1.0, "")
    return RecountReport(counted, touched)


def recount_needed(session: Session, as_of: datetime | None = None) -> bool:
    """Whether a recount job is worth enqueuing: none is waiting, and an ended month has a stale stored row."""
    if session.scalar(select(Job.id).where(Job.kind == RECOUNT_JOB, Job.status == JobStatus.QUEUED).limit(1)):
        return False
    stale = or_(DossierMonth.counted_generation.is_(None), DossierMonth.counted_generation != DossierMonth.generation)
    return session.scalar(select(DossierMonth.unit_id).where(
        DossierMonth.month < month_key(as_of or utcnow()), stale).limit(1)) is not None


def enqueue_recount(session: Session, start: Callable[[str], Any]) -> bool:
    """Enqueue the recount job with ``start(kind)`` when :func:`recount_needed`; whether it was.

    Ends the read transaction first: on SQLite the job's own session must be able to write.
    """
    needed = recount_needed(session)
    session.commit()
    if needed:
        start(RECOUNT_JOB)
    return needed


def recount_months_job(session: Session, progress: Progress, months: int | None = None,
                       user_id: int | None = None) -> dict:
    """The ``recount_months`` background job: :func:`recount_months`, its numbers as the job's result.

    Each month is committed before the progress is written: the progress goes through a session of its own,
    which on SQLite would wait for the work's open write (and give up after the busy timeout)."""
    def step(fraction: float, message: str) -> None:
        session.commit()
        progress(fraction, message)

    report = recount_months(session, months=months, progress=step)
    return {"unit_months": report.unit_months, "months": report.months}
