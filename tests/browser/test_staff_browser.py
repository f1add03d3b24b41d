"""Staff workspace in Chromium: a statistician computes and publishes a release; a manager reads the
dashboard (league table, charts: screenshots in test-artifacts/) and is refused another unit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _login(page, login: str) -> None:
    page.goto("/staff/login")
    page.get_by_label("Tên đăng nhập").fill(login)
    page.get_by_label("Mật khẩu").fill("sipas-demo")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_statistician_computes_and_publishes_a_release(page, live_server, screenshot):
    from survey.models import Release, ReleaseStatus

    _login(page, "thongke")
    page.get_by_role("link", name="Tính toán và công bố").click()
    page.get_by_label("Đợt khảo sát").select_option(label=f"SIPAS {date.today().year}")
    page.get_by_label("Tên bản kết quả").fill("Kết quả chính thức (bản sửa)")
    page.get_by_role("button", name="Bắt đầu tính toán").click()
    expect(page).to_have_url(re.compile(r"/staff/jobs/\d+$"))
    expect(page.locator("#job-progress")).to_be_visible()
    result = page.get_by_role("link", name="Xem bản kết quả")
    expect(result).to_be_visible(timeout=60_000)  # progress.js polls the job until it is done
    assert page.locator("#job-progress").evaluate("p => p.value") == 1
    screenshot(page, "staff-job-done")
    result.click()
    expect(page.get_by_text("Bản nháp – chưa công bố")).to_be_visible()
    screenshot(page, "staff-release-draft")
    page.get_by_role("button", name="Công bố bản kết quả").click()
    expect(page.get_by_text(re.compile(r"Đã công bố bản kết quả số \d+\."))).to_be_visible()
    release_id = int(re.search(r"/staff/releases/(\d+)", page.url).group(1))
    release = live_server.query(lambda s: s.get(Release, release_id))
    assert release.status == ReleaseStatus.PUBLISHED and release.title == "Kết quả chính thức (bản sửa)"
    assert release.supersedes_id is not None  # the demo's first release of the round


def test_manager_reads_the_dashboard_and_is_refused_other_units(page, live_server, screenshot, axe_check):
    from survey.domain.synthetic_releases import demo_releases

    # The demo's paper answers are by province only; a release with every commune (written
    # directly, as the computation stores it) gives Hà Nội a league table of its sub-units.
    live_server.query(demo_releases)
    _login(page, "quanly.hanoi")
    page.get_by_role("link", name="Kết quả", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/dashboard/01$"))
    expect(page.get_by_role("heading", name="Thành phố Hà Nội", level=1)).to_be_visible()
    overall = page.locator("#kpi-overall .value")
    expect(overall).to_have_text(re.compile(r"^\d{1,3},\d\d %$"))
    league = page.locator("table.league tbody tr")
    assert league.count() >= 1
    forest = page.locator("svg#forest")
    expect(forest).to_be_visible()
    box = forest.bounding_box()
    assert box["width"] > 300 and box["height"] > 60
    expect(page.locator("svg#trend")).to_be_visible()
    expect(page.locator("svg#items")).to_be_visible()
    screenshot(page, "dashboard-hanoi")
    axe_check(page, "the Hà Nội dashboard")
    # a sub-unit's page from the league table
    page.goto("/staff/dashboard/00004")
    expect(page.get_by_role("heading", name="Phường Ba Đình", level=1)).to_be_visible()
    screenshot(page, "dashboard-ba-dinh")
    # live counter ratings with the hour x weekday heat map
    page.goto("/staff/counters/")
    expect(page.locator("svg#heat")).to_be_visible()
    screenshot(page, "counters-hanoi")
    # another province: its page and its export do not exist for this manager
    for url in ("/staff/dashboard/08", "/staff/counters/08"):
        response = page.goto(url)
        assert response.status == 404, url
    page.goto("/staff/dashboard/01")
    export = page.locator("p.downloads a", has_text="CSV").get_attribute("href")
    release_id = int(re.search(r"/staff/releases/(\d+)/", export).group(1))
    assert page.request.get(f"/staff/releases/{release_id}/export.csv?unit=08").status == 404
    own = page.request.get(f"/staff/releases/{release_id}/export.csv?unit=01")
    assert own.status == 200 and "Thành phố Hà Nội" in own.text() and "Tuyên Quang" not in own.text()
