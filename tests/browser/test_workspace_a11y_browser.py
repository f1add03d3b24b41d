"""The staff and admin workspace in Chromium, checked as docs/accessibility.md says (WCAG 2.1 AA).

Every staff and admin page, for each role that may open it, at 390 and 1280 px and in both
languages: axe-core's WCAG 2.1 A/AA rules with no violation at all (tests/browser/axe_rules.py).
Then what axe cannot see: the skip link is the first Tab stop and moves focus to the content,
no page scrolls sideways at 320 px, the focus ring and input borders reach 3:1, and each role's
menu holds exactly the pages that role may open. Screenshots in test-artifacts/workspace-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe_rules import assert_wcag_aa

pytestmark = pytest.mark.browser

LOGINS = {"admin": "admin", "statistician": "thongke", "manager": "quanly.hanoi"}
# Every menu entry by its address, and the roles that may open it (the views' role_required,
# as tests/web/test_access_matrix.py checks them).
ALL = {"admin", "statistician", "manager"}
MENU = {
    "/staff/": ALL,
    "/staff/dashboard/": ALL,
    "/staff/counters/": ALL,
    "/staff/decision766/": ALL,
    "/admin/invitations": ALL,
    "/admin/rounds": {"admin", "statistician"},
    "/staff/questionnaires": {"admin", "statistician"},
    "/staff/imports": {"admin", "statistician"},
    "/staff/releases": {"statistician"},
    "/admin/units": {"admin"},
    "/admin/devices": {"admin"},
    "/admin/staff": {"admin"},
    "/admin/audit": {"admin"},
    "/staff/tokens": ALL,
    "/staff/account": ALL,
}


def _samples(live_server) -> dict:
    """Ids for the pages under the menu: a published release, a job of the statistician, a round, a unit."""
    from survey.domain.units import find_unit
    from survey.models import Job, JobStatus, Release, ReleaseStatus, StaffUser, SurveyRound

    def read(session):
        statistician = session.scalar(select(StaffUser).where(StaffUser.login == "thongke"))
        job = Job(kind="compute_release", status=JobStatus.RUNNING, progress=0.4,
                  message="Đang so sánh các đơn vị (bảng xếp hạng)…", user_id=statistician.id)
        session.add(job)
        session.commit()
        return {
            "release": session.scalar(select(Release.id).where(Release.status == ReleaseStatus.PUBLISHED)),
            "job": job.id,
            "round": session.scalar(select(SurveyRound.id).order_by(SurveyRound.id)),
            "unit": find_unit(session, "00004").id,
        }

    return live_server.query(read)


def _pages(role: str, ids: dict) -> list[str]:
    """The staff and admin pages of this helper's area that ``role`` may open."""
    common = ["/staff/", "/staff/account", "/staff/tokens", "/admin/invitations", f"/staff/rounds/{ids['round']}"]
    survey = ["/staff/imports", "/staff/questionnaires", "/admin/rounds", "/admin/rounds/new",
              f"/admin/rounds/{ids['round']}"]
    if role == "admin":
        return common + survey + ["/admin/units", f"/admin/units/{ids['unit']}", "/admin/units/import",
                                  "/admin/devices", "/admin/devices/new", "/admin/staff", "/admin/staff/new",
                                  "/admin/audit"]
    if role == "statistician":
        return common + survey + ["/staff/releases", f"/staff/releases/{ids['release']}", f"/staff/jobs/{ids['job']}"]
    return common


def _login(page, role: str) -> None:
    page.goto("/staff/login?lang=vi")
    page.get_by_label("Tên đăng nhập").fill(LOGINS[role])
    page.get_by_label("Mật khẩu").fill("sipas-demo")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def _slug(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", url.strip("/").lower()) or "home"


def test_login_page_meets_wcag_aa_in_both_languages_and_sizes(page, screenshot):
    for lang in ("vi", "en"):
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"/staff/login?lang={lang}")
            assert_wcag_aa(page, f"/staff/login {width}px {lang}")
            screenshot(page, f"workspace-login-{width}-{lang}")


@pytest.mark.parametrize("role", ["admin", "statistician", "manager"])
def test_every_workspace_page_meets_wcag_aa_for_each_role(page, live_server, screenshot, role):
    ids = _samples(live_server)
    _login(page, role)
    checked = 0
    for lang in ("vi", "en"):
        page.goto(f"/staff/?lang={lang}")
        for url in _pages(role, ids):
            for width in (390, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                response = page.goto(url)
                assert response.status == 200, f"{role} {url} -> {response.status}"
                assert page.locator("html").get_attribute("lang") == lang, url
                assert page.locator("h1").count() == 1, url
                assert_wcag_aa(page, f"{url} as {role} at {width}px in {lang}")
                if (width, lang) in ((390, "vi"), (1280, "en")):
                    screenshot(page, f"workspace-{role}-{_slug(url)}-{width}-{lang}")
                checked += 1
    assert checked == 4 * len(_pages(role, ids))


@pytest.mark.parametrize("role", ["admin", "statistician", "manager"])
def test_menu_holds_exactly_the_pages_the_role_may_open(page, live_server, role):
    _login(page, role)
    menu = page.get_by_role("navigation", name="Menu", exact=True)
    links = menu.get_by_role("link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    names = [links.nth(i).inner_text() for i in range(links.count())]
    assert sorted(hrefs) == sorted(url for url, roles in MENU.items() if role in roles)
    assert len(set(names)) == len(names)  # one name per page
    for url in MENU:  # each link opens; each page left out is refused to this role
        status = page.request.get(live_server.url + url, max_redirects=0).status
        if url in hrefs:
            assert status in (200, 302), f"{role}: menu link {url} -> {status}"
        else:
            assert status in (403, 404), f"{role}: {url} is not in the menu but answers {status}"
    # The current page is marked, and its menu name is its title and heading.
    current = menu.locator('a[aria-current="page"]')
    assert current.count() == 1 and current.inner_text() == "Tổng quan"
    assert page.title() == "Tổng quan" and page.locator("h1").inner_text() == "Tổng quan"
    # One navigation for the menu, one for the languages; logging out is in neither.
    assert page.locator("nav").count() == 2
    language = page.get_by_role("navigation", name="Ngôn ngữ")
    assert language.get_by_role("button").count() == 0 and language.get_by_role("link").count() == 1
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_staff_menu_marks_pages_under_an_entry(page, live_server):
    _login(page, "admin")
    page.goto("/admin/units/import")
    menu = page.get_by_role("navigation", name="Menu", exact=True)
    assert menu.locator("a[aria-current]").all_inner_texts() == ["Đơn vị hành chính"]
    assert menu.locator("a[aria-current]").get_attribute("aria-current") == "true"


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page, screenshot):
    _login(page, "admin")
    page.goto("/admin/units")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.textContent]")
    assert focused == ["skip-link", "Bỏ qua đến nội dung"]
    expect(page.locator(".skip-link")).to_be_in_viewport()  # shown when focused
    screenshot(page, "workspace-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the content, past the menu
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


@pytest.mark.parametrize("role", ["admin", "statistician"])
def test_no_page_scrolls_sideways_at_320_px(page, live_server, screenshot, role):
    ids = _samples(live_server)
    _login(page, role)
    page.set_viewport_size({"width": 320, "height": 800})
    wide = {}
    for url in _pages(role, ids):
        page.goto(url)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            wide[url] = overflow
    assert wide == {}, f"pages wider than 320 px (px too wide): {wide}"
    page.goto("/admin/rounds" if role == "statistician" else "/admin/units")
    table_box = page.locator(".table-scroll").first
    assert table_box.evaluate("b => b.scrollWidth > b.clientWidth")  # the table scrolls in its own box
    assert table_box.get_attribute("tabindex") == "0" and table_box.get_attribute("aria-label")
    screenshot(page, f"workspace-320-{role}")


def _luminance(rgb: tuple[int, ...]) -> float:
    channels = [c / 255 for c in rgb[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = (_luminance(tuple(int(x) for x in re.findall(r"[\d.]+", c))) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def test_focus_ring_and_input_borders_reach_3_to_1(page):
    _login(page, "admin")
    page.goto("/admin/staff/new")
    field = page.get_by_label("Tên đăng nhập")
    border = field.evaluate("e => getComputedStyle(e).borderTopColor")
    card = field.evaluate("e => getComputedStyle(e.closest('.card')).backgroundColor")
    assert _contrast(border, card) >= 3, (border, card)
    field.focus()
    ring = field.evaluate("e => [getComputedStyle(e).outlineColor, getComputedStyle(e).outlineStyle]")
    assert ring[1] == "solid"
    header = page.evaluate("() => getComputedStyle(document.querySelector('header.top')).backgroundColor")
    page_bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    for background in (card, header, page_bg, "rgb(255, 255, 255)"):
        assert _contrast(ring[0], background) >= 3, (ring[0], background)
