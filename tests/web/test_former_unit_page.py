"""An old unit code (a poster from before the 2025 reorganisation) names today's unit instead of a 404."""

from __future__ import annotations

import re
from datetime import date

from survey.domain.lineage import NewUnit, split_unit
from survey.domain.units import find_unit, seed_provinces


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def test_former_ha_giang_names_tuyen_quang_and_links_to_its_form(client, db_session):
    seed_provinces(db_session)
    db_session.commit()
    for url in ("/s/02", "/s/02/thanks"):
        page = client.get(url)
        text = _text(page)
        assert page.status_code == 200, url
        assert "<h1>Tỉnh Hà Giang</h1>" in text  # the page has a heading of its own (WCAG 1.3.1, 2.4.6)
        assert "Tỉnh Hà Giang (mã 02) đã thôi hoạt động từ ngày 01/07/2025" in text
        assert "Đơn vị tiếp nhận hiện nay:" in text and 'href="/s/08"' in text
        assert "Góp ý cho Tỉnh Tuyên Quang" in text
    english = _text(client.get("/s/02?lang=en"))
    assert "Tỉnh Hà Giang (code 02) ceased on 01/07/2025" in english and "Give feedback to Tỉnh Tuyên Quang" in english


def test_a_split_unit_lists_every_successor_and_an_unknown_code_stays_404(client, db_session, make_unit):
    seed_provinces(db_session)
    ward = make_unit("00004", "Phường Ba Đình", parent=find_unit(db_session, "01"), valid_from=date(2025, 7, 1))
    split_unit(db_session, ward, [NewUnit("00005", "Phường Một"), NewUnit("00006", "Phường Hai")], date(2026, 1, 1))
    db_session.commit()
    text = _text(client.get("/s/00004"))
    assert "Các đơn vị tiếp nhận hiện nay:" in text
    assert 'href="/s/00005"' in text and 'href="/s/00006"' in text
    assert client.get("/s/99999").status_code == 404
    assert client.get("/s/99999/thanks").status_code == 404
