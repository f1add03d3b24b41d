"""Stored counts of ended months equal the live count from the rows after every kind of write that can move them.

NOW is 03/12/2026: October and November 2026 are over, so the dashboard reads their stored counts. After
each write (duplicates and out-of-order events, a PAKN about a November dossier posted in December, a PAKN
without a receipt time, a "not satisfied" rating replaced just after the month's end, a late sync, a bulk
insert, a purge) the stored score, the dossiers that cost points and the trend equal the live ones, and the
write moved the numbers it should (so the comparison cannot pass by leaving both unchanged).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from analysis.decision766 import Period
from survey.domain.dossiers import (
    current_definition,
    intake_events,
    month_score,
    purge_expired,
    trend_scores,
)
from survey.domain.dossiers.closed_months import month_key, stored_months
from survey.domain.dossiers.reports import lost_points, scope_score
from survey.models import Dossier, DossierRating
from survey.models.dossiers import DossierMonth
from tests.dossier_fixtures import portal_units

NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


def portal(moment: datetime) -> str:
    return (moment + timedelta(hours=7)).strftime("%Y%m%d%H%M%S")


def sync(code: str, received: datetime, unit: str = "H26.189", days: int = 3, **fields) -> dict:
    return {"LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": portal(received), "MaHoSo": code, "MaTTHC": "1.001234",
            "DonViXuLy": unit, "NgayTiepNhan": portal(received), "NgayHenTra": portal(received + timedelta(days=days)),
            **fields}


def progress(code: str, at: datetime, handled: datetime, unit: str = "H26.189") -> dict:
    return {"LoaiSuKien": "CapNhatTienDoHoSoMC", "ThoiGianSuKien": portal(at), "MaHoSo": code, "DonViXuLy": unit,
            "NgayKetThucXuLy": portal(handled)}


def pakn(code: str, received: datetime | None, dossier: str | None, event_at: datetime) -> dict:
    event = {"LoaiSuKien": "PAKN", "ThoiGianSuKien": portal(event_at), "MaPAKN": code, "DonViXuLy": "H26.189"}
    if received:
        event |= {"NgayTiepNhan": portal(received), "NgayKetThucXuLy": portal(received + timedelta(days=1))}
    return {**event, "MaHoSo": dossier} if dossier else event


def take(session, events) -> None:
    report = intake_events(session, events, source="motcua", now=NOW)
    assert report.refused == 0, report.errors
    session.flush()


def snapshot(session, scope, month=11):
    """Stored and live: units and counts of 5.2/5.3/5.4, group points, the dossiers that cost points."""
    def numbers(score, lost):
        return ([(row.unit.id if row.unit else None, {code: (c.numerator, c.denominator) for code, c in row.cells.items()},
                  row.group_points) for row in [*score.units, score.total]],
                [[(r.code, r.received, r.not_satisfied, r.overdue, r.complained, r.disliked, r.unit_code)
                  for r in rows] for rows in (lost.by_procedure, lost.by_unit, lost.by_desk)])

    stored = numbers(scope_score(session, 2026, month, scope, as_of=NOW),
                     lost_points(session, 2026, month, scope, as_of=NOW))
    live = numbers(scope_score(session, 2026, month, scope, as_of=NOW, from_rows=True),
                   lost_points(session, 2026, month, scope, as_of=NOW, from_rows=True))
    assert stored == live
    live_score = month_score(session, 2026, month, unit_ids=scope)  # the reference, judged at the month's end
    assert stored[0][-1][1]["5.4"] == (int(live_score.dossiers.numerator.sum()),
                                       int(live_score.dossiers.denominator.sum()))
    trend = [t.group_points for t in trend_scores(session, 2026, 11, 3, scope, as_of=NOW)]
    assert trend == [scope_score(session, 2026, m, scope, as_of=NOW, from_rows=True).total.group_points
                     for m in (9, 10, 11)]
    return stored


@pytest.fixture
def months(db_session, make_unit):
    units = portal_units(db_session, make_unit)
    events = []
    for n in range(6):  # November: every third handled late, one a day past its due time
        received = datetime(2026, 11, 2 + 4 * n, 2, tzinfo=UTC)
        events += [sync(f"N{n}", received, MaQuay=f"Q{n % 2}"),
                   progress(f"N{n}", received + timedelta(days=4 if n % 3 == 0 else 1),
                            received + timedelta(days=4 if n % 3 == 0 else 1))]
    events += [sync("OCT", datetime(2026, 10, 5, 2, tzinfo=UTC)), sync("P27", datetime(2026, 11, 3, tzinfo=UTC), "H27")]
    events.append(pakn("PK1", datetime(2026, 11, 10, tzinfo=UTC), None, datetime(2026, 11, 10, tzinfo=UTC)))
    take(db_session, events)
    scope = {units["province"].id, units["commune"].id}
    return units, scope


def stored_rows(session) -> int:
    return session.scalar(select(func.count()).select_from(DossierMonth).where(
        DossierMonth.counted_generation == DossierMonth.generation))


def test_a_second_view_reads_only_the_stored_counts(db_session, months):
    _units, scope = months
    first = snapshot(db_session, scope)
    assert first[0][-1][1]["5.4"] == (4, 6)  # N0 and N3 overdue
    assert stored_rows(db_session) >= 2 * 3  # both units, three months
    assert stored_months(db_session, [Period.month(2026, 11)], scope, current_definition())[0].rows_read == 0
    assert snapshot(db_session, scope) == first
    # October was stored by the trend without its procedures and desks: viewing it counts them, equal to live
    assert db_session.scalar(select(DossierMonth.parts).where(DossierMonth.month == "2026-10",
                                                              DossierMonth.unit_id == _units["commune"].id)) is None
    assert snapshot(db_session, scope, month=10)[1][0] == [("1.001234", 1, 1, 1, 0, 0, "")]


def test_late_pakn_replaced_rating_late_sync_and_duplicates_move_the_stored_month(db_session, months):
    units, scope = months
    before = snapshot(db_session, scope)
    # the same events again, and an older progress event arriving after a newer one: nothing moves
    take(db_session, [sync("N1", datetime(2026, 11, 6, 2, tzinfo=UTC), MaQuay="Q1"),
                      progress("N1", datetime(2026, 11, 6, 3, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC))])
    assert snapshot(db_session, scope) == before
    # a PAKN received in November about N1, posted on 2 December: N1 now costs points
    take(db_session, [pakn("PK2", datetime(2026, 11, 29, tzinfo=UTC), "N1", datetime(2026, 12, 2, tzinfo=UTC))])
    after_pakn = snapshot(db_session, scope)
    assert after_pakn[0][-1][1]["5.4"] == (3, 6) and after_pakn[0][-1][1]["5.2"][1] == 2
    # a PAKN without a receipt time about N2 counts at once, whenever it comes
    take(db_session, [pakn("PK3", None, "N2", datetime(2026, 12, 3, tzinfo=UTC))])
    assert snapshot(db_session, scope)[0][-1][1]["5.4"] == (2, 6)
    # N4 rated "not satisfied" at 23:30 on 30/11 (local), then the citizen changes their mind after midnight
    n4 = db_session.scalar(select(Dossier).where(Dossier.code == "N4"))
    rating = DossierRating(dossier_id=n4.id, index_scores={"1": 0}, level="not_satisfied", channel="link",
                           rated_at=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    db_session.add(rating)
    db_session.flush()
    assert snapshot(db_session, scope)[0][-1][1]["5.4"] == (1, 6)
    rating.level, rating.index_scores = "satisfied", {"1": 2}  # what save_rating does within the window
    db_session.flush()
    assert snapshot(db_session, scope)[0][-1][1]["5.4"] == (2, 6)
    # a November dossier synced late, and N5's handling reported late (after its due time)
    take(db_session, [sync("N9", datetime(2026, 11, 28, tzinfo=UTC), days=1, MaQuay="Q7"),
                      progress("N5", datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))])
    late = snapshot(db_session, scope)
    assert late[0][-1][1]["5.4"] == (1, 7)
    assert ("Q7", 1, 1, 1, 0, 0, "00189") in late[1][2]  # open at the month's end and past due: by desk too
    # a dossier moved to another unit by a later event leaves the commune's stored month
    take(db_session, [sync("N9", datetime(2026, 11, 28, tzinfo=UTC), "H27", days=1) | {
        "ThoiGianSuKien": portal(datetime(2026, 12, 3, tzinfo=UTC))}])
    assert snapshot(db_session, scope)[0][-1][1]["5.4"] == (1, 6)
    assert snapshot(db_session, {units["other"].id})[0][-1][1]["5.4"][1] == 2


def test_a_bulk_insert_and_a_purge_leave_no_stale_month(db_session, months):
    units, scope = months
    before = snapshot(db_session, scope, month=10)
    assert before[0][-1][1]["5.4"] == (0, 1)  # OCT: never handled, past due at the end of October
    db_session.execute(insert(Dossier), [{
        "source": "bulk", "code": "B1", "unit_id": units["commune"].id, "portal_unit_code": "H26.189",
        "received_at": datetime(2026, 10, 20, tzinfo=UTC), "due_at": datetime(2026, 12, 20, tzinfo=UTC),
        "returned": False, "field_times": {}}])
    assert snapshot(db_session, scope, month=10)[0][-1][1]["5.4"] == (1, 2)
    db_session.execute(Dossier.__table__.update().values(updated_at=datetime(2026, 10, 6, tzinfo=UTC))
                       .where(Dossier.code == "OCT"))  # synced in October, untouched since
    assert snapshot(db_session, scope, month=10)[0][-1][1]["5.4"] == (1, 2)
    report = purge_expired(db_session, 40, now=NOW)  # limit 24/10/2026: OCT goes, B1 (due in December) stays
    assert report.counts["dossiers"] == 1
    assert snapshot(db_session, scope, month=10)[0][-1][1]["5.4"] == (1, 1)


def test_the_month_key_is_local_time():
    assert month_key(datetime(2026, 10, 31, 17, 30, tzinfo=UTC)) == "2026-11"  # 00:30 on 1 November in Hà Nội
    assert month_key(datetime(2026, 10, 31, 16, 59)) == "2026-10"  # naive: UTC, as SQLite gives it back
