"""Read-only reports of the Decision 766 dashboard: the score of a scope, and where its points were lost.

Built on :func:`.scoring.month_score` and :mod:`analysis.decision766`; only
aggregates leave this module (counts per unit or per procedure). Reading the
dossier-level rows behind them is the caller's to log
(:func:`.privacy.log_dossier_access`): :attr:`LostPoints.rows_read` says how many.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.decision766 import (
    Definition,
    GroupResult,
    IndicatorResult,
    Period,
    group_score,
    indicator_result,
    judged_as_of,
    overdue_dossiers,
    score_complaints,
)
from survey.domain.dossiers.closed_months import (
    PART_COUNTS,
    StoredMonth,
    month_is_over,
    month_totals,
    stored_month_score,
    stored_months,
)
from survey.domain.dossiers.scoring import (
    MonthScore,
    complained_disliked,
    complaint_columns,
    current_definition,
    dossier_columns,
    local_moment,
    month_score,
    monthly_dossier_counts,
)
from survey.models import Dossier, Procedure, Unit

INDICATORS = ("5.2", "5.3", "5.4")


@dataclass(frozen=True)
class Cell:
    """One indicator of one unit: counts, the ratio as a percentage and the points (None: not applicable)."""

    numerator: int
    denominator: int
    percent: float | None
    points: float | None
    max_points: float

    @classmethod
    def at(cls, result: IndicatorResult, position: int) -> Cell:
        applicable = bool(result.denominator[position] > 0)
        return cls(int(result.numerator[position]), int(result.denominator[position]),
                   float(result.percent[position]) if applicable else None,
                   float(result.points[position]) if applicable else None, result.max_points)


@dataclass(frozen=True)
class UnitScore:
    """The satisfaction indicators of one unit (``unit`` None: the whole scope) in a month."""

    unit: Unit | None
    cells: dict[str, Cell]  # "5.2", "5.3", "5.4"
    group_points: float | None  # None: no indicator applicable
    group_applicable_max: float


def _unit_score(unit: Unit | None, results: dict[str, IndicatorResult], group: GroupResult, position: int
                ) -> UnitScore:
    points = group.points[position]
    return UnitScore(unit, {code: Cell.at(result, position) for code, result in results.items()},
                     None if np.isnan(points) else float(points), float(group.applicable_max[position]))


@dataclass(frozen=True)
class ScopeScore:
    """A month's score of each unit of a scope with dossiers or PAKN (or asked for), and of the scope as a whole."""

    year: int
    month: int
    units: list[UnitScore]
    total: UnitScore
    definition: Definition
    outside_calendar: bool

    @property
    def has_complaints(self) -> bool:
        """Whether any PAKN was received in the scope this month (5.2 and 5.3 apply somewhere)."""
        return self.total.cells["5.2"].denominator > 0


def scope_score(session: Session, year: int, month: int, unit_ids: set[int] | None, *,
                shown: list[int] | None = None, as_of: datetime | None = None,
                definition: Definition | None = None, from_rows: bool = False) -> ScopeScore:
    """The month's indicators for the units in ``unit_ids`` (None: every unit), and their sum as one scope.

    The scope's indicator is computed from the summed numerators and denominators (as the portal
    scores a province from all its dossiers), not averaged over units. ``shown``: unit ids to list
    even without any dossier (they read "not applicable"). An ended month comes from the stored counts
    (:mod:`.closed_months`) unless ``from_rows``: then it is counted from the rows, as a running month is.
    """
    definition = definition or current_definition()
    period = Period.month(year, month)
    score: MonthScore
    if month_is_over(period, as_of) and not from_rows:  # judged at its end: the stored counts, the stale ones counted again
        score, _stored = stored_month_score(session, period, unit_ids, definition, shown)
    else:
        score = month_score(session, year, month, definition=definition, as_of=as_of, unit_ids=unit_ids,
                            shown=shown)
    results = {"5.2": score.on_time, "5.3": score.satisfied, "5.4": score.dossiers}
    units = [_unit_score(unit, results, score.group, position) for position, unit in enumerate(score.units)]
    totals = {code: indicator_result(code, score.period, [result.numerator.sum()],
                                     [result.denominator.sum()], score.definition)
              for code, result in results.items()}
    group = group_score("MDHL", list(totals.values()), score.definition)
    units.sort(key=lambda row: (row.unit.code, row.unit.id))  # type: ignore[union-attr]
    return ScopeScore(year, month, units, _unit_score(None, totals, group, 0), score.definition,
                      score.outside_calendar)


@dataclass(frozen=True)
class LostRow:
    """Dossiers of one procedure, unit or desk received in the month, and those that cost points, by reason."""

    code: str
    name: str
    received: int
    not_satisfied: int
    overdue: int
    complained: int
    disliked: int
    unit_code: str = ""  # by desk: the unit whose desk it is (desk codes repeat across units)


@dataclass(frozen=True)
class LostPoints:
    by_procedure: list[LostRow]
    by_unit: list[LostRow]
    by_desk: list[LostRow]  # code: the desk (MaQuay), name: its unit; dossiers without a desk are left out
    rows_read: int  # dossier-level rows read to count them (for the access log)


def lost_points(session: Session, year: int, month: int, unit_ids: set[int] | None, *,
                as_of: datetime | None = None, from_rows: bool = False) -> LostPoints:
    """The dossiers received in the month that count against 5.4 (overdue, drew a PAKN, rated "not
    satisfied"), counted by procedure (MaTTHC), by unit and by desk (MaQuay); judged as
    :func:`.scoring.month_score` judges them; an ended month from the stored counts unless ``from_rows``."""
    period = Period.month(year, month)
    if month_is_over(period, as_of) and not from_rows:
        return _stored_lost_points(session, stored_months(session, [period], unit_ids, current_definition(),
                                                          parts=True)[0])
    judged = judged_as_of(period, local_moment(as_of) if as_of else None)
    dossiers = dossier_columns(session, period, unit_ids, Dossier.procedure_code, Dossier.desk_code)
    complained, disliked = complained_disliked(dossiers, judged)
    frame = pd.DataFrame({"unit_id": dossiers["unit_id"], "procedure": dossiers["procedure_code"],
                          "desk": dossiers["desk_code"], "complained": complained, "disliked": disliked,
                          "overdue": overdue_dossiers(dossiers["due"], dossiers["handled"], judged)})
    frame["not_satisfied"] = frame["overdue"] | frame["complained"] | frame["disliked"]
    frame["procedure"] = frame["procedure"].fillna("")
    names = dict(session.execute(select(Procedure.code, Procedure.name)
                                 .where(Procedure.code.in_(set(frame["procedure"]) - {""}))).all())
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(set(frame["unit_id"].tolist()))))}
    by_procedure = _count(frame, "procedure", lambda code: (code, names.get(code, ""), ""))
    by_unit = _count(frame, "unit_id", lambda unit_id: (units[unit_id].code, units[unit_id].name, ""))
    by_desk = _count(frame[frame["desk"].notna()], ["unit_id", "desk"],
                     lambda key: (key[1], units[key[0]].name, units[key[0]].code))
    return LostPoints(by_procedure, by_unit, by_desk, len(frame))


def _stored_lost_points(session: Session, stored: StoredMonth) -> LostPoints:
    """:func:`lost_points` of an ended month from the stored counts of its units (and their procedures, desks)."""
    counts = stored.counts
    by_unit = pd.DataFrame({"unit_id": stored.unit_ids, "received": counts["received"],
                            "not_satisfied": counts["received"] - counts["satisfied"], "overdue": counts["overdue"],
                            "complained": counts["complained"], "disliked": counts["disliked"]})
    by_unit = by_unit[by_unit["received"] > 0].set_index("unit_id")
    parts = {dimension: [(unit_id, code, *values) for unit_id, unit_parts in zip(
        stored.unit_ids.tolist(), stored.parts or [], strict=True)
        for code, values in unit_parts.get(dimension, {}).items()] for dimension in ("procedure", "desk")}
    procedures = pd.DataFrame(parts["procedure"], columns=["unit_id", "procedure", *PART_COUNTS])
    desks = pd.DataFrame(parts["desk"], columns=["unit_id", "desk", *PART_COUNTS])
    names = dict(session.execute(select(Procedure.code, Procedure.name)
                                 .where(Procedure.code.in_(set(procedures["procedure"]) - {""}))).all())
    units = {row.id: row for row in session.execute(select(Unit.id, Unit.code, Unit.name)
                                                    .where(Unit.id.in_(by_unit.index.tolist())))}
    return LostPoints(
        _rows(procedures.groupby("procedure")[list(PART_COUNTS)].sum(), lambda code: (code, names.get(code, ""), "")),
        _rows(by_unit, lambda unit_id: (units[unit_id].code, units[unit_id].name, "")),
        _rows(desks.set_index(["unit_id", "desk"]).sort_index(),
              lambda key: (key[1], units[key[0]].name, units[key[0]].code)),
        int(counts["received"].sum()))  # the log counts the dossiers behind the aggregates, stored or not


def _count(frame: pd.DataFrame, key: str | list[str], label: Callable[[Any], tuple[str, str, str]]) -> list[LostRow]:
    """Counts per value of ``key``, the ones that lost most first; only keys with a dossier that cost points."""
    if frame.empty:
        return []
    sums = frame.groupby(key)[["not_satisfied", "overdue", "complained", "disliked"]].sum()
    sums["received"] = frame.groupby(key).size()
    return _rows(sums, label)


def _rows(sums: pd.DataFrame, label: Callable[[Any], tuple[str, str, str]]) -> list[LostRow]:
    """Rows of counts per key (the index), the ones that lost most first; only keys with a dossier that cost points."""
    if sums.empty:
        return []
    sums = sums[sums["not_satisfied"] > 0].sort_values(["not_satisfied", "received"], ascending=False, kind="stable")
    columns = [sums[name].tolist() for name in ("received", "not_satisfied", "overdue", "complained", "disliked")]
    rows = []
    for key_value, *counts in zip(sums.index, *columns, strict=True):  # lists, not iterrows: 15,000 desks
        code, name, unit_code = label(key_value)
        rows.append(LostRow(code, name, *counts, unit_code=unit_code))
    return rows


@dataclass(frozen=True)
class TrendMonth:
    """The satisfaction group of a scope in one month (None: not applicable)."""

    year: int
    month: int
    group_points: float | None
    purged: bool  # some of its dossiers may have been deleted after the retention: it cannot be recomputed

    @property
    def text(self) -> str:
        return f"{self.month:02d}/{self.year}"


def trend_scores(session: Session, year: int, month: int, months: int, unit_ids: set[int] | None, *,
                 as_of: datetime | None = None, definition: Definition | None = None,
                 purged_before: datetime | None = None) -> list[TrendMonth]:
    """The scope's satisfaction group in each of ``months`` months up to ``month``, from the scope's summed counts.

    Each month is judged as :func:`month_score` judges it (as of its end, or ``as_of`` if earlier): an ended
    month from the stored counts (:func:`.closed_months.stored_months`), a month not over yet counted by
    the database (:func:`monthly_dossier_counts`, no dossier row leaves it) with its PAKN scored as rows.
    A month that starts before ``purged_before`` (the limit of the last purge) is marked ``purged``.
    """
    definition = definition or current_definition()
    first_index = year * 12 + month - 1 - (months - 1)
    periods = [Period.month((first_index + k) // 12, (first_index + k) % 12 + 1) for k in range(months)]
    ended = [position for position, period in enumerate(periods) if month_is_over(period, as_of)]
    counts = {name: np.zeros(months, dtype=np.int64) for name in ("received", "satisfied", "pakn_received",
                                                                  "pakn_on_time", "pakn_satisfied")}
    for position, totals in zip(ended, month_totals(session, [periods[p] for p in ended], unit_ids, definition),
                                strict=True):
        for name, values in counts.items():
            values[position] = totals[name]
    for position in sorted(set(range(months)) - set(ended)):  # at most the month not over yet
        period = periods[position]
        received, satisfied = monthly_dossier_counts(session, [period], unit_ids, as_of)
        complaints = complaint_columns(session, period, unit_ids)
        on_time, pakn_satisfied = score_complaints(
            np.zeros(complaints["unit_id"].size, dtype=np.int64), complaints["received"], complaints["handled"],
            complaints["likes"], complaints["dislikes"], complaints["follow_up"], n_units=1, period=period,
            definition=definition, as_of=local_moment(as_of) if as_of else None)
        counts["received"][position], counts["satisfied"][position] = received[0], satisfied[0]
        counts["pakn_received"][position] = on_time.denominator[0]
        counts["pakn_on_time"][position], counts["pakn_satisfied"][position] = (on_time.numerator[0],
                                                                                pakn_satisfied.numerator[0])
    span = Period(periods[0].start, periods[-1].end)
    group = group_score("MDHL", [
        indicator_result("5.2", span, counts["pakn_on_time"], counts["pakn_received"], definition),
        indicator_result("5.3", span, counts["pakn_satisfied"], counts["pakn_received"], definition),
        indicator_result("5.4", span, counts["satisfied"], counts["received"], definition)], definition)
    limit = local_moment(purged_before) if purged_before else None
    trend = []
    for position, period in enumerate(periods):
        index = first_index + position
        points = group.points[position]
        trend.append(TrendMonth(index // 12, index % 12 + 1, None if np.isnan(points) else float(points),
                                limit is not None and period.start < limit))
    return trend
