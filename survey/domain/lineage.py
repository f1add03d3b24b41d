"""Recording a merge, a split or a rename of units from an effective day, with its legal basis.

Each operation ends the predecessors' period the day before (``valid_to = on - 1``),
opens the successors' periods on ``on`` where they are new, links them in
``unit_lineage`` and writes an audit entry; it is refused with a Vietnamese
:class:`LineageError` when a date does not fit, a code is taken or a link would
form a cycle, and then nothing is changed.

Children of a unit that ends: after a rename the children still valid on ``on``
move to the renamed unit (it is the same unit under a new name), and so do the
staff scoped to it, its active tablets and the rounds still running that cover
it; a scope covers every name the unit has had. After a merge or
a split they stay with the ended unit, since only the administration knows which
successor each belongs to: the admin re-parents them by importing the list of
units (``sipas units import`` updates the parent of a stored code), and the unit
page counts them until then.
Nothing here commits: functions flush, the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.domain.unit_kinds import ALLOWED_PARENTS, lineage_kind
from survey.domain.units import find_unit, units_on
from survey.i18n import _, format_local_date
from survey.models import (
    AuditEntry,
    Device,
    LineageKind,
    RoundStatus,
    StaffUser,
    SurveyRound,
    Unit,
    UnitLineage,
)


class LineageError(ValueError):
    """A lineage change that cannot be recorded; the message says why, in the user's language."""


@dataclass(frozen=True)
class NewUnit:
    """A successor that does not exist yet: its code and name (level and parent follow the predecessor)."""

    code: str
    name: str


def _day(day: date) -> str:
    return format_local_date(day)


def unit_before(session: Session, code: str, on: date) -> Unit:
    """The unit of this code valid the day before a change, the one the change ends."""
    unit = find_unit(session, code.strip(), on - timedelta(days=1))
    if unit is None:
        raise LineageError(_("Không có đơn vị mã %(code)s có hiệu lực vào ngày %(day)s.",
                             code=code, day=_day(on - timedelta(days=1))))
    return unit


def successor_for(session: Session, text: str, on: date, predecessors: list[Unit] = (), name: str | None = None
                  ) -> Unit | NewUnit:
    """A successor as users write it.

    ``CODE=Tên`` (or a code and ``name``) is a new unit; the code of one of the
    predecessors is that code's next period, keeping its name; any other code
    is the unit of that code valid on ``on``.
    """
    code, sep, new_name = text.partition("=")
    code = code.strip()
    if sep or name:
        return NewUnit(code, (new_name if sep else name) or "")
    same = next((p for p in predecessors if p.code == code), None)
    if same is not None:
        return NewUnit(code, same.name)
    existing = find_unit(session, code, on)
    if existing is None:
        raise LineageError(_("Không có đơn vị mã %(code)s vào ngày %(day)s; đơn vị mới thì ghi %(code)s=Tên đơn vị.",
                             code=code, day=_day(on)))
    return existing


def _close(unit: Unit, on: date) -> None:
    """End ``unit``'s period the day before ``on``."""
    if unit.valid_from is not None and unit.valid_from >= on:
        raise LineageError(_("Đơn vị %(code)s có hiệu lực từ %(start)s; ngày thay đổi phải sau ngày đó.",
                             code=unit.code, start=_day(unit.valid_from)))
    last = on - timedelta(days=1)
    if unit.valid_to is not None and unit.valid_to < last:
        raise LineageError(_("Đơn vị %(code)s %(name)s đã hết hiệu lực từ %(end)s.",
                             code=unit.code, name=unit.name, end=_day(unit.valid_to)))
    unit.valid_to = last


def _check_new_code(session: Session, code: str, name: str, on: date, ending: list[Unit]) -> None:
    code, name = code.strip(), name.strip()
    if not code or len(code) > 32 or not name or len(name) > 255:
        raise LineageError(_("Đơn vị mới cần mã (tối đa 32 ký tự) và tên (tối đa 255 ký tự)."))
    for other in session.scalars(select(Unit).where(Unit.code == code)):
        if other in ending:
            continue
        if other.valid_to is None or other.valid_to >= on:
            raise LineageError(_("Mã %(code)s đang được dùng cho %(name)s vào ngày %(day)s.",
                                 code=code, name=other.name, day=_day(on)))


def _ancestors(unit: Unit) -> set[int]:
    """Ids of every unit that ``unit`` came from, however far back."""
    seen: set[int] = set()
    frontier = [unit]
    while frontier:
        frontier = [p for u in frontier for p in u.predecessors if p.id not in seen]
        seen.update(p.id for p in frontier)
    return seen


def _check_successor(successor: Unit, predecessors: list[Unit], on: date) -> None:
    if not successor.is_valid_on(on):
        raise LineageError(_("Đơn vị %(code)s %(name)s không có hiệu lực vào ngày %(day)s.",
                             code=successor.code, name=successor.name, day=_day(on)))
    for predecessor in predecessors:
        if predecessor.kind != successor.kind:
            raise LineageError(_("%(old)s và %(new)s không cùng cấp.", old=predecessor.name, new=successor.name))
        if successor.id in _ancestors(predecessor) or successor.id == predecessor.id:
            raise LineageError(_("Không thể ghi nhận: %(new)s đã hình thành từ %(old)s (vòng lặp).",
                                 new=successor.name, old=predecessor.name))


def _parent_on(predecessors: list[Unit], on: date, parent: Unit | None) -> Unit | None:
    """The parent of a new successor: given, or the unit of ``on`` that the predecessors' parents lead to."""
    kind = predecessors[0].kind
    if parent is None:
        candidates = {u.id: u for p in predecessors if p.parent is not None for u in units_on(p.parent, on)}
        if not ALLOWED_PARENTS[kind]:
            return None
        if len(candidates) != 1:
            raise LineageError(_("Không xác định được đơn vị cấp trên của đơn vị mới; hãy chọn đơn vị cấp trên."))
        parent = next(iter(candidates.values()))
    if parent.kind not in ALLOWED_PARENTS[kind] or not parent.is_valid_on(on):
        raise LineageError(_("%(parent)s không thể là cấp trên của đơn vị mới vào ngày %(day)s.",
                             parent=parent.name, day=_day(on)))
    return parent


def _link(session: Session, predecessor: Unit, successor: Unit, kind: LineageKind, on: date,
          legal_basis: str | None) -> None:
    session.add(UnitLineage(predecessor=predecessor, successor=successor, kind=kind, effective_on=on,
                            legal_basis=(legal_basis or "").strip()[:255] or None))


def _new_unit(session: Session, new: NewUnit, like: Unit, on: date, parent: Unit | None) -> Unit:
    unit = Unit(code=new.code.strip(), name=new.name.strip(), kind=like.kind, parent=parent, valid_from=on)
    session.add(unit)
    return unit


def _audit(session: Session, action: str, target: str, user: StaffUser | None, **details: object) -> None:
    session.add(AuditEntry(action=action, target=target[:255], user_id=user.id if user else None, details=details))


def _carry_over(session: Session, unit: Unit, renamed: Unit, on: date) -> None:
    """What belongs to the unit goes on under its new name: staff scopes, active tablets, rounds still running."""
    session.flush()  # the new period's id
    session.execute(update(StaffUser).where(StaffUser.unit_id == unit.id).values(unit_id=renamed.id))
    session.execute(update(Device).where(Device.unit_id == unit.id, Device.active.is_(True)).values(unit_id=renamed.id))
    running = select(SurveyRound).where(SurveyRound.units.any(Unit.id == unit.id), SurveyRound.ends_on >= on,
                                        SurveyRound.status != RoundStatus.CLOSED)
    for survey_round in session.scalars(running):
        survey_round.units.append(renamed)


def rename_unit(session: Session, unit: Unit, name: str, on: date, legal_basis: str | None = None,
                user: StaffUser | None = None) -> Unit:
    """A new name from ``on``: the old period ends the day before, a new one with the same code begins.

    Staff scoped to the unit and its active tablets move to the new period; rounds still running
    on ``on`` that cover the unit cover the new period too.
    """
    name = name.strip()
    if not name or len(name) > 255:
        raise LineageError(_("Tên mới phải có từ 1 đến 255 ký tự."))
    if name == unit.name:
        raise LineageError(_("Tên mới giống tên hiện tại."))
    children = [c for c in unit.children if c.is_valid_on(on)]
    _close(unit, on)
    renamed = Unit(code=unit.code, name=name, kind=unit.kind, parent=unit.parent, valid_from=on)
    session.add(renamed)
    for child in children:
        child.parent = renamed
    _carry_over(session, unit, renamed, on)
    _link(session, unit, renamed, LineageKind.RENAME, on, legal_basis)
    _audit(session, "units.rename", unit.code, user, old=unit.name, new=name, on=on.isoformat(),
           basis=legal_basis or "")
    session.flush()
    return renamed


def merge_units(session: Session, predecessors: list[Unit], on: date, successor: Unit | NewUnit,
                legal_basis: str | None = None, user: StaffUser | None = None, parent: Unit | None = None) -> Unit:
    """Several units become one: an existing unit valid on ``on`` or a new one.

    A new successor with the code of a predecessor is that code's next period
    (a CONTINUE link from it, MERGE links from the others).
    """
    if not predecessors or len({p.id for p in predecessors}) != len(predecessors):
        raise LineageError(_("Hãy chọn các đơn vị khác nhau để sáp nhập."))
    kinds = {p.kind for p in predecessors}
    if len(kinds) != 1:
        raise LineageError(_("Các đơn vị sáp nhập phải cùng cấp."))
    if isinstance(successor, Unit):
        _check_successor(successor, predecessors, on)
    else:
        _check_new_code(session, successor.code, successor.name, on, predecessors)
        if len(predecessors) < 2 and successor.code.strip() == predecessors[0].code:
            raise LineageError(_("Sáp nhập cần ít nhất hai đơn vị; để đổi tên hãy dùng chức năng đổi tên."))
        new_parent = _parent_on(predecessors, on, parent)
    for predecessor in predecessors:
        _close(predecessor, on)
    if not isinstance(successor, Unit):
        successor = _new_unit(session, successor, predecessors[0], on, new_parent)
    for predecessor in predecessors:
        kind = lineage_kind(predecessor.code, predecessor.name, successor.code, successor.name, len(predecessors))
        _link(session, predecessor, successor, kind, on, legal_basis)
    _audit(session, "units.merge", successor.code, user, predecessors=[p.code for p in predecessors],
           on=on.isoformat(), basis=legal_basis or "")
    session.flush()
    return successor


def split_unit(session: Session, unit: Unit, successors: list[Unit | NewUnit], on: date,
               legal_basis: str | None = None, user: StaffUser | None = None, parent: Unit | None = None) -> list[Unit]:
    """One unit becomes several, existing or new (new ones take its level and its parent of ``on``)."""
    if len(successors) < 2:
        raise LineageError(_("Chia tách cần ít nhất hai đơn vị kế thừa."))
    codes = [s.code.strip() for s in successors]
    if len(set(codes)) != len(codes):
        raise LineageError(_("Các đơn vị kế thừa phải có mã khác nhau."))
    new_parent = None
    for successor in successors:
        if isinstance(successor, Unit):
            _check_successor(successor, [unit], on)
        else:
            _check_new_code(session, successor.code, successor.name, on, [unit])
            new_parent = _parent_on([unit], on, parent)
    _close(unit, on)
    result = [s if isinstance(s, Unit) else _new_unit(session, s, unit, on, new_parent) for s in successors]
    for successor in result:
        _link(session, unit, successor, LineageKind.SPLIT, on, legal_basis)
    _audit(session, "units.split", unit.code, user, successors=codes, on=on.isoformat(), basis=legal_basis or "")
    session.flush()
    return result
