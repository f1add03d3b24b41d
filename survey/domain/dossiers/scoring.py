"""The month's satisfaction score per unit: stored dossiers and PAKN to arrays, then analysis.decision766.

The one boundary between the database and :mod:`analysis.decision766`: times
are taken to local time (Asia/Ho_Chi_Minh) here, the "drew a PAKN" and "rated
not satisfied" flags are computed by the database (EXISTS over the complaints
and the dossier ratings; never over the anonymous responses), and units become
integer codes. Only aggregates leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from analysis.decision766 import (
    Circular01Result,
    CriterionResult,
    Definition,
    GroupResult,
    IndicatorResult,
    Period,
    circular01_report,
    criterion_report,
    group_score,
    judged_as_of,
    load_definition,
    score_complaints,
    score_dossiers,
)
from survey.i18n import LOCAL_TIMEZONE, LOCAL_TZ
from survey.models import Complaint, Dossier, DossierRating, Unit

DEFINITION_DIR = Path(__file__).resolve().parents[2] / "data" / "decision766"
NOT_SATISFIED = "not_satisfied"


def definition_path(version: str | None = None) -> Path:
    """The definition file of ``version`` (e.g. ``766-2022``), else the latest one by name."""
    if version:
        return DEFINITION_DIR / f"{version}.json"
    return max(DEFINITION_DIR.glob("*.json"))


def current_definition(version: str | None = None) -> Definition:
    return load_definition(definition_path(version))


@dataclass(frozen=True)
class MonthScore:
    """The satisfaction indicators of a month for each unit that had dossiers or PAKN (or was asked for)."""

    period: Period
    units: list[Unit]
    dossiers: IndicatorResult  # 5.4
    on_time: IndicatorResult  # 5.2
    satisfied: IndicatorResult  # 5.3
    group: GroupResult
    definition: Definition
    outside_calendar: bool  # the month is in no year of the holiday calendar: weekends only


def local_times(values: pd.Series | list) -> np.ndarray:
    """Stored times (aware, or naive UTC from SQLite) as local naive datetime64[s]; NaT for None."""
    times = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    return times.dt.tz_convert(LOCAL_TIMEZONE).dt.tz_localize(None).to_numpy(dtype="datetime64[s]")


def local_moment(moment: datetime) -> np.datetime64:
    """An aware moment as local naive datetime64[s] (the analysis package's time)."""
    return np.datetime64(moment.astimezone(LOCAL_TZ).replace(tzinfo=None), "s")


def utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's local bounds in UTC (SQLite keeps a time's UTC wall clock and drops the zone)."""

    def convert(moment: np.datetime64) -> datetime:
        return pd.Timestamp(moment).to_pydatetime().replace(tzinfo=LOCAL_TZ).astimezone(UTC)

    return convert(period.start), convert(period.end)


def dossier_columns(session: Session, period: Period, unit_ids: set[int] | list[int] | None,
                    *extra: Any) -> dict[str, np.ndarray]:
    """Dossiers received in ``period`` (of ``unit_ids`` only, unless None) as arrays of local times.

    Besides the dossier's own times: ``first_complaint`` (the earliest PAKN about it, NaT if none),
    ``undated_complaint`` (a PAKN about it without a receipt time: it counts at once) and
    ``first_dislike`` (when it was rated "not satisfied"); the caller judges them against its own
    moment, one per dossier, so one query serves a month or a year of months. ``extra``: more columns.
    """
    start, end = utc_bounds(period)
    about = and_(Complaint.source == Dossier.source, Complaint.dossier_code == Dossier.code)
    first_complaint = select(func.min(Complaint.received_at)).where(about).scalar_subquery()
    undated = exists().where(about, Complaint.received_at.is_(None))
    first_dislike = (select(func.min(DossierRating.rated_at))
                     .where(DossierRating.dossier_id == Dossier.id, DossierRating.level == NOT_SATISFIED)
                     .scalar_subquery())
    query = (select(Dossier.unit_id, Dossier.received_at, Dossier.due_at, Dossier.handled_at,
                    first_complaint, undated, first_dislike, *extra)
             .where(Dossier.received_at >= start, Dossier.received_at < end))
    if unit_ids is not None:
        query = query.where(Dossier.unit_id.in_(sorted(unit_ids)))
    rows = session.execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * (7 + len(extra))
    arrays = {"unit_id": np.asarray(columns[0], dtype=np.int64), "received": local_times(columns[1]),
              "due": local_times(columns[2]), "handled": local_times(columns[3]),
              "first_complaint": local_times(columns[4]), "undated_complaint": np.asarray(columns[5], dtype=bool),
              "first_dislike": local_times(columns[6])}
    for position, column in enumerate(extra):
        arrays[column.key] = np.asarray(columns[7 + position], dtype=object)
    return arrays


def complained_disliked(dossiers: dict[str, np.ndarray], judged: np.datetime64 | np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Whether each dossier drew a PAKN, and was rated "not satisfied", before the moment it is judged at."""
    complained = dossiers["undated_complaint"] | (dossiers["first_complaint"] < judged)
    return complained, dossiers["first_dislike"] < judged


def complaint_columns(session: Session, period: Period, unit_ids: set[int] | list[int] | None
                      ) -> dict[str, np.ndarray]:
    """PAKN received in ``period`` (of ``unit_ids`` only, unless None) as arrays."""
    start, end = utc_bounds(period)
    query = (select(Complaint.unit_id, Complaint.received_at, Complaint.handled_at, Complaint.likes,
                    Complaint.dislikes, Complaint.follow_up)
             .where(Complaint.received_at >= start, Complaint.received_at < end))
    if unit_ids is not None:
        query = query.where(Complaint.unit_id.in_(sorted(unit_ids)))
    rows = session.execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    return {"unit_id": np.asarray(columns[0], dtype=np.int64), "received": local_times(columns[1]),
            "handled": local_times(columns[2]), "likes": np.asarray(columns[3], dtype=np.int64),
            "dislikes": np.asarray(columns[4], dtype=np.int64), "follow_up": np.asarray(columns[5], dtype=bool)}


def month_score(session: Session, year: int, month: int, *, definition: Definition | None = None,
                as_of: datetime | None = None, unit_ids: set[int] | list[int] | None = None,
                shown: list[int] | None = None) -> MonthScore:
    """Indicators 5.2, 5.3, 5.4 and the satisfaction group of every unit of ``unit_ids`` (None: all) for a month.

    Everything is judged as known at ``as_of`` (default, and at the latest: the end of the month): a
    dossier unfinished then is judged by its due time, and a PAKN or a "not satisfied" rating given after
    it does not count (our reading: a month's score, once the month is over, no longer changes).
    ``shown``: units to report even without any dossier (not applicable).
    """
    definition = definition or current_definition()
    period = Period.month(year, month)
    judged = judged_as_of(period, local_moment(as_of) if as_of else None)
    dossiers = dossier_columns(session, period, unit_ids)
    complaints = complaint_columns(session, period, unit_ids)
    ids, codes = np.unique(np.concatenate([dossiers["unit_id"], complaints["unit_id"],
                                           np.asarray(shown or [], dtype=np.int64)]), return_inverse=True)
    n_dossiers, n_complaints = dossiers["unit_id"].size, complaints["unit_id"].size
    common = {"n_units": ids.size, "period": period, "definition": definition, "as_of": judged}
    complained, disliked = complained_disliked(dossiers, judged)
    result_54 = score_dossiers(codes[:n_dossiers], dossiers["received"], dossiers["due"], dossiers["handled"],
                               complained, disliked, **common)
    on_time, satisfied = score_complaints(
        codes[n_dossiers:n_dossiers + n_complaints], complaints["received"], complaints["handled"],
        complaints["likes"], complaints["dislikes"], complaints["follow_up"], **common)
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids.tolist())))}
    return MonthScore(period, [units[i] for i in ids.tolist()], result_54, on_time, satisfied,
                      group_score("MDHL", [on_time, satisfied, result_54], definition), definition,
                      year not in definition.calendar_years)


def dossier_flags(judged: datetime) -> tuple[Any, Any, Any]:
    """SQL of a dossier's "overdue", "drew a PAKN" and "rated not satisfied" as judged at ``judged`` (UTC).

    The SQL form of :func:`analysis.decision766.overdue_dossiers` and of :func:`complained_disliked`.
    """
    handled_by_then = and_(Dossier.handled_at.is_not(None), Dossier.handled_at < judged)
    overdue = and_(Dossier.due_at.is_not(None), or_(and_(handled_by_then, Dossier.handled_at > Dossier.due_at),
                                                    and_(~handled_by_then, Dossier.due_at < judged)))
    complained = exists().where(Complaint.source == Dossier.source, Complaint.dossier_code == Dossier.code,
                                or_(Complaint.received_at.is_(None), Complaint.received_at < judged))
    disliked = exists().where(DossierRating.dossier_id == Dossier.id, DossierRating.level == NOT_SATISFIED,
                              DossierRating.rated_at < judged)
    return overdue, complained, disliked


def monthly_dossier_counts(session: Session, periods: list[Period], unit_ids: set[int] | list[int] | None,
                           as_of: datetime | None) -> tuple[np.ndarray, np.ndarray]:
    """Dossiers received in each period, and those satisfied (5.4), counted in SQL: one UNION ALL query.

    By :func:`dossier_flags`, each period judged at its end (or ``as_of`` if earlier); ``test_dossier_retention`` holds it equal to
    :func:`month_score` month by month.
    """
    branches = []
    for position, period in enumerate(periods):
        start, end = utc_bounds(period)
        overdue, complained, disliked = dossier_flags(min(end, as_of.astimezone(UTC)) if as_of else end)
        branch = (select(literal(position).label("period"), func.count().label("received"),
                         func.coalesce(func.sum(case((or_(overdue, complained, disliked), 0), else_=1)), 0)
                         .label("satisfied"))
                  .where(Dossier.received_at >= start, Dossier.received_at < end))
        if unit_ids is not None:
            branch = branch.where(Dossier.unit_id.in_(sorted(unit_ids)))
        branches.append(branch)
    received = np.zeros(len(periods), dtype=np.int64)
    satisfied = np.zeros(len(periods), dtype=np.int64)
    for position, count, good in session.execute(union_all(*branches)).all():
        received[position], satisfied[position] = count, good
    return received, satisfied


@dataclass(frozen=True)
class MonthRatings:
    """The Circular 01 report of the dossier ratings given in a month, per unit of the rated dossier."""

    period: Period
    units: list[Unit]
    report: Circular01Result
    extras: dict[str, CriterionResult] = field(default_factory=dict)  # a province's own criteria, by item code


def month_ratings(session: Session, year: int, month: int, *, definition: Definition | None = None
                  ) -> MonthRatings:
    """Average of each index, total out of the maximum, share of each level and band, per unit."""
    definition = definition or current_definition()
    period = Period.month(year, month)
    start, end = utc_bounds(period)
    rows = session.execute(
        select(Dossier.unit_id, DossierRating.index_scores, DossierRating.level, DossierRating.extra_scores)
        .join(Dossier).where(DossierRating.rated_at >= start, DossierRating.rated_at < end)).all()
    ids, codes = np.unique(np.array([row[0] for row in rows], dtype=np.int64), return_inverse=True)
    scores = np.full((len(rows), definition.n_indices), np.nan)
    for position, (_unit, index_scores, _level, _extras) in enumerate(rows):  # JSON to a row of the array
        for index, value in (index_scores or {}).items():
            if str(index).isdigit() and 1 <= int(index) <= definition.n_indices and value is not None:
                scores[position, int(index) - 1] = float(value)
    levels = {name: code for code, name in enumerate(definition.level_names)}
    level = np.array([levels.get(row[2], -1) for row in rows], dtype=np.int64)
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids.tolist())))}
    extras = {}
    for name in sorted({name for row in rows for name in (row[3] or {})}):
        points = np.array([_points((row[3] or {}).get(name), definition) for row in rows], dtype=float)
        extras[name] = criterion_report(codes, points, n_units=ids.size, definition=definition)
    return MonthRatings(period, [units[i] for i in ids.tolist()],
                        circular01_report(codes, scores, level, n_units=ids.size, definition=definition), extras)


def _points(value: Any, definition: Definition) -> float:
    """Stored points of a criterion, NaN for none or anything else."""
    return float(value) if isinstance(value, int) and 0 <= value <= definition.index_max else np.nan
