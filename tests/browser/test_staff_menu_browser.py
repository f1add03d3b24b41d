"""The staff menu on a phone: folded behind a disclosure button, closed at first, worked by keyboard;
open on a wide screen; simply shown without JavaScript. WCAG 2.1 AA (axe) in every state.
Screenshots in test-artifacts/staff-menu-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe_rules import DESKTOP, PHONE, assert_wcag_aa
from tests.browser.test_staff_browser import _login as staff_login

pytestmark = pytest.mark.browser

# Every entry of the administrator's menu (survey/web/staff/menu.py).
ADMIN_ENTRIES = 14


def _login(page) -> None:
    staff_login(page, "admin")


def _menu(page):
    return page.get_by_role("navigation", name="Menu", exact=True)


def _shown_whole(menu) -> None:
    """The menu as on a wide screen: no button, every entry there and visible."""
    expect(menu.get_by_role("button")).to_have_count(0)
    assert menu.get_by_role("link").count() == ADMIN_ENTRIES
    expect(menu.get_by_role("link", name="Nhật ký hệ thống")).to_be_visible()


def test_on_a_phone_the_menu_is_closed_and_the_page_starts_on_the_first_screen(page, screenshot):
    page.set_viewport_size(PHONE)
    _login(page)
    menu = _menu(page)
    toggle = menu.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    controlled = page.locator("#" + toggle.get_attribute("aria-controls"))
    assert controlled.count() == 1 and controlled.locator("a").count() == ADMIN_ENTRIES
    expect(controlled).to_be_hidden()
    assert menu.get_by_role("link").count() == 0  # folded links are out of the accessibility tree
    heading = page.locator("h1").bounding_box()
    assert heading["y"] + heading["height"] < PHONE["height"] / 3, heading  # the page, not the menu, on screen
    assert_wcag_aa(page, "staff overview at 390 px, menu closed")
    screenshot(page, "staff-menu-390-closed")


def test_the_menu_button_works_with_the_keyboard(page, screenshot):
    page.set_viewport_size(PHONE)
    _login(page)
    menu = _menu(page)
    toggle = menu.get_by_role("button", name="Menu")
    for _ in range(8):  # Tab from the top of the page reaches the button
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('menu-toggle')"):
            break
    else:
        pytest.fail("Tab never reached the menu button")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Tổng quan")).to_be_visible()
    assert menu.get_by_role("link").count() == ADMIN_ENTRIES
    assert_wcag_aa(page, "staff overview at 390 px, menu open")
    screenshot(page, "staff-menu-390-open")
    page.keyboard.press("Tab")  # into the menu: its first link
    assert page.evaluate("() => document.activeElement.textContent") == "Tổng quan"
    page.keyboard.press("Escape")  # closes it, back on the button
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("() => document.activeElement.classList.contains('menu-toggle')")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("link", name="Tổng quan")).to_be_hidden()


def test_on_a_wide_screen_the_menu_is_open_without_a_button(page, screenshot):
    page.set_viewport_size(DESKTOP)
    _login(page)
    menu = _menu(page)
    _shown_whole(menu)
    assert_wcag_aa(page, "staff overview at 1280 px")
    screenshot(page, "staff-menu-1280")
    page.set_viewport_size(PHONE)  # turned into a phone-sized window: folded
    expect(menu.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    page.set_viewport_size(DESKTOP)  # and back: open again
    _shown_whole(menu)


def test_without_javascript_the_menu_is_simply_shown(browser, live_server, screenshot):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        _login(page)
        _shown_whole(_menu(page))
        screenshot(page, "staff-menu-390-no-js")
    finally:
        context.close()
