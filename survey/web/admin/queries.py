"""Read queries of the admin pages: counter tablets and when they were last heard from."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from survey.i18n import LOCAL_TZ
from survey.models import Device, Unit
from survey.settings import DefaultConfig


@dataclass(frozen=True)
class OpeningHours:
    """When one-stop shops receive citizens: weekdays (0 = Monday) and a daily window, Vietnam time.

    Configured by ``OPENING_DAYS`` (e.g. ``"0,1,2,3,4"`` or a list; default
    Monday–Friday), ``OPENING_HOURS`` (``"07:30-17:00"``) and, for the alert,
    ``DEVICE_SILENT_MINUTES`` (default 60 minutes of opening time).
    """

    days: frozenset[int] = frozenset(range(5))
    opens: time = time(7, 30)
    closes: time = time(17, 0)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OpeningHours:
        days = config.get("OPENING_DAYS", DefaultConfig.OPENING_DAYS)
        if isinstance(days, str):
            days = [part for part in days.replace(" ", "").split(",") if part]
        hours = str(config.get("OPENING_HOURS", DefaultConfig.OPENING_HOURS))
        try:
            opens, closes = (time.fromisoformat(part.strip()) for part in hours.split("-"))
            parsed_days = frozenset(int(d) for d in days)
        except ValueError as exc:
            raise ValueError(
                f"OPENING_HOURS must look like 07:30-17:00 and OPENING_DAYS like 0,1,2,3,4; "
                f"got {hours!r} and {days!r}"
            ) from exc
        if not opens < closes or not parsed_days <= set(range(7)):
            raise ValueError(f"bad opening hours {hours!r} on days {sorted(parsed_days)}")
        return cls(parsed_days, opens, closes)

    def open_minutes(self, start: datetime, end: datetime, stop_after: float | None = None) -> float:
        """Minutes of opening time between two moments (stops counting past ``stop_after``)."""
        start, end = _local(start), _local(end)
        total = 0.0
        day: date = start.date()
        while day <= end.date():
            if day.weekday() in self.days:
                window_start = datetime.combine(day, self.opens, LOCAL_TZ)
                window_end = datetime.combine(day, self.closes, LOCAL_TZ)
                overlap = (min(end, window_end) - max(start, window_start)).total_seconds() / 60
                total += max(0.0, overlap)
                if stop_after is not None and total > stop_after:
                    break
            day += timedelta(days=1)
        return total


def _local(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; SIPAS stores UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


class DeviceState(enum.Enum):
    OK = "ok"
    SILENT = "silent"  # no contact for longer than allowed during opening hours
    NEVER = "never"  # registered but never opened, for less than the allowed time
    INACTIVE = "inactive"


@dataclass(frozen=True)
class DeviceRow:
    device: Device
    state: DeviceState
    silent_minutes: float  # opening-hours minutes since the last contact (or registration)


def device_state(device: Device, now: datetime, hours: OpeningHours, silent_after: float) -> DeviceRow:
    if not device.active:
        return DeviceRow(device, DeviceState.INACTIVE, 0.0)
    since = device.last_seen_at or device.created_at
    minutes = hours.open_minutes(since, now, stop_after=silent_after)
    if minutes > silent_after:
        return DeviceRow(device, DeviceState.SILENT, minutes)
    return DeviceRow(device, DeviceState.OK if device.last_seen_at else DeviceState.NEVER, minutes)


def device_rows(session: Session, now: datetime, hours: OpeningHours, silent_after: float,
                unit_id: int | None = None) -> list[DeviceRow]:
    """Every tablet (or a unit's), silent ones first, then by unit and counter."""
    query = select(Device).join(Device.unit).options(joinedload(Device.unit)).order_by(Unit.code, Device.counter_label)
    if unit_id is not None:
        query = query.where(Device.unit_id == unit_id)
    rows = [device_state(d, now, hours, silent_after) for d in session.scalars(query)]
    return sorted(rows, key=lambda r: r.state != DeviceState.SILENT)
