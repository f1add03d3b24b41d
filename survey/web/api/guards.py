"""Abuse guards of the submission API: rate limits and the minimum interval per device.

Both keep their state where Flask-Limiter does (``RATELIMIT_STORAGE_URI``): in
the worker's memory by default, in Redis when configured. With several worker
processes and in-memory storage each worker counts on its own, so a client may
get up to (workers × limit); configure Redis for exact limits.

Addresses are used only as HMAC-hashed keys with an expiry, never stored with
a response.

The minimum interval (``KIOSK_MIN_INTERVAL_SECONDS``) applies to the
*submitted_at* times of *new* responses from one device: a new response is
refused when another response of the same device (a different UUID) has a
submitted_at less than the interval away. Arrival times do not matter, so a
tablet that comes back online may send its whole queue at once; repeats of a
stored UUID never reach this check.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from flask import Flask
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter


@dataclass(frozen=True)
class Refusal:
    """A guard said no; ``retry_after`` in whole seconds."""

    retry_after: int


class MemoryWindows:
    """Fixed-window counters in this worker's memory.

    ``limits``' own memory storage starts a timer thread to expire keys, which
    costs more than the whole insert under load; a dict of (window, count) does
    the same job. Old windows are dropped when the dict grows.
    """

    def __init__(self, max_keys: int = 100_000):
        self.max_keys = max_keys
        self._counts: dict[tuple[str, ...], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, item: RateLimitItem, *identifiers: str) -> Refusal | None:
        period = item.get_expiry()
        now = time.time()
        window = int(now // period)
        key = (item.key_for(*identifiers),)
        with self._lock:
            start, count = self._counts.get(key, (window, 0))
            if start != window:
                count = 0
            if count >= item.amount:
                return Refusal(max(1, math.ceil((window + 1) * period - now)))
            if len(self._counts) >= self.max_keys:
                self._counts = {k: v for k, v in self._counts.items() if v[0] >= window - 1}
                if len(self._counts) >= self.max_keys:
                    self._counts.clear()
            self._counts[key] = (window, count + 1)
        return None

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class SharedWindows:
    """Fixed-window counters in the limiter's shared storage (Redis, Memcached...)."""

    def __init__(self, storage_uri: str):
        self.storage_uri = storage_uri
        self._strategy: FixedWindowRateLimiter | None = None
        self._lock = threading.Lock()

    @property
    def strategy(self) -> FixedWindowRateLimiter:
        # Created on first use, i.e. in the worker process, never before gunicorn forks.
        if self._strategy is None:
            with self._lock:
                if self._strategy is None:
                    self._strategy = FixedWindowRateLimiter(storage_from_string(self.storage_uri))
        return self._strategy

    def hit(self, item: RateLimitItem, *identifiers: str) -> Refusal | None:
        if self.strategy.hit(item, *identifiers):
            return None
        stats = self.strategy.get_window_stats(item, *identifiers)
        return Refusal(max(1, math.ceil(stats.reset_time - time.time())))

    def reset(self) -> None:
        if self._strategy is not None:
            self._strategy.storage.reset()


class RateLimits:
    """Per-device and per-address fixed-window limits."""

    def __init__(self, app: Flask):
        config = app.config
        self.storage_uri = config["RATELIMIT_STORAGE_URI"]
        self.device_limits = parse_many(config["API_DEVICE_RATE_LIMIT"])
        self.address_limits = parse_many(config["API_ADDRESS_RATE_LIMIT"])
        self.exempt_addresses = frozenset(config["API_RATELIMIT_EXEMPT_ADDRESSES"])
        self._secret = str(config["SECRET_KEY"]).encode("utf-8")
        self.windows: MemoryWindows | SharedWindows = (
            MemoryWindows() if self.storage_uri.startswith("memory://") else SharedWindows(self.storage_uri)
        )

    def _hit(self, items: list[RateLimitItem], *identifiers: str) -> Refusal | None:
        for item in items:
            refusal = self.windows.hit(item, "sipas-api", *identifiers)
            if refusal is not None:
                return refusal
        return None

    def hit_device(self, device_id: int) -> Refusal | None:
        return self._hit(self.device_limits, "device", str(device_id))

    def hit_address(self, address: str | None) -> Refusal | None:
        if address in self.exempt_addresses:
            return None
        key = hmac.new(self._secret, (address or "-").encode("utf-8"), hashlib.sha256).hexdigest()[:24]
        return self._hit(self.address_limits, "address", key)

    def reset(self) -> None:
        self.windows.reset()


class IntervalStore(Protocol):
    def claim(self, device_id: int, at: float, response_key: str, interval: float) -> float | None:
        """Record a new response at ``at``; or return the conflicting time, recording nothing."""


class MemoryIntervalStore:
    """The recent submitted_at times of each device, in this worker's memory (sorted)."""

    def __init__(self, keep: int = 256):
        self.keep = keep
        self._times: dict[int, list[tuple[float, str]]] = {}
        self._lock = threading.Lock()

    def claim(self, device_id: int, at: float, response_key: str, interval: float) -> float | None:
        with self._lock:
            times = self._times.setdefault(device_id, [])
            start = bisect.bisect_right(times, (at - interval, "\uffff"))
            for other_at, other_key in times[start:]:
                if other_at - at >= interval:
                    break
                if other_key != response_key:
                    return other_at
            bisect.insort(times, (at, response_key))
            if len(times) > self.keep:
                del times[0]  # the earliest submitted_at matters least
            return None

    def reset(self) -> None:
        with self._lock:
            self._times.clear()


_CLAIM_SCRIPT = """
local near = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (ARGV[1] - ARGV[2]), '(' .. (ARGV[1] + ARGV[2]), 'WITHSCORES')
for i = 1, #near, 2 do
  if near[i] ~= ARGV[3] then return near[i + 1] end
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return false
"""


class RedisIntervalStore:
    """The same rule kept in Redis (one sorted set per device), atomic across workers."""

    def __init__(self, uri: str, keep: int = 256, expire_seconds: int = 7 * 86400):
        self.uri = uri
        self.keep = keep
        self.expire_seconds = expire_seconds
        self._script = None
        self._lock = threading.Lock()

    def _claim_script(self):
        if self._script is None:
            with self._lock:
                if self._script is None:
                    import redis

                    client = redis.Redis.from_url(self.uri)
                    self._script = client.register_script(_CLAIM_SCRIPT)
        return self._script

    def claim(self, device_id: int, at: float, response_key: str, interval: float) -> float | None:
        conflict = self._claim_script()(
            keys=[f"sipas:min-interval:{device_id}"],
            args=[repr(at), repr(interval), response_key, self.keep, self.expire_seconds],
        )
        return None if conflict is None else float(conflict)


def interval_store_for(storage_uri: str) -> IntervalStore:
    if storage_uri.startswith(("redis://", "rediss://")):
        return RedisIntervalStore(storage_uri)
    return MemoryIntervalStore()
