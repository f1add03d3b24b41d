"""Units of administration: seeding the provincial list and following lineage."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import LineageKind, Unit, UnitKind, UnitLineage

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
REORGANISATION_DAY = date(2025, 7, 1)
LAST_DAY_BEFORE = date(2025, 6, 30)
LEGAL_BASIS = "Nghị quyết 202/2025/QH15; Quyết định 19/2025/QĐ-TTg"


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def seed_provinces(session: Session) -> tuple[int, int]:
    """Create the 63 former and 34 current provincial-level units with lineage.

    Idempotent: existing units (same code and validity start) are reused.
    Returns the numbers of units and lineage links created.
    """
    created_units = created_links = 0

    def get_or_create(code: str, name: str, valid_from: date | None, valid_to: date | None) -> Unit:
        nonlocal created_units
        unit = session.scalar(
            select(Unit).where(
                Unit.code == code,
                Unit.kind == UnitKind.PROVINCE,
                Unit.valid_from.is_(None) if valid_from is None else Unit.valid_from == valid_from,
            )
        )
        if unit is None:
            unit = Unit(code=code, name=name, kind=UnitKind.PROVINCE, valid_from=valid_from, valid_to=valid_to)
            session.add(unit)
            created_units += 1
        return unit

    former = {
        row["code"]: get_or_create(row["code"], row["name"], None, LAST_DAY_BEFORE)
        for row in _read_csv("provinces-until-2025-06-30.csv")
    }
    session.flush()
    for row in _read_csv("provinces-from-2025-07-01.csv"):
        current = get_or_create(row["code"], row["name"], REORGANISATION_DAY, None)
        session.flush()
        codes = row["former_codes"].split(";")
        for old_code in codes:
            old = former.get(old_code)
            if old is None:
                raise ValueError(f"provinces-from-2025-07-01.csv: unknown former code {old_code!r} for {row['code']}")
            if old_code != row["code"]:
                kind = LineageKind.MERGE
            elif old.name != current.name and len(codes) == 1:
                kind = LineageKind.RENAME
            else:
                kind = LineageKind.CONTINUE
            exists = session.scalar(
                select(UnitLineage).where(
                    UnitLineage.predecessor_id == old.id, UnitLineage.successor_id == current.id
                )
            )
            if exists is None:
                session.add(
                    UnitLineage(
                        predecessor=old,
                        successor=current,
                        kind=kind,
                        effective_on=REORGANISATION_DAY,
                        legal_basis=LEGAL_BASIS,
                    )
                )
                created_links += 1
    session.flush()
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


def descendant_ids(session: Session, unit: Unit) -> set[int]:
    """Ids of a unit and all its sub-units (its scope)."""
    ids = {unit.id}
    frontier = [unit.id]
    while frontier:
        children = session.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids
