"""The online form without JavaScript: one section per page, every answer carried, stored once at the end."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from survey.models import Channel, Response

FORM = "/s/00004"


def _online_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Response).where(Response.channel == Channel.ONLINE))


@pytest.fixture
def questionnaire(db_session, demo):
    from survey.domain.responses import questionnaire_for
    from survey.domain.rounds import current_round
    from survey.domain.units import find_unit

    survey_round = current_round(db_session, find_unit(db_session, "00004"), Channel.ONLINE)
    return questionnaire_for(survey_round.questionnaire_version)


def _visible_steps(html: str) -> list[str]:
    """The sections shown (those without `hidden`)."""
    return [m.group(1) for m in re.finditer(r'<section class="card form-step" id="section-(\w+)"([^>]*)>', html)
            if "hidden" not in m.group(2)]


def _visible_step(html: str) -> str:
    [step] = _visible_steps(html)
    return step


def _answers_for(questionnaire, section_code: str, gave_feedback: int = 1) -> dict:
    """Answers for every question of one section: the last option, 4 for ratings, Yes for feedback."""
    section = next(s for s in questionnaire.sections if s.code == section_code)
    data = {}
    for code in section.items:
        item = questionnaire.item(code)
        if item.type == "satisfaction":
            data[code] = "4"
        elif code == "gave_feedback":
            data[code] = str(gave_feedback)
        elif item.type in ("scale4", "yesno", "single"):
            data[code] = str(item.option_codes[-1])
        elif item.type == "multiple":
            data[code] = [str(item.option_codes[0])]
        elif item.type == "number":
            data[code] = "2"
        else:
            data[code] = "Nhanh, gọn."
    return data


def test_the_first_page_shows_one_section_with_progress_and_time_estimate(client, questionnaire):
    html = client.get(FORM).get_data(as_text=True)
    assert _visible_step(html) == "respondent"
    assert "Phần 1/9" in html  # the feedback section applies only after "Có" to gave_feedback
    assert re.search(rf"khoảng \d+ phút \({len(questionnaire.items)} câu hỏi trong 9 phần\)", html)
    assert "Câu có dấu * là câu bắt buộc phải trả lời." in html
    assert 'name="go" value="next"' in html and "Tiếp tục" in html


def test_paging_without_javascript_carries_every_answer_and_stores_once(client, db_session, questionnaire):
    before = _online_count(db_session)
    html = client.get(FORM).get_data(as_text=True)
    response_uuid = re.search(r'name="response_uuid" type="hidden" value="([0-9a-f-]{36})"', html).group(1)
    data: dict = {"response_uuid": response_uuid}
    step, seen = "respondent", []
    while True:
        data.update(_answers_for(questionnaire, step))
        seen.append(step)
        last = 'name="go" value="send"' in html
        page = client.post(FORM, data={**data, "step": step, "go": "send" if last else "next"})
        if last:
            break
        assert page.status_code == 200, page.get_data(as_text=True)[:2000]
        assert _online_count(db_session) == before  # nothing stored between pages
        html = page.get_data(as_text=True)
        step = _visible_step(html)
        assert f"Phần {len(seen) + 1}/{9 if len(seen) < 2 else 10}" in html  # 10 once "Có" to gave_feedback
    assert page.status_code == 302 and page.headers["Location"].endswith("/s/00004/thanks")
    assert seen == [s.code for s in questionnaire.sections]  # "Có" to gave_feedback: its section is asked
    assert _online_count(db_session) == before + 1
    stored = db_session.scalar(select(Response).where(Response.uuid == uuid.UUID(response_uuid)))
    assert stored.answers["gender"] == 3 and stored.answers["f0"] == 4 and stored.answers["comment"] == "Nhanh, gọn."
    assert stored.answers["feedback_channels"] == ["in_person"] and stored.answers["visits"] == 2
    again = client.post(FORM, data={**data, "step": step, "go": "send"})  # back button, send again
    assert again.status_code == 302 and _online_count(db_session) == before + 1


def test_next_refuses_a_page_with_a_missing_required_answer_and_keeps_the_given_ones(client, db_session, demo):
    before = _online_count(db_session)
    page = client.post(FORM, data={"step": "respondent", "go": "next", "gender": "2", "ethnicity": "1"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert _visible_step(html) == "respondent"
    assert "<title>Lỗi:" in html
    assert "Có 3 câu cần xem lại" in html  # age_band, education, occupation
    assert '<a href="#q-age_band">' in html and '<a href="#q-occupation">' in html
    assert html.count('role="alert"') == 1
    assert re.search(r'id="error-summary"[^>]*autofocus', html)
    assert 'aria-describedby="q-age_band-error"' in html and 'aria-invalid="true"' in html
    assert re.search(r'<input[^>]*checked[^>]*value="2"|<input[^>]*value="2"[^>]*checked', html)  # gender kept
    assert _online_count(db_session) == before


def test_back_goes_to_the_previous_page_without_checking_it(client, questionnaire):
    data = {**_answers_for(questionnaire, "respondent"), "step": "experience", "go": "back"}
    page = client.post(FORM, data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _visible_step(html) == "respondent"
    assert "has-error" not in html and 'id="error-summary" class="error-summary" role="alert" tabindex="-1"' in html
    assert re.search(r'<input[^>]*checked[^>]*name="gender"[^>]*value="3"|<input[^>]*value="3"[^>]*checked', html)


def test_the_feedback_page_is_skipped_when_no_feedback_was_given(client, questionnaire):
    data = {**_answers_for(questionnaire, "respondent"), **_answers_for(questionnaire, "experience", gave_feedback=2)}
    for step in ("access", "procedures", "staff", "results"):
        data.update(_answers_for(questionnaire, step))
    page = client.post(FORM, data={**data, "step": "results", "go": "next"})
    html = page.get_data(as_text=True)
    assert _visible_step(html) == "overall" and "Phần 7/9" in html
    page = client.post(FORM, data={**data, "step": "overall", "go": "back"})
    assert _visible_step(page.get_data(as_text=True)) == "results"


def test_a_refused_send_shows_every_section_with_its_errors(client, db_session, questionnaire):
    before = _online_count(db_session)
    data = {**_answers_for(questionnaire, "respondent"), "step": "closing", "go": "send"}
    page = client.post(FORM, data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    missing = [code for code, problem in questionnaire.validate_answers(
        {k: int(v) for k, v in data.items() if k in questionnaire}).items()]
    assert len(missing) > 20 and f"Có {len(missing)} câu cần xem lại" in html
    assert html.count('class="question has-error"') == len(missing)
    assert all(f'<a href="#q-{code}">' in html for code in missing)
    assert _visible_steps(html) == [s.code for s in questionnaire.sections if s.code != "feedback"]
    assert 'name="go" value="send"' in html and re.search(r'id="go-back"[^>]*hidden', html)
    assert _online_count(db_session) == before


def test_paging_an_invitation_neither_uses_it_nor_stores_anything(client, db_session, questionnaire):
    from survey.domain.invitations import find_invitation, issue_invitations
    from survey.domain.rounds import current_round
    from survey.domain.units import find_unit

    unit = find_unit(db_session, "00004")
    [token] = issue_invitations(db_session, current_round(db_session, unit, Channel.ONLINE), unit, 1)
    db_session.commit()
    before = _online_count(db_session)
    page = client.post(f"/i/{token}", data={**_answers_for(questionnaire, "respondent"), "step": "respondent", "go": "next"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _visible_step(html) == "experience" and "Phần 2/9" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert find_invitation(db_session, token).used is False and _online_count(db_session) == before
    refused = client.post(f"/i/{token}", data={"step": "experience", "go": "next"})
    assert refused.status_code == 400 and "Có 4 câu cần xem lại" in refused.get_data(as_text=True)
    assert find_invitation(db_session, token).used is False and _online_count(db_session) == before
