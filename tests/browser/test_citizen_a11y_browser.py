"""Every page a citizen meets against WCAG 2.1 A/AA (axe-core, any violation fails), at phone and
desktop sizes, in both languages, before and after interaction; plus what axe cannot see:
focus after a failed submit, focus-ring and border contrast, sideways scrolling at 320 px.
Screenshots of each state go to test-artifacts/citizen-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe_rules import (
    DESKTOP,
    PHONE,
    PORTRAIT_TABLET,
    assert_wcag_aa,
    contrast,
    focus_ring_contrast,
    page_scrolls_sideways,
)
from tests.browser.test_invitations_browser import _issue_invitation

pytestmark = pytest.mark.browser

FORM = "/s/00004"
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(params=["phone", "desktop"])
def size(request):
    return request.param


@pytest.fixture(params=["vi", "en"])
def lang(request):
    return request.param


def _check(page, screenshot, name: str, size: str) -> None:
    assert_wcag_aa(page, name)
    assert not page_scrolls_sideways(page), f"{name} scrolls sideways"
    screenshot(page, f"citizen-{name}-{size}")


def test_online_form_states_meet_wcag_aa(page, size, lang, screenshot):
    page.set_viewport_size(SIZES[size])
    page.goto(f"{FORM}?lang={lang}")
    _check(page, screenshot, f"online-first-page-{lang}", size)
    # A failed "next": the error summary, the questions marked.
    page.locator("#go-forward").click()
    expect(page.locator("#error-summary")).to_be_focused()
    _check(page, screenshot, f"online-failed-next-{lang}", size)
    # The experience page with its follow-up question shown.
    for fieldset in page.locator("#section-respondent fieldset[data-item]").all():
        fieldset.locator("label").first.click()
    page.locator("#go-forward").click()
    expect(page.locator("#section-experience")).to_be_visible()
    page.locator("#q-gave_feedback label").first.click()
    expect(page.locator("#q-feedback_channels")).to_be_visible()
    _check(page, screenshot, f"online-follow-up-{lang}", size)


def test_online_pages_without_a_form_meet_wcag_aa(page, live_server, size, lang, screenshot):
    page.set_viewport_size(SIZES[size])
    page.goto(f"/s/00004/thanks?lang={lang}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _check(page, screenshot, f"online-thanks-{lang}", size)
    page.goto(f"/i/not-a-token?lang={lang}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _check(page, screenshot, f"invitation-unknown-{lang}", size)


def test_an_invitation_form_meets_wcag_aa(page, live_server, size, lang, screenshot):
    page.set_viewport_size(SIZES[size])
    page.goto(f"/i/{_issue_invitation(live_server)}?lang={lang}")
    _check(page, screenshot, f"invitation-form-{lang}", size)


def test_kiosk_states_meet_wcag_aa(page, kiosk_url, size, lang, screenshot):
    page.set_viewport_size(SIZES[size])
    page.clock.install()
    page.goto(kiosk_url)
    expect(page.locator("#kiosk-app label[data-code='5']")).to_be_visible()
    if lang == "en":
        page.locator("nav.lang").get_by_text("English").click()
    _check(page, screenshot, f"kiosk-start-{lang}", size)
    page.locator("#kiosk-app label[data-code='2']").click()
    expect(page.locator("#kiosk-app .choices.many")).to_be_visible()  # the follow-up: what went wrong
    _check(page, screenshot, f"kiosk-problems-{lang}", size)
    page.clock.run_for(45_000)
    expect(page.locator("#k-countdown")).to_be_visible()
    expect(page.locator("#k-countdown button")).to_be_focused()
    page.clock.resume()
    _check(page, screenshot, f"kiosk-countdown-{lang}", size)


def test_kiosk_plain_pages_meet_wcag_aa(browser, live_server, kiosk_url, size, lang, screenshot):
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[size])
    try:
        page = context.new_page()
        page.goto(f"{kiosk_url}/thanks?lang={lang}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        _check(page, screenshot, f"kiosk-plain-thanks-{lang}", size)
    finally:
        context.close()


# ------------------------------------------------------------------ what axe cannot see


def test_a_failed_submit_moves_the_focus_to_the_error_summary_without_javascript(browser, live_server, screenshot):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(FORM)
        page.locator("#q-gender").get_by_text("Nữ", exact=True).click()
        page.get_by_role("button", name="Tiếp tục").click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("heading")).to_have_text("Có 4 câu cần xem lại")
        expect(summary.get_by_role("link")).to_have_count(4)
        assert page.title().startswith("Lỗi:")
        assert page.locator("[role=alert]").count() == 1
        expect(page.locator("#q-ethnicity input").first).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#q-ethnicity input").first).to_have_attribute("aria-describedby", "q-ethnicity-error")
        expect(page.locator("#q-ethnicity-error")).to_have_text("Vui lòng trả lời câu hỏi này.")
        expect(page.locator("#q-gender input[value='2']")).to_be_checked()  # the given answer is kept
        screenshot(page, "citizen-online-failed-next-no-js-phone")
    finally:
        context.close()


def test_focus_ring_and_borders_reach_3_to_1(page, kiosk_url, artifacts):
    measured = {}
    page.goto(FORM)
    page.locator("#q-gender input").first.focus()
    page.keyboard.press("ArrowDown")  # keyboard focus: :focus-visible
    label = "#q-gender label:has(input:focus-visible)"
    assert page.locator(label).count() == 1
    measured["online focus ring on a choice"] = focus_ring_contrast(page, label)
    measured["online choice border"] = contrast(page, "#q-gender label", "borderTopColor")
    page.locator("#go-forward").focus()
    measured["online focus ring on the button"] = focus_ring_contrast(page, "#go-forward")
    page.goto(kiosk_url)
    expect(page.locator("#kiosk-app label[data-code='5']")).to_be_visible()
    page.keyboard.press("Tab")
    measured["kiosk focus ring"] = focus_ring_contrast(page, ":focus-visible")
    measured["kiosk face card border"] = contrast(page, "#kiosk-app .faces label", "borderTopColor")
    page.locator("#kiosk-app label[data-code='2']").click()
    expect(page.locator("#kiosk-app .choices.many")).to_be_visible()
    measured["kiosk choice border"] = contrast(page, "#kiosk-app .choices.many label", "borderTopColor")
    (artifacts / "citizen-contrast.txt").write_text(
        "".join(f"{ratio:5.2f}:1  {what}\n" for what, ratio in measured.items()), encoding="utf-8")
    assert all(ratio >= 3 for ratio in measured.values()), measured


@pytest.mark.parametrize("path", [FORM, "/s/00004/thanks", "kiosk"])
def test_no_page_level_sideways_scroll_at_320_px(page, kiosk_url, path, screenshot):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(kiosk_url if path == "kiosk" else path)
    if path == "kiosk":
        expect(page.locator("#kiosk-app label[data-code='5']")).to_be_visible()
    assert not page_scrolls_sideways(page)
    screenshot(page, f"citizen-320-{'kiosk' if path == 'kiosk' else path.strip('/').replace('/', '-')}")


def _face_boxes(page, viewport) -> tuple[list[dict], list[dict]]:
    """The kiosk's rating cards and their faces, as laid out at ``viewport``."""
    page.set_viewport_size(viewport)
    faces = page.locator("#kiosk-app .faces label")
    expect(faces.first).to_be_visible()
    svgs = page.locator("#kiosk-app .faces svg")
    return [faces.nth(i).bounding_box() for i in range(faces.count())], [svgs.nth(i).bounding_box() for i in range(svgs.count())]


def test_kiosk_faces_fill_a_portrait_tablet(page, kiosk_url, screenshot):
    """One big row per face, aligned one above the other, using the screen down to its lower half."""
    page.goto(kiosk_url)
    cards, faces = _face_boxes(page, PORTRAIT_TABLET)
    assert len(cards) == 5 and len({round(b["x"]) for b in cards}) == 1 and len({round(b["height"]) for b in cards}) == 1
    assert len({round(b["x"]) for b in faces}) == 1 and faces[0]["width"] >= 96  # big enough for elderly eyes
    assert cards[-1]["y"] + cards[-1]["height"] > PORTRAIT_TABLET["height"] * 0.6
    screenshot(page, "citizen-kiosk-start-portrait")


def test_kiosk_faces_fill_a_landscape_tablet(page, kiosk_url, screenshot):
    page.goto(kiosk_url)
    cards, faces = _face_boxes(page, DESKTOP)
    assert len(cards) == 5 and len({round(b["y"]) for b in cards}) == 1 and len({round(b["height"]) for b in cards}) == 1
    assert len({round(b["y"]) for b in faces}) == 1 and faces[0]["width"] >= 120  # one line whatever the labels
    assert cards[0]["y"] + cards[0]["height"] > DESKTOP["height"] * 0.6
    screenshot(page, "citizen-kiosk-start-landscape")


# ------------------------------------------------------------------ the online pages without a round or a unit


@pytest.fixture
def ended_unit(live_server):
    """A unit whose only online round has ended (its /s/ link shows the closed page); removed afterwards."""
    from datetime import date

    from sqlalchemy import delete, select

    from survey.models import RoundStatus, SurveyRound, Unit, UnitKind, round_units

    def add(session):
        model = session.scalar(select(SurveyRound).where(SurveyRound.code == "sipas-2026"))
        unit = Unit(code="99", name="Trung tâm thử nghiệm đã khép lại", kind=UnitKind.PROVINCE,
                    valid_from=date(2020, 1, 1))
        session.add(SurveyRound(code="truc-tuyen-2025", name="Trực tuyến 2025", units=[unit],
                                questionnaire_version_id=model.questionnaire_version_id, channels=["online"],
                                starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31), status=RoundStatus.CLOSED))
        session.commit()

    def remove(session):
        survey_round = session.scalar(select(SurveyRound).where(SurveyRound.code == "truc-tuyen-2025"))
        session.execute(delete(round_units).where(round_units.c.round_id == survey_round.id))
        session.delete(survey_round)
        session.execute(delete(Unit).where(Unit.code == "99"))
        session.commit()

    live_server.query(add)
    yield "99"
    live_server.query(remove)


def test_the_closed_online_page_meets_wcag_aa(page, ended_unit, size, lang, screenshot):
    page.set_viewport_size(SIZES[size])
    response = page.goto(f"/s/{ended_unit}?lang={lang}")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Trung tâm thử nghiệm đã khép lại")
    expect(page.locator("main .card")).to_contain_text(
        "Hiện không có đợt khảo sát trực tuyến nào đang mở" if lang == "vi" else "No online survey is open")
    _check(page, screenshot, f"online-closed-{lang}", size)


def test_the_former_unit_page_meets_wcag_aa(page, size, lang, screenshot):
    page.set_viewport_size(SIZES[size])
    response = page.goto(f"/s/02?lang={lang}")  # Hà Giang, merged into Tuyên Quang on 1 July 2025
    assert response.status == 200
    expect(page.locator(".former-unit")).to_contain_text("Tỉnh Hà Giang")
    expect(page.locator(".former-unit a.button")).to_have_attribute("href", "/s/08")
    _check(page, screenshot, f"online-former-unit-{lang}", size)
