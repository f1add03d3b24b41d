"""The dashboard of an ended month from stored counts: the same numbers on every view, a late PAKN shown at
once; a large scope's score table shows its lowest units first, with every unit a link (and a download) away."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from survey.domain.dossiers import intake_events
from survey.models.dossiers import DossierMonth
from tests.web.test_decision766_pages import NOW, _login, _row, dossiers  # noqa: F401 (dossiers: the fixture)

LATE_PAKN = {"LoaiSuKien": "PAKN", "ThoiGianSuKien": "20261202090000", "MaPAKN": "PAKN-LATE", "DonViXuLy": "H26.189",
             "MaHoSo": "C1", "NgayTiepNhan": "20261030090000", "NgayKetThucXuLy": "20261031090000"}


def _score_rows(body: str) -> tuple[str, str, str]:
    return _row(body, "Xã Một"), _row(body, ">Tỉnh Mẫu<"), _row(body, "Tổng phạm vi")


def test_the_second_view_shows_the_first_views_numbers_and_a_late_pakn_moves_them(client, db_session, dossiers):  # noqa: F811
    client = _login(client, "tk")
    first = client.get("/staff/decision766/26?month=10/2026&lang=vi").get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(DossierMonth).where(
        DossierMonth.month == "2026-10", DossierMonth.counted_generation == DossierMonth.generation)) >= 2
    second = client.get("/staff/decision766/26?month=10/2026&lang=vi").get_data(as_text=True)
    assert _score_rows(second) == _score_rows(first)
    assert "5 / 8" in _score_rows(second)[0] and "8 / 11" in _score_rows(second)[2]  # the hand-computed ones
    # a PAKN received on 30/10 about C1, posted by the one-stop shop on 02/12: October's stored month is stale
    report = intake_events(db_session, [LATE_PAKN], source="motcua-h26", now=NOW.replace(month=12, day=3))
    assert report.refused == 0, report.errors
    db_session.commit()
    after = client.get("/staff/decision766/26?month=10/2026&lang=vi").get_data(as_text=True)
    commune, _province, total = _score_rows(after)
    assert "4 / 8" in commune and "7 / 11" in total and "2 / 2" in commune  # C1 now costs points; 2 PAKN on time


def test_a_large_scope_shows_its_lowest_units_first_and_every_unit_on_request(client, dossiers, monkeypatch):  # noqa: F811
    monkeypatch.setattr("survey.web.staff.decision766.UNITS_SHOWN", 1)
    client = _login(client, "tk")
    body = client.get("/staff/decision766/26?month=10/2026&lang=vi").get_data(as_text=True)
    table = body[body.index('class="score766"'):body.index("</table>", body.index('class="score766"'))]
    assert "1 trong 2 đơn vị có điểm thấp nhất" in table  # the caption says what is shown
    assert ">Tỉnh Mẫu<" in table and "Xã Một" not in table  # 6,00 points before 16,17
    assert "Xem cả 2 đơn vị trên trang" in body
    report = body[body.index('id="h-circular"'):]  # Circular 01: the unit with enough ratings first, then a note
    assert "Xã Một" in report and "Tỉnh Mẫu" not in report.split("</table>")[0]
    assert "Hiện 1 trong 2 đơn vị có đánh giá, đơn vị đủ số lượt đánh giá trước." in report
    every = client.get("/staff/decision766/26?month=10/2026&units=all&lang=vi").get_data(as_text=True)
    table = every[every.index('class="score766"'):every.index("</table>", every.index('class="score766"'))]
    assert "Mọi đơn vị (2), điểm thấp nhất trước" in table
    assert table.index(">Tỉnh Mẫu<") < table.index("Xã Một") < table.index("Tổng phạm vi")
    assert "Dưới 5 lượt đánh giá: không hiển thị" in every[every.index('id="h-circular"'):]  # the hidden unit too
    lines = list(csv.reader(io.StringIO(client.get("/staff/decision766/26/table.csv?month=10/2026")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    assert [line[0] for line in lines[1:]] == ["00189", "26", ""]  # the download keeps every unit, and the total
    english = client.get("/staff/decision766/26?month=10/2026&lang=en").get_data(as_text=True)
    assert "The 1 of 2 units with the lowest points" in english and "Show all 2 units on the page" in english
