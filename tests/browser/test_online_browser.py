"""The online survey form in Chromium: in sections, with and without JavaScript, by keyboard, in English,
with a draft kept on the device."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.models import Channel, Response
from tests.browser.axe_rules import PHONE, assert_wcag_aa

pytestmark = pytest.mark.browser

FORM = "/s/00004"  # Phường Ba Đình, SIPAS round (online channel)
FOLLOW_UPS = ["feedback_channels", "f1", "f2", "f3", "f0"]  # relevant: gave_feedback == 1
THANKS = "Cảm ơn Ông/Bà đã góp ý!"


def _online_answers(live_server, since_id: int) -> list[dict]:
    return live_server.query(lambda s: [r.answers for r in s.scalars(
        select(Response).where(Response.id > since_id, Response.channel == Channel.ONLINE).order_by(Response.id))])


def _last_id(live_server) -> int:
    from sqlalchemy import func

    return live_server.query(lambda s: s.scalar(select(func.max(Response.id))) or 0)


def _answer_visible_choices(page, option_index: int = -1):
    """Tap one option in every visible single-choice question still unanswered."""
    for fieldset in page.locator("fieldset[data-item]:visible").all():
        kind = fieldset.get_attribute("data-type")
        if kind in ("satisfaction", "scale4", "yesno", "single") and fieldset.locator("input:checked").count() == 0:
            fieldset.locator("label").nth(option_index).click()


def _page_through(page, option_index: int = -1, send: str = "Gửi phiếu", pages: int = 12) -> list[str]:
    """Answer each page and move on until the form is sent; the progress texts seen."""
    seen = []
    for _ in range(pages):
        seen.append(page.locator("#form-progress-text").inner_text())
        _answer_visible_choices(page, option_index)
        forward = page.locator("#go-forward")
        label = forward.inner_text()
        forward.click()
        if label == send:
            return seen
    raise AssertionError(f"never reached the send button: {seen}")


def test_the_form_is_paged_by_section_and_follow_ups_appear_only_when_they_apply(page, live_server, screenshot):
    since = _last_id(live_server)
    page.goto(FORM)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#form-progress-text")).to_have_text("Phần 1/9")
    expect(page.get_by_text(re.compile(r"Thời gian trả lời: khoảng \d+ phút"))).to_be_visible()
    expect(page.locator("section[data-step]:visible")).to_have_count(1)
    expect(page.get_by_role("button", name="Quay lại")).to_be_hidden()
    _answer_visible_choices(page)
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.locator("#form-progress-text")).to_have_text("Phần 2/9")
    expect(page.locator("#section-experience h2")).to_be_focused()
    page.locator("#q-gave_feedback").get_by_text("Có", exact=True).click()
    expect(page.locator("#q-feedback_channels")).to_be_visible()
    expect(page.locator("#form-progress-text")).to_have_text("Phần 2/10")  # the feedback page now applies
    page.locator("#q-feedback_channels").get_by_text("Đường dây nóng", exact=False).click()
    # Changing one's mind hides the follow-ups again, and they are not sent.
    page.locator("#q-gave_feedback").get_by_text("Không", exact=True).click()
    expect(page.locator("#q-feedback_channels")).to_be_hidden()
    expect(page.locator("#form-progress-text")).to_have_text("Phần 2/9")
    screenshot(page, "online-form-page-2")
    seen = _page_through(page)
    assert seen[-1] == "Phần 9/9" and len(seen) == 8  # pages 2..9
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    [answers] = _online_answers(live_server, since)
    assert answers["gave_feedback"] == 2
    assert not set(FOLLOW_UPS) & set(answers)
    assert answers["a1"] == 9 and answers["gender"] == 3  # the last option of each question


def test_back_keeps_the_answers_of_the_previous_page(page):
    page.goto(FORM)
    page.locator("#q-gender").get_by_text("Nữ", exact=True).click()
    _answer_visible_choices(page)
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("button", name="Quay lại").click()
    expect(page.locator("#form-progress-text")).to_have_text("Phần 1/9")
    expect(page.locator("#q-gender input[value='2']")).to_be_checked()


def test_without_javascript_the_server_pages_the_form_and_stores_once(browser, live_server, screenshot):
    since = _last_id(live_server)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(FORM)
        expect(page.locator("section[data-step]:visible")).to_have_count(1)
        _answer_visible_choices(page, 0)  # "Có" to gave_feedback on page 2: its follow-ups are asked
        page.get_by_role("button", name="Tiếp tục").click()
        expect(page.locator("#form-progress-text")).to_have_text("Phần 2/9")
        _answer_visible_choices(page, 0)
        page.locator("#q-feedback_channels").get_by_text("Đường dây nóng", exact=False).click()
        page.get_by_role("button", name="Tiếp tục").click()
        expect(page.locator("#form-progress-text")).to_have_text("Phần 3/10")
        screenshot(page, "online-no-js-page-3")
        assert _online_answers(live_server, since) == []  # nothing stored before the send
        _page_through(page, 0)
        expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
        screenshot(page, "online-thanks-no-js")
    finally:
        context.close()
    [answers] = _online_answers(live_server, since)
    assert answers["gave_feedback"] == 1 and answers["feedback_channels"] == ["hotline"] and answers["f0"] == 1
    assert answers["gender"] == 1  # the first page's answer was carried to the end


def test_a_failed_next_shows_a_focused_error_summary_that_leads_to_each_question(page, screenshot):
    page.set_viewport_size(PHONE)
    page.goto(FORM)
    page.locator("#q-gender").get_by_text("Nữ", exact=True).click()
    page.get_by_role("button", name="Tiếp tục").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Có 4 câu cần xem lại")
    assert page.title().startswith("Lỗi: ")
    assert page.locator("[role=alert]:visible").count() == 1
    expect(page.locator("#q-education")).to_have_class(re.compile("has-error"))
    first = page.locator("#q-education input").first
    expect(first).to_have_attribute("aria-invalid", "true")
    expect(first).to_have_attribute("aria-describedby", "q-education-error")
    expect(page.locator("#q-education-error")).to_have_text("Vui lòng trả lời câu hỏi này.")
    expect(page.locator("#q-gender input").first).to_have_attribute("required", "")
    assert_wcag_aa(page, "a failed next")
    screenshot(page, "online-failed-next")
    summary.get_by_role("link", name=re.compile("Trình độ học vấn")).click()
    expect(first).to_be_focused()
    # Answered: the next attempt moves on and the title loses its "Lỗi:".
    _answer_visible_choices(page)
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.locator("#form-progress-text")).to_have_text("Phần 2/9")
    expect(summary).to_be_hidden()
    assert not page.title().startswith("Lỗi")


def test_the_form_can_be_completed_with_the_keyboard_only(page, live_server):
    since = _last_id(live_server)
    page.goto(FORM)
    sent = False
    for _ in range(600):
        page.keyboard.press("Tab")
        focus = page.evaluate(
            """() => { const e = document.activeElement;
                return {tag: e.tagName, type: e.type || "", name: e.name || "", id: e.id || "",
                        answered: e.name ? document.querySelectorAll(`input[name="${e.name}"]:checked`).length : 0,
                        text: e.textContent.trim()}; }"""
        )
        if focus["type"] == "radio" and not focus["answered"]:
            page.keyboard.press("Space")
        if focus["id"] == "go-forward":
            sent = focus["text"] == "Gửi phiếu"
            page.keyboard.press("Enter")
            if sent:
                break
    assert sent, "the send button was never reached with Tab"
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    [answers] = _online_answers(live_server, since)
    # Space picks the first option of each question: "Có" for gave_feedback, so its follow-ups were asked.
    assert answers["gave_feedback"] == 1 and answers["f0"] == 1 and answers["a1"] == 1


def test_a_reload_keeps_the_draft_on_the_device_and_sending_removes_it(page, live_server):
    page.goto(FORM)
    page.locator("#q-gender").get_by_text("Nữ", exact=True).click()
    _answer_visible_choices(page)
    page.get_by_role("button", name="Tiếp tục").click()
    page.locator("#q-visits input, #q-visits").last.fill("3")
    page.reload()
    expect(page.locator("#form-progress-text")).to_have_text("Phần 2/9")  # back on the page left
    expect(page.locator("#q-visits input, #q-visits").last).to_have_value("3")
    expect(page.get_by_text("tạm lưu trên thiết bị này")).to_be_visible()
    page.get_by_role("button", name="Quay lại").click()
    expect(page.locator("#q-gender input[value='2']")).to_be_checked()
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('sipas-draft')).length") == 1
    page.get_by_role("button", name="Tiếp tục").click()
    _page_through(page)
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('sipas-draft')).length") == 0
    page.goto(FORM)
    expect(page.locator("#q-gender input:checked")).to_have_count(0)


def test_online_form_language_switch(page, live_server):
    page.goto(FORM)
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Continue")).to_be_visible()
    expect(page.locator("#form-progress-text")).to_have_text("Part 1 of 9")
    expect(page.locator("#q-gender legend")).to_contain_text("(required)")
    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page.get_by_role("button", name="Tiếp tục")).to_be_visible()
