"""Crash safety: SIGKILL the server in the middle of a load, restart it, retry.

Every response the server acknowledged (201 or 200) must be stored after the
restart, and retrying the unacknowledged ones (same UUID, same content) must
store each of them exactly once.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.serving.ingest_bench import ingest

PG_URL = os.environ.get("SIPAS_TEST_DATABASE_URL")
TABLETS = 12


class TabletClient:
    """One tablet's queue, sent over one keep-alive connection; remembers what was acknowledged."""

    def __init__(self, token: str, port: int, start: datetime, seed: int):
        self.port = port
        tablet = ingest.Tablet(token, start, random.Random(seed))
        self.queue = [tablet.body() for _ in range(60)]
        self.acknowledged: dict[str, int] = {}
        self.unacknowledged: list[bytes] = []
        self.sent = 0

    def post(self, connection: http.client.HTTPConnection, body: bytes) -> int:
        connection.request("POST", "/api/v1/responses", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status

    def run(self, stop: threading.Event) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            self._send_queue(connection, stop)
        finally:
            connection.close()

    def _send_queue(self, connection: http.client.HTTPConnection, stop: threading.Event) -> None:
        for body in self.queue:
            if stop.is_set():
                self.unacknowledged.append(body)
                continue
            self.sent += 1
            try:
                status = self.post(connection, body)
            except (OSError, http.client.HTTPException):
                self.unacknowledged.append(body)  # the server may or may not have stored it
                stop.set()
                continue
            assert status in (200, 201), status
            self.acknowledged[json.loads(body)["uuid"]] = status

    def retry(self, port: int) -> dict[str, int]:
        return self.send(port, self.unacknowledged)

    def send(self, port: int, bodies: list[bytes]) -> dict[str, int]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            return {json.loads(body)["uuid"]: self.post(connection, body) for body in bodies}
        finally:
            connection.close()


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    url, name = ingest.create_postgres_database(PG_URL)
    yield url
    ingest.drop_postgres_database(PG_URL, name)


def _stored_uuids(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT uuid FROM responses")).scalars().all()
    engine.dispose()
    return [str(uuid.UUID(str(u))) for u in rows]  # SQLite keeps 32 hex digits, PostgreSQL a uuid


@pytest.mark.slow
def test_sigkill_during_load_loses_no_acknowledged_response_and_retries_make_no_duplicates(database_url, tmp_path):
    instance = tmp_path / "instance"
    tokens = ingest.prepare_database(database_url, instance, TABLETS)
    env = ingest.server_env(database_url, instance)
    port = ingest.free_port()
    server = ingest.start_server(env, port, workers=2, connections=4, log=tmp_path / "server.log")
    start = datetime.now(UTC) - timedelta(days=2)
    tablets = [TabletClient(token, port, start + timedelta(milliseconds=i), seed=i) for i, token in enumerate(tokens)]
    stop = threading.Event()
    threads = [threading.Thread(target=t.run, args=(stop,)) for t in tablets]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while sum(len(t.acknowledged) for t in tablets) < 300 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-load, no clean-up
        server.wait()
        stop.set()
        for thread in threads:
            thread.join(30)
    finally:
        ingest.stop_server(server, signal.SIGKILL)

    acknowledged = {u for t in tablets for u in t.acknowledged}
    in_flight = sum(1 for t in tablets for _ in t.unacknowledged) - sum(len(t.queue) - t.sent for t in tablets)
    assert len(acknowledged) >= 300
    assert in_flight >= 1, "the kill should interrupt at least one request"

    stored_after_crash = set(_stored_uuids(database_url))
    assert acknowledged <= stored_after_crash, "an acknowledged response was lost"

    port = ingest.free_port()
    server = ingest.start_server(env, port, workers=2, connections=4, log=tmp_path / "server.log")
    try:
        retried: dict[str, int] = {}
        for tablet in tablets:
            retried.update(tablet.retry(port))
        # Re-sending some acknowledged ones as well (a tablet that never saw the answer).
        again = tablets[0].send(port, tablets[0].queue[: min(20, len(tablets[0].acknowledged))]).values()
    finally:
        ingest.stop_server(server)

    print(f"acknowledged {len(acknowledged)}, interrupted in flight {in_flight}, retried {len(retried)}: "
          f"{sum(s == 200 for s in retried.values())} already stored, {sum(s == 201 for s in retried.values())} created")
    assert set(again) == {200}
    assert set(retried.values()) <= {200, 201}
    # Interrupted requests that had been committed come back as duplicates, the rest are created now.
    assert {u for u, s in retried.items() if s == 200} == (set(retried) & stored_after_crash)
    stored = _stored_uuids(database_url)
    assert len(stored) == len(set(stored))
    assert set(stored) == acknowledged | set(retried)
