"""gunicorn's "Invalid request from ip=..." line: `sipas serve` keeps it, without the client's address."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from survey.serving.log_privacy import HIDDEN, HideClientAddress, hide_addresses

CLIENT = "127.0.0.2"  # the test connects from here: the server listens on 127.0.0.1, which its log names


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _send_from_client(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(CLIENT, 0)) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


def test_sipas_serve_logs_a_malformed_request_without_the_address(tmp_path: Path):
    env = {**os.environ, "SIPAS_INSTANCE_PATH": str(tmp_path), "SIPAS_SECRET_KEY": "log-privacy-test",
           "SIPAS_DATABASE_URL": f"sqlite:///{tmp_path / 'sipas.db'}"}
    env.pop("SIPAS_TEST_DATABASE_URL", None)
    sipas = [sys.executable, "-m", "survey.cli"]
    upgrade = subprocess.run([*sipas, "db", "upgrade"], check=False, env=env, capture_output=True, text=True,
                             timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    port = _free_port()
    server = subprocess.Popen([*sipas, "serve", "--port", str(port), "--workers", "1"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        answers = []
        for _ in range(300):
            try:
                answers.append(_send_from_client(port, b"NOT A REQUEST LINE\r\n\r\n"))
                answers.append(_send_from_client(port, b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"))
                break
            except OSError:
                assert server.poll() is None, "sipas serve stopped"
                time.sleep(0.1)
        assert [a.split(b"\r\n", 1)[0] for a in answers] == [b"HTTP/1.1 400 Bad Request"] * 2
        time.sleep(0.5)  # let the worker write its log line
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert f"Invalid request from ip={HIDDEN}: Invalid HTTP request line" in err, err
    assert err.count(f"ip={HIDDEN}") == 2
    assert CLIENT not in out and CLIENT not in err, err


def test_the_filter_hides_ipv6_and_proxy_addresses_and_leaves_other_lines():
    assert hide_addresses("Invalid request from ip=::1: Invalid HTTP request line: 'x'") == (
        f"Invalid request from ip={HIDDEN}: Invalid HTTP request line: 'x'")
    assert hide_addresses("Invalid request from ip=10.0.0.7: Proxy request from '10.0.0.7' not allowed") == (
        f"Invalid request from ip={HIDDEN}: Proxy request from '{HIDDEN}' not allowed")
    listening = "Listening at: http://127.0.0.1:5000 (42)"
    assert hide_addresses(listening) == listening
    record = logging.LogRecord("gunicorn.error", logging.WARNING, __file__, 1, "Invalid request from ip=%s: %s",
                               ("192.168.1.20", "bad"), None)
    assert HideClientAddress().filter(record) is True
    assert record.getMessage() == f"Invalid request from ip={HIDDEN}: bad"
