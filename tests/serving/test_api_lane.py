"""The submission lane (survey.serving.lane) answers exactly as the Flask view does, and only plain requests."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from werkzeug.test import EnvironBuilder

from survey.serving.lane import SubmissionLane

COMPARED_HEADERS = ("Content-Type", "Cache-Control", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy", "Retry-After")


@pytest.fixture
def flask_calls(app, monkeypatch):
    """How many requests went through Flask's request dispatch."""
    calls = []
    dispatch = app.full_dispatch_request

    def counting():
        calls.append(1)
        return dispatch()

    monkeypatch.setattr(app, "full_dispatch_request", counting)
    return calls


def _answer(response) -> tuple[int, dict, dict]:
    headers = {name: response.headers.get(name) for name in COMPARED_HEADERS}
    return response.status_code, response.get_json(), headers


def _cases(api) -> list[tuple[str, object, str | None]]:
    """Requests of every kind of answer: (name, body, Accept-Language)."""
    return [
        ("created", api.payload(), None),
        ("invalid answer, English", api.payload(answers={"rating": 7}), "en"),
        ("many problems, Vietnamese", {"uuid": "x", "channel": "fax", "answers": []}, None),
        ("not JSON", b"{not json", "en-GB,en;q=0.8"),
        ("unknown tablet", api.payload(device_token="no-such-token"), "vi"),
        ("wrong version", api.payload(version="9"), "en"),
        ("too large", api.payload(answers={"rating": 4, "comment": "x" * 300_000}), "en"),
        ("no round on the channel", api.payload(device_token=None, unit=api.unit_code, channel="paper"), "fr, en;q=0.5"),
    ]


def _fresh(api, body, tablet: int):
    """The same request with a new UUID, from another tablet (each path stores its own; 5 s apart per tablet)."""
    if isinstance(body, dict) and "uuid" in body and body["uuid"] != "x":
        body = {**body, "uuid": str(uuid.uuid4())}
        if body.get("device_token") == api.tokens[0]:
            body["device_token"] = api.tokens[tablet]
    return body


def test_lane_and_flask_view_give_the_same_answers(api, app, flask_calls, stored):
    for name, body, lang in _cases(api):
        app.config["API_FAST_LANE"] = True
        laned = _answer(api.post(_fresh(api, body, 0), lang=lang))
        assert flask_calls == [], f"{name}: the lane let Flask answer"
        app.config["API_FAST_LANE"] = False
        viewed = _answer(api.post(_fresh(api, body, 1), lang=lang))
        assert flask_calls == [1], f"{name}: the view was not used"
        flask_calls.clear()
        assert laned[0] == viewed[0], name
        if laned[0] >= 400:
            assert laned[1] == viewed[1], name
        else:
            assert laned[1]["status"] == viewed[1]["status"] == "created"
        assert laned[2] == viewed[2], name
        assert laned[2]["Content-Type"] == "application/json"
        assert laned[2]["Cache-Control"] == "no-store"
        assert laned[2]["X-Frame-Options"] == "DENY"
    assert len(stored()) == 2  # one "created" through each path, nothing of the refused ones


def test_repeat_and_conflict_through_the_lane(api, flask_calls, stored):
    body = api.payload()
    assert api.post(body).status_code == 201
    again = api.post(body)
    assert (again.status_code, again.get_json()) == (200, {"uuid": body["uuid"], "status": "duplicate"})
    other = api.post({**body, "answers": {"rating": 1}}, lang="en")
    assert other.status_code == 409
    assert other.get_json()["errors"][0]["code"] == "uuid_conflict"
    assert flask_calls == []
    assert len(stored()) == 1


def test_requests_that_are_not_plain_go_to_flask(api, app, flask_calls, stored):
    client = api.client
    query = client.post("/api/v1/responses?lang=en", json=api.payload(answers={"rating": 9}))
    assert query.status_code == 422
    assert query.get_json()["errors"][0]["message"] == "This choice is not in the list."
    assert len(flask_calls) == 1
    # The session now says English (?lang= is remembered): the cookie's request is Flask's too.
    with_cookie = client.post("/api/v1/responses", json=api.payload(answers={"rating": 9}))
    assert with_cookie.get_json()["errors"][0]["message"] == "This choice is not in the list."
    assert len(flask_calls) == 2
    client.delete_cookie("session")
    body = json.dumps(api.payload()).encode()
    chunked = _environ(app, body, HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": io.BytesIO(body),
                                                                       "wsgi.input_terminated": True})
    del chunked["CONTENT_LENGTH"]  # as gunicorn passes a chunked body: read to its end
    assert _call(app, chunked)[0] == "201 CREATED"
    assert len(flask_calls) == 3
    assert client.get("/api/v1/health").status_code == 200
    assert client.put("/api/v1/responses", json=api.payload()).status_code == 405
    assert len(flask_calls) == 5
    plain = client.post("/api/v1/responses", json=api.payload(answers={"rating": 9}))
    assert plain.get_json()["errors"][0]["message"] == "Lựa chọn không có trong danh sách."
    assert len(flask_calls) == 5
    assert len(stored()) == 1


def _environ(app, body: bytes, **overrides) -> dict:
    environ = EnvironBuilder(path="/api/v1/responses", method="POST", data=body,
                             headers={"Accept-Language": "en"}, content_type="application/json").get_environ()
    environ.update(overrides)
    return environ


def _call(app, environ) -> tuple[str, dict, dict]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app.wsgi_app(environ, start_response))
    assert int(seen["headers"]["Content-Length"]) == len(body)
    return seen["status"], seen["headers"], json.loads(body)


def test_a_body_shorter_than_its_content_length_is_refused(api, app, stored):
    body = json.dumps(api.payload()).encode()
    environ = _environ(app, body, CONTENT_LENGTH=str(len(body) + 10), **{"wsgi.input": io.BytesIO(body)})
    status, _, answer = _call(app, environ)
    assert status == "400 BAD REQUEST"
    assert answer["errors"][0]["code"] == "incomplete_body"
    assert answer["errors"][0]["message"] == "The request body is cut short (fewer bytes than Content-Length)."
    assert stored() == []


def test_status_line_and_retry_after_as_flask_writes_them(api, app, stored):
    app.config["KIOSK_MIN_INTERVAL_SECONDS"] = 5
    first = json.dumps(api.payload()).encode()
    status, headers, _ = _call(app, _environ(app, first))
    assert status == "201 CREATED"
    second = json.dumps(api.payload()).encode()  # no submitted_at, at once: retry later
    status, headers, answer = _call(app, _environ(app, second))
    assert status == "429 TOO MANY REQUESTS"
    assert int(headers["Retry-After"]) >= 1
    assert answer["errors"][0]["code"] == "min_interval"
    assert len(stored()) == 1


def test_an_unexpected_error_is_a_json_500_and_stores_nothing(api, app, monkeypatch, stored, caplog):
    def broken(body, address, authorization):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("survey.serving.lane.submit", broken)
    monkeypatch.setattr(app, "testing", False)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    status, headers, answer = _call(app, _environ(app, json.dumps(api.payload()).encode()))
    assert status == "500 INTERNAL SERVER ERROR"
    assert headers["Content-Type"] == "application/json"
    assert answer == {"errors": [{
        "field": "", "code": "internal_error",
        "message": "Server error; the response was not stored, please send it again later.",
    }]}
    assert "disk on fire" in caplog.text
    assert stored() == []


def test_the_lane_is_in_front_of_the_app(app):
    assert isinstance(app.wsgi_app, SubmissionLane)
    assert app.wsgi_app.path == "/api/v1/responses"
