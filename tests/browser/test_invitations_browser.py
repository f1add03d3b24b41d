"""A personal invitation in Chromium: answered once, refused the second time."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey.models import Channel, Invitation, Response, SurveyRound
from tests.browser.axe_rules import assert_wcag_aa

pytestmark = pytest.mark.browser


def _issue_invitation(live_server) -> str:
    from survey.domain.invitations import issue_invitations
    from survey.domain.units import find_unit

    def issue(session):
        survey_round = session.scalar(select(SurveyRound).where(SurveyRound.code == f"sipas-{date.today().year}"))
        token = issue_invitations(session, survey_round, find_unit(session, "00004"), 1)[0]
        session.commit()
        return token

    return live_server.query(issue)


def _online_responses(live_server) -> int:
    return live_server.count(Response, Response.channel == Channel.ONLINE)


def _answer_and_send(page, screenshot=None) -> None:
    """Pick the last option of every single-choice question, page by page, and send."""
    for number in range(12):
        for fieldset in page.locator("fieldset[data-item]:visible").all():
            radios = fieldset.locator("input[type=radio]")
            if radios.count():
                radios.nth(radios.count() - 1).check()
        if screenshot and number == 0:
            screenshot(page, "invitation-form")
        forward = page.locator("#go-forward")
        sending = forward.inner_text() == "Gửi phiếu"
        forward.click()
        if sending:
            return
    raise AssertionError("the send button was never reached")


def test_an_invitation_answers_once_and_is_refused_the_second_time(page, browser, live_server, screenshot):
    token = _issue_invitation(live_server)
    before = _online_responses(live_server)

    page.goto(f"/i/{token}")
    expect(page.locator("header .brand")).to_have_text("Phường Ba Đình")
    expect(page.locator("#form-progress-text")).to_have_text("Phần 1/9")
    _answer_and_send(page, screenshot)
    expect(page.get_by_role("heading", name="Cảm ơn Ông/Bà đã góp ý!")).to_be_visible()
    assert _online_responses(live_server) == before + 1
    used = live_server.query(lambda s: s.scalar(select(func.count()).select_from(Invitation).where(Invitation.used)))
    assert used == 1

    # The same letter opened again, in another browser profile (say, a relative's phone).
    other = browser.new_context(base_url=live_server.url)
    try:
        second = other.new_page()
        response = second.goto(f"/i/{token}")
        assert response.status == 410
        expect(second.get_by_role("heading", name="Thư mời đã được sử dụng")).to_be_visible()
        expect(second.get_by_text("Mỗi thư mời chỉ dùng được một lần.")).to_be_visible()
        expect(second.get_by_role("button", name="Gửi phiếu")).to_have_count(0)
        screenshot(second, "invitation-used")
        assert_wcag_aa(second, "a used invitation")
        second.get_by_role("link", name="English").click()
        expect(second.get_by_role("heading", name="This invitation has already been used")).to_be_visible()
    finally:
        other.close()

    # The first browser goes back to the form it still has and sends it again.
    page.go_back()
    page.wait_for_load_state()
    if page.locator("#go-forward").count():
        _answer_and_send(page)
    expect(page.get_by_role("heading", name="Thư mời đã được sử dụng")).to_be_visible()
    assert _online_responses(live_server) == before + 1
