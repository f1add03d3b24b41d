"""POST /api/v1/responses: what a tablet or another system sees, and what is stored."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from survey.models import Channel, Device, Response


def _error(response, field: str) -> dict:
    errors = response.get_json()["errors"]
    matching = [e for e in errors if e["field"] == field]
    assert matching, f"no error on {field!r} in {errors}"
    return matching[0]


def test_tablet_response_is_stored_once_with_its_device_unit_and_round(api, stored):
    body = api.payload(answers={"rating": 2, "problems": ["waiting", "guidance"], "comment": "Phải chờ lâu"},
                       submitted_at="2025-09-15T09:30:12+07:00")
    body["submitted_at"] = (datetime.now(UTC) - timedelta(minutes=3)).isoformat()
    first = api.post(body)
    assert first.status_code == 201
    assert first.get_json() == {"uuid": body["uuid"], "status": "created"}

    again = api.post(body)
    assert again.status_code == 200
    assert again.get_json() == {"uuid": body["uuid"], "status": "duplicate"}

    rows = stored()
    assert len(rows) == 1
    row = rows[0]
    assert str(row.uuid) == body["uuid"]
    assert row.unit_id == api.unit_id and row.round_id == api.round_id
    assert row.device_id == api.device_ids[0] and row.channel == Channel.COUNTER
    assert row.answers == body["answers"]
    assert row.submitted_at.replace(tzinfo=UTC) == datetime.fromisoformat(body["submitted_at"])
    assert row.score_vector()[0] == 2.0


def test_other_system_posts_for_a_unit_on_a_channel(api, stored):
    body = api.payload(device_token=None, unit="00004", channel="phone", answers={"rating": 5})
    response = api.post(body)
    assert response.status_code == 201, response.get_json()
    (row,) = stored()
    assert row.channel == Channel.PHONE and row.device_id is None and row.unit_id == api.unit_id
    np.testing.assert_array_equal(row.score_vector()[:1], [5.0])


def test_version_as_integer_is_accepted(api, stored):
    assert api.post(api.payload(version=1)).status_code == 201
    assert len(stored()) == 1


def test_repeat_with_different_content_is_a_conflict_and_changes_nothing(api, stored):
    body = api.payload(answers={"rating": 5})
    assert api.post(body).status_code == 201
    changed = dict(body, answers={"rating": 1})
    response = api.post(changed, lang="en")
    assert response.status_code == 409
    assert _error(response, "uuid") == {
        "field": "uuid",
        "message": "This UUID was already used for a response with different content.",
        "code": "uuid_conflict",
    }
    (row,) = stored()
    assert row.answers == {"rating": 5}


def test_repeat_is_recognised_even_when_the_round_has_since_closed(api, db_session, stored):
    from survey.models import RoundStatus, SurveyRound
    from survey.web.api.operations import api_state

    body = api.payload()
    assert api.post(body).status_code == 201
    db_session.get(SurveyRound, api.round_id).status = RoundStatus.CLOSED
    db_session.commit()
    api_state().lookups.clear()
    assert api.post(body).get_json() == {"uuid": body["uuid"], "status": "duplicate"}
    fresh = api.post(api.payload(device_token=api.tokens[1]))
    assert fresh.status_code == 409
    assert _error(fresh, "channel")["code"] == "no_open_round"
    assert len(stored()) == 1


def test_answers_are_checked_against_the_questionnaire_field_by_field(api, stored):
    body = api.payload(answers={"rating": 5, "problems": ["waiting"], "colour": "blue"})
    response = api.post(body)
    assert response.status_code == 422
    assert _error(response, "answers.problems") == {
        "field": "answers.problems",
        "message": "Câu hỏi này không áp dụng với câu trả lời của bạn.",
        "code": "not_relevant",
    }
    assert _error(response, "answers.colour")["message"] == "Câu hỏi không có trong phiếu."
    missing = api.post(api.payload(answers={"comment": "ok"}), lang="en")
    assert _error(missing, "answers.rating") == {
        "field": "answers.rating", "message": "Please answer this question.", "code": "required",
    }
    wrong = api.post(api.payload(answers={"rating": 7}), lang="en")
    assert _error(wrong, "answers.rating")["code"] == "unknown_option"
    assert stored() == []


def test_every_field_problem_is_reported_at_once_in_vietnamese_by_default(api, stored):
    response = api.post({"uuid": "not-a-uuid", "version": 1.5, "channel": "fax", "unit": 4, "extra": 1,
                         "answers": {"rating": [1, {"x": 1}]}, "submitted_at": "yesterday"})
    assert response.status_code == 422
    body = response.get_json()
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"extra", "questionnaire", "uuid", "version", "unit", "channel",
                           "submitted_at", "answers.rating"}
    assert fields["questionnaire"]["message"] == "Trường này là bắt buộc."
    assert fields["uuid"]["message"].startswith("Phải là một UUID")
    assert fields["channel"]["message"] == "Kênh không hợp lệ; chọn một trong: counter, online, paper, phone."
    assert fields["extra"]["message"] == "Trường không được hỗ trợ."
    english = api.post({"uuid": "not-a-uuid"}, lang="en-GB,en;q=0.8")
    assert _error(english, "uuid")["message"] == "Must be a UUID, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e."
    assert _error(english, "unit")["message"] == (
        "Either unit (a unit code) or device_token (a tablet's token) is required."
    )
    assert stored() == []


@pytest.mark.parametrize(
    "raw, code",
    [(b"{not json", "invalid_json"), (b"[1, 2]", "not_an_object"), (b"NaN", "invalid_json"),
     (b'{"a": Infinity}', "invalid_json"), (b"[" * 100_000 + b"]" * 100_000, "invalid_json"), (b"", "invalid_json")],
)
def test_malformed_bodies_get_400(api, stored, raw, code):
    response = api.post(raw, lang="en")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["code"] == code
    assert stored() == []


def test_oversized_body_gets_413_with_a_json_message(api, app, stored):
    body = api.payload(answers={"rating": 4, "comment": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    response = api.post(body, lang="en")
    assert response.status_code == 413
    assert response.get_json() == {"errors": [{
        "field": "", "code": "too_large",
        "message": f"The request body is too large (at most {app.config['MAX_CONTENT_LENGTH']} bytes).",
    }]}
    assert stored() == []


def test_unknown_or_deactivated_tablet_is_refused(api, db_session, stored):
    from survey.web.api.operations import api_state

    unknown = api.post(api.payload(device_token="no-such-token"), lang="en")
    assert unknown.status_code == 403
    assert _error(unknown, "device_token")["code"] == "unknown_device"
    db_session.get(Device, api.device_ids[0]).active = False
    db_session.commit()
    api_state().lookups.clear()  # the cache keeps a device for API_LOOKUP_TTL_SECONDS
    assert api.post(api.payload()).status_code == 403
    assert stored() == []


def test_wrong_questionnaire_or_version_says_what_the_round_uses(api, stored):
    response = api.post(api.payload(version="2"), lang="en")
    assert response.status_code == 409
    assert _error(response, "version") == {
        "field": "version", "code": "version_mismatch",
        "message": "This survey round uses questionnaire counter-quick version 1.",
    }
    other = api.post(api.payload(questionnaire="sipas-service"))
    assert _error(other, "questionnaire")["message"] == "Đợt khảo sát này dùng bảng hỏi counter-quick phiên bản 1."
    assert stored() == []


def test_unknown_unit_and_channel_without_round(api, stored):
    unknown = api.post(api.payload(device_token=None, unit="99999", channel="online"), lang="en")
    assert unknown.status_code == 422
    assert _error(unknown, "unit")["message"] == "There is no unit with code 99999."
    paper = api.post(api.payload(device_token=None, unit="00004", channel="paper"), lang="en")
    assert paper.status_code == 409
    assert "has no survey round open on the paper channel" in _error(paper, "channel")["message"]
    tablet_online = api.post(api.payload(channel="online"))
    assert tablet_online.status_code == 422
    assert _error(tablet_online, "channel")["message"] == "Máy tính bảng tại quầy chỉ gửi phiếu kênh counter."
    assert stored() == []


def test_a_response_dated_before_the_round_is_refused(api, stored):
    long_ago = (datetime.now(UTC) - timedelta(days=60)).isoformat()
    response = api.post(api.payload(submitted_at=long_ago))
    assert response.status_code == 409
    assert stored() == []


def test_future_submitted_at_becomes_the_time_received(api, stored):
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    assert api.post(api.payload(submitted_at=future)).status_code == 201
    (row,) = stored()
    assert abs(row.submitted_at.replace(tzinfo=UTC) - row.received_at.replace(tzinfo=UTC)) < timedelta(seconds=1)


def test_device_last_contact_is_recorded(api, db_session):
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert db_session.get(Device, api.device_ids[1]).last_seen_at is None
    assert api.post(api.payload(device_token=api.tokens[1])).status_code == 201
    db_session.expire_all()
    seen = db_session.get(Device, api.device_ids[1]).last_seen_at
    assert seen is not None and seen.replace(tzinfo=UTC) >= before
    assert db_session.get(Device, api.device_ids[2]).last_seen_at is None


def test_a_refused_tablet_is_still_seen(api, db_session, stored):
    response = api.post(api.payload(device_token=api.tokens[2], answers={"rating": "great"}))
    assert response.status_code == 422
    db_session.expire_all()
    assert db_session.get(Device, api.device_ids[2]).last_seen_at is not None
    assert stored() == []


def test_nothing_about_the_sender_is_stored(api, db_session):
    body = api.payload()
    api.client.post("/api/v1/responses", json=body, headers={"User-Agent": "Tablet/1.0 secret-agent"},
                    environ_base={"REMOTE_ADDR": "203.0.113.77"})
    row = db_session.execute(select(Response.__table__).where(Response.uuid == uuid.UUID(body["uuid"]))).one()
    text = json.dumps([str(v) for v in row], ensure_ascii=False)
    assert "203.0.113.77" not in text and "secret-agent" not in text
    assert not {c.name for c in Response.__table__.columns} & {"ip", "address", "user_agent", "remote_addr"}


# --- minimum interval and rate limits ------------------------------------------------


def _at(seconds: float) -> str:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return (base + timedelta(seconds=seconds)).isoformat()


def test_min_interval_applies_to_submitted_at_not_arrival(api, stored):
    # A tablet back online sends its queue in one burst: 6 s apart when answered.
    queue = [api.payload(submitted_at=_at(6 * i)) for i in range(40)]
    assert [api.post(body).status_code for body in queue] == [201] * 40
    # ... and, its acknowledgements lost, sends it again: all repeats, none refused.
    assert {api.post(body).get_json()["status"] for body in queue} == {"duplicate"}
    # A double tap two seconds after an answer is a new response too close: dropped for good.
    double = api.post(api.payload(submitted_at=_at(6 * 5 + 2)), lang="en")
    assert double.status_code == 422
    assert _error(double, "submitted_at") == {
        "field": "submitted_at", "code": "min_interval",
        "message": "Two new responses from the same tablet must be at least 5 seconds apart.",
    }
    # Another tablet at the same moment is fine.
    assert api.post(api.payload(device_token=api.tokens[1], submitted_at=_at(6 * 5 + 2))).status_code == 201
    assert len(stored()) == 41


def test_min_interval_without_submitted_at_asks_to_retry(api, app, stored):
    assert api.post(api.payload()).status_code == 201
    second = api.post(api.payload(), lang="en")
    assert second.status_code == 429
    assert 1 <= int(second.headers["Retry-After"]) <= 5
    assert _error(second, "")["code"] == "min_interval"
    assert "at least 5 seconds apart" in _error(second, "")["message"]
    app.config["KIOSK_MIN_INTERVAL_SECONDS"] = 0
    assert api.post(api.payload()).status_code == 201
    assert len(stored()) == 2


def test_min_interval_does_not_refuse_a_retry_of_an_unacknowledged_response(api, app, db_session, stored):
    """If the commit failed after the interval was claimed, the same UUID must still get in."""
    from survey.web.api.operations import api_state

    body = api.payload(submitted_at=_at(0))
    assert api_state().intervals.claim(api.device_ids[0], datetime.fromisoformat(body["submitted_at"]).timestamp(),
                                       body["uuid"], 5) is None
    assert api.post(body).status_code == 201
    assert len(stored()) == 1


@pytest.fixture
def limited(app):
    """Rate limits on (the shared test config turns them off), small enough to reach."""
    app.config.update(RATELIMIT_ENABLED=True, API_DEVICE_RATE_LIMIT="5/minute",
                      API_ADDRESS_RATE_LIMIT="3/minute", KIOSK_MIN_INTERVAL_SECONDS=0)
    app.extensions.pop("sipas_api", None)
    yield app
    app.extensions.pop("sipas_api", None)


def test_device_rate_limit(api, limited, stored):
    statuses = [api.post(api.payload()).status_code for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    refused = api.post(api.payload(), lang="en")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert _error(refused, "")["message"].startswith("Too many responses from this tablet; please try again in")
    # Another tablet (same address) has its own budget.
    assert api.post(api.payload(device_token=api.tokens[1])).status_code == 201
    assert len(stored()) == 6


def test_address_rate_limit_on_submissions_without_a_tablet(api, limited, stored):
    def post(address: str, body=None):
        return api.client.post("/api/v1/responses", json=body or api.payload(device_token=None, unit="00004", channel="online"),
                               environ_base={"REMOTE_ADDR": address}, headers={"Accept-Language": "en", **api.staff_headers})

    assert [post("198.51.100.1").status_code for _ in range(3)] == [201] * 3
    refused = post("198.51.100.1")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert _error(refused, "")["message"].startswith("Too many requests from this address")
    # Garbage counts against the address too.
    assert api.client.post("/api/v1/responses", data=b"{", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 429
    assert post("198.51.100.2").status_code == 201
    assert len(stored()) == 4


def test_exempt_address_is_not_limited(api, limited, stored):
    limited.config["API_RATELIMIT_EXEMPT_ADDRESSES"] = ["192.0.2.10"]
    limited.extensions.pop("sipas_api", None)
    statuses = {
        api.client.post("/api/v1/responses", json=api.payload(device_token=None, unit="00004", channel="phone"),
                        environ_base={"REMOTE_ADDR": "192.0.2.10"}, headers=api.staff_headers).status_code
        for _ in range(5)
    }
    assert statuses == {201}
    assert len(stored()) == 5


def _public_post(api, forwarded_for: str):
    return api.client.post("/api/v1/responses", json=api.payload(device_token=None, unit="00004", channel="online"),
                           environ_base={"REMOTE_ADDR": "127.0.0.1"},
                           headers={"X-Forwarded-For": forwarded_for, **api.staff_headers})


def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(api, limited, stored):
    from survey import trust_proxies

    limited.config["PROXY_COUNT"] = 1
    trust_proxies(limited)
    assert [_public_post(api, "198.51.100.1").status_code for _ in range(3)] == [201] * 3
    assert _public_post(api, "198.51.100.1").status_code == 429
    assert _public_post(api, "198.51.100.2").status_code == 201  # another citizen behind the same proxy
    assert len(stored()) == 4


def test_forwarded_headers_are_not_trusted_without_a_proxy(api, limited, stored):
    statuses = [_public_post(api, f"198.51.100.{i}").status_code for i in range(1, 5)]
    assert statuses == [201] * 3 + [429]  # all from 127.0.0.1, whatever the header says
    assert len(stored()) == 3


def test_create_app_trusts_the_configured_proxies(tmp_path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from survey import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path), "PROXY_COUNT": 2,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"})
    assert isinstance(app.wsgi_app, ProxyFix) and app.wsgi_app.x_for == 2
