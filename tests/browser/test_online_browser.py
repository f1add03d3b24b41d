"""The online survey form in Chromium, with and without JavaScript, by keyboard, in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.models import Channel, Response

pytestmark = pytest.mark.browser

FORM = "/s/00004"  # Phường Ba Đình, SIPAS round (online channel)
FOLLOW_UPS = ["feedback_channels", "f1", "f2", "f3", "f0"]  # relevant: gave_feedback == 1


def _online_answers(live_server, since_id: int) -> list[dict]:
    return live_server.query(lambda s: [r.answers for r in s.scalars(
        select(Response).where(Response.id > since_id, Response.channel == Channel.ONLINE).order_by(Response.id))])


def _last_id(live_server) -> int:
    from sqlalchemy import func

    return live_server.query(lambda s: s.scalar(select(func.max(Response.id))) or 0)


def _answer_every_visible_choice(page, option_index: int = -1):
    """Tap one option in every visible single-choice question still unanswered."""
    for fieldset in page.locator("fieldset[data-item]:visible").all():
        kind = fieldset.get_attribute("data-type")
        if kind in ("satisfaction", "scale4", "yesno", "single") and fieldset.locator("input:checked").count() == 0:
            fieldset.locator("label").nth(option_index).click()


def test_online_form_with_javascript_shows_follow_ups_only_when_they_apply(page, live_server, screenshot, axe_check):
    since = _last_id(live_server)
    page.goto(FORM)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for code in FOLLOW_UPS:
        expect(page.locator(f"#q-{code}")).to_be_hidden()
    expect(page.locator("#section-feedback")).to_be_hidden()
    axe_check(page, "the online form")
    page.locator("#q-gave_feedback").get_by_text("Có", exact=True).click()
    for code in FOLLOW_UPS:
        expect(page.locator(f"#q-{code}")).to_be_visible()
    page.locator("#q-feedback_channels").get_by_text("Đường dây nóng", exact=False).click()
    # Changing one's mind hides them again, and they are not sent.
    page.locator("#q-gave_feedback").get_by_text("Không", exact=True).click()
    for code in FOLLOW_UPS:
        expect(page.locator(f"#q-{code}")).to_be_hidden()
    assert page.locator("#q-feedback_channels input").first.is_disabled()
    _answer_every_visible_choice(page)
    screenshot(page, "online-form")
    page.get_by_role("button", name="Gửi phiếu").click()
    expect(page.get_by_text("Cảm ơn bạn đã góp ý!")).to_be_visible()
    [answers] = _online_answers(live_server, since)
    assert answers["gave_feedback"] == 2
    assert not set(FOLLOW_UPS) & set(answers)
    assert answers["a1"] == 9 and answers["gender"] == 3  # the last option of each question


def test_online_form_without_javascript_gives_the_same_result(browser, live_server, screenshot):
    since = _last_id(live_server)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(FORM)
        for code in FOLLOW_UPS:  # without JavaScript every question is shown
            expect(page.locator(f"#q-{code}")).to_be_visible()
        page.locator("#q-gave_feedback").get_by_text("Không", exact=True).click()
        page.locator("#q-feedback_channels").get_by_text("Đường dây nóng", exact=False).click()
        page.locator("#q-f1").get_by_text("Hài lòng", exact=True).click()
        _answer_every_visible_choice(page)
        page.get_by_role("button", name="Gửi phiếu").click()
        expect(page.get_by_text("Cảm ơn bạn đã góp ý!")).to_be_visible()
        screenshot(page, "online-thanks-no-js")
    finally:
        context.close()
    [answers] = _online_answers(live_server, since)
    # The server is the judge: answers to questions that do not apply are dropped.
    assert answers["gave_feedback"] == 2
    assert not set(FOLLOW_UPS) & set(answers)


def test_online_form_refuses_missing_answers_and_keeps_the_given_ones(page, live_server):
    page.goto(FORM)
    page.locator("#q-gender").get_by_text("Nữ", exact=True).click()
    page.get_by_role("button", name="Gửi phiếu").click()
    expect(page.get_by_text("Vui lòng xem lại các câu được đánh dấu.")).to_be_visible()
    expect(page.locator("#q-age_band .error")).to_have_text("Vui lòng trả lời câu hỏi này.")
    assert page.locator("#q-gender input:checked").count() == 1
    for code in FOLLOW_UPS:  # still hidden after the server's answer
        expect(page.locator(f"#q-{code}")).to_be_hidden()


def test_online_form_can_be_completed_with_the_keyboard_only(page, live_server):
    since = _last_id(live_server)
    page.goto(FORM)
    seen_submit = False
    for _ in range(400):
        page.keyboard.press("Tab")
        focus = page.evaluate(
            """() => { const e = document.activeElement;
                return {tag: e.tagName, type: e.type || "", name: e.name || "",
                        answered: e.name ? document.querySelectorAll(`input[name="${e.name}"]:checked`).length : 0,
                        text: e.textContent.trim()}; }"""
        )
        if focus["type"] == "radio" and not focus["answered"]:
            page.keyboard.press("Space")
        if focus["tag"] == "BUTTON" and focus["text"] == "Gửi phiếu":
            seen_submit = True
            page.keyboard.press("Enter")
            break
    assert seen_submit, "the send button was never reached with Tab"
    expect(page.get_by_text("Cảm ơn bạn đã góp ý!")).to_be_visible()
    [answers] = _online_answers(live_server, since)
    # Space picks the first option of each question: "Có" for gave_feedback, so its follow-ups were asked.
    assert answers["gave_feedback"] == 1 and answers["f0"] == 1 and answers["a1"] == 1


def test_online_form_language_switch(page, live_server):
    page.goto(FORM)
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.locator("#q-gave_feedback legend")).to_contain_text("feedback")
    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page.get_by_role("button", name="Gửi phiếu")).to_be_visible()
