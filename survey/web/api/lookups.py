"""Short-lived, per-process caches of what every submission looks up: device, staff token, unit, round.

A tablet posts many responses; the device, its unit and the round they answer
change rarely. Each worker process keeps them for ``API_LOOKUP_TTL_SECONDS``
(default 10 s), so a deactivated device, a revoked staff token or a closed
round is refused at most that long after the change. Unknown device and staff
tokens are never cached (random tokens would fill the cache); a missing round
is, as the key space is small.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.questionnaires import QuestionnaireDefinition
from survey.domain.responses import questionnaire_for
from survey.domain.rounds import current_round
from survey.domain.units import find_unit
from survey.models import Channel, Device, Role, Unit, hash_token
from survey.web.auth import bearer_secret, valid_api_token
from survey.web.staff.queries import scope_unit_ids

V = TypeVar("V")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MISSING = object()


class TTLCache(Generic[V]):
    """A small thread-safe cache whose entries expire; cleared whole when it grows too big."""

    def __init__(self, ttl: float, max_entries: int = 10_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V], cache_none: bool = True) -> V:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if value is not None or cache_none:
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    unit_id: int
    unit_code: str


@dataclass(frozen=True)
class StaffTokenInfo:
    """The owner of a valid personal API token: role and scope (unit ids; None = every unit)."""

    user_id: int
    role: Role
    scope: frozenset[int] | None

    def covers(self, unit_id: int) -> bool:
        return self.scope is None or unit_id in self.scope


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str


@dataclass(frozen=True)
class RoundInfo:
    """What storing a response needs from its round and questionnaire version."""

    round_id: int
    version_id: int
    questionnaire_code: str
    version: str
    questionnaire: QuestionnaireDefinition
    numeric_items: tuple[str, ...]


class Lookups:
    """The caches of one application in one worker process."""

    def __init__(self, ttl: float):
        self.devices: TTLCache[DeviceInfo | None] = TTLCache(ttl)
        self.staff_tokens: TTLCache[StaffTokenInfo | None] = TTLCache(ttl, max_entries=2_000)
        self.units: TTLCache[UnitInfo | None] = TTLCache(ttl, max_entries=2_000)
        self.rounds: TTLCache[RoundInfo | None] = TTLCache(ttl, max_entries=20_000)
        self._device_seen: dict[int, float] = {}

    def clear(self) -> None:
        self.devices.clear()
        self.staff_tokens.clear()
        self.units.clear()
        self.rounds.clear()
        self._device_seen.clear()

    def device(self, session: Session, token: str) -> DeviceInfo | None:
        """The active device with this token, or None."""
        if not _TOKEN.fullmatch(token):
            return None  # tokens are URL-safe base64; anything else cannot be one
        token_hash = hash_token(token)

        def load() -> DeviceInfo | None:
            device = session.scalar(select(Device).where(Device.token_hash == token_hash))
            if device is None or not device.active:
                return None
            return DeviceInfo(device.id, device.unit_id, device.unit.code)

        return self.devices.get(token_hash, load, cache_none=False)

    def staff_token(self, session: Session, authorization: str | None) -> StaffTokenInfo | None:
        """The owner of the valid personal token of an ``Authorization: Bearer`` header, or None."""
        secret = bearer_secret(authorization)
        if secret is None:
            return None
        token_hash = hash_token(secret)

        def load() -> StaffTokenInfo | None:
            token = valid_api_token(session, secret)
            if token is None:
                return None
            scope = scope_unit_ids(session, token.user)
            return StaffTokenInfo(token.user.id, token.user.role, None if scope is None else frozenset(scope))

        return self.staff_tokens.get(token_hash, load, cache_none=False)

    def unit(self, session: Session, code: str, day: date) -> UnitInfo | None:
        def load() -> UnitInfo | None:
            unit = find_unit(session, code, day)
            return UnitInfo(unit.id, unit.code) if unit is not None else None

        return self.units.get((code, day), load)

    def round(self, session: Session, unit_id: int, channel: Channel, day: date) -> RoundInfo | None:
        def load() -> RoundInfo | None:
            unit = session.get(Unit, unit_id)
            survey_round = current_round(session, unit, channel, day) if unit is not None else None
            if survey_round is None:
                return None
            version = survey_round.questionnaire_version
            return RoundInfo(
                round_id=survey_round.id,
                version_id=version.id,
                questionnaire_code=version.questionnaire.code,
                version=version.version,
                questionnaire=questionnaire_for(version),
                numeric_items=tuple(version.numeric_items),
            )

        return self.rounds.get((unit_id, channel, day), load)

    def device_seen_is_due(self, device_id: int) -> bool:
        """Whether Device.last_seen_at should be written now (at most once per resolution)."""
        resolution = current_app.config["API_DEVICE_SEEN_RESOLUTION_SECONDS"]
        now = time.monotonic()
        last = self._device_seen.get(device_id)
        if last is not None and now - last < resolution:
            return False
        self._device_seen[device_id] = now
        return True
