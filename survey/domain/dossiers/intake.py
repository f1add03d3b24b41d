"""Taking in a batch of dossier events: each malformed event refused with its reason, the rest stored.

Idempotent: an event is keyed by (source system, MaHoSo or MaPAKN, LoaiSuKien,
ThoiGianSuKien); the same event again is a *duplicate* (reported, not stored
twice), and a different event under the same key is refused as a conflict.
Out of order: each field of a dossier or PAKN remembers the time of the event
that set it, and an older event never overwrites a newer one's value, so the
state is the same whatever order the events arrive in.

Nothing here commits: :func:`intake_events` flushes, the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from survey.domain.dossiers.portal import (
    COMPLAINT,
    COMPLAINT_ATTRIBUTES,
    DOSSIER_ATTRIBUTES,
    UNIT,
    CheckedEvent,
    EventError,
    check_event,
)
from survey.i18n import _, format_local_datetime
from survey.models import Complaint, Dossier, DossierEvent, PortalUnitCode, Unit, utcnow

STORED, DUPLICATE, REFUSED = "stored", "duplicate", "refused"
CHUNK = 500  # codes per IN (...) query
# for each date field, the portal name of its attribute (for messages)
_PORTAL_NAME = {attribute: name for name, attribute in (DOSSIER_ATTRIBUTES | COMPLAINT_ATTRIBUTES).items()}


class BatchTooLarge(ValueError):
    """More events than one batch may carry; nothing is looked at."""

    def __init__(self, count: int, maximum: int):
        super().__init__(_("Lô có %(count)d sự kiện, tối đa %(max)d; hãy chia nhỏ.", count=count, max=maximum))


@dataclass(frozen=True)
class EventResult:
    index: int
    status: str  # stored | duplicate | refused
    code: str | None = None
    errors: tuple[EventError, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "status": self.status, "code": self.code,
                "errors": [{"field": e.field, "message": e.message()} for e in self.errors]}


@dataclass
class IntakeReport:
    results: list[EventResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def stored(self) -> int:
        return self.count(STORED)

    @property
    def duplicates(self) -> int:
        return self.count(DUPLICATE)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)

    @property
    def errors(self) -> list[EventError]:
        return [error for result in self.results for error in result.errors]


def _utc(moment: datetime) -> datetime:
    """A stored time as naive UTC (SQLite gives naive UTC, PostgreSQL aware): comparable keys."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


class _Batch:
    def __init__(self, session: Session, source: str, scope: set[int] | None, system: str):
        self.session, self.source, self.scope, self.system = session, source, scope, system
        self.units: dict[str, Unit] = {}
        self.keys: dict[tuple[str, str, datetime], dict] = {}
        self.dossiers: dict[str, Dossier] = {}
        self.complaints: dict[str, Complaint] = {}
        self.new_events: list[dict[str, Any]] = []
        self.now = utcnow()

    def load(self, events: list[CheckedEvent]) -> None:
        unit_codes = sorted({e.unit_code for e in events})
        for chunk in _chunks(unit_codes):
            for code, unit in self.session.execute(
                    select(PortalUnitCode.portal_code, Unit).join(Unit).where(PortalUnitCode.portal_code.in_(chunk))):
                self.units[code] = unit
            today = datetime.now(UTC).date()
            for unit in self.session.scalars(select(Unit).where(
                    Unit.code.in_(chunk), or_(Unit.valid_to.is_(None), Unit.valid_to >= today))):
                self.units.setdefault(unit.code, unit)  # a mapped portal code wins over a SIPAS code
        codes = sorted({e.code for e in events})
        for chunk in _chunks(codes):
            for event in self.session.scalars(select(DossierEvent).where(
                    DossierEvent.source == self.source, DossierEvent.code.in_(chunk))):
                self.keys[(event.code, event.kind, _utc(event.event_at))] = event.payload
            for dossier in self.session.scalars(select(Dossier).where(
                    Dossier.source == self.source, Dossier.code.in_(chunk))):
                self.dossiers[dossier.code] = dossier
            for complaint in self.session.scalars(select(Complaint).where(
                    Complaint.source == self.source, Complaint.code.in_(chunk))):
                self.complaints[complaint.code] = complaint

    def take(self, event: CheckedEvent) -> EventResult:
        key = (event.code, event.kind, _utc(event.event_at))
        if key in self.keys:
            if self.keys[key] == event.payload:
                return EventResult(event.index, DUPLICATE, event.code)
            return self._refused(event, "LoaiSuKien", "conflict", code=event.code, kind=event.kind,
                                 value=format_local_datetime(event.event_at))
        unit = self.units.get(event.unit_code)
        if unit is None:
            return self._refused(event, UNIT, "unknown_unit", value=event.unit_code)
        if self.scope is not None and unit.id not in self.scope:
            return self._refused(event, UNIT, "out_of_scope", value=event.unit_code, system=self.system)
        target = self._target(event, unit)
        changes = self._newer_values(target, event, unit)
        problem = self._order_problem(target, changes, event)
        if problem:
            return EventResult(event.index, REFUSED, event.code, (problem,))
        self._apply(target, changes, event)
        self.keys[key] = event.payload
        self.new_events.append({"source": self.source, "code": event.code, "kind": event.kind,
                                "event_at": event.event_at, "payload": event.payload, "stored_at": self.now})
        return EventResult(event.index, STORED, event.code)

    def store_events(self) -> None:
        """Insert the stored events in one executemany (an ORM object each would triple the time)."""
        if self.new_events:
            self.session.execute(insert(DossierEvent), self.new_events)

    def _refused(self, event: CheckedEvent, name: str, key: str, **params: Any) -> EventResult:
        return EventResult(event.index, REFUSED, event.code, (EventError(event.index, name, key, params),))

    def _target(self, event: CheckedEvent, unit: Unit) -> Dossier | Complaint:
        if event.kind == COMPLAINT:
            found = self.complaints.get(event.code)
            return found or Complaint(source=self.source, code=event.code, unit_id=unit.id, likes=0, dislikes=0,
                                      follow_up=False, field_times={})
        found = self.dossiers.get(event.code)
        return found or Dossier(source=self.source, code=event.code, unit_id=unit.id,
                                portal_unit_code=event.unit_code, returned=False, field_times={})

    def _newer_values(self, target: Dossier | Complaint, event: CheckedEvent, unit: Unit) -> dict[str, Any]:
        """The event's values for the fields no later event has set yet (the latest event time wins)."""
        when = _utc(event.event_at).isoformat()
        values = dict(event.values)
        values["unit_id"] = unit.id
        if isinstance(target, Dossier):
            values["portal_unit_code"] = event.unit_code
        return {name: value for name, value in values.items()
                if (target.field_times or {}).get(name, "") <= when}

    def _order_problem(self, target: Dossier | Complaint, changes: dict[str, Any], event: CheckedEvent
                       ) -> EventError | None:
        """A due, handling or return time before the receipt time, after this event would be applied."""
        received = changes.get("received_at", target.received_at)
        if received is None:
            return None
        for attribute in ("due_at", "handled_at", "returned_at"):
            value = changes.get(attribute, getattr(target, attribute, None))
            if value is not None and _utc(value) < _utc(received):
                blamed = attribute if attribute in changes else "received_at"
                return EventError(event.index, _PORTAL_NAME[blamed], "before_received",
                                  {"name": _PORTAL_NAME[attribute], "value": format_local_datetime(value),
                                   "received": format_local_datetime(received)})
        return None

    def _apply(self, target: Dossier | Complaint, changes: dict[str, Any], event: CheckedEvent) -> None:
        when = _utc(event.event_at).isoformat()
        for name, value in changes.items():
            setattr(target, name, value)
        target.field_times = {**(target.field_times or {}), **dict.fromkeys(changes, when)}
        if isinstance(target, Dossier):
            target.returned = target.returned_at is not None
            known = self.dossiers
        else:
            known = self.complaints
        if target.code not in known:
            known[target.code] = target
            self.session.add(target)


def intake_events(session: Session, events: list[Any], *, source: str, scope: set[int] | None = None,
                  system: str | None = None, max_events: int = 10_000, default_kind: str | None = None,
                  now: datetime | None = None) -> IntakeReport:
    """Check and store a batch of events of one source system; one result per event, in order.

    ``scope``: ids of the units the system may post for (None: any unit).
    Raises :class:`BatchTooLarge` for more than ``max_events`` events.
    """
    if len(events) > max_events:
        raise BatchTooLarge(len(events), max_events)
    now = now or datetime.now(UTC)
    checked = [check_event(index, event, now, default_kind) for index, event in enumerate(events)]
    batch = _Batch(session, source, scope, system or source)
    batch.load([c for c in checked if isinstance(c, CheckedEvent)])
    report = IntakeReport()
    for index, item in enumerate(checked):
        if isinstance(item, CheckedEvent):
            report.results.append(batch.take(item))
        else:
            event = events[index] if isinstance(events[index], dict) else {}
            code = event.get("MaHoSo") or event.get("MaPAKN")
            report.results.append(EventResult(index, REFUSED, str(code) if code else None, tuple(item)))
    session.flush()
    batch.store_events()
    return report
