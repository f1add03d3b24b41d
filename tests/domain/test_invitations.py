"""Personal invitations: the CLI that issues them, answering once, privacy, concurrency, rates, limits."""

from __future__ import annotations

import csv
import io
import re
import shutil
import threading
import uuid
from datetime import UTC, date, time, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from survey.cli import main
from survey.domain.invitations import (
    InvitationAlreadyUsed,
    find_invitation,
    issue_invitations,
    local_today,
    mark_used,
)
from survey.domain.responses import coarse_timestamp
from survey.domain.units import find_unit
from survey.models import Channel, Invitation, Response, RoundStatus, SurveyRound, hash_token

VN = timezone(timedelta(hours=7))


def invoke(app, *args):
    return CliRunner().invoke(main, list(args), obj=app, catch_exceptions=False)


def _count(db_session, model, *where) -> int:
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)
    return db_session.scalar(query)


def _round(db_session, code=None) -> SurveyRound:
    code = code or f"sipas-{date.today().year}"
    return db_session.scalar(select(SurveyRound).where(SurveyRound.code == code))


def _issue(db_session, count=1, unit_code="00004"):
    tokens = issue_invitations(db_session, _round(db_session), find_unit(db_session, unit_code), count)
    db_session.commit()
    return tokens


def _complete_answers(db_session) -> dict:
    from survey.domain.responses import questionnaire_for

    questionnaire = questionnaire_for(_round(db_session).questionnaire_version)
    data = {}
    for item in questionnaire.items:
        if item.type in ("satisfaction", "scale4", "yesno", "single"):
            data[item.code] = str(item.option_codes[-1] if item.type != "satisfaction" else 4)
    return data


@pytest.fixture
def out_dir(tmp_path):
    """A folder for the command's files only (tmp_path also holds the test database)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


# --- sipas invitations generate ----------------------------------------------------


def test_generate_writes_csv_and_letters_and_stores_only_hashes(app, db_session, demo, out_dir):
    out, letters = out_dir / "thu-moi.csv", out_dir / "thu-moi.pdf"
    year = date.today().year
    result = invoke(app, "invitations", "generate", "--round", f"sipas-{year}", "--unit", "00004",
                    "--count", "5", "--out", str(out), "--letters", str(letters),
                    "--base-url", "https://sipas.example.gov.vn/")
    assert result.exit_code == 0, result.output
    assert "Đã tạo 5 thư mời cho Phường Ba Đình" in result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel's mail merge
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["number", "url"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4", "5"]
    tokens = []
    for _number, url in rows[1:]:
        match = re.fullmatch(r"https://sipas\.example\.gov\.vn/i/([A-Za-z0-9_-]{22})", url)
        assert match, url
        tokens.append(match.group(1))
    assert len(set(tokens)) == 5
    stored = db_session.scalars(select(Invitation)).all()
    assert sorted(i.token_hash for i in stored) == sorted(hash_token(t) for t in tokens)
    assert not any(i.used for i in stored)
    assert {i.unit.code for i in stored} == {"00004"} and {i.round.code for i in stored} == {f"sipas-{year}"}
    assert not any(t in i.token_hash for t in tokens for i in stored)  # the token itself is never stored
    pdf = letters.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 5
    assert sorted(p.name for p in out_dir.iterdir()) == ["thu-moi.csv", "thu-moi.pdf"]  # no .part left


def test_generate_takes_the_base_url_from_config(app, db_session, demo, out_dir):
    app.config["PUBLIC_BASE_URL"] = "https://khaosat.hanoi.gov.vn"
    out = out_dir / "a.csv"
    result = invoke(app, "invitations", "generate", "--round", f"sipas-{date.today().year}",
                    "--unit", "00004", "--count", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "https://khaosat.hanoi.gov.vn/i/" in out.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--round", "khong-co"], "Không có đợt khảo sát mã khong-co."),
        (["--unit", "99999"], "Không có đơn vị mã 99999 đang hoạt động."),
        (["--round", "counter-{year}"], "không nhận phiếu trực tuyến (kênh: counter)"),
        (["--round", "sipas-2024"], "Đợt sipas-2024 không nhận phiếu trực tuyến (kênh: paper)."),
        (["--count", "10001"], "Số thư mời phải từ 1 đến 10000."),
        (["--base-url", "sipas.example.gov.vn"], "phải bắt đầu bằng https://"),
    ],
)
def test_generate_refuses_with_a_reason_and_stores_nothing(app, db_session, demo, out_dir, args, message):
    year = date.today().year
    options = {"--round": f"sipas-{year}", "--unit": "00004", "--count": "3",
               "--out": str(out_dir / "a.csv"), "--base-url": "https://sipas.example.gov.vn"}
    for key, value in zip(args[::2], args[1::2]):
        options[key] = value.format(year=year)
    result = CliRunner().invoke(main, ["invitations", "generate", *(x for kv in options.items() for x in kv)], obj=app)
    assert result.exit_code in (1, 2), result.output
    assert message in result.output
    assert _count(db_session, Invitation) == 0
    assert list(out_dir.iterdir()) == []


def test_generate_for_a_closed_round_is_refused(app, db_session, demo, out_dir):
    survey_round = _round(db_session)
    survey_round.status = RoundStatus.CLOSED
    db_session.commit()
    result = CliRunner().invoke(main, ["invitations", "generate", "--round", survey_round.code, "--unit", "00004",
                                       "--count", "2", "--out", str(out_dir / "a.csv"),
                                       "--base-url", "https://x.vn"], obj=app)
    assert result.exit_code == 1
    assert f"Đợt {survey_round.code} đã kết thúc (31/12/{date.today().year})." in result.output
    assert _count(db_session, Invitation) == 0 and list(out_dir.iterdir()) == []


def test_generate_outside_the_round_scope_is_refused(app, db_session, demo, out_dir):
    counter = _round(db_session, f"counter-{date.today().year}")
    counter.channels = ["counter", "online"]  # in scope: Hà Nội, Tuyên Quang, Đà Nẵng only
    db_session.commit()
    result = CliRunner().invoke(main, ["invitations", "generate", "--round", counter.code, "--unit", "79",
                                       "--count", "2", "--out", str(out_dir / "a.csv"),
                                       "--base-url", "https://x.vn"], obj=app)
    assert result.exit_code == 1
    assert "Đơn vị 79 (Thành phố Hồ Chí Minh) không thuộc phạm vi đợt" in result.output
    assert _count(db_session, Invitation) == 0


def test_generate_is_all_or_nothing_when_the_letters_fail(app, db_session, demo, out_dir, monkeypatch):
    import survey.domain.posters

    out, letters = out_dir / "a.csv", out_dir / "a.pdf"
    out.write_text("the previous run's file\n", encoding="utf-8")
    real = survey.domain.posters.render_letter
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(survey.domain.posters, "render_letter", failing)
    result = CliRunner().invoke(main, ["invitations", "generate", "--round", f"sipas-{date.today().year}",
                                       "--unit", "00004", "--count", "5", "--out", str(out),
                                       "--letters", str(letters), "--base-url", "https://x.vn"], obj=app)
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert _count(db_session, Invitation) == 0
    assert out.read_text(encoding="utf-8") == "the previous run's file\n"  # untouched
    assert sorted(p.name for p in out_dir.iterdir()) == ["a.csv"]  # no half-written letters


def test_generate_into_a_missing_folder_stores_nothing(app, db_session, demo, out_dir):
    result = CliRunner().invoke(main, ["invitations", "generate", "--round", f"sipas-{date.today().year}",
                                       "--unit", "00004", "--count", "2", "--out", str(out_dir / "a.csv"),
                                       "--letters", str(out_dir / "missing" / "a.pdf"),
                                       "--base-url", "https://x.vn"], obj=app)
    assert result.exit_code == 1
    assert _count(db_session, Invitation) == 0
    assert list(out_dir.iterdir()) == []


def test_status_prints_sent_and_used_per_unit(app, db_session, demo):
    tokens = _issue(db_session, 4)
    _issue(db_session, 2, unit_code="00070")
    mark_used(db_session, find_invitation(db_session, tokens[0]).id)
    db_session.commit()
    result = invoke(app, "invitations", "status", "--round", f"sipas-{date.today().year}")
    assert result.exit_code == 0
    assert "00004\tPhường Ba Đình\t1/4\t25.0 %" in result.output
    assert "00070\tPhường Hoàn Kiếm\t0/2\t0.0 %" in result.output


# --- /i/<token> ------------------------------------------------------------------------


def test_invitation_opens_the_round_form_privately(client, db_session, demo):
    token = _issue(db_session)[0]
    page = client.get(f"/i/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="vi">' in html and "Phường Ba Đình" in html and "Rất hài lòng" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_invitation_answers_once_then_says_it_was_used(client, db_session, demo):
    token = _issue(db_session)[0]
    data = _complete_answers(db_session)
    before = _count(db_session, Response, Response.channel == Channel.ONLINE)
    first = client.post(f"/i/{token}", data=data)
    assert first.status_code == 302 and first.headers["Location"].endswith("/s/00004/thanks")
    assert _count(db_session, Response, Response.channel == Channel.ONLINE) == before + 1
    invitation = find_invitation(db_session, token)
    assert invitation.used is True

    again = client.post(f"/i/{token}", data=data)
    assert again.status_code == 410
    text = _text(again)
    assert "Thư mời đã được sử dụng" in text and "Mỗi thư mời chỉ dùng được một lần." in text
    assert 'name="response_uuid"' not in text  # no form
    assert _count(db_session, Response, Response.channel == Channel.ONLINE) == before + 1
    opened = client.get(f"/i/{token}")
    assert opened.status_code == 410 and "Thư mời đã được sử dụng" in _text(opened)
    english = client.get(f"/i/{token}?lang=en")
    assert english.status_code == 410 and "This invitation has already been used" in _text(english)


def test_invalid_answers_keep_the_invitation_unused(client, db_session, demo):
    token = _issue(db_session)[0]
    before = _count(db_session, Response)
    page = client.post(f"/i/{token}", data={"response_uuid": str(uuid.uuid4())})
    assert page.status_code == 400 and "Vui lòng trả lời câu hỏi này." in _text(page)
    assert _count(db_session, Response) == before
    assert find_invitation(db_session, token).used is False


def test_honeypot_on_an_invitation_stores_nothing_and_keeps_it(client, db_session, demo):
    token = _issue(db_session)[0]
    before = _count(db_session, Response)
    data = _complete_answers(db_session) | {"website": "http://spam.example"}
    page = client.post(f"/i/{token}", data=data)
    assert page.status_code == 302
    assert _count(db_session, Response) == before
    assert find_invitation(db_session, token).used is False


def test_unknown_token_and_closed_round(client, db_session, demo):
    page = client.get("/i/AAAAAAAAAAAAAAAAAAAAAA")
    assert page.status_code == 404 and "Không tìm thấy thư mời" in _text(page)
    assert client.get("/i/" + "x" * 200).status_code == 404
    token = _issue(db_session)[0]
    _round(db_session).status = RoundStatus.CLOSED
    db_session.commit()
    closed = client.post(f"/i/{token}", data=_complete_answers(db_session))
    assert closed.status_code == 404 and "hiện không nhận phiếu trả lời" in _text(closed)
    assert find_invitation(db_session, token).used is False


# --- privacy: nothing joins an invitation to its response -------------------------------


def test_no_column_joins_an_invitation_to_its_response(app, client, db_session, demo):
    engine_inspector = inspect(db_session.get_bind())
    for table, other in (("invitations", "responses"), ("responses", "invitations")):
        assert all(fk["referred_table"] != other for fk in engine_inspector.get_foreign_keys(table))
    invitation_columns = {c["name"] for c in engine_inspector.get_columns("invitations")}
    # Nothing about the moment of use, not even its day, nothing about the response.
    assert invitation_columns == {"id", "round_id", "unit_id", "token_hash", "created_at", "used"}

    first, second = _issue(db_session, 2)
    created = {i.id: i.created_at for i in db_session.scalars(select(Invitation))}
    since = db_session.scalar(select(func.max(Response.id)))
    page = client.get(f"/i/{second}")
    form_uuid = re.search(r'name="response_uuid" type="hidden" value="([0-9a-f-]{36})"',
                          page.get_data(as_text=True)).group(1)
    data = _complete_answers(db_session)
    assert client.post(f"/i/{second}", data=data | {"response_uuid": form_uuid}).status_code == 302
    assert client.post(f"/i/{first}", data=data | {"gender": "1"}).status_code == 302
    db_session.expire_all()

    responses = db_session.scalars(select(Response).where(Response.id > since).order_by(Response.id)).all()
    invitations = db_session.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert len(responses) == 2 and len(invitations) == 2
    noon = coarse_timestamp(local_today())
    for response in responses:
        stamps = {response.submitted_at, response.received_at}
        # Coarsened to noon in Vietnam of the day of use (SQLite hands back naive UTC).
        assert {s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps} == {noon}
        assert str(response.uuid) != form_uuid  # the page's UUID (seen with the token) is not used
        assert response.device_id is None and response.channel == Channel.ONLINE
    # The two uses left identical traces: whatever column one joins on, both invitations
    # match both responses, so neither response can be told to come from either token.
    traces = {(i.round_id, i.unit_id, i.used) for i in invitations}
    assert len(traces) == 1
    kept = {(r.round_id, r.unit_id, r.channel, r.device_id, r.submitted_at, r.received_at,
             r.questionnaire_version_id) for r in responses}
    assert len(kept) == 1
    assert {i.id: i.created_at for i in invitations} == created  # untouched by the use


def test_coarse_timestamp_keeps_the_day_in_utc_and_local_time():
    day = date(2026, 3, 1)
    stamp = coarse_timestamp(day)
    assert stamp.astimezone(UTC).date() == day and stamp.astimezone(VN).date() == day
    assert stamp.astimezone(VN).time() == time(12)


# --- concurrency -------------------------------------------------------------------------


def test_two_simultaneous_uses_of_one_token_cannot_both_succeed(app, db_session, demo):
    from survey.domain.invitations import invitation_response
    from survey.domain.responses import questionnaire_for, store_responses
    from survey.extensions import db

    token = _issue(db_session)[0]
    questionnaire = questionnaire_for(_round(db_session).questionnaire_version)
    answers = questionnaire.relevant_answers(
        {item.code: (4 if item.type == "satisfaction" else item.option_codes[-1])
         for item in questionnaire.items if item.type in ("satisfaction", "scale4", "yesno", "single")}
    )
    before = _count(db_session, Response)
    engine = db.engine
    first_updated = threading.Event()
    outcomes: dict[str, str] = {}

    def use(name: str, hold: bool) -> None:
        with Session(engine) as session:
            invitation = find_invitation(session, token)
            assert invitation.used is False  # both requests read it as unused
            if not hold:
                first_updated.wait(10)
            try:
                row = invitation_response(invitation, answers)
                mark_used(session, invitation.id)
                if hold:
                    first_updated.set()
                    threading.Event().wait(0.5)  # the other request now runs into the row lock
                session.commit()
                store_responses(session, [row])
                session.commit()
                outcomes[name] = "stored"
            except InvitationAlreadyUsed:
                session.rollback()
                outcomes[name] = "refused"
            finally:
                first_updated.set()

    threads = [threading.Thread(target=use, args=("a", True)), threading.Thread(target=use, args=("b", False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == {"a": "stored", "b": "refused"}
    db_session.expire_all()
    assert _count(db_session, Response) == before + 1
    assert find_invitation(db_session, token).used is True


def test_mark_used_refuses_a_stale_invitation(app, db_session, demo):
    token = _issue(db_session)[0]
    invitation = find_invitation(db_session, token)
    mark_used(db_session, invitation.id)
    with pytest.raises(InvitationAlreadyUsed):
        mark_used(db_session, invitation.id)


# --- response rates for staff ------------------------------------------------------------


def _use(db_session, token):
    mark_used(db_session, find_invitation(db_session, token).id)
    db_session.commit()


def test_response_rates_per_unit_for_admin_and_statistician(client, db_session, demo, login_as):
    tokens = _issue(db_session, 4)
    other = _issue(db_session, 5, unit_code="20194")
    _use(db_session, tokens[0])
    _use(db_session, other[0])
    _use(db_session, other[1])
    survey_round = _round(db_session)
    for login in ("admin", "thongke"):
        login_as(login)
        listing = client.get("/admin/invitations")
        assert listing.status_code == 200
        assert survey_round.name in _text(listing) and "33,3 %" in _text(listing)  # 3 of 9
        page = client.get(f"/admin/invitations/{survey_round.id}")
        text = _text(page)
        assert page.status_code == 200
        assert re.search(r'data-unit="00004">.*?<td class="num">4</td><td class="num">1</td><td class="num">25,0 %', text)
        assert re.search(r'data-unit="20194">.*?<td class="num">5</td><td class="num">2</td><td class="num">40,0 %', text)
        client.post("/staff/logout")


def test_managers_see_response_rates_of_their_own_units_only(client, db_session, demo, login_as):
    _issue(db_session, 4)
    _issue(db_session, 5, unit_code="20194")
    survey_round = _round(db_session)
    login_as("quanly.badinh")
    text = _text(client.get(f"/admin/invitations/{survey_round.id}"))
    assert 'data-unit="00004"' in text and "20194" not in text and "Phường Hải Châu" not in text
    login_as("quanly.tuyenquang")
    page = client.get(f"/admin/invitations/{survey_round.id}")
    assert page.status_code == 200 and "Chưa có thư mời nào trong phạm vi của bạn." in _text(page)
    assert "Chưa có thư mời nào" in _text(client.get("/admin/invitations"))


def test_response_rates_need_a_login(client, demo):
    assert client.get("/admin/invitations").status_code == 302
    assert client.get("/admin/invitations/99999").status_code == 302


# --- rate limits --------------------------------------------------------------------------


@pytest.fixture
def limited_app(sqlite_template, out_dir):
    """An app of its own with the rate limits on (the shared fixture turns them off)."""
    from survey import create_app
    from survey.extensions import db

    db_file = out_dir / "limited.db"
    shutil.copy(sqlite_template, db_file)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{db_file}",
        "INSTANCE_PATH": str(out_dir / "instance"),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/i/AAAAAAAAAAAAAAAAAAAAAA", "/s/00004"])
def test_the_21st_post_in_a_minute_is_refused(limited_app, path):
    client = limited_app.test_client()
    statuses = [client.post(path, data={}).status_code for _ in range(20)]
    assert 429 not in statuses
    refused = client.post(path, data={})
    assert refused.status_code == 429
    assert refused.headers.get("Retry-After")
    assert client.get(path).status_code == 404  # reading is limited separately
    other = limited_app.test_client()
    assert other.post(path, data={}, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code != 429


def test_answers_are_accepted_with_the_app_wide_csrf_protection_on(limited_app):
    """The answer forms are anonymous and carry no CSRF token: the views must be exempt."""
    from survey.domain.demo import seed_demo
    from survey.extensions import db

    assert limited_app.config.get("WTF_CSRF_ENABLED", True) is True
    with limited_app.app_context():
        seed_demo(db.session, Path(limited_app.instance_path), scale=0.1)
        token = _issue(db.session)[0]
        data = _complete_answers(db.session)
        client = limited_app.test_client()
        assert client.post("/s/00004", data=data).status_code == 302
        assert client.post(f"/i/{token}", data=data).status_code == 302
        assert find_invitation(db.session, token).used is True
        db.session.remove()
