"""Comments of a one-counter commune: shown only a day later and after k other responses, by day, not by time."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from survey.domain.devices import register_device
from survey.domain.responses import build_response
from survey.domain.units import find_unit
from survey.i18n import LOCAL_TZ
from survey.models import Channel, Release, ReleaseStatus, Unit, UnitKind

_serial = iter(range(1, 10_000))


def _one_counter_commune(db_session):
    commune = Unit(code="99001", name="Xã Một Quầy", kind=UnitKind.COMMUNE, parent=find_unit(db_session, "01"),
                   valid_from=date(2025, 7, 1))
    db_session.add(commune)
    device, _token = register_device(db_session, commune, "Quầy 1")
    (release,) = [r for r in db_session.scalars(select(Release).where(Release.status == ReleaseStatus.PUBLISHED))
                  if "counter" in r.round.channels]  # the demo's counter round
    return commune, device, release


def _arrive(db_session, release, commune, device, when: datetime, comment: str | None = None) -> None:
    """A response of the commune's one tablet that arrived at ``when`` (with or without a comment)."""
    response = build_response(survey_round=release.round, unit=commune, channel=Channel.COUNTER, device=device,
                              answers={"rating": 4, **({"comment": comment} if comment else {})},
                              response_uuid=uuid.UUID(int=next(_serial)), submitted_at=when)
    response.received_at = when
    db_session.add(response)


def _shown(client, release) -> str:
    page = client.get(f"/staff/dashboard/99001/comments?release={release.id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_comment_waits_a_day_and_k_later_responses_and_shows_its_day_not_its_time(app, demo, db_session, client,
                                                                                    login_as):
    commune, device, release = _one_counter_commune(db_session)
    now = datetime.now(LOCAL_TZ)
    three_days_ago = datetime.combine(now.date() - timedelta(days=3), time(9, 17), LOCAL_TZ)
    _arrive(db_session, release, commune, device, three_days_ago, "Góp ý cũ, đủ năm phiếu sau")
    for minutes in range(1, 6):
        _arrive(db_session, release, commune, device, three_days_ago + timedelta(minutes=minutes))
    two_days_ago = three_days_ago + timedelta(days=1)
    _arrive(db_session, release, commune, device, two_days_ago, "Góp ý mới có ba phiếu sau")
    for minutes in range(1, 4):
        _arrive(db_session, release, commune, device, two_days_ago + timedelta(minutes=minutes))
    db_session.commit()

    login_as("quanly.hanoi")
    html = _shown(client, release)
    assert "Góp ý cũ, đủ năm phiếu sau" in html
    assert three_days_ago.strftime("%d/%m/%Y") in html  # its day, as Vietnamese dates are written
    assert "09:17" not in html and "9:17" not in html and not re.search(r"\b\d{1,2}:\d{2}\b", html.split("<main")[-1])
    assert "Góp ý mới có ba phiếu sau" not in html  # only 3 of the 5 other responses since

    an_hour_ago = now - timedelta(hours=1)
    _arrive(db_session, release, commune, device, an_hour_ago, "Vừa được phục vụ xong")
    for minutes in range(1, 7):  # six more citizens at the counter
        _arrive(db_session, release, commune, device, an_hour_ago + timedelta(minutes=minutes))
    db_session.commit()
    html = _shown(client, release)
    assert "Góp ý mới có ba phiếu sau" in html
    assert "Vừa được phục vụ xong" not in html  # followed by 6 others, but not a day old
    assert html.index("Góp ý mới có ba phiếu sau") < html.index("Góp ý cũ, đủ năm phiếu sau")  # newest day first


def test_comments_of_one_day_are_not_in_the_order_they_arrived(app, demo, db_session, client, login_as):
    commune, device, release = _one_counter_commune(db_session)
    day = datetime.combine(datetime.now(LOCAL_TZ).date() - timedelta(days=4), time(8), LOCAL_TZ)
    texts = [f"Ý kiến thứ {n} trong ngày" for n in range(1, 8)]
    for n, text in enumerate(texts):
        _arrive(db_session, release, commune, device, day + timedelta(minutes=20 * n), text)
    for n in range(5):
        _arrive(db_session, release, commune, device, day + timedelta(hours=5, minutes=n))
    db_session.commit()
    login_as("quanly.hanoi")
    html = _shown(client, release)
    shown = sorted(texts, key=html.index)
    assert len(shown) == 7 and all(text in html for text in texts)
    assert shown not in (texts, texts[::-1])  # neither oldest nor newest first
    assert sorted(texts, key=_shown(client, release).index) == shown  # the same order on every view
