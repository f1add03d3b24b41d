"""Units of administration: seeding the provincial list and following lineage."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from survey.domain.unit_import import import_units
from survey.models import LineageKind, Unit, UnitKind

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
REORGANISATION_DAY = date(2025, 7, 1)
LAST_DAY_BEFORE = date(2025, 6, 30)
LEGAL_BASIS = "Nghị quyết 202/2025/QH15; Quyết định 19/2025/QĐ-TTg"


SHIPPED_FILES = ("provinces-until-2025-06-30.csv", "provinces-from-2025-07-01.csv")


def seed_provinces(session: Session) -> tuple[int, int]:
    """Import the 63 former and 34 current provincial-level units with their lineage.

    The shipped files go through the same importer as ``sipas units import``.
    Idempotent: existing units (same code and validity start) are reused.
    Returns the numbers of units and lineage links created.
    """
    created_units = created_links = 0
    for name in SHIPPED_FILES:
        report = import_units(session, (DATA_DIR / name).read_bytes(), name, legal_basis=LEGAL_BASIS)
        if not report.ok:
            raise ValueError("; ".join(problem.line(name) for problem in report.problems))
        created_units += report.created
        created_links += report.links
    return created_units, created_links


def find_unit(session: Session, code: str, on: date | None = None) -> Unit | None:
    """The unit with this code valid on the given day (default: today)."""
    on = on or date.today()
    candidates = session.scalars(select(Unit).where(Unit.code == code)).all()
    valid = [u for u in candidates if u.is_valid_on(on)]
    if valid:
        return max(valid, key=lambda u: u.valid_from or date.min)
    return None


def units_on(unit: Unit, on: date) -> list[Unit]:
    """The units valid on ``on`` that make up (or made up) ``unit``'s territory.

    Walks lineage backwards for an earlier day (Tuyên Quang 2026 → Hà Giang and
    Tuyên Quang 2024) and forwards for a later day (Hà Giang 2024 → Tuyên Quang 2026).
    """
    if unit.is_valid_on(on):
        return [unit]
    result: list[Unit] = []
    seen: set[int] = set()
    frontier = [unit]
    backwards = unit.valid_from is not None and on < unit.valid_from
    while frontier:
        nxt: list[Unit] = []
        for u in frontier:
            for other in (u.predecessors if backwards else u.successors):
                if other.id in seen:
                    continue
                seen.add(other.id)
                if other.is_valid_on(on):
                    result.append(other)
                else:
                    nxt.append(other)
        frontier = nxt
    return sorted(result, key=lambda u: u.code)


def renamed_periods(unit: Unit) -> list[Unit]:
    """The unit's periods under every name it has had (linked by renames, both ways), itself first."""
    periods = {unit.id: unit}
    frontier = [unit]
    while frontier:
        linked = [link.successor for u in frontier for link in u.successor_links if link.kind == LineageKind.RENAME]
        linked += [link.predecessor for u in frontier for link in u.predecessor_links
                   if link.kind == LineageKind.RENAME]
        frontier = [u for u in linked if u.id not in periods]
        periods.update((u.id, u) for u in frontier)
    return list(periods.values())


def descendant_ids(session: Session, unit: Unit) -> set[int]:
    """Ids of a unit and all its sub-units (its scope), under every name the unit has had."""
    ids = {u.id for u in renamed_periods(unit)}
    frontier = list(ids)
    while frontier:
        children = session.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


def units_query(kind: UnitKind | None = None, parent: Unit | None = None, on: date | None = None,
                search: str = "") -> Select[tuple[Unit]]:
    """Units of a level, under a parent, valid on a day and matching a code or name, by code then start."""
    query = select(Unit)
    if kind is not None:
        query = query.where(Unit.kind == kind)
    if parent is not None:
        query = query.where(Unit.parent_id == parent.id)
    if on is not None:
        query = query.where(or_(Unit.valid_from.is_(None), Unit.valid_from <= on),
                            or_(Unit.valid_to.is_(None), Unit.valid_to >= on))
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(or_(Unit.code.ilike(pattern), Unit.name.ilike(pattern)))
    return query.order_by(Unit.code, Unit.valid_from.is_not(None), Unit.valid_from)


def former_unit(session: Session, code: str, on: date | None = None) -> tuple[Unit, list[Unit]] | None:
    """For a code no longer in use on ``on`` (default: today): its last period and the units that took it over."""
    on = on or date.today()
    ended = [u for u in session.scalars(select(Unit).where(Unit.code == code)) if u.valid_to and u.valid_to < on]
    if not ended:
        return None
    unit = max(ended, key=lambda u: u.valid_to or date.min)
    return unit, units_on(unit, on)
