"""Counter tablets: registration and token lookup."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Device, Unit, hash_token, utcnow


def register_device(session: Session, unit: Unit, counter_label: str) -> tuple[Device, str]:
    """Register a tablet; returns the device and its secret token (shown once)."""
    token = secrets.token_urlsafe(24)
    device = Device(unit=unit, counter_label=counter_label, token_hash=hash_token(token))
    session.add(device)
    session.flush()
    return device, token


def device_for_token(session: Session, token: str) -> Device | None:
    """The active device whose token this is, marking it as seen now."""
    if not token or len(token) > 128:
        return None
    device = session.scalar(select(Device).where(Device.token_hash == hash_token(token)))
    if device is None or not device.active:
        return None
    device.last_seen_at = utcnow()
    return device
