"""Stored counts of months that are over: the dashboard counts live only what can still change.

A month is judged at its end (:func:`.scoring.month_score`), yet its counts can still change after it:

- a dossier received in it is synced late, or updated later (a handling time reported late, a due time
  corrected, another unit or receipt time), out of order or not: a write of ``dossiers``;
- a PAKN about one of its dossiers, received before the end but posted late, or a PAKN without a receipt
  time (it counts at once, whenever it comes): a write of ``dossier_complaints``, which also moves 5.2/5.3
  of the PAKN's own unit and month;
- a "not satisfied" rating given before the end and replaced within the change window after it (the
  first time is kept): a write of ``dossier_ratings``;
- a purge: its rows are gone, and the live count no longer finds them;
- a new definition or holiday calendar: it moves the PAKN deadline (5.2/5.3) only, so the 5.2/5.3
  counts carry the ``calendar_key`` they were made with; maxima and thresholds apply at reading;
- the "judged as of" moment: only a month whose end has passed is stored; the current month (or an
  earlier ``as_of``) is always counted live.

So each unit's month is one :class:`~survey.models.dossiers.DossierMonth` row, and every write of the
three tables through the ORM bumps the ``generation`` of the unit-months it touches (before and after the
change), in the writer's transaction, from Session events: a write path added later cannot forget it. A
bulk statement on those tables bumps every stored month unless it says (``MONTHS_HANDLED``) that it did
so itself, as the purge does. A reader notes the generation *before* counting and stores its counts under
it, so a write that commits meanwhile leaves them stale, never wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain

import numpy as np
import pandas as pd
from sqlalchemy import (
    and_,
    bindparam,
    case,
    event,
    func,
    inspect,
    literal,
    null,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from analysis.decision766 import (
    Definition,
    Period,
    group_score,
    indicator_result,
    score_complaints,
)
from survey.domain.dossiers.scoring import (
    MonthScore,
    complaint_columns,
    dossier_flags,
    local_moment,
    utc_bounds,
)
from survey.i18n import LOCAL_TZ
from survey.models import Complaint, Dossier, DossierRating, Unit, utcnow
from survey.models.dossiers import DossierMonth

MONTHS_HANDLED = "dossier_months_handled"  # execution option of a bulk statement that bumped its months itself
COUNTS = ("received", "satisfied", "overdue", "complained", "disliked", "pakn_received", "pakn_on_time",
          "pakn_satisfied")
PART_COUNTS = ("received", "not_satisfied", "overdue", "complained", "disliked")
CHUNK = 500
_TABLE = DossierMonth.__table__
_WATCHED = {model.__tablename__ for model in (Dossier, Complaint, DossierRating)}


def month_key(moment: datetime | None) -> str | None:
    """``yyyy-mm`` of a stored time in local time (naive: UTC, as SQLite gives it back); None for None."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TZ).strftime("%Y-%m")


def calendar_key(definition: Definition) -> str:
    """What the 5.2/5.3 counts depend on: the PAKN deadline in working days, the week and the holidays."""
    rule = definition.rule("5.2")
    text = f"{rule.deadline_working_days}|{definition.weekmask}|{','.join(map(str, definition.holidays))}"
    return hashlib.sha256(text.encode()).hexdigest()


def month_is_over(period: Period, as_of: datetime | None) -> bool:
    """Whether ``period`` has ended at ``as_of`` (default: now); it is then judged at its end whoever asks."""
    return local_moment(as_of or utcnow()) >= period.end


# --- writers: bump the generation of what they touch ------------------------------------------------


def bump(connection: Connection, pairs: Iterable[tuple[int, str]]) -> None:
    """Mark (unit id, yyyy-mm) pairs as changed: their stored counts, if any, are stale from now on."""
    rows = [{"unit_id": unit_id, "month": month, "generation": 1, **dict.fromkeys(COUNTS, 0)}
            for unit_id, month in sorted(set(pairs))]  # one order for every writer: no deadlock between two
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_TABLE)
    connection.execute(statement.on_conflict_do_update(index_elements=["unit_id", "month"],
                                                       set_={"generation": _TABLE.c.generation + 1}), rows)


def bump_until(connection: Connection, moment: datetime) -> None:
    """Mark every stored month up to the one of ``moment`` as changed (a purge of the rows before it)."""
    connection.execute(update(_TABLE).where(_TABLE.c.month <= month_key(moment))
                       .values(generation=_TABLE.c.generation + 1))


def _seen(instance: object, name: str) -> set:
    """Every value the attribute had in this flush (old and new), None left out."""
    history = inspect(instance).attrs[name].history
    return {value for value in chain(history.added, history.unchanged, history.deleted) if value is not None}


def _dossier_pairs(units: set, receipts: set) -> set[tuple[int, str]]:
    return {(unit_id, month_key(received)) for unit_id in units for received in receipts}


def _pairs_of_dossiers(connection: Connection, ids: set[int], keys: set[tuple[str, str]]) -> set[tuple[int, str]]:
    """The unit-months of stored dossiers, by id or by (source, code)."""
    found: set[tuple[int, str]] = set()
    id_list, key_list = sorted(ids), sorted(keys)
    conditions = [Dossier.id.in_(id_list[first:first + CHUNK]) for first in range(0, len(id_list), CHUNK)]
    conditions += [tuple_(Dossier.source, Dossier.code).in_(key_list[first:first + CHUNK])
                   for first in range(0, len(key_list), CHUNK)]
    for condition in conditions:
        rows = connection.execute(select(Dossier.unit_id, Dossier.received_at).where(condition)
                                  .where(Dossier.received_at.is_not(None)))
        found |= {(unit_id, month_key(received)) for unit_id, received in rows}
    return found


@event.listens_for(Session, "before_flush")
def _bump_flushed(session: Session, _context, _instances) -> None:
    """Bump the unit-months of every dossier, PAKN and rating this flush adds, changes or deletes."""
    pairs: set[tuple[int, str]] = set()
    dossier_ids: set[int] = set()
    dossier_keys: set[tuple[str, str]] = set()
    for instance in chain(session.new, session.dirty, session.deleted):
        if instance in session.dirty and not session.is_modified(instance):
            continue
        if isinstance(instance, Dossier):
            pairs |= _dossier_pairs(_seen(instance, "unit_id"), _seen(instance, "received_at"))
        elif isinstance(instance, Complaint):
            pairs |= _dossier_pairs(_seen(instance, "unit_id"), _seen(instance, "received_at"))
            dossier_keys |= {(source, code) for source in _seen(instance, "source")
                             for code in _seen(instance, "dossier_code")}
        elif isinstance(instance, DossierRating):
            dossier_ids |= _seen(instance, "dossier_id")
            for dossier in _seen(instance, "dossier"):
                pairs |= _dossier_pairs(_seen(dossier, "unit_id"), _seen(dossier, "received_at"))
    if not (pairs or dossier_ids or dossier_keys):
        return
    connection = session.connection()
    bump(connection, pairs | _pairs_of_dossiers(connection, dossier_ids, dossier_keys))


@event.listens_for(Session, "do_orm_execute")
def _bump_bulk(state: ORMExecuteState) -> None:
    """A bulk INSERT, UPDATE or DELETE of dossiers, PAKN or ratings: every stored month may have moved."""
    if not (state.is_insert or state.is_update or state.is_delete) or state.execution_options.get(MONTHS_HANDLED):
        return
    table = getattr(state.statement, "table", None)  # ORM (insert(Dossier)) or Core (Dossier.__table__.update())
    if table is not None and getattr(table, "name", None) in _WATCHED:
        state.session.connection().execute(update(_TABLE).values(generation=_TABLE.c.generation + 1))


# --- readers: stored counts, the stale ones counted again -------------------------------------------


@dataclass(frozen=True)
class StoredMonth:
    """One month's counts for each unit of a scope (``unit_ids`` sorted), as judged at the month's end."""

    period: Period
    unit_ids: np.ndarray
    counts: dict[str, np.ndarray]  # COUNTS -> per unit
    parts: list[dict] | None  # per unit: {"procedure"|"desk": {code: PART_COUNTS}}, when asked for
    rows_read: int  # dossier-level rows read to count stale units again (for the access log)


def _scope(session: Session, unit_ids: set[int] | list[int] | None) -> list[int]:
    return sorted(unit_ids) if unit_ids is not None else list(session.scalars(select(Unit.id).order_by(Unit.id)))


def stored_months(session: Session, periods: list[Period], unit_ids: set[int] | list[int] | None,
                  definition: Definition, *, parts: bool = False) -> list[StoredMonth]:
    """Each (ended) period's counts for every unit of ``unit_ids`` (None: all): stored ones where still
    current, the others counted from the rows (as :func:`.scoring.month_score` counts them) and stored."""
    scope = _scope(session, unit_ids)
    key = calendar_key(definition)
    columns = [DossierMonth.unit_id, DossierMonth.month, DossierMonth.generation, DossierMonth.counted_generation,
               DossierMonth.calendar_key, *(getattr(DossierMonth, name) for name in COUNTS)]
    if parts:
        columns.append(DossierMonth.parts)
    query = select(*columns).where(DossierMonth.month.in_([period.label for period in periods]))
    if unit_ids is not None:
        query = query.where(DossierMonth.unit_id.in_(scope))
    found: dict[str, dict[int, tuple]] = {period.label: {} for period in periods}
    for row in session.execute(query):
        found[row[1]][row[0]] = row
    return [_month(session, period, scope, found[period.label], key, definition, parts) for period in periods]


def month_totals(session: Session, periods: list[Period], unit_ids: set[int] | list[int] | None,
                 definition: Definition) -> list[dict[str, int]]:
    """Each (ended) period's counts summed over the scope: the current stored months summed by the database,
    plus the stale or missing units counted again from the rows (and stored)."""
    scope = _scope(session, unit_ids)
    key = calendar_key(definition)
    current = and_(DossierMonth.counted_generation == DossierMonth.generation, DossierMonth.calendar_key == key)
    labels = [period.label for period in periods]
    query = (select(DossierMonth.month, func.count(), *(func.sum(getattr(DossierMonth, name)) for name in COUNTS))
             .where(DossierMonth.month.in_(labels), current).group_by(DossierMonth.month))
    if unit_ids is not None:
        query = query.where(DossierMonth.unit_id.in_(scope))
    totals = {label: dict.fromkeys(COUNTS, 0) for label in labels}
    complete = set()
    for month, units, *sums in session.execute(query):
        totals[month] = dict(zip(COUNTS, (int(value or 0) for value in sums), strict=True))
        complete |= {month} if units == len(scope) else set()
    for period in periods:
        if period.label in complete:
            continue
        known = select(DossierMonth.unit_id, DossierMonth.generation, DossierMonth.counted_generation,
                       DossierMonth.calendar_key).where(DossierMonth.month == period.label)
        if unit_ids is not None:
            known = known.where(DossierMonth.unit_id.in_(scope))
        rows = {row[0]: row for row in session.execute(known)}
        stale = [unit_id for unit_id in scope if unit_id not in rows
                 or rows[unit_id][2] != rows[unit_id][1] or rows[unit_id][3] != key]
        if not stale:
            continue
        counted, _read = count_again(session, period, stale, {u: rows[u][1] for u in stale if u in rows}, key,
                                      definition, parts=False)  # a trend month: its totals, parts when viewed
        for name in COUNTS:
            totals[period.label][name] += sum(unit[name] for unit in counted.values())
    return [totals[label] for label in labels]


def _month(session: Session, period: Period, scope: list[int], rows: dict[int, tuple], key: str,
           definition: Definition, parts: bool) -> StoredMonth:
    stale = [unit_id for unit_id in scope if unit_id not in rows
             or rows[unit_id][3] != rows[unit_id][2] or rows[unit_id][4] != key
             or (parts and rows[unit_id][5 + len(COUNTS)] is None)]  # counted for a trend only: no parts yet
    counted, rows_read = (count_again(session, period, stale, {u: rows[u][2] for u in stale if u in rows}, key,
                                       definition, True) if stale else ({}, 0))  # a month viewed: parts too
    values = {name: np.zeros(len(scope), dtype=np.int64) for name in COUNTS}
    unit_parts: list[dict] | None = [] if parts else None
    for position, unit_id in enumerate(scope):
        fresh = counted.get(unit_id)
        for offset, name in enumerate(COUNTS):
            values[name][position] = fresh[name] if fresh else rows[unit_id][5 + offset]
        if unit_parts is not None:
            unit_parts.append((fresh["parts"] if fresh else rows[unit_id][5 + len(COUNTS)]) or {})
    return StoredMonth(period, np.asarray(scope, dtype=np.int64), values, unit_parts, rows_read)


def count_again(session: Session, period: Period, stale: list[int], generations: dict[int, int], key: str,
                 definition: Definition, parts: bool) -> tuple[dict[int, dict], int]:
    """Count the stale units' month from the rows and store it under the generation read before counting
    (``generations``: of the units that have a stored row; the others get one)."""
    counted = count_units(session, period, stale, definition, parts=parts)
    now = utcnow()
    connection = session.connection()
    changed = [{"u": unit_id, "m": period.label, "g": generations[unit_id], "k": key, "at": now,
                **counted[unit_id]} for unit_id in stale if unit_id in generations]
    if changed:  # bound names differ from the columns' (SQLAlchemy keeps those for itself)
        names = (*COUNTS, "parts")
        connection.execute(
            update(_TABLE).where(_TABLE.c.unit_id == bindparam("u"), _TABLE.c.month == bindparam("m"))
            .values(counted_generation=bindparam("g"), calendar_key=bindparam("k"),
                    counted_at=bindparam("at", type_=_TABLE.c.counted_at.type),
                    **{name: bindparam(f"c_{name}", type_=_TABLE.c[name].type) for name in names}),
            [{name if name in ("u", "m", "g", "k", "at") else f"c_{name}": value for name, value in row.items()}
             for row in changed])
    new = [{"unit_id": unit_id, "month": period.label, "generation": 0, "counted_generation": 0,
            "calendar_key": key, "counted_at": now, **counted[unit_id]} for unit_id in stale
           if unit_id not in generations]
    if new:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(dialect.insert(_TABLE).on_conflict_do_nothing(index_elements=["unit_id", "month"]), new)
    return counted, sum(row["received"] for row in counted.values())


def count_units(session: Session, period: Period, unit_ids: list[int], definition: Definition, *,
                parts: bool = True) -> dict[int, dict]:
    """The month of each unit (``unit_ids`` sorted) counted from its rows, judged at the month's end as
    :func:`.scoring.month_score` judges it: the dossiers grouped by the database (:func:`.scoring.dossier_flags`,
    no dossier row leaves it), the PAKN scored as rows (their deadline needs the holiday calendar).
    ``parts``: also by procedure and by desk (else ``parts`` is None: not counted)."""
    start, end = utc_bounds(period)
    overdue, complained, disliked = dossier_flags(end)
    flags = case((overdue, 1), else_=0) + case((complained, 2), else_=0) + case((disliked, 4), else_=0)  # once a row
    procedure = func.coalesce(Dossier.procedure_code, "")
    keys = (Dossier.unit_id, procedure, Dossier.desk_code) if parts else (Dossier.unit_id, literal(""), null())
    query = (select(*keys, flags, func.count())
             .where(Dossier.received_at >= start, Dossier.received_at < end, Dossier.unit_id.in_(unit_ids))
             .group_by(*keys[:3 if parts else 1], flags))
    rows = session.execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 5
    code, number = np.asarray(columns[3], dtype=np.int64), np.asarray(columns[4], dtype=np.int64)
    frame = pd.DataFrame({"unit_id": np.asarray(columns[0], dtype=np.int64), "procedure": list(columns[1]),
                          "desk": list(columns[2]), "received": number, "not_satisfied": number * (code > 0),
                          "overdue": number * ((code & 1) > 0), "complained": number * ((code & 2) > 0),
                          "disliked": number * ((code & 4) > 0)})
    counted = {unit_id: {**dict.fromkeys(COUNTS, 0), "parts": {"procedure": {}, "desk": {}} if parts else None}
               for unit_id in unit_ids}
    units = frame.groupby("unit_id")[list(PART_COUNTS)].sum()
    for unit_id, received, bad, overdue, complained, disliked in zip(
            units.index.tolist(), *(units[name].tolist() for name in PART_COUNTS), strict=True):
        counted[unit_id].update(received=received, satisfied=received - bad, overdue=overdue, complained=complained,
                                disliked=disliked)
    for dimension, rows in (("procedure", frame), ("desk", frame[frame["desk"].notna()])) if parts else ():
        sums = rows.groupby(["unit_id", dimension])[list(PART_COUNTS)].sum()
        for (unit_id, code), *values in zip(sums.index, *(sums[name].tolist() for name in PART_COUNTS), strict=True):
            counted[unit_id]["parts"][dimension][code] = values
    complaints = complaint_columns(session, period, unit_ids)
    positions = np.searchsorted(np.asarray(unit_ids, dtype=np.int64), complaints["unit_id"])
    on_time, satisfied = score_complaints(positions, complaints["received"], complaints["handled"],
                                          complaints["likes"], complaints["dislikes"], complaints["follow_up"],
                                          n_units=len(unit_ids), period=period, definition=definition,
                                          as_of=period.end)
    for position, unit_id in enumerate(unit_ids):
        counted[unit_id].update(pakn_received=int(on_time.denominator[position]),
                                pakn_on_time=int(on_time.numerator[position]),
                                pakn_satisfied=int(satisfied.numerator[position]))
    return counted


def stored_month_score(session: Session, period: Period, unit_ids: set[int] | list[int] | None,
                       definition: Definition, shown: list[int] | None = None) -> tuple[MonthScore, StoredMonth]:
    """:func:`.scoring.month_score` of an ended month from the stored counts: the same units, the same numbers."""
    stored = stored_months(session, [period], unit_ids, definition)[0]
    counts = stored.counts
    keep = (counts["received"] > 0) | (counts["pakn_received"] > 0) | np.isin(stored.unit_ids, shown or [])
    ids = stored.unit_ids[keep]
    extra = np.setdiff1d(np.asarray(shown or [], dtype=np.int64), stored.unit_ids)  # asked for, outside the scope
    order = np.argsort(np.concatenate([ids, extra]), kind="stable")
    picked = {name: np.concatenate([values[keep], np.zeros(extra.size, dtype=np.int64)])[order]
              for name, values in counts.items()}
    ids = np.concatenate([ids, extra])[order]
    result_54 = indicator_result("5.4", period, picked["satisfied"], picked["received"], definition)
    on_time = indicator_result("5.2", period, picked["pakn_on_time"], picked["pakn_received"], definition)
    satisfied = indicator_result("5.3", period, picked["pakn_satisfied"], picked["pakn_received"], definition)
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids.tolist())))}
    year = int(str(period.label)[:4])
    return MonthScore(period, [units[i] for i in ids.tolist()], result_54, on_time, satisfied,
                      group_score("MDHL", [on_time, satisfied, result_54], definition), definition,
                      year not in definition.calendar_years), stored
