"""The minimum-interval stores and the rate-limit windows, in memory and in Redis."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from datetime import UTC

import pytest
from limits import parse

from survey.web.api.guards import (
    MemoryIntervalStore,
    MemoryWindows,
    RedisIntervalStore,
    SharedWindows,
)


@pytest.fixture(scope="module")
def redis_uri(tmp_path_factory):
    """A private redis-server for these tests.

    Redis is optional for users (in-memory limits are the default), so a
    machine without it skips these tests; CI, which has it, must run them.
    """
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed on the CI machine")
        pytest.skip("redis-server is not installed (Redis is optional)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(10)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def interval_store(request):
    if request.param == "memory":
        yield MemoryIntervalStore(keep=8)
        return
    store = RedisIntervalStore(request.getfixturevalue("redis_uri"), keep=8)
    yield store
    store._claim_script().registered_client.flushdb()


def test_min_interval_store_refuses_close_times_of_other_responses(interval_store):
    claim = interval_store.claim
    assert claim(1, 1000.0, "a", 5) is None
    assert claim(1, 1006.0, "b", 5) is None
    assert claim(1, 1003.0, "c", 5) in (1000.0, 1006.0)  # between two
    assert claim(1, 1004.9, "d", 5) is not None
    assert claim(1, 995.0, "e", 5) is None  # exactly the interval before: allowed
    assert claim(1, 1000.0, "a", 5) is None  # the same response again (a retry) is never refused
    assert claim(2, 1000.5, "f", 5) is None  # another tablet
    assert claim(1, 1011.0, "g", 5) is None


def test_min_interval_store_keeps_a_bounded_history(interval_store):
    for i in range(20):
        assert interval_store.claim(7, 100.0 * i, f"r{i}", 5) is None
    assert interval_store.claim(7, 1902.0, "late", 5) == 1900.0
    assert interval_store.claim(7, 2.0, "early", 5) is None  # forgotten: beyond the history kept


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def windows(request):
    if request.param == "memory":
        yield MemoryWindows()
        return
    shared = SharedWindows(request.getfixturevalue("redis_uri"))
    yield shared
    shared.reset()


def test_fixed_windows_count_per_key_and_say_when_to_retry(windows):
    limit = parse("3/minute")
    assert [windows.hit(limit, "device", "1") for _ in range(3)] == [None] * 3
    refusal = windows.hit(limit, "device", "1")
    assert refusal is not None and 1 <= refusal.retry_after <= 60
    assert windows.hit(limit, "device", "2") is None


@pytest.mark.redis
def test_api_uses_redis_when_configured(api, app, redis_uri, stored):
    import redis

    from survey.web.api.operations import api_state

    with redis.Redis.from_url(redis_uri) as client:
        client.flushdb()  # device ids restart with each test database
    app.config.update(RATELIMIT_STORAGE_URI=redis_uri, RATELIMIT_ENABLED=True, API_DEVICE_RATE_LIMIT="2/minute")
    app.extensions.pop("sipas_api", None)
    try:
        assert isinstance(api_state().intervals, RedisIntervalStore)
        assert api.post(api.payload()).status_code == 201
        assert api.post(api.payload()).status_code == 429  # minimum interval, kept in Redis
        statuses = [api.post(api.payload(device_token=api.tokens[2], submitted_at=_at(10 * i))).status_code
                    for i in range(3)]
        assert statuses == [201, 201, 429]  # 2/minute per tablet, counted in Redis
        assert len(stored()) == 3
    finally:
        api_state().reset()
        app.extensions.pop("sipas_api", None)


def _at(seconds: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.now(UTC) - timedelta(hours=1, seconds=-seconds)).isoformat()
