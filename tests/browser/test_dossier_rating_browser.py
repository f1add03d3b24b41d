"""Rating a dossier on a phone (390x844) through its link: WCAG 2.1 AA (strict axe) on the form, after a failed
send and on the thanks page, in Vietnamese and English; the rating stored once. Screenshots:
test-artifacts/dossier-rating-*.png."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.axe_rules import PHONE, assert_wcag_aa, page_scrolls_sideways

pytestmark = pytest.mark.browser


def _dossier_link(live_server, code: str) -> str:
    from survey.domain.dossiers.rating import rating_token
    from survey.domain.units import find_unit
    from survey.models import Dossier

    def add(session):
        unit = find_unit(session, "00004")
        dossier = Dossier(source="Một cửa thử", code=code, unit_id=unit.id, portal_unit_code="H01.4", channel=1,
                          received_at=datetime(2026, 11, 2, 1, tzinfo=UTC), due_at=datetime(2026, 11, 9, 10, tzinfo=UTC),
                          handled_at=datetime(2026, 11, 9, 3, tzinfo=UTC), returned=True)
        session.add(dossier)
        session.commit()
        return f"/d/{rating_token(live_server.app.config['SECRET_KEY'], dossier)}"

    return live_server.query(add)


def _rating(live_server, code: str):
    from sqlalchemy import select

    from survey.models import Dossier, DossierRating

    return live_server.query(lambda s: s.execute(
        select(DossierRating.level, DossierRating.index_scores, DossierRating.channel).join(Dossier)
        .where(Dossier.code == code)).all())


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_citizen_rates_a_dossier_on_a_phone(page, live_server, screenshot, lang):
    code = f"H01.4-261102-{lang}"
    link = _dossier_link(live_server, code)
    page.set_viewport_size(PHONE)
    page.goto(f"{link}?lang={lang}")
    expect(page.locator("h1")).to_contain_text("Đánh giá" if lang == "vi" else "Rate how")
    assert_wcag_aa(page, f"dossier rating form ({lang})")
    assert not page_scrolls_sideways(page)
    screenshot(page, f"dossier-rating-form-{lang}-phone")

    page.get_by_role("button", name="Gửi đánh giá" if lang == "vi" else "Send rating").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary li")).to_have_count(8)
    assert_wcag_aa(page, f"dossier rating errors ({lang})")
    screenshot(page, f"dossier-rating-errors-{lang}-phone")

    for item, code_value in (("chi_so_2", "2"), ("chi_so_3", "1"), ("chi_so_4", "2"), ("chi_so_6", "2"),
                             ("chi_so_7", "2"), ("chi_so_8", "2"), ("truc_tuyen", "1"), ("chi_so_9", "1"),
                             ("muc_do_hai_long", "1")):
        page.locator(f"input[name={item}][value='{code_value}']").check()
    page.get_by_role("button", name="Gửi đánh giá" if lang == "vi" else "Send rating").click()
    expect(page.locator("h1")).to_contain_text("Cảm ơn" if lang == "vi" else "Thank you")
    assert_wcag_aa(page, f"dossier rating thanks ({lang})")
    screenshot(page, f"dossier-rating-thanks-{lang}-phone")
    [(level, scores, channel)] = _rating(live_server, code)
    assert (level, channel) == ("satisfied", "link")
    assert scores == {"1": 1, "2": 2, "3": 1, "4": 2, "5": 2, "6": 2, "7": 2, "8": 2, "9": 1}


def test_the_printed_slip_is_only_the_slip_with_a_scannable_qr_code(page, live_server, artifacts):
    """Print media: no header, language links or hint; the QR code 40 mm square; the slip fits one A6 page."""
    link = _dossier_link(live_server, "H01.4-261102-slip")
    page.goto(f"{link}/slip?lang=vi")
    expect(page.locator(".slip-print")).to_be_visible()  # on screen, the hint to print
    page.emulate_media(media="print")
    for hidden in ("header.top", ".skip-link", "nav.lang", ".slip-print"):
        expect(page.locator(hidden)).to_be_hidden()
    box = page.locator(".slip-qr").bounding_box()
    mm = 96 / 25.4  # CSS pixels per millimetre
    assert abs(box["width"] - 40 * mm) < 1 and abs(box["height"] - 40 * mm) < 1, box
    outside = page.evaluate("""() => {
        const slip = document.querySelector('.slip');
        return [...document.body.querySelectorAll('*')].filter(element => {
            const rect = element.getBoundingClientRect();
            const shown = rect.width > 0 && rect.height > 0 && getComputedStyle(element).visibility !== 'hidden';
            return shown && !slip.contains(element) && !element.contains(slip);
        }).map(element => element.tagName + '.' + element.className);
    }""")
    assert outside == []  # nothing but the slip (and the elements that hold it) takes any space
    slip = page.locator(".slip").bounding_box()
    assert slip["width"] <= 89 * mm + 1  # within an A6 page less its margins
    page.screenshot(path=str(artifacts / "dossier-slip-print.png"), full_page=True)
    pdf = page.pdf(format="A6", print_background=False)
    (artifacts / "dossier-slip-a6.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A6 page
