"""Reasons behind low ratings on the counters page, the dashboard and the comments page, and their download.

The rows are made here, in February 2026, on two new tablets of Phường Ba Đình (the demo's own counter
ratings are all in the last eight weeks), so every number below is counted by hand.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.i18n import LOCAL_TZ
from survey.models import Channel, Release, SurveyRound

FEBRUARY = "from=01/02/2026&to=28/02/2026"
# (tablet, rating, reasons, comment)
ROWS = [
    ("main", 1, ["waiting", "attitude"], "Chờ hơn một giờ"),
    ("main", 2, ["waiting"], None),
    ("main", 2, ["waiting"], None),
    ("main", 3, ["guidance"], "Hướng dẫn khó hiểu"),
    ("main", 1, ["waiting", "guidance"], None),
    ("main", 3, [], None),  # low, no reason chosen
    ("main", 5, None, "Rất tốt, cảm ơn"),
    ("main", 4, None, None),
    ("side", 2, ["waiting"], None),
    ("side", 1, ["facilities"], "Ghế hỏng"),
]


def _client(app, login: str):
    client = app.test_client()
    assert client.post("/staff/login", data={"login": login, "password": "sipas-demo"}).status_code == 302
    return client


@pytest.fixture(scope="module")
def tablets(staff_app):
    """Two tablets of Phường Ba Đình with the ratings of ROWS, on 10/02/2026 at 09:00."""
    from survey.domain.devices import register_device
    from survey.domain.responses import build_response
    from survey.domain.units import find_unit
    from survey.extensions import db

    with staff_app.app_context():
        session = db.session
        ba_dinh = find_unit(session, "00004")
        counter_round = session.scalar(select(SurveyRound).where(SurveyRound.code.like("counter-%")))
        devices = {name: register_device(session, ba_dinh, label)[0]
                   for name, label in (("main", "Quầy lý do"), ("side", "Quầy phụ"))}
        moment = datetime(2026, 2, 10, 9, 0, tzinfo=LOCAL_TZ)
        for name, rating, reasons, comment in ROWS:
            answers = {"rating": rating}
            if reasons is not None:
                answers["problems"] = reasons
            if comment:
                answers["comment"] = comment
            session.add(build_response(survey_round=counter_round, unit=ba_dinh, channel=Channel.COUNTER,
                                       answers=answers, response_uuid=uuid.uuid4(), device=devices[name],
                                       submitted_at=moment, now=moment))
        session.commit()
        ids = {name: device.id for name, device in devices.items()}
        release = session.scalar(select(Release).where(Release.round_id == counter_round.id))
        ids["release"] = release.id
        session.remove()
    return ids


def _row_cells(html: str, header: str) -> list[str]:
    """The cells of the table row whose header cell is ``header``, tags removed."""
    match = re.search(rf"<tr[^>]*>\s*<th scope=\"row\"[^>]*>{re.escape(header)}</th>(.*?)</tr>", html, re.DOTALL)
    assert match, header
    return [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.DOTALL)]


def test_counters_page_shows_the_share_of_low_ratings_citing_each_reason(staff_app, tablets):
    html = _client(staff_app, "quanly.badinh").get(f"/staff/counters/00004?{FEBRUARY}&by=counter").get_data(as_text=True)
    # 8 low ratings (1–3), 7 with a reason; waiting 5/8, guidance 2/8, attitude 1/8, facilities 1/8
    assert "8 lượt đánh giá thấp (được hỏi lý do), 7 lượt có chọn ít nhất một lý do" in html
    assert _row_cells(html, "Phải chờ quá lâu") == ["5", "62,5 %"]
    assert _row_cells(html, "Hướng dẫn chưa rõ ràng, khó hiểu") == ["2", "25,0 %"]
    assert _row_cells(html, "Chỗ ngồi, trang thiết bị chưa tốt") == ["1", "12,5 %"]
    assert _row_cells(html, "Không chọn lý do nào") == ["1", ""]
    # by counter: the main tablet has 6 low ratings (waiting 4/6); the side one only 2, too few for a share
    groups = html[html.index('id="reasons-groups-caption"'):]
    main = re.search(r"<th scope=\"row\">Phường Ba Đình</th>\s*<td>Quầy lý do</td>(.*?)</tr>", groups, re.DOTALL).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", main).split()[:4] == ["6", "66,7", "%", "(4)"]
    side = re.search(r"<th scope=\"row\">Phường Ba Đình</th>\s*<td>Quầy phụ</td>(.*?)</tr>", groups, re.DOTALL).group(1)
    assert side.count('class="num few"') == 7 and "—" in side and "%" not in side  # one per reason
    assert "Dưới 5 lượt đánh giá thấp: không tính tỷ lệ" in html


def test_one_counter_and_one_week(staff_app, tablets):
    client = _client(staff_app, "quanly.badinh")
    html = client.get(f"/staff/counters/00004?{FEBRUARY}&by=week&counter={tablets['side']}").get_data(as_text=True)
    assert "2 lượt đánh giá thấp" in html
    assert _row_cells(html, "09/02/2026")[0] == "2"  # the week starting Monday 09/02/2026


def test_download_csv_for_vietnamese_excel_and_xlsx(staff_app, tablets):
    client = _client(staff_app, "quanly.badinh")
    page = client.get(f"/staff/counters/00004?{FEBRUARY}&by=counter").get_data(as_text=True)
    links = dict(re.findall(r'<a href="([^"]*reasons\.(?:csv|xlsx)[^"]*)">([^<]+)</a>', page))
    assert len(links) == 3
    excel_csv = next(href for href, label in links.items() if "decimal_comma=1" in href).replace("&amp;", "&")
    response = client.get(excel_csv)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    header = rows[0]
    main = next(r for r in rows if r[1] == "Quầy lý do")
    total = rows[-1]
    waiting = header.index("Phải chờ quá lâu: số lượt")
    assert (main[2], main[waiting], main[waiting + 1]) == ("6", "4", "66,67")
    assert (total[0], total[2], total[3], total[waiting], total[waiting + 1]) == ("Tổng cộng", "8", "7", "5", "62,50")
    xlsx = next(href for href in links if "reasons.xlsx" in href).replace("&amp;", "&")
    book = load_workbook(io.BytesIO(client.get(xlsx).data))
    sheet = book.active
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[0] == "Tổng cộng" and last[2:4] == [8, 7] and last[waiting:waiting + 2] == [5, 62.5]


def test_dashboard_has_the_reasons_and_their_download(staff_app, tablets):
    html = _client(staff_app, "quanly.badinh").get(f"/staff/dashboard/00004?release={tablets['release']}").get_data(as_text=True)
    section = html[html.index('id="reasons"'):]
    section = section[: section.index("</section>")]
    assert "Lý do của các đánh giá thấp tại quầy" in section
    assert "Phải chờ quá lâu" in section and "reasons.xlsx" in section and "unit=00004" in section
    assert "/staff/counters/00004#reasons" in section


def test_bad_filters_are_named_in_vietnamese_never_a_500(staff_app, tablets):
    client = _client(staff_app, "quanly.badinh")
    page = client.get("/staff/counters/00004?from=31/02/2026&to=01/01/2026&by=hour&counter=x")
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Từ ngày: “31/02/2026” không phải là một ngày; hãy ghi dd/mm/yyyy" in html
    assert "Cách nhóm “hour” không có" in html and "Quầy “x” không có" in html
    assert 'aria-invalid="true"' in html
    reversed_days = client.get("/staff/counters/00004?from=10/02/2026&to=01/02/2026").get_data(as_text=True)
    assert "Đến ngày (01/02/2026) phải sau hoặc bằng Từ ngày (10/02/2026)." in reversed_days
    download = client.get("/staff/counters/reasons.csv?unit=00004&from=2026-13-01")
    assert download.status_code == 400 and "không phải là một ngày" in download.get_data(as_text=True)
    assert client.get("/staff/counters/reasons.pdf?unit=00004").status_code == 404
    # another manager's counter: not in this page's scope
    assert client.get("/staff/counters/reasons.csv?unit=08").status_code == 404


def test_comments_filtered_by_day_rating_reason_and_counter(staff_app, tablets):
    client = _client(staff_app, "quanly.badinh")
    base = f"/staff/dashboard/00004/comments?release={tablets['release']}&from=10/02/2026&to=10/02/2026"
    everything = client.get(base).get_data(as_text=True)
    for text in ("Chờ hơn một giờ", "Hướng dẫn khó hiểu", "Rất tốt, cảm ơn", "Ghế hỏng"):
        assert text in everything
    assert "<h2>10/02/2026</h2>" in everything
    assert "Đánh giá: Rất không hài lòng · Lý do: Phải chờ quá lâu, Thái độ của công chức chưa đúng mực" in everything
    one = client.get(base + "&rating=1").get_data(as_text=True)
    assert "Chờ hơn một giờ" in one and "Ghế hỏng" in one and "Hướng dẫn khó hiểu" not in one and "Rất tốt" not in one
    guidance = client.get(base + "&reason=guidance").get_data(as_text=True)
    assert "Hướng dẫn khó hiểu" in guidance and "Chờ hơn một giờ" not in guidance
    side = client.get(base + f"&counter={tablets['side']}").get_data(as_text=True)
    assert "Ghế hỏng" in side and "Chờ hơn một giờ" not in side and "1 ý kiến." in side
    later = client.get(f"/staff/dashboard/00004/comments?release={tablets['release']}&from=11/02/2026&to=12/02/2026")
    assert "Chờ hơn một giờ" not in later.get_data(as_text=True)
    bad = client.get(f"/staff/dashboard/00004/comments?release={tablets['release']}&rating=9&to=hôm qua")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Mức đánh giá: “9” không có trong danh sách" in text and "Đến ngày: “hôm qua” không phải là một ngày" in text
