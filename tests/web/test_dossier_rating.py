"""Rating a dossier: the signed link /d/<token>, one rating per dossier, the return desk's kiosk, the CLI link."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from survey.cli import main
from survey.domain.dossiers.rating import rating_token
from survey.models import Dossier, DossierAccess, DossierRating, Response, Role, StaffUser
from tests.dossier_fixtures import portal_units

PASSWORD = "mật-khẩu-đủ-dài"
ANSWERS = {"chi_so_2": "2", "chi_so_3": "1", "chi_so_4": "2", "chi_so_6": "1", "chi_so_7": "2", "chi_so_8": "2",
           "truc_tuyen": "2", "muc_do_hai_long": "2"}


@pytest.fixture
def dossier(db_session, make_unit):
    """A dossier of the commune, handled a day before its due day and returned."""
    units = portal_units(db_session, make_unit)
    row = Dossier(source="Một cửa H26", code="H26.189-261103-0001", unit_id=units["commune"].id,
                  portal_unit_code="H26.189", channel=1,
                  received_at=datetime(2026, 11, 3, 1, 0, tzinfo=UTC), due_at=datetime(2026, 11, 6, 10, 0, tzinfo=UTC),
                  handled_at=datetime(2026, 11, 5, 9, 0, tzinfo=UTC), returned_at=datetime(2026, 11, 5, 9, 30,
                                                                                          tzinfo=UTC), returned=True)
    db_session.add(row)
    db_session.commit()
    return row


@pytest.fixture
def link(app, dossier):
    return f"/d/{rating_token(app.config['SECRET_KEY'], dossier)}"


def ratings(session):
    session.expire_all()
    return session.scalars(select(DossierRating)).all()


def test_the_link_shows_the_form_and_stores_one_rating_apart_from_responses(client, db_session, dossier, link):
    page = client.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "H26.189-261103-0001" in html and "Thái độ của công chức tiếp nhận, giải quyết hồ sơ" in html
    assert 'name="chi_so_1"' not in html and 'name="chi_so_5"' not in html  # computed, not asked
    answer = client.post(link, data=ANSWERS)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"{link}/thanks")
    assert "đã được ghi nhận" in client.get(answer.headers["Location"]).get_data(as_text=True)
    [rating] = ratings(db_session)
    assert rating.dossier_id == dossier.id and rating.channel == "link" and rating.level == "very_satisfied"
    # 1: handled the day before the due day (2); 5: returned through the one-stop desk (2); 9: not online
    assert rating.index_scores == {"1": 2, "2": 2, "3": 1, "4": 2, "5": 2, "6": 1, "7": 2, "8": 2, "9": None}
    assert db_session.scalar(select(func.count()).select_from(Response)) == 0


@pytest.mark.parametrize(("level_code", "level"), [("1", "satisfied"), ("0", "not_satisfied")])
def test_the_level_comes_from_the_overall_answer_and_an_unknown_leaves_the_index_blank(
        client, db_session, link, level_code, level):
    answers = {**ANSWERS, "muc_do_hai_long": level_code, "chi_so_2": "9", "truc_tuyen": "1", "chi_so_9": "0"}
    assert client.post(link, data=answers).status_code == 302
    [rating] = ratings(db_session)
    assert rating.level == level
    assert (rating.index_scores["2"], rating.index_scores["9"]) == (None, 0)


def test_missing_answers_are_named_and_nothing_is_stored(client, db_session, link):
    answer = client.post(link, data={k: v for k, v in ANSWERS.items() if k not in ("chi_so_3", "muc_do_hai_long")})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Có 2 câu cần xem lại" in html
    assert 'href="#q-chi_so_3"' in html and 'href="#q-muc_do_hai_long"' in html
    assert ratings(db_session) == []


@pytest.mark.parametrize("token", ["abc", "WzEsMTc2NDcyMDAwMF0.AAAAAAAAAAAAAAAAAAAAAAAAAAA", "x" * 300])
def test_a_link_that_is_not_ours_is_refused_with_a_message(client, db_session, link, token):
    tampered = client.get(f"/d/{token}")
    assert tampered.status_code == 404
    assert "Đường dẫn đánh giá không đúng" in tampered.get_data(as_text=True)
    assert client.post(f"/d/{token}", data=ANSWERS).status_code == 404
    assert ratings(db_session) == []


def test_a_link_of_another_secret_or_too_old_is_refused(app, client, db_session, dossier):
    assert client.get(f"/d/{rating_token('another-secret', dossier)}").status_code == 404
    old = rating_token(app.config["SECRET_KEY"], dossier, now=datetime.now(UTC) - timedelta(days=91))
    expired = client.get(f"/d/{old}")
    assert expired.status_code == 410 and "đã hết hạn" in expired.get_data(as_text=True)
    assert client.post(f"/d/{old}", data=ANSWERS).status_code == 410
    fresh = rating_token(app.config["SECRET_KEY"], dossier, now=datetime.now(UTC) - timedelta(days=89))
    assert client.get(f"/d/{fresh}").status_code == 200
    assert ratings(db_session) == []


def test_a_changed_mind_within_a_day_replaces_the_rating_and_later_is_refused(client, db_session, link):
    client.post(link, data=ANSWERS)
    [first] = ratings(db_session)
    first_time = first.rated_at
    assert "đã được đánh giá lúc" in client.get(link).get_data(as_text=True)
    again = client.post(link, data={**ANSWERS, "chi_so_7": "0", "muc_do_hai_long": "0"})
    assert again.headers["Location"].endswith("/thanks?changed=1")
    assert "đã thay thế" in client.get(again.headers["Location"]).get_data(as_text=True)
    [rating] = ratings(db_session)
    assert (rating.level, rating.index_scores["7"], rating.rated_at) == ("not_satisfied", 0, first_time)

    rating.rated_at = datetime.now(UTC) - timedelta(hours=25)
    db_session.commit()
    closed = client.get(link)
    assert closed.status_code == 200 and "nay đã quá thời hạn đó" in closed.get_data(as_text=True)
    assert 'name="chi_so_7"' not in closed.get_data(as_text=True)
    refused = client.post(link, data=ANSWERS)
    assert refused.status_code == 409 and "Mỗi hồ sơ chỉ được đánh giá một lần" in refused.get_data(as_text=True)
    [kept] = ratings(db_session)
    assert kept.level == "not_satisfied"


def test_the_slip_has_the_qr_code_of_the_link(client, link):
    slip = client.get(f"{link}/slip")
    html = slip.get_data(as_text=True)
    assert slip.status_code == 200 and "H26.189-261103-0001" in html and f"http://localhost{link}" in html
    image = client.get(f"{link}/qr.png")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/d/abc/qr.png").status_code == 404


@pytest.fixture
def officer(db_session, dossier):
    """A manager of the dossier's province, logged in."""
    user = StaffUser(login="motcua", display_name="Một cửa", role=Role.MANAGER, unit_id=dossier.unit.parent_id)
    user.set_password(PASSWORD)
    db_session.add(user)
    db_session.commit()
    return user


def test_the_kiosk_starts_a_rating_for_the_code_the_officer_enters_and_returns(client, db_session, dossier, officer):
    assert client.get("/dossiers/kiosk").status_code == 302  # to the login page
    client.post("/staff/login", data={"login": "motcua", "password": PASSWORD})
    unknown = client.post("/dossiers/kiosk", data={"code": "H26.189-000000-0000"})
    assert unknown.status_code == 404 and "Không tìm thấy hồ sơ H26.189-000000-0000" in unknown.get_data(as_text=True)
    assert client.post("/dossiers/kiosk", data={"code": " "}).status_code == 400
    start = client.post("/dossiers/kiosk", data={"code": dossier.code})
    assert start.status_code == 302 and "/dossiers/kiosk/" in start.headers["Location"]
    assert client.get(start.headers["Location"]).status_code == 200
    done = client.post(start.headers["Location"], data=ANSWERS)
    assert done.status_code == 302 and done.headers["Location"].endswith("/dossiers/kiosk")
    assert "Cảm ơn Ông/Bà đã đánh giá hồ sơ" in client.get("/dossiers/kiosk").get_data(as_text=True)
    [rating] = ratings(db_session)
    assert rating.channel == "kiosk"
    access = db_session.scalars(select(DossierAccess)).all()
    assert [(a.actor, a.action, a.dossier_code) for a in access] == [("motcua", "rating_kiosk", dossier.code)]


def test_the_kiosk_does_not_open_a_dossier_outside_the_officers_units(client, db_session, dossier, make_unit):
    other = make_unit("99", "Tỉnh Xa")
    user = StaffUser(login="xa", display_name="Xa", role=Role.MANAGER, unit_id=other.id)
    user.set_password(PASSWORD)
    db_session.add(user)
    db_session.commit()
    client.post("/staff/login", data={"login": "xa", "password": PASSWORD})
    assert client.post("/dossiers/kiosk", data={"code": dossier.code}).status_code == 404


def test_the_cli_prints_the_link_and_sends_it_by_sms_to_the_outbox(app, db_session, dossier, tmp_path):
    def invoke(*args):
        return CliRunner().invoke(main, ["dossiers", "rating-link", *args], obj=app)

    outbox = tmp_path / "sms.jsonl"
    app.config.update(DOSSIER_SMS_SENDER="file", DOSSIER_SMS_OUTBOX=str(outbox))
    result = invoke(dossier.code, "--base-url", "https://sipas.example.vn", "--sms", "0912 345 678")
    assert result.exit_code == 0, result.output
    url = result.output.splitlines()[0]
    assert url.startswith("https://sipas.example.vn/d/") and f"{url}/slip" in result.output
    [message] = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert message["to"] == "0912345678" and url in message["text"] and dossier.code in message["text"]
    token = url.rsplit("/", 1)[1]
    assert app.test_client().get(f"/d/{token}").status_code == 200
    bad_phone = invoke(dossier.code, "--base-url", "https://x.vn", "--sms", "12345")
    assert bad_phone.exit_code == 1 and "không phải là số điện thoại di động" in bad_phone.output
    missing = invoke("KHONG-CO", "--base-url", "https://x.vn")
    assert missing.exit_code == 1 and "Không có hồ sơ mã KHONG-CO" in missing.output


def test_two_first_ratings_at_the_same_moment_leave_one_row_and_no_error(client, db_session, dossier, link,
                                                                         monkeypatch):
    """The other request stores its rating between this one's check and its insert: this one replaces it."""
    import survey.domain.dossiers.rating as rating_module

    db_session.add(DossierRating(dossier_id=dossier.id, index_scores={"7": 2}, level="very_satisfied",
                                 channel="kiosk", rated_at=datetime.now(UTC)))
    db_session.commit()
    looked = []
    real = rating_module.existing_rating

    def not_yet_seen(session, row):  # the first look misses the other request's row, as in a race
        looked.append(row.id)
        return None if len(looked) == 1 else real(session, row)

    monkeypatch.setattr(rating_module, "existing_rating", not_yet_seen)
    monkeypatch.setattr("survey.web.dossiers.rating.existing_rating", lambda session, row: None)
    answer = client.post(link, data={**ANSWERS, "muc_do_hai_long": "0"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    [rating] = ratings(db_session)
    assert (rating.level, rating.channel) == ("not_satisfied", "link")
