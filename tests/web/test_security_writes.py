"""Every write path needs its credential and passes the same guards.

A submission with a unit code (paper, phone, online through another system)
needs the personal API token of a statistician or administrator whose scope
covers the unit; a counter tablet sends its device token, and its plain
(no-JavaScript) kiosk form obeys the same per-tablet rate limit and minimum
interval as the API.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import event, select

from survey import CONTENT_SECURITY_POLICY, PROJECT_ROOT
from survey.domain.units import find_unit
from survey.extensions import db
from survey.models import ApiToken, Channel, hash_token, utcnow
from survey.web.api.operations import api_state
from tests.submission_fixtures import statistician_token

UNIT_CHANNELS = ("online", "phone", "paper")


def _unit_body(api, channel: str = "phone") -> dict:
    return api.payload(device_token=None, unit=api.unit_code, channel=channel)


def _errors(response) -> list[dict]:
    return response.get_json()["errors"]


@pytest.mark.parametrize("lane", [True, False], ids=["lane", "flask"])
def test_a_unit_submission_without_a_credential_stores_nothing(api, app, stored, lane):
    app.config["API_FAST_LANE"] = lane
    for channel in UNIT_CHANNELS:
        refused = api.post(_unit_body(api, channel), staff=False, lang="en")
        assert refused.status_code == 401, (channel, refused.get_json())
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="sipas"'
        assert refused.headers["Content-Type"] == "application/json"
        assert _errors(refused) == [{
            "field": "", "code": "unauthorized",
            "message": "A response sent with a unit code needs a staff member's API token "
                       "(Authorization: Bearer …); counter tablets send their device_token.",
        }]
    vietnamese = api.post(_unit_body(api), staff=False)
    assert _errors(vietnamese)[0]["message"].startswith("Phiếu gửi theo mã đơn vị cần mã truy cập API của cán bộ")
    forged = api.post(_unit_body(api), staff=False, headers={"Authorization": "Bearer sipas_not-a-real-token"})
    assert forged.status_code == 401
    assert stored() == []


def test_a_statisticians_token_stores_for_a_unit_in_scope(api, stored):
    for channel in ("online", "phone"):
        assert api.post(_unit_body(api, channel)).status_code == 201
    rows = stored()
    assert [(r.channel, r.unit_id, r.device_id) for r in rows] == [
        (Channel.ONLINE, api.unit_id, None), (Channel.PHONE, api.unit_id, None)]


@pytest.mark.parametrize("lane", [True, False], ids=["lane", "flask"])
def test_a_token_without_the_role_or_the_unit_is_forbidden(api, app, db_session, stored, lane):
    app.config["API_FAST_LANE"] = lane
    manager = statistician_token(db_session, find_unit(db_session, "00004"), login="quanly-api", role="manager")
    elsewhere = statistician_token(db_session, find_unit(db_session, "79"), login="thongke-hcm")
    db_session.commit()
    by_manager = api.post(_unit_body(api), staff=False, lang="en", headers={"Authorization": f"Bearer {manager}"})
    assert by_manager.status_code == 403
    assert _errors(by_manager) == [{"field": "", "code": "forbidden",
                                    "message": "Only statisticians and administrators may send responses by unit code."}]
    out_of_scope = api.post(_unit_body(api), staff=False, lang="en",
                            headers={"Authorization": f"Bearer {elsewhere}"})
    assert out_of_scope.status_code == 403
    assert _errors(out_of_scope) == [{"field": "unit", "code": "forbidden",
                                      "message": "Unit 00004 is outside the scope of the sending account."}]
    assert stored() == []


def test_counter_responses_come_only_from_a_tablet(api, stored):
    refused = api.post(_unit_body(api, "counter"), lang="en")
    assert refused.status_code == 422
    assert _errors(refused)[0]["field"] == "channel" and _errors(refused)[0]["code"] == "invalid_choice"
    assert stored() == []


def test_a_revoked_token_is_refused_once_the_cache_expires(api, db_session, stored):
    assert api.post(_unit_body(api)).status_code == 201
    token = db_session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(api.staff_token)))
    token.revoked_at = utcnow()
    db_session.commit()
    api_state().lookups.clear()  # what API_LOOKUP_TTL_SECONDS does on its own
    assert api.post(_unit_body(api)).status_code == 401
    assert len(stored()) == 1


def test_the_credential_is_a_cached_lookup(api, app, stored):
    """Like the device, the token's owner is read once per cache period, not once per submission."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            assert api.post(_unit_body(api)).status_code == 201
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert sum("api_tokens" in s for s in statements) == 1
    assert len(stored()) == 5


# --- the kiosk's plain form ------------------------------------------------------------


def _kiosk_post(api, tablet: int = 0, lang: str | None = None):
    url = f"/k/{api.tokens[tablet]}" + (f"?lang={lang}" if lang else "")
    return api.client.post(url, data={"rating": "5", "response_uuid": str(uuid.uuid4())})


def test_the_kiosk_form_keeps_the_minimum_interval(api, app, stored):
    app.config["KIOSK_MIN_INTERVAL_SECONDS"] = 5
    assert _kiosk_post(api).status_code == 302
    refused = _kiosk_post(api)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 5 and refused.headers["Cache-Control"] == "no-store"
    page = refused.get_data(as_text=True)
    assert "Quá nhiều yêu cầu" in page
    assert "Hai phiếu mới từ cùng một máy tính bảng phải cách nhau ít nhất 5 giây" in page
    assert f'href="/k/{api.tokens[0]}"' in page  # back to the start
    english = _kiosk_post(api, lang="en").get_data(as_text=True)
    assert "Too many requests" in english and "at least 5 seconds apart" in english
    # Another tablet is not held up; the API sees the same interval for the first one.
    assert _kiosk_post(api, tablet=1).status_code == 302
    assert api.post(api.payload()).status_code == 429
    assert len(stored()) == 2


def test_the_kiosk_form_and_the_api_share_the_tablets_rate_limit(api, app, stored):
    app.config.update(RATELIMIT_ENABLED=True, API_DEVICE_RATE_LIMIT="3/minute", KIOSK_MIN_INTERVAL_SECONDS=0)
    app.extensions.pop("sipas_api", None)
    try:
        assert [_kiosk_post(api).status_code for _ in range(2)] == [302, 302]
        assert api.post(api.payload()).status_code == 201
        refused = _kiosk_post(api)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "Quá nhiều phiếu từ máy tính bảng này" in refused.get_data(as_text=True)
        assert api.post(api.payload()).status_code == 429
        assert _kiosk_post(api, tablet=1).status_code == 302
    finally:
        app.extensions.pop("sipas_api", None)
    assert len(stored()) == 4


def test_a_corrected_kiosk_form_is_not_refused_as_a_second_response(api, app, stored):
    app.config["KIOSK_MIN_INTERVAL_SECONDS"] = 5
    key = str(uuid.uuid4())
    url = f"/k/{api.tokens[0]}"
    wrong = api.client.post(url, data={"response_uuid": key})
    assert wrong.status_code == 400 and key in wrong.get_data(as_text=True)
    assert api.client.post(url, data={"rating": "5", "response_uuid": key}).status_code == 302
    assert len(stored()) == 1


# --- Content-Security-Policy ----------------------------------------------------------------

TEMPLATES = PROJECT_ROOT / "templates"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


def test_every_answer_carries_the_content_security_policy(api, app, client):
    app.config["API_FAST_LANE"] = True
    answers = [
        client.get("/staff/login"),
        client.get("/khong-co"),
        client.get(f"/k/{api.tokens[0]}"),
        client.get("/api/v1/health"),
        api.post(api.payload()),  # answered by the submission lane, without Flask
    ]
    policies = {answer.headers.get("Content-Security-Policy") for answer in answers}
    assert policies == {CONTENT_SECURITY_POLICY}
    for directive in ("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_no_page_template_has_inline_scripts_styles_or_handlers():
    """The policy allows none; templates/reports/ is a downloaded file, opened without it."""
    found = {
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        if path.parent.name != "reports"
        for match in INLINE.finditer(path.read_text(encoding="utf-8"))
    }
    assert found == set()
