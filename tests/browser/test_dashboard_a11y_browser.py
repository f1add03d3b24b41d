"""The managers' result pages in Chromium: dashboard, counters and comments at phone (390 px) and desktop
(1280 px) sizes in both languages, with a strict axe-core run (WCAG 2.1 A/AA, any violation fails), no
sideways page scroll even at 320 px, contrast of every heat-map cell, and the counters page's refresh
that can be paused (Playwright's clock). Screenshots in test-artifacts/dash-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe_rules import (
    assert_wcag_aa,
    heat_map_contrasts,
    page_scrolls_sideways,
    wide_elements,
)
from tests.browser.test_staff_browser import (
    _login,  # the staff login form, filled in as a person would
)

pytestmark = pytest.mark.browser


def _counter_release(live_server) -> int:
    from sqlalchemy import select

    from survey.models import Release, SurveyRound

    return live_server.query(lambda s: s.scalar(
        select(Release.id).join(SurveyRound, SurveyRound.id == Release.round_id).where(SurveyRound.code.like("counter-%"))))


@pytest.fixture
def pages(live_server):
    release = _counter_release(live_server)
    return {
        "dashboard": "/staff/dashboard/01",
        "counters": "/staff/counters/",
        "comments": f"/staff/dashboard/00004/comments?release={release}",
    }


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("width", [390, 1280])
def test_result_pages_pass_axe_and_fit_the_screen(page, pages, lang, width, screenshot):
    _login(page, "quanly.hanoi")
    page.set_viewport_size({"width": width, "height": 844 if width < 800 else 800})
    for name, url in pages.items():
        page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        expect(page.locator("h1")).to_be_visible()
        if name == "counters":
            page.locator("details.chart-data summary").click()  # the heat map's table, opened
        assert not page_scrolls_sideways(page), f"{name} scrolls sideways at {width} px: {wide_elements(page)}"
        assert_wcag_aa(page, f"{name} at {width} px in {lang}")
        screenshot(page, f"dash-{name}-{width}-{lang}")


def test_nothing_scrolls_the_page_sideways_at_320_px(page, pages):
    _login(page, "quanly.hanoi")
    page.set_viewport_size({"width": 320, "height": 640})
    for name, url in pages.items():
        page.goto(url)
        assert not page_scrolls_sideways(page), f"{name} scrolls sideways at 320 px: {wide_elements(page)}"
    page.goto("/staff/counters/")
    # the counter tables become one block per row, each number beside its heading ...
    first_share = page.locator("table.counters tbody td[data-label]").nth(0)
    assert first_share.evaluate("e => getComputedStyle(e, '::before').content").strip('"') in ("Quầy", "Hài lòng hôm nay")
    table_box = page.locator("table.counters").first.bounding_box()
    assert table_box["x"] + table_box["width"] <= 320
    # ... and the heat map scrolls inside its own box, which the keyboard can reach
    heat = page.locator(".heat-scroll")
    assert heat.evaluate("e => e.scrollWidth > e.clientWidth") and heat.get_attribute("tabindex") == "0"


def test_every_heat_map_cell_is_readable(page):
    _login(page, "quanly.hanoi")
    page.goto("/staff/counters/")
    contrasts = heat_map_contrasts(page)
    assert len(contrasts) >= 7 * 11
    worst = min(contrasts, key=lambda c: c["ratio"])
    assert worst["ratio"] >= 4.5, worst
    # the text alternative: a real table with the same cells
    page.locator("details.chart-data summary").click()
    table = page.locator("table.heat-table")
    expect(table.locator("caption")).to_be_visible()
    assert table.locator("tbody tr").count() == 7


def test_counters_refresh_every_minute_and_can_be_paused(page, screenshot):
    page.clock.install()
    _login(page, "quanly.hanoi")
    page.goto("/staff/counters/")
    live = page.locator("#live")
    toggle = page.get_by_role("button", name="Tạm dừng tự cập nhật")
    expect(toggle).to_be_visible()
    expect(page.get_by_role("link", name="Tải lại")).to_be_visible()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    page.clock.run_for(61_000)
    expect(live).to_have_attribute("data-refreshes", "1")
    toggle.click()
    resume = page.get_by_role("button", name="Tiếp tục tự cập nhật (mỗi phút)")
    expect(resume).to_be_visible()
    page.clock.run_for(180_000)
    page.wait_for_timeout(300)
    expect(live).to_have_attribute("data-refreshes", "1")  # paused: nothing fetched for three minutes
    screenshot(page, "dash-counters-paused")
    resume.click()  # fetches at once, then every minute again
    expect(live).to_have_attribute("data-refreshes", "2")
    page.clock.run_for(61_000)
    expect(live).to_have_attribute("data-refreshes", "3")
    expect(page.locator("#refresh-status")).to_have_text(re.compile(r"Số liệu lúc"))


def _two_counter_comments(session) -> None:
    """A rating-1 and a rating-5 comment at Phường Ba Đình's first tablet on 10/02/2026 (old enough to show)."""
    import uuid
    from datetime import datetime

    from sqlalchemy import select

    from survey.domain.responses import build_response
    from survey.domain.units import find_unit
    from survey.i18n import LOCAL_TZ
    from survey.models import Channel, Device, SurveyRound

    ba_dinh = find_unit(session, "00004")
    device = session.scalar(select(Device).where(Device.unit_id == ba_dinh.id).order_by(Device.id))
    counter_round = session.scalar(select(SurveyRound).where(SurveyRound.code.like("counter-%")))
    moment = datetime(2026, 2, 10, 9, 0, tzinfo=LOCAL_TZ)
    for rating, extra in ((1, {"problems": ["waiting"], "comment": "Chờ lâu quá (thử)"}), (5, {"comment": "Rất tốt (thử)"})):
        session.add(build_response(survey_round=counter_round, unit=ba_dinh, channel=Channel.COUNTER,
                                   answers={"rating": rating, **extra}, response_uuid=uuid.uuid4(), device=device,
                                   submitted_at=moment, now=moment))
    session.commit()


def test_reasons_filter_and_comments_filter_by_keyboard(page, pages, live_server, screenshot):
    live_server.query(_two_counter_comments)
    _login(page, "quanly.hanoi")
    page.goto("/staff/counters/00004")
    page.locator("#reasons-by").select_option(label="Theo tuần")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("table.reasons-by")).to_be_visible()
    expect(page.locator("table.reasons tbody tr").first).to_be_visible()
    page.locator("#reasons-from").fill("31/02/2026")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("alert")).to_contain_text("không phải là một ngày")
    assert_wcag_aa(page, "the counters page with a bad date")
    screenshot(page, "dash-counters-bad-date")
    page.goto(pages["comments"])
    page.locator("#f-from").fill("10/02/2026")
    page.locator("#f-to").fill("10/02/2026")
    page.locator("#f-rating").select_option("1")
    page.keyboard.press("Enter")  # the form sends from any field, as forms do
    expect(page).to_have_url(re.compile(r"rating=1"))
    comments = page.locator("blockquote.comment")
    expect(comments).to_have_count(1)
    expect(comments).to_contain_text("Chờ lâu quá (thử)")
    expect(comments).to_contain_text("Rất không hài lòng · Lý do: Phải chờ quá lâu")
    expect(page.get_by_role("heading", name="10/02/2026")).to_be_visible()
    assert_wcag_aa(page, "the filtered comments page")
    screenshot(page, "dash-comments-rating-1")
