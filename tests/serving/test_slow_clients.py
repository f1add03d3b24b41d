"""`sipas serve` against slow clients (slowloris): /health still answers, the slow connections are closed."""

from __future__ import annotations

import errno
import socket
import time
import urllib.request

import pytest

from survey.serving import server
from tests.serving.ingest_bench import ingest

SLOW_CONNECTIONS = 2000
ATTACKERS = [f"127.0.0.{i}" for i in range(2, 6)]  # four client addresses, 500 connections each
HEAD_SECONDS = 3


def _health_seconds(port: int) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5) as response:
        assert response.status == 200
    return time.monotonic() - started


def _open_slow(port: int, count: int) -> list[socket.socket]:
    """Connections that begin a request head and never finish it."""
    sockets = []
    for i in range(count):
        conn = socket.socket()
        conn.bind((ATTACKERS[i % len(ATTACKERS)], 0))
        conn.settimeout(5)
        conn.connect(("127.0.0.1", port))
        try:
            conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: sipas\r\nX-a: ")
        except OSError:
            pass  # closed at once: this address holds its share
        conn.setblocking(False)
        sockets.append(conn)
    return sockets


def _trickle(sockets: list[socket.socket]) -> None:
    """A byte more on every connection still open (a slowloris client every few seconds)."""
    for conn in sockets:
        try:
            conn.send(b"a")
        except OSError:
            pass


def _closed_by_server(conn: socket.socket) -> bool:
    try:
        return conn.recv(1024) == b""
    except BlockingIOError:
        return False
    except OSError as exc:
        return exc.errno in (errno.ECONNRESET, errno.EPIPE)


@pytest.fixture()
def served(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'sipas.db'}"
    ingest.prepare_database(database_url, tmp_path / "instance", 1)
    env = ingest.server_env(database_url, tmp_path / "instance", SIPAS_SERVE_HEAD_TIMEOUT_SECONDS=str(HEAD_SECONDS))
    port = ingest.free_port()
    process = ingest.start_server(env, port, workers=None, connections=None, log=tmp_path / "server.log")
    try:
        yield port
    finally:
        ingest.stop_server(process)


def test_health_answers_while_2000_slow_clients_hold_connections_and_they_are_closed(served):
    port = served
    slow = _open_slow(port, SLOW_CONNECTIONS)
    try:
        answered = []
        attack_ends = time.monotonic() + HEAD_SECONDS + 3
        while time.monotonic() < attack_ends:
            _trickle(slow)
            answered.append(_health_seconds(port))
            time.sleep(0.5)
        assert len(answered) >= 5 and max(answered) < 2.0, answered
        _trickle(slow)
        time.sleep(0.5)
        still_open = [conn for conn in slow if not _closed_by_server(conn)]
        assert still_open == []  # every head was due HEAD_SECONDS after connecting
        assert _health_seconds(port) < 2.0
    finally:
        for conn in slow:
            conn.close()


def test_a_late_head_reads_as_the_end_of_the_connection():
    left, right = socket.socketpair()
    limits = server.ConnectionLimits(head_seconds=0.2, body_seconds=0.2, body_min_rate=10)
    reader = server.RequestDeadline(left, limits, time.monotonic() + limits.head_seconds)
    try:
        right.sendall(b"GET / HTTP/1.1\r\n")
        assert reader.recv(100) == b"GET / HTTP/1.1\r\n"
        started = time.monotonic()
        assert reader.recv(100) == b""  # nothing more before the deadline: treated as gone
        assert 0.1 < time.monotonic() - started < 1.0
        right.sendall(b"Host: x\r\n\r\n")
        reader.expect_head(time.monotonic() + 5)
        assert reader.recv(100) == b""  # a connection past its deadline stays closed
        assert left.gettimeout() == server.WRITE_TIMEOUT  # the answer is still written with its own timeout
    finally:
        left.close()
        right.close()


def test_body_time_grows_with_the_bytes_received():
    left, right = socket.socketpair()
    limits = server.ConnectionLimits(head_seconds=1, body_seconds=0.3, body_min_rate=1000)
    reader = server.RequestDeadline(left, limits, time.monotonic() + 1)
    try:
        reader.expect_body()
        before = reader.deadline
        right.sendall(b"x" * 2000)
        assert len(reader.recv(4096)) == 2000
        assert reader.deadline == pytest.approx(before + 2.0)
    finally:
        left.close()
        right.close()


def test_limits_follow_the_settings_and_no_address_cap_behind_a_proxy(app):
    config = dict(app.config, SERVE_HEAD_TIMEOUT_SECONDS=4, SERVE_CONNECTIONS_PER_ADDRESS=7)
    assert server.ConnectionLimits.from_config(config).head_seconds == 4
    assert server.ConnectionLimits.from_config(config).per_address == 7
    assert server.ConnectionLimits.from_config(dict(config, PROXY_COUNT=1)).per_address == 0
