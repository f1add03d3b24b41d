"""Reasons behind low ratings: shares of the low ratings citing each reason, per unit, counter and week.

Every expected number below is counted by hand from the rows made in ``counter_ratings``.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.domain.questionnaires.loading import load_questionnaire
from survey.domain.questionnaires.store import publish
from survey.domain.reasons import breakdown_csv, breakdown_xlsx, reason_breakdown, reason_items
from survey.domain.responses import build_response, questionnaire_for
from survey.i18n import LOCAL_TZ
from survey.models import Channel, Device, RoundKind, SurveyRound, Unit, UnitKind

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"
NOW = datetime(2026, 12, 3, 16, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def counter_ratings(db_session, make_unit):
    from survey.domain.devices import register_device

    province = make_unit("P1", "Tỉnh Một", kind=UnitKind.PROVINCE)
    commune_a = make_unit("A1", "Xã An", parent_id=province.id)
    commune_b = make_unit("B1", "Xã Bình", parent_id=province.id)
    elsewhere = make_unit("C1", "Xã Cư")
    path = QUESTIONNAIRES / "counter-quick.yaml"
    version, _created = publish(db_session, load_questionnaire(path), path.read_text(encoding="utf-8"))
    survey_round = SurveyRound(code="counter-t", name="Quầy", questionnaire_version=version,
                               starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
                               kind=RoundKind.CONTINUOUS_COUNTER, channels=["counter"],
                               units=[province, elsewhere])
    db_session.add(survey_round)
    db_session.flush()
    a1, _ = register_device(db_session, commune_a, "Quầy 1")
    a2, _ = register_device(db_session, commune_a, "Quầy 2")
    b1, _ = register_device(db_session, commune_b, "Quầy 1")
    c1, _ = register_device(db_session, elsewhere, "Quầy 1")
    rows = [
        (a1, date(2026, 11, 24), {"rating": 1, "problems": ["waiting", "attitude"]}),
        (a1, date(2026, 11, 24), {"rating": 2, "problems": ["waiting"]}),
        (a1, date(2026, 12, 1), {"rating": 3}),  # low, no reason chosen
        (a2, date(2026, 12, 1), {"rating": 5}),  # not low: the question did not apply
        (a2, date(2026, 12, 1), {"rating": 2, "problems": ["guidance", "waiting"]}),
        (b1, date(2026, 12, 2), {"rating": 1, "problems": ["extra_papers"]}),
        (b1, date(2026, 12, 2), {"rating": 4}),
        (a1, date(2026, 11, 10), {"rating": 1, "problems": ["waiting"]}),  # before the period
        (c1, date(2026, 12, 1), {"rating": 1, "problems": ["attitude"]}),  # outside the scope
    ]
    for device, day, answers in rows:
        db_session.add(build_response(
            survey_round=survey_round, unit=device.unit, channel=Channel.COUNTER, answers=answers,
            response_uuid=uuid.uuid4(), device=device, now=NOW,
            submitted_at=datetime.combine(day, datetime.min.time(), LOCAL_TZ).replace(hour=10),
        ))
    db_session.flush()
    return {p.code: p for p in (province, commune_a, commune_b, elsewhere)}


def _scope(units) -> set[int]:
    return {units[code].id for code in ("P1", "A1", "B1")}


def test_the_reasons_item_is_the_follow_up_of_the_rating(db_session, counter_ratings):
    version = db_session.scalars(select(SurveyRound)).one().questionnaire_version
    rating, reasons = reason_items(questionnaire_for(version))
    assert (rating.code, reasons.code) == ("rating", "problems")


def test_shares_of_low_ratings_in_scope_and_period(db_session, counter_ratings):
    found = reason_breakdown(db_session, _scope(counter_ratings), date(2026, 11, 16), date(2026, 12, 3))
    assert (found.total.low, found.total.explained) == (5, 4)
    assert found.total.counts == {"waiting": 3, "attitude": 1, "guidance": 1, "extra_papers": 1}
    assert found.total.share("waiting") == pytest.approx(60.0)
    assert found.total.share("attitude") == pytest.approx(20.0)
    assert found.total.share("repeat_visits") == 0.0
    assert [r.code for r in found.ranked_reasons][:2] == ["waiting", "attitude"]
    assert found.reasons[0].label("en") == "I waited too long"
    # the whole country, the out-of-scope commune and the earlier answer included
    everything = reason_breakdown(db_session, None, date(2026, 11, 1), date(2026, 12, 3))
    assert (everything.total.low, everything.total.counts["attitude"]) == (7, 2)


def test_by_counter_unit_and_week(db_session, counter_ratings):
    scope = _scope(counter_ratings)
    by_counter = reason_breakdown(db_session, scope, date(2026, 11, 16), date(2026, 12, 3), by="counter")
    table = {(g.unit_name, g.counter): (g.low, g.explained, dict(g.counts)) for g in by_counter.groups}
    assert table == {
        ("Xã An", "Quầy 1"): (3, 2, {"waiting": 2, "attitude": 1}),
        ("Xã An", "Quầy 2"): (1, 1, {"guidance": 1, "waiting": 1}),
        ("Xã Bình", "Quầy 1"): (1, 1, {"extra_papers": 1}),
    }
    first = by_counter.groups[0]
    assert first.share("waiting") == pytest.approx(200 / 3) and first.share("attitude") == pytest.approx(100 / 3)
    by_unit = reason_breakdown(db_session, scope, date(2026, 11, 16), date(2026, 12, 3), by="unit")
    assert [(g.unit_name, g.low, g.share("waiting")) for g in by_unit.groups] == [("Xã An", 4, 75.0), ("Xã Bình", 1, 0.0)]
    by_week = reason_breakdown(db_session, scope, date(2026, 11, 16), date(2026, 12, 3), by="week")
    assert [(g.period_start, g.low, g.counts["waiting"]) for g in by_week.groups] == [
        (date(2026, 11, 23), 2, 2), (date(2026, 11, 30), 3, 1)]
    one_counter = reason_breakdown(db_session, scope, date(2026, 11, 16), date(2026, 12, 3),
                                   counter_id=by_counter_device(db_session, "Xã Bình"))
    assert (one_counter.total.low, dict(one_counter.total.counts)) == (1, {"extra_papers": 1})


def by_counter_device(session, unit_name: str) -> int:
    return session.scalar(select(Device.id).join(Unit, Unit.id == Device.unit_id).where(Unit.name == unit_name))


def test_an_empty_period_and_a_bad_grouping(db_session, counter_ratings):
    empty = reason_breakdown(db_session, _scope(counter_ratings), date(2025, 1, 1), date(2025, 1, 31), by="unit")
    assert (empty.total.low, empty.groups, empty.total.share("waiting")) == (0, [], None)
    with pytest.raises(ValueError, match="hour"):
        reason_breakdown(db_session, None, date(2026, 1, 1), date(2026, 1, 2), by="hour")


def test_csv_in_vietnamese_excel_format_and_xlsx(db_session, counter_ratings):
    found = reason_breakdown(db_session, _scope(counter_ratings), date(2026, 11, 16), date(2026, 12, 3), by="counter")
    text = breakdown_csv(found, decimal_comma=True).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:5] == ["Đơn vị", "Quầy", "Lượt đánh giá thấp", "Có nêu lý do", "Phải chờ quá lâu: số lượt"]
    assert rows[1][:6] == ["Xã An", "Quầy 1", "3", "2", "2", "66,67"]
    assert rows[-1][:6] == ["Tổng cộng", "", "5", "4", "3", "60,00"]
    book = load_workbook(io.BytesIO(breakdown_xlsx(found, lang="vi")))
    sheet = book.active
    assert "16/11/2026" in sheet["A1"].value and "03/12/2026" in sheet["A1"].value
    assert [c.value for c in sheet[3]][:6] == ["Xã An", "Quầy 1", 3, 2, 2, pytest.approx(66.67)]
    assert sheet.cell(row=3, column=6).number_format == "0.00"
