"""The pages a citizen and a staff member reach from the demo URLs."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from survey.models import Channel, Response


def _count(db_session, **where):
    query = select(func.count()).select_from(Response)
    for key, value in where.items():
        query = query.where(getattr(Response, key) == value)
    return db_session.scalar(query)


def _uuid_in(page: str) -> str:
    return re.search(r'name="response_uuid" type="hidden" value="([0-9a-f-]{36})"', page).group(1)


def test_online_form_is_vietnamese_and_anonymous(client, demo):
    page = client.get("/s/00004")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="vi">' in html and "Phường Ba Đình" in html
    assert "Rất hài lòng" in html and "Giới tính" in html
    assert 'autocomplete="off"' in html


def test_online_form_refuses_missing_required_answers_and_stores_nothing(client, db_session, demo):
    before = _count(db_session)
    page = client.post("/s/00004", data={"response_uuid": str(uuid.uuid4())})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Vui lòng trả lời câu hỏi này." in html
    assert _count(db_session) == before


def _complete_answers(questionnaire) -> dict:
    data = {}
    for item in questionnaire.items:
        if item.type in ("satisfaction", "scale4", "yesno", "single"):
            data[item.code] = str(item.option_codes[-1] if item.type != "satisfaction" else 4)
    return data


def test_online_form_stores_a_response_once(client, db_session, demo):
    from survey.domain.responses import questionnaire_for
    from survey.domain.rounds import current_round
    from survey.domain.units import find_unit

    unit = find_unit(db_session, "00004")
    survey_round = current_round(db_session, unit, Channel.ONLINE)
    questionnaire = questionnaire_for(survey_round.questionnaire_version)
    data = _complete_answers(questionnaire)
    data["response_uuid"] = _uuid_in(client.get("/s/00004").get_data(as_text=True))
    before = _count(db_session, channel=Channel.ONLINE)
    first = client.post("/s/00004", data=data)
    assert first.status_code == 302 and first.headers["Location"].endswith("/s/00004/thanks")
    again = client.post("/s/00004", data=data)  # the back button and "send" again
    assert again.status_code == 302
    assert _count(db_session, channel=Channel.ONLINE) == before + 1
    stored = db_session.scalar(select(Response).where(Response.uuid == uuid.UUID(data["response_uuid"])))
    assert stored.unit_id == unit.id and stored.device_id is None
    assert all(v == 4 for k, v in stored.answers.items() if questionnaire.item(k).type == "satisfaction")
    thanks = client.get(first.headers["Location"])
    assert "Cảm ơn" in thanks.get_data(as_text=True)


def test_honeypot_submission_is_thanked_but_not_stored(client, db_session, demo):
    before = _count(db_session)
    page = client.post("/s/00004", data={"website": "http://spam.example", "gender": "1"})
    assert page.status_code == 302
    assert _count(db_session) == before


def test_unknown_unit_is_404(client, demo):
    assert client.get("/s/99999").status_code == 404


def test_kiosk_rating_is_stored_for_its_device(client, db_session, demo):
    kiosk = demo["kiosks"][2]  # Phường Ba Đình · Quầy 1
    page = client.get(kiosk)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Phường Ba Đình" in html and "Quầy 1" in html
    before = _count(db_session, channel=Channel.COUNTER)
    sent = client.post(kiosk, data={"response_uuid": _uuid_in(html), "rating": "2", "problems": ["waiting", "guidance"]})
    assert sent.status_code == 302
    stored = db_session.scalars(select(Response).order_by(Response.id.desc())).first()
    assert stored.answers == {"rating": 2, "problems": ["waiting", "guidance"]}
    assert stored.device.counter_label == "Quầy 1" and stored.channel == Channel.COUNTER
    assert stored.device.last_seen_at is not None
    assert _count(db_session, channel=Channel.COUNTER) == before + 1


def test_kiosk_with_unknown_token_is_404(client, demo):
    assert client.get("/k/not-a-device").status_code == 404


def test_staff_login_and_scope(client, login_as, demo):
    assert client.get("/staff/").status_code == 302  # to the login page
    wrong = login_as("thongke", "sai-mat-khau")
    assert wrong.status_code == 401 and "không đúng" in wrong.get_data(as_text=True)
    assert login_as("quanly.badinh").status_code == 302
    html = client.get("/staff/").get_data(as_text=True)
    assert "Phường Ba Đình" in html and "SIPAS" in html
    assert client.get("/admin/units").status_code == 403  # managers are not admins


def test_logout_ends_every_session(app, demo, login_as, client):
    login_as("admin")
    other = app.test_client()
    other.post("/staff/login", data={"login": "admin", "password": "sipas-demo"})
    assert other.get("/staff/").status_code == 200
    client.post("/staff/logout")
    assert other.get("/staff/").status_code == 302


def test_admin_sees_provinces_with_their_former_units(client, login_as, demo):
    login_as("admin")
    html = client.get("/admin/units").get_data(as_text=True)
    assert "Tỉnh Tuyên Quang" in html and "Tỉnh Hà Giang (02)" in html


def _broken(app, endpoint: str) -> None:
    """Make a view fail unexpectedly, answered as in production (not propagated to the test)."""

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    app.view_functions[endpoint] = broken
    app.config["PROPAGATE_EXCEPTIONS"] = False


def _logged_request_id(caplog) -> str:
    (record,) = [r for r in caplog.records if r.exc_info and "disk on fire" in str(r.exc_info[1])]
    assert record.request_id in record.getMessage()
    assert "127.0.0.1" not in caplog.text  # the client's address is never logged
    return record.request_id


def test_an_unexpected_error_is_a_page_in_the_users_language_with_a_logged_request_id(app, caplog):
    _broken(app, "home")
    page = app.test_client().get("/")
    html = page.get_data(as_text=True)
    request_id = page.headers["X-Request-Id"]
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert '<html lang="vi">' in html and "Lỗi máy chủ" in html and f"<code>{request_id}</code>" in html
    assert re.fullmatch("[0-9a-f]{32}", request_id)
    assert _logged_request_id(caplog) == request_id

    english = app.test_client()
    page = english.get("/?lang=en")
    assert '<html lang="en">' in page.get_data(as_text=True) and "Server error" in page.get_data(as_text=True)
    assert "Server error" in english.get("/").get_data(as_text=True)  # the session keeps the language
    assert page.headers["X-Request-Id"] != request_id


def test_an_unexpected_api_error_is_the_json_error_shape_with_a_logged_request_id(app, caplog):
    _broken(app, "api.health")
    response = app.test_client().get("/api/v1/health", headers={"Accept-Language": "en"})
    request_id = response.headers["X-Request-Id"]
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "errors": [{"field": "", "code": "internal_error",
                    "message": "Server error; the request was not carried out, please try again later."}],
        "request_id": request_id,
    }
    assert _logged_request_id(caplog) == request_id


def test_every_answer_has_its_own_request_id(client):
    first, second = client.get("/api/v1/health"), client.get("/api/v1/health")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_app_wide_rate_limits_spare_the_api(tmp_path, monkeypatch):
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    from survey import create_app

    # A limiter of its own: the shared one keeps the limits of every app it was bound to.
    limiter = Limiter(key_func=get_remote_address, default_limits=["1/minute"])
    monkeypatch.setattr("survey.extensions.limiter", limiter)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test", "TESTING": True,
                      "RATELIMIT_ENABLED": True})
    client = app.test_client()
    assert [client.get("/").status_code for _ in range(2)] == [302, 429]  # pages: the default limit
    health = [client.get("/api/v1/health") for _ in range(3)]
    assert [r.status_code for r in health] == [200] * 3  # the API has its own limits (survey.web.api.guards)
    assert not any("X-RateLimit-Limit" in r.headers for r in health)
