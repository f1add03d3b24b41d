"""The Decision 766 score page in Chromium: a Hà Nội manager's month, WCAG 2.1 AA with no violation at all
(tests/browser/axe_rules.py) at 390 and 1280 px, no sideways scroll, screenshots in test-artifacts/decision766-*.png.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe_rules import assert_wcag_aa

pytestmark = pytest.mark.browser


def _dossiers(session) -> None:
    """March 2026 in Hà Nội (01) and Phường Ba Đình (00004): 12 dossiers, 3 of which cost points, 8 ratings;
    Ba Đình's with their desk (MaQuay), so the by-desk table is checked too. (The demo's own dossiers are
    those of the last four months, so a month long past holds only these.)"""
    from survey.domain.dossiers import intake_events
    from survey.domain.units import find_unit
    from survey.models import Dossier, DossierRating, PortalUnitCode, Procedure

    if session.scalar(select(PortalUnitCode).where(PortalUnitCode.portal_code == "H01.4")) is not None:
        return
    session.add_all([PortalUnitCode(portal_code="H01", unit_id=find_unit(session, "01").id),
                     PortalUnitCode(portal_code="H01.4", unit_id=find_unit(session, "00004").id)])
    known = set(session.scalars(select(Procedure.code)))  # the demo's catalogue may hold them already
    session.add_all([p for p in (Procedure(code="1.001193", name="Đăng ký khai sinh"),
                                 Procedure(code="2.000908", name="Chứng thực bản sao từ bản chính giấy tờ, văn bản"))
                     if p.code not in known])
    events = []
    for n in range(1, 13):
        unit = "H01.4" if n <= 8 else "H01"
        late = n in (2, 9)
        events.append({"LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": f"202603{n + 10}080000",
                       "MaHoSo": f"H01-2603-{n:04d}", "MaTTHC": "1.001193" if n % 2 else "2.000908",
                       "DonViXuLy": unit, "KenhThucHien": 1, "NgayTiepNhan": f"202603{n + 10}080000",
                       "NgayHenTra": f"202603{n + 12}170000",
                       "NgayKetThucXuLy": f"202603{n + (14 if late else 11)}100000",
                       **({"MaQuay": f"Q{n % 3 + 1:02d}"} if unit == "H01.4" else {})})
    report = intake_events(session, events, source="motcua-h01", now=datetime(2026, 4, 1, tzinfo=UTC))
    assert report.refused == 0, report.errors
    ids = dict(session.execute(select(Dossier.code, Dossier.id)).all())
    for n in (1, 2, 3, 4, 5, 6, 10, 11):  # 6 in Ba Đình, 2 in Hà Nội itself (too few to show)
        level = "not_satisfied" if n == 3 else "satisfied"
        session.add(DossierRating(dossier_id=ids[f"H01-2603-{n:04d}"], level=level, channel="kiosk",
                                  index_scores={str(i): (0 if n == 3 else 2) for i in range(1, 10)},
                                  rated_at=datetime(2026, 3, 25, 3, tzinfo=UTC)))
    session.commit()


def _login(page) -> None:
    page.goto("/staff/login?lang=vi")
    page.get_by_label("Tên đăng nhập").fill("quanly.hanoi")
    page.get_by_label("Mật khẩu").fill("sipas-demo")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_the_score_page_meets_wcag_aa_on_a_phone_and_a_desktop(page, live_server, screenshot):
    live_server.query(_dossiers)
    _login(page)
    page.get_by_role("navigation", name="Menu", exact=True).get_by_role(
        "link", name="Điểm hài lòng theo Quyết định 766").click()
    page.get_by_role("textbox", name="Tháng (mm/yyyy)").fill("03/2026")
    page.get_by_role("button", name="Xem").click()
    expect(page).to_have_url(re.compile(r"/staff/decision766/01\?month=03%2F2026$"))
    # 9/12 satisfied in Hà Nội's scope: 75,00 % → 6 × 0,75 / 0,9 = 5,00 points; Ba Đình 6/8 = 75,00 %
    expect(page.locator("#kpi-54")).to_contain_text("75,00 %")
    expect(page.locator("#kpi-54")).to_contain_text("9 / 12 hồ sơ · 5,00 / 6,00 điểm")
    expect(page.locator("table.circular01")).to_contain_text("Dưới 5 lượt đánh giá: không hiển thị")  # Hà Nội: 0
    # Ba Đình's 2 (overdue) and 3 (rated "not satisfied") were received at desks Q03 and Q01
    expect(page.locator("#lost-desk").locator("xpath=..")).to_contain_text("Q03")
    expect(page.locator("#lost-desk").locator("xpath=..")).to_contain_text("Q01")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        assert page.locator("h1").count() == 1
        assert_wcag_aa(page, f"/staff/decision766/01 at {width}px")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways at {width}px by {overflow}px"
        page.locator("details.chart-data summary").click()
        assert_wcag_aa(page, f"/staff/decision766/01 at {width}px with the chart's data open")
        screenshot(page, f"decision766-{width}")
    page.goto("/staff/decision766/01?month=03/2026&lang=en")
    assert_wcag_aa(page, "/staff/decision766/01 in English")
    expect(page.locator("h1")).to_contain_text("Decision 766 satisfaction score")
    expect(page.locator("table.score766 thead")).to_contain_text("Satisfaction with receiving and handling dossiers")
    screenshot(page, "decision766-1280-en")
