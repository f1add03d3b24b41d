"""Live counter ratings: share satisfied today and this week, hour × weekday, unhappy spikes.

Counter ratings are the first satisfaction item of a counter questionnaire
(1–5): 4–5 count as satisfied, 1–2 as unhappy. These are raw shares of the
ratings given, not survey estimates, and are labelled as such on the page.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.i18n import LOCAL_TZ
from survey.models import Channel, Device, QuestionnaireVersion, Response, Unit

SATISFIED = (4, 5)
UNHAPPY = (1, 2)


@dataclass(frozen=True)
class AlertRule:
    """Alert when at least ``share`` of at least ``min_ratings`` ratings in ``minutes`` are unhappy."""

    minutes: int = 15
    min_ratings: int = 4
    share: float = 0.5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AlertRule:
        return cls(
            minutes=int(config["COUNTER_ALERT_MINUTES"]),
            min_ratings=int(config["COUNTER_ALERT_MIN_RATINGS"]),
            share=float(config["COUNTER_ALERT_UNHAPPY_SHARE"]),
        )


@dataclass
class Tally:
    satisfied: int = 0
    unhappy: int = 0
    total: int = 0

    def add(self, rating: float) -> None:
        self.total += 1
        self.satisfied += rating in SATISFIED
        self.unhappy += rating in UNHAPPY

    @property
    def share(self) -> float | None:
        return 100.0 * self.satisfied / self.total if self.total else None


@dataclass
class CounterRow:
    unit: Unit
    label: str  # the counter's label, or "" for the unit's own row
    today: Tally = field(default_factory=Tally)
    week: Tally = field(default_factory=Tally)


@dataclass(frozen=True)
class Alert:
    unit: Unit
    counter: str
    unhappy: int
    total: int
    since: datetime


@dataclass
class CounterBoard:
    units: list[CounterRow]
    counters: list[CounterRow]
    heat: dict[tuple[int, int], tuple[int, int]]
    hours: list[int]
    alerts: list[Alert]
    weeks: int


def _local(moment: datetime) -> datetime:
    # PostgreSQL returns aware times; SQLite returns naive ones, stored in UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def _rating_positions(session: Session, version_ids: set[int]) -> dict[int, int | None]:
    from survey.domain.responses import questionnaire_for

    positions: dict[int, int | None] = {}
    for version in session.scalars(select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(version_ids))):
        questionnaire = questionnaire_for(version)
        rating = next((i.code for i in questionnaire.items if i.type == "satisfaction"), None)
        positions[version.id] = version.numeric_items.index(rating) if rating in version.numeric_items else None
    return positions


def counter_board(
    session: Session, unit_ids: set[int] | None, now: datetime, rule: AlertRule, weeks: int = 8
) -> CounterBoard:
    """Counter ratings of the last ``weeks`` weeks within the scope, summarised for the page."""
    now_local = _local(now)
    today = now_local.date()
    week_start = today - timedelta(days=today.weekday())
    since = datetime.combine(min(week_start, today - timedelta(weeks=weeks)), datetime.min.time(), LOCAL_TZ)
    query = (
        select(Response.unit_id, Response.device_id, Response.submitted_at, Response.scores,
               Response.questionnaire_version_id)
        .where(Response.channel == Channel.COUNTER, Response.submitted_at >= since.astimezone(UTC))
        .execution_options(yield_per=5000)
    )
    if unit_ids is not None:
        query = query.where(Response.unit_id.in_(unit_ids))
    rows = session.execute(query).all()
    positions = _rating_positions(session, {r.questionnaire_version_id for r in rows})
    unit_ids_seen = {r.unit_id for r in rows}
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids_seen)))}
    devices = {
        d.id: d for d in session.scalars(select(Device).where(Device.id.in_({r.device_id for r in rows if r.device_id})))
    }
    by_unit: dict[int, CounterRow] = {}
    by_counter: dict[int, CounterRow] = {}
    heat: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    recent: dict[int, list[float]] = defaultdict(list)
    window_start = now_local - timedelta(minutes=rule.minutes)
    for row in rows:
        position = positions.get(row.questionnaire_version_id)
        if position is None:
            continue
        rating = float(np.frombuffer(row.scores, dtype="<f4")[position])
        if math.isnan(rating):  # no rating
            continue
        moment = _local(row.submitted_at)
        unit = units[row.unit_id]
        targets = [by_unit.setdefault(unit.id, CounterRow(unit, ""))]
        if row.device_id:
            device = devices[row.device_id]
            targets.append(by_counter.setdefault(device.id, CounterRow(unit, device.counter_label)))
            if window_start <= moment <= now_local + timedelta(minutes=5):
                recent[device.id].append(rating)
        for target in targets:
            if moment.date() == today:
                target.today.add(rating)
            if moment.date() >= week_start:
                target.week.add(rating)
        cell = heat[(moment.weekday(), moment.hour)]
        cell[0] += rating in SATISFIED
        cell[1] += 1
    alerts = []
    for device_id, ratings in recent.items():
        unhappy = sum(r in UNHAPPY for r in ratings)
        if len(ratings) >= rule.min_ratings and unhappy >= rule.share * len(ratings):
            device = devices[device_id]
            alerts.append(Alert(device.unit, device.counter_label, unhappy, len(ratings), window_start))
    busy_hours = [h for (_, h) in heat] or [8]
    hours = list(range(min(7, min(busy_hours)), max(17, max(busy_hours)) + 1))
    order = lambda r: (r.unit.name, r.label)
    return CounterBoard(
        units=sorted(by_unit.values(), key=order),
        counters=sorted(by_counter.values(), key=order),
        heat={k: (v[0], v[1]) for k, v in heat.items()},
        hours=hours,
        alerts=sorted(alerts, key=lambda a: -a.unhappy / a.total),
        weeks=weeks,
    )
