"""`sipas serve`: gunicorn workers that share the connections out evenly."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import types
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import gunicorn
import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from survey.cli import main
from survey.serving import server
from tests.serving.ingest_bench import ingest


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_board_gives_each_worker_a_slot_and_reclaims_those_of_dead_workers():
    board = server.ConnectionBoard(3)
    first, second, third = (board.claim(pid) for pid in (os.getpid(), os.getppid(), os.getpid()))
    assert (first, second, third) == (0, 1, 2)
    assert board.claim(os.getpid()) == -1  # no slot left: that worker accepts without looking at others
    board.counts[first], board.counts[second], board.counts[third] = 7, 0, 3
    board.pids[second] = _dead_pid()  # killed without releasing its slot
    assert board.least_other(first) == 0  # its stale count still counts until a new worker comes
    assert board.claim(os.getpid()) == second  # the replacement gets the dead worker's slot
    board.counts[second] = 5
    assert board.least_other(first) == 3
    board.release(third)
    assert board.least_other(first) == 5
    assert board.least_other(second) == 7


def _worker(board: server.ConnectionBoard, slot: int, open_connections: int, limit: int = 1000):
    worker = object.__new__(server.ConnectionThreadWorker)  # gunicorn's constructor needs a whole arbiter
    worker.cfg = types.SimpleNamespace(worker_connections=limit)
    worker._slot = slot
    worker._open = 0
    worker._open_lock = threading.Lock()
    worker._count(open_connections)
    return worker


def test_a_worker_far_busier_than_another_stops_accepting(monkeypatch):
    board = server.ConnectionBoard(2)
    monkeypatch.setattr(server, "_board", board)
    busy, idle = board.claim(os.getpid()), board.claim(os.getppid())
    worker = _worker(board, busy, 5)
    other = _worker(board, idle, 3)
    assert board.counts[busy] == 5 and board.counts[idle] == 3  # published on the board
    assert not worker._may_accept()
    assert other._may_accept()
    other._count(+1)  # within BALANCE_SLACK of each other: both accept
    assert worker._may_accept() and other._may_accept()
    limited = _worker(board, idle, 7, limit=7)  # the configured ceiling still applies
    assert not limited._may_accept()


# --- a real server with the worker ----------------------------------------------

SERVER_SCRIPT = """
import os, sys, time
from flask import Flask, request
from survey.serving import server
from survey.serving.server import _GunicornApp, ConnectionThreadWorker

server._board = server.ConnectionBoard(6)  # as run_gunicorn makes it, before the workers are forked

app = Flask("t")

@app.get("/pid")
def pid():
    return str(os.getpid())

@app.post("/echo")
def echo():
    return request.get_data()

@app.get("/slow")
def slow():
    time.sleep(1.0)
    return "done"

_GunicornApp(app, {
    "bind": "127.0.0.1:" + sys.argv[1], "workers": 2, "worker_class": "survey.serving.server.ConnectionThreadWorker",
    "keepalive": 1, "graceful_timeout": 5, "accesslog": None, "errorlog": "-",
}).run()
"""


@pytest.fixture()
def live_server(tmp_path):
    import survey.serving.server as module

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = tmp_path / "serve.py"
    script.write_text(SERVER_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(Path(module.__file__).resolve().parents[2]))
    process = subprocess.Popen([sys.executable, str(script), str(port)], env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    pids: set[str] = set()
    while time.monotonic() < deadline and len(pids) < 2:  # both workers up
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                pids.add(_request(conn, b"GET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")[1].decode())
        except OSError:
            time.sleep(0.1)
    assert process.poll() is None, "the server did not start"
    time.sleep(0.3)
    yield port, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _request(conn: socket.socket, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
    """Send one request, read one response (Content-Length framed): status, body, headers."""
    conn.sendall(raw)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), body[:length], headers


def _closed_by_server(conn: socket.socket, within: float) -> bool:
    conn.settimeout(within)
    try:
        return conn.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_keep_alive_serves_many_requests_on_one_connection_and_spreads_connections(live_server):
    port, _ = live_server
    conns = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(10)]
    try:
        owners = []
        for conn in conns:
            status, body, _ = _request(conn, b"GET /pid HTTP/1.1\r\nHost: t\r\n\r\n")
            assert status == 200
            owners.append(body)
        for round_trip in range(3):  # the same connection, the same worker, every time
            for conn, owner in zip(conns, owners):
                payload = b"x" * (1000 * round_trip + 1)
                status, body, _ = _request(conn, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s"
                                           % (len(payload), payload))
                assert (status, body) == (200, payload)
                assert _request(conn, b"GET /pid HTTP/1.1\r\nHost: t\r\n\r\n")[1] == owner
        counts = sorted(Counter(owners).values())
        assert len(counts) == 2 and counts[0] >= 3, counts  # both workers hold about half
    finally:
        for conn in conns:
            conn.close()


def test_connection_close_idle_timeout_and_bad_requests(live_server):
    port, _ = live_server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        status, _, headers = _request(conn, b"GET /pid HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert status == 200 and headers["connection"] == "close"
        assert _closed_by_server(conn, 2)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        assert _request(conn, b"GET /pid HTTP/1.1\r\nHost: t\r\n\r\n")[0] == 200
        assert not _closed_by_server(conn, 0.3)  # kept alive...
        assert _closed_by_server(conn, 3)  # ...until idle for keepalive (1 s here)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        assert _request(conn, b"NOT HTTP AT ALL\r\n\r\n")[0] == 400
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:  # the workers still serve
        assert _request(conn, b"GET /pid HTTP/1.1\r\nHost: t\r\n\r\n")[0] == 200


def test_sigterm_lets_a_request_in_progress_finish(live_server):
    port, process = live_server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.3)
        os.killpg(process.pid, signal.SIGTERM)
        status, body, headers = _request(conn, b"")
        assert (status, body) == (200, b"done")
        assert headers["connection"] == "close"  # a stopping worker does not keep the connection
    assert process.wait(timeout=15) == 0


# --- which worker: ours on a supported gunicorn, else gthread ----------------------------


def test_the_installed_gunicorn_is_one_the_worker_was_tested_with():
    assert server.gunicorn_supported(), (
        f"gunicorn {gunicorn.__version__} is outside SUPPORTED_GUNICORN {server.SUPPORTED_GUNICORN}: "
        "test ConnectionThreadWorker with it (tests/serving, bench/ingest.py), then widen the range"
    )


def test_pyproject_pins_gunicorn_to_the_supported_range():
    project = tomllib.loads((Path(server.__file__).resolve().parents[2] / "pyproject.toml").read_text())
    pins = [Requirement(r) for r in project["project"]["dependencies"] if Requirement(r).name == "gunicorn"]
    assert [pin.specifier for pin in pins] == [SpecifierSet(server.SUPPORTED_GUNICORN)]


def test_an_unsupported_gunicorn_gets_gthread_with_a_clear_message(monkeypatch, capsys):
    monkeypatch.setenv("SIPAS_LANG", "en")
    ours = server.worker_options("connection-threads", 50, version=gunicorn.__version__)
    assert ours == {"worker_class": "survey.serving.server.ConnectionThreadWorker", "worker_connections": 50}
    assert capsys.readouterr().err == ""
    for version in ("28.0", "22.0.0"):
        fallback = server.worker_options("connection-threads", 50, version=version)
        assert fallback == {"worker_class": "gthread", "worker_connections": 50, "threads": server.GTHREAD_THREADS}
        assert (f"gunicorn {version} is outside the range the connection-threads worker was tested with "
                f"({server.SUPPORTED_GUNICORN}); using gunicorn's gthread worker.") in capsys.readouterr().err
    assert server.worker_options("gthread", 50)["worker_class"] == "gthread"
    assert capsys.readouterr().err == ""


def test_serve_refuses_an_unknown_worker_setting(app, monkeypatch):
    monkeypatch.setenv("SIPAS_LANG", "en")
    app.config["SERVE_WORKER"] = "eventlet"
    result = CliRunner().invoke(main, ["serve"], obj=app)
    assert result.exit_code == 2
    assert "Invalid SERVE_WORKER: eventlet; choose one of: connection-threads, gthread." in result.output


@pytest.mark.parametrize("worker", ["gthread", "connection-threads"])
def test_sipas_serve_answers_health_and_a_submission_with_either_worker(worker, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'serve.db'}"
    (token,) = ingest.prepare_database(database_url, tmp_path / "instance", 1)
    env = ingest.server_env(database_url, tmp_path / "instance", SIPAS_SERVE_WORKER=worker)
    log = tmp_path / "server.log"
    process = ingest.start_server(env, ingest.free_port(), workers=1, connections=None, log=log)
    port = int(process.args[process.args.index("--port") + 1])
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5) as health:
            assert health.status == 200
        body = ingest.Tablet(token, datetime.now(UTC), random.Random(1)).body()
        submission = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/responses", data=body,
                                            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(submission, timeout=5) as created:
            assert created.status == 201
        assert ingest.count_responses(database_url) == 1
    finally:
        ingest.stop_server(process)
    assert f"Using worker: {server.WORKER_CLASSES[worker]}" in log.read_text()
