"""The kiosk's server side: its configuration, service worker and plain-form fallback."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import Device, RoundStatus, SurveyRound, hash_token


def _device(db_session, url: str) -> Device:
    return db_session.scalar(select(Device).where(Device.token_hash == hash_token(url.rsplit("/", 1)[1])))


def test_config_carries_the_questionnaire_and_texts_in_both_languages(client, db_session, demo):
    kiosk = demo["kiosks"][2]
    _device(db_session, kiosk).last_seen_at = None
    db_session.commit()
    response = client.get(kiosk + "/config.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    config = response.json
    assert config["open"] is True and config["device"] == {"unit": "Phường Ba Đình", "counter": "Quầy 1"}
    assert config["questionnaire"]["id"] == "counter-quick" and config["questionnaire"]["version"] == "1"
    assert config["main_item"] == "rating"
    assert (config["idle_seconds"], config["countdown_seconds"], config["keep_partial_with_main_rating"]) == (60, 20, True)
    assert config["thanks_seconds"] > config["min_interval_seconds"]
    assert config["api_url"] == "/api/v1/responses" and config["device_token"] == kiosk.rsplit("/", 1)[1]
    problems = config["questionnaire"]["items"][1]
    assert problems["relevant_ast"] == {"op": "<=", "left": {"op": "var", "name": "rating"},
                                        "right": {"op": "const", "value": 3}}
    assert problems["options"][0] == {"code": "waiting", "exclusive": False,
                                      "label": {"vi": "Phải chờ quá lâu", "en": "I waited too long"}}
    assert config["texts"]["vi"]["send"] == "Gửi đánh giá" and config["texts"]["en"]["send"] == "Send rating"
    assert config["texts"]["en"]["countdown"].endswith("in {n} seconds.")
    assert _device(db_session, kiosk).last_seen_at is not None  # the tablet's contact is recorded


def test_service_worker_is_allowed_the_kiosk_scope_and_lists_versioned_assets(client, demo):
    kiosk = demo["kiosks"][0]
    response = client.get(kiosk + "/sw.js")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == kiosk
    assert response.headers["Cache-Control"] == "no-cache"
    assert f'const KIOSK_URL = "{kiosk}";' in body
    assert "/static/kiosk/kiosk.js?v=" in body and "/static/css/kiosk.css?v=" in body
    page = client.get(kiosk).get_data(as_text=True)
    for asset in ("/static/kiosk/kiosk.js?v=", "/static/js/relevant.js?v=", "/static/css/kiosk.css?v="):
        start = page.index(asset)
        assert page[start:page.index('"', start)] in body  # the page loads exactly what the worker keeps


def test_kiosk_page_is_never_cached_and_has_its_plain_form(client, demo):
    page = client.get(demo["kiosks"][1])
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert 'id="kiosk-app"' in html and 'id="kiosk-fallback"' in html
    assert '<form method="post" autocomplete="off"' in html
    assert 'http-equiv="refresh"' not in html  # no timed reload (WCAG 2.2.1); a "start again" link instead
    assert "Làm lại từ đầu" in html
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere


def test_unknown_or_withdrawn_tablets_get_nothing(client, db_session, demo):
    assert client.get("/k/not-a-device/config.json").status_code == 404
    assert client.get("/k/not-a-device/sw.js").status_code == 404
    kiosk = demo["kiosks"][3]
    _device(db_session, kiosk).active = False
    db_session.commit()
    assert client.get(kiosk + "/config.json").status_code == 404
    assert client.get(kiosk).status_code == 404


def test_a_closed_round_shows_the_closed_message(client, db_session, demo):
    counter = db_session.scalar(select(SurveyRound).where(SurveyRound.code.like("counter-%")))
    counter.status = RoundStatus.CLOSED
    db_session.commit()
    kiosk = demo["kiosks"][2]
    config = client.get(kiosk + "/config.json").json
    assert config["open"] is False and "questionnaire" not in config
    page = client.get(kiosk)
    assert page.status_code == 404
    assert "Hiện chưa có đợt đánh giá nào đang mở tại quầy này." in page.get_data(as_text=True)


def test_english_kiosk_page(client, demo):
    html = client.get(demo["kiosks"][2] + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Send rating" in html and "Quick counter rating" in html


def test_the_plain_thank_you_page_waits_for_the_next_person(client, demo):
    """Without JavaScript: a heading, and a button back to the start instead of a timed redirect (WCAG 2.2.1)."""
    kiosk = demo["kiosks"][1]
    html = client.get(kiosk + "/thanks").get_data(as_text=True)
    assert "<h1" in html and "Cảm ơn Ông/Bà đã đánh giá!" in html
    assert 'http-equiv="refresh"' not in html
    assert f'href="{kiosk}?lang=vi">Bắt đầu lượt đánh giá mới</a>' in html


def test_the_plain_kiosk_form_explains_a_refused_rating(client, demo):
    """Without JavaScript: one alert (the summary, focused), the message tied to the faces, the title says so."""
    page = client.post(demo["kiosks"][1], data={"response_uuid": "6a1b2c3d-0000-4000-8000-000000000001"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert html.count('role="alert"') == 1 and "Có 1 câu cần xem lại" in html
    assert '<title>Lỗi:' in html and 'href="#q-rating"' in html
    assert 'aria-describedby="q-rating-error"' in html and 'aria-invalid="true"' in html
