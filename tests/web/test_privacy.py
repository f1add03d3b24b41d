"""Anonymity: no client address or user agent is stored anywhere, and `sipas serve` logs no requests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import select

USER_AGENT = "SipasPrivacyProbe/7.3 (Kiosk; distinctive-ua-4f1c)"
REMOTE_ADDR = "203.0.113.199"
FORWARDED_FOR = "198.51.100.231"
TRACES = (USER_AGENT, "distinctive-ua-4f1c", REMOTE_ADDR, FORWARDED_FOR)


def _client_environment() -> dict:
    return {
        "environ_base": {"REMOTE_ADDR": REMOTE_ADDR},
        "headers": {"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED_FOR},
    }


def _every_value(session) -> list[tuple[str, str]]:
    """(table.column, text) for every non-null value of every table."""
    from survey.models import Base

    values = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column, value in row.items():
                if value is not None:
                    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
                    values.append((f"{table.name}.{column}", text))
    return values


def test_no_address_or_user_agent_is_stored_after_kiosk_online_and_api_submissions(api, stored, db_session):
    client = api.client
    kiosk = client.post(f"/k/{api.tokens[0]}", data={"rating": "5", "response_uuid": str(uuid.uuid4())},
                        **_client_environment())
    assert kiosk.status_code == 302, kiosk.get_data(as_text=True)
    online = client.post("/s/00004", data={"rating": "2", "problems": ["waiting"], "comment": "Chờ lâu",
                                           "response_uuid": str(uuid.uuid4())}, **_client_environment())
    assert online.status_code == 302, online.get_data(as_text=True)
    submitted = client.post("/api/v1/responses", json=api.payload(device_token=api.tokens[1]), **_client_environment())
    assert submitted.status_code == 201, submitted.get_json()
    rows = stored()
    assert len(rows) == 3 and {r.device_id for r in rows} == {api.device_ids[0], api.device_ids[1], None}
    values = _every_value(db_session)
    assert len(values) > 50  # the scan reads the whole database (units, questionnaire, devices, responses)
    assert any("Chờ lâu" in text for column, text in values if column == "responses.answers")  # ... including the answers just sent
    leaked = [(column, trace) for column, text in values for trace in TRACES if trace in text]
    assert leaked == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sipas(*args: str) -> list[str]:
    return [sys.executable, "-m", "survey.cli", *args]


def test_sipas_serve_writes_no_access_log(tmp_path: Path):
    env = {**os.environ, "SIPAS_INSTANCE_PATH": str(tmp_path), "SIPAS_SECRET_KEY": "privacy-test",
           "SIPAS_DATABASE_URL": f"sqlite:///{tmp_path / 'sipas.db'}"}
    env.pop("SIPAS_TEST_DATABASE_URL", None)
    upgrade = subprocess.run(_sipas("db", "upgrade"), check=False, env=env, capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    port = _free_port()
    server = subprocess.Popen(_sipas("serve", "--port", str(port), "--workers", "1"), env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        answered = []
        for _ in range(200):
            try:
                path = "/api/v1/health?probe=access-log-path-9b2e"
                request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                                 headers={"User-Agent": USER_AGENT, "X-Forwarded-For": FORWARDED_FOR})
                with urllib.request.urlopen(request, timeout=2) as response:
                    answered.append(response.status)
                break
            except OSError:
                assert server.poll() is None, "sipas serve stopped"
                time.sleep(0.1)
        assert answered == [200]
        missing = urllib.request.Request(f"http://127.0.0.1:{port}/no-such-page-7d1a", headers={"User-Agent": USER_AGENT})
        try:
            urllib.request.urlopen(missing, timeout=5)
        except urllib.error.HTTPError as error:
            error.close()
            assert error.code == 404
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert f"127.0.0.1:{port}" in out  # the server's own start-up lines are there ...
    for trace in (*TRACES, "access-log-path-9b2e", "no-such-page-7d1a", "/api/v1/health", '"GET '):
        assert trace not in out and trace not in err, (trace, out, err)  # ... but no request
