"""The month's satisfaction score per unit: stored dossiers and PAKN to arrays, then analysis.decision766.

The one boundary between the database and :mod:`analysis.decision766`: times
are taken to local time (Asia/Ho_Chi_Minh) here, the "drew a PAKN" and "rated
not satisfied" flags are computed by the database (EXISTS over the complaints
and the dossier ratings; never over the anonymous responses), and units become
integer codes. Only aggregates leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from analysis.decision766 import (
    Circular01Result,
    Definition,
    GroupResult,
    IndicatorResult,
    Period,
    circular01_report,
    group_score,
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


def _local(values: pd.Series) -> np.ndarray:
    """Stored times (aware, or naive UTC from SQLite) as local naive datetime64[s]; NaT for None."""
    times = pd.to_datetime(values, utc=True)
    return times.dt.tz_convert(LOCAL_TIMEZONE).dt.tz_localize(None).to_numpy(dtype="datetime64[s]")


def _utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's local bounds in UTC (SQLite keeps a time's UTC wall clock and drops the zone)."""

    def convert(moment: np.datetime64) -> datetime:
        return pd.Timestamp(moment).to_pydatetime().replace(tzinfo=LOCAL_TZ).astimezone(UTC)

    return convert(period.start), convert(period.end)


def month_score(session: Session, year: int, month: int, *, definition: Definition | None = None,
                as_of: datetime | None = None, unit_ids: list[int] | None = None) -> MonthScore:
    """Indicators 5.2, 5.3, 5.4 and the satisfaction group of every unit for one month.

    Everything is judged as known at ``as_of`` (default, and at the latest: the end of the month): a
    dossier unfinished then is judged by its due time, and a PAKN or a "not satisfied" rating given after
    it does not count (our reading: a month's score, once the month is over, no longer changes).
    ``unit_ids``: units to report even without any dossier (not applicable).
    """
    definition = definition or current_definition()
    period = Period.month(year, month)
    start, end = _utc_bounds(period)
    judged = min(end, as_of.astimezone(UTC)) if as_of else end  # a PAKN or rating after that moment does not count yet
    complained = exists().where(and_(Complaint.source == Dossier.source, Complaint.dossier_code == Dossier.code,
                                     or_(Complaint.received_at.is_(None), Complaint.received_at < judged)))
    disliked = exists().where(and_(DossierRating.dossier_id == Dossier.id, DossierRating.level == NOT_SATISFIED,
                                   DossierRating.rated_at < judged))
    dossiers = pd.DataFrame(session.execute(
        select(Dossier.unit_id, Dossier.received_at, Dossier.due_at, Dossier.handled_at,
               complained.label("complained"), disliked.label("disliked"))
        .where(Dossier.received_at >= start, Dossier.received_at < end)).all(),
        columns=["unit_id", "received", "due", "handled", "complained", "disliked"])
    complaints = pd.DataFrame(session.execute(
        select(Complaint.unit_id, Complaint.received_at, Complaint.handled_at, Complaint.likes, Complaint.dislikes,
               Complaint.follow_up)
        .where(Complaint.received_at >= start, Complaint.received_at < end)).all(),
        columns=["unit_id", "received", "handled", "likes", "dislikes", "follow_up"])
    ids, codes = np.unique(np.concatenate([dossiers["unit_id"].to_numpy(dtype=np.int64),
                                           complaints["unit_id"].to_numpy(dtype=np.int64),
                                           np.asarray(unit_ids or [], dtype=np.int64)]), return_inverse=True)
    n_dossiers = len(dossiers)
    common = {"n_units": ids.size, "period": period, "definition": definition,
              "as_of": np.datetime64(as_of.astimezone(LOCAL_TZ).replace(tzinfo=None), "s") if as_of else None}
    result_54 = score_dossiers(codes[:n_dossiers], _local(dossiers["received"]), _local(dossiers["due"]),
                               _local(dossiers["handled"]), dossiers["complained"].to_numpy(dtype=bool),
                               dossiers["disliked"].to_numpy(dtype=bool), **common)
    on_time, satisfied = score_complaints(
        codes[n_dossiers:n_dossiers + len(complaints)], _local(complaints["received"]),
        _local(complaints["handled"]), complaints["likes"].to_numpy(dtype=np.int64),
        complaints["dislikes"].to_numpy(dtype=np.int64), complaints["follow_up"].to_numpy(dtype=bool), **common)
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids.tolist())))}
    return MonthScore(period, [units[i] for i in ids.tolist()], result_54, on_time, satisfied,
                      group_score("MDHL", [on_time, satisfied, result_54], definition), definition,
                      year not in definition.calendar_years)


@dataclass(frozen=True)
class MonthRatings:
    """The Circular 01 report of the dossier ratings given in a month, per unit of the rated dossier."""

    period: Period
    units: list[Unit]
    report: Circular01Result


def month_ratings(session: Session, year: int, month: int, *, definition: Definition | None = None
                  ) -> MonthRatings:
    """Average of each index, total out of the maximum, share of each level and band, per unit."""
    definition = definition or current_definition()
    period = Period.month(year, month)
    start, end = _utc_bounds(period)
    rows = session.execute(
        select(Dossier.unit_id, DossierRating.index_scores, DossierRating.level).join(Dossier)
        .where(DossierRating.rated_at >= start, DossierRating.rated_at < end)).all()
    ids, codes = np.unique(np.array([row[0] for row in rows], dtype=np.int64), return_inverse=True)
    scores = np.full((len(rows), definition.n_indices), np.nan)
    for position, (_unit, index_scores, _level) in enumerate(rows):  # JSON to a row of the array
        for index, value in (index_scores or {}).items():
            if str(index).isdigit() and 1 <= int(index) <= definition.n_indices and value is not None:
                scores[position, int(index) - 1] = float(value)
    levels = {name: code for code, name in enumerate(definition.level_names)}
    level = np.array([levels.get(row[2], -1) for row in rows], dtype=np.int64)
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids.tolist())))}
    return MonthRatings(period, [units[i] for i in ids.tolist()],
                        circular01_report(codes, scores, level, n_units=ids.size, definition=definition))
