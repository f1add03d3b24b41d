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
)
from survey.domain.dossiers.scoring import (
    MonthScore,
    complained_disliked,
    dossier_columns,
    local_moment,
    month_score,
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
                definition: Definition | None = None) -> ScopeScore:
    """The month's indicators for the units in ``unit_ids`` (None: every unit), and their sum as one scope.

    The scope's indicator is computed from the summed numerators and denominators (as the portal
    scores a province from all its dossiers), not averaged over units. ``shown``: unit ids to list
    even without any dossier (they read "not applicable").
    """
    score: MonthScore = month_score(session, year, month, definition=definition, as_of=as_of, unit_ids=unit_ids,
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
                as_of: datetime | None = None) -> LostPoints:
    """The dossiers received in the month that count against 5.4 (overdue, drew a PAKN, rated "not
    satisfied"), counted by procedure (MaTTHC), by unit and by desk (MaQuay); judged as
    :func:`.scoring.month_score` judges them."""
    period = Period.month(year, month)
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


def _count(frame: pd.DataFrame, key: str | list[str], label: Callable[[Any], tuple[str, str, str]]) -> list[LostRow]:
    """Counts per value of ``key``, the ones that lost most first; only keys with a dossier that cost points."""
    if frame.empty:
        return []
    sums = frame.groupby(key)[["not_satisfied", "overdue", "complained", "disliked"]].sum()
    sums["received"] = frame.groupby(key).size()
    sums = sums[sums["not_satisfied"] > 0].sort_values(["not_satisfied", "received"], ascending=False, kind="stable")
    columns = [sums[name].tolist() for name in ("received", "not_satisfied", "overdue", "complained", "disliked")]
    rows = []
    for key_value, *counts in zip(sums.index, *columns, strict=True):  # lists, not iterrows: 15,000 desks
        code, name, unit_code = label(key_value)
        rows.append(LostRow(code, name, *counts, unit_code=unit_code))
    return rows
