"""Retention of dossier-level rows, and the 12-month trend computed in one pass.

Retention: NOW is 03/12/2026 and the retention 730 days, so the limit is 03/12/2024 (UTC). Rows on both
sides of it: an old dossier with its events, rating and PAKN goes; a recent one stays; an old dossier
rated after the limit stays (its latest date is the rating); an old PAKN about a kept dossier stays, an
old PAKN about nothing goes; the access log goes by its own time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from survey.cli import main
from survey.domain.dossiers import (
    intake_events,
    last_purge_limit,
    month_score,
    purge_expired,
    trend_scores,
)
from survey.domain.dossiers.reports import scope_score
from survey.models import AuditEntry, Complaint, Dossier, DossierAccess, DossierEvent, DossierRating
from tests.dossier_fixtures import portal_units

NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
LIMIT = NOW - timedelta(days=730)


def portal(moment: datetime) -> str:
    """A UTC moment as the portal writes it (local time, yyyyMMddHHmmss)."""
    return (moment + timedelta(hours=7)).strftime("%Y%m%d%H%M%S")


def sync(code: str, received: datetime, **fields) -> dict:
    return {"LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": portal(received), "MaHoSo": code, "MaTTHC": "1.001234",
            "DonViXuLy": "H26.189", "NgayTiepNhan": portal(received),
            "NgayHenTra": portal(received + timedelta(days=3)), **fields}


def pakn(code: str, received: datetime, dossier: str | None) -> dict:
    event = {"LoaiSuKien": "PAKN", "ThoiGianSuKien": portal(received), "MaPAKN": code, "DonViXuLy": "H26.189",
             "NgayTiepNhan": portal(received), "NgayKetThucXuLy": portal(received + timedelta(days=1))}
    return {**event, "MaHoSo": dossier} if dossier else event


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def stored(db_session, make_unit):
    portal_units(db_session, make_unit)
    old, recent = LIMIT - timedelta(days=40), LIMIT + timedelta(days=5)
    events = [
        sync("OLD", old), {**sync("OLD", old), "LoaiSuKien": "CapNhatTienDoHoSoMC",
                           "ThoiGianSuKien": portal(old + timedelta(days=2)),
                           "NgayKetThucXuLy": portal(old + timedelta(days=2))},
        sync("OLD-RATED-LATE", old), sync("NEW", recent),
        pakn("P-OLD", old + timedelta(days=1), "OLD"), pakn("P-ALONE", old, None),
        pakn("P-ABOUT-KEPT", old, "OLD-RATED-LATE"), pakn("P-NEW", recent, "NEW"),
    ]
    report = intake_events(db_session, events, source="motcua", now=NOW)
    assert report.refused == 0, report.errors
    ids = dict(db_session.execute(select(Dossier.code, Dossier.id)).all())
    db_session.execute(Dossier.__table__.update().values(updated_at=old + timedelta(days=3))
                       .where(Dossier.code.in_(["OLD", "OLD-RATED-LATE"])))
    db_session.add_all([
        DossierRating(dossier_id=ids["OLD"], index_scores={"1": 2}, level="satisfied", channel="link",
                      rated_at=old + timedelta(days=3)),
        DossierRating(dossier_id=ids["OLD-RATED-LATE"], index_scores={"1": 0}, level="not_satisfied",
                      channel="kiosk", rated_at=LIMIT + timedelta(days=1)),
        DossierAccess(actor="ql26", action="decision766_page", rows=3, at=LIMIT - timedelta(seconds=1)),
        DossierAccess(actor="ql26", action="decision766_page", rows=3, at=LIMIT + timedelta(seconds=1)),
    ])
    db_session.flush()
    return ids


def test_purge_deletes_every_row_older_than_the_retention_and_keeps_the_rest(app, db_session, stored):
    assert app.config["DOSSIER_RETENTION_DAYS"] == 730
    report = purge_expired(db_session, 730, now=NOW, batch=1)  # one dossier per batch: the loop is exercised
    assert report.limit == LIMIT
    assert report.counts == {"dossiers": 1, "events": 4, "ratings": 1, "complaints": 2, "access_log": 1}
    assert sorted(db_session.scalars(select(Dossier.code))) == ["NEW", "OLD-RATED-LATE"]
    assert sorted(db_session.scalars(select(Complaint.code))) == ["P-ABOUT-KEPT", "P-NEW"]
    assert sorted(db_session.scalars(select(DossierEvent.code))) == ["NEW", "OLD-RATED-LATE", "P-ABOUT-KEPT",
                                                                      "P-NEW"]
    assert [r.level for r in db_session.scalars(select(DossierRating))] == ["not_satisfied"]
    assert [a.at.replace(tzinfo=UTC) for a in db_session.scalars(select(DossierAccess))] == [
        LIMIT + timedelta(seconds=1)]
    audit = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "dossiers.purge"))
    assert audit.details == {**report.counts, "retention_days": 730}
    assert last_purge_limit(db_session) == LIMIT
    again = purge_expired(db_session, 730, now=NOW)
    assert sum(again.counts.values()) == 0 and count(db_session, AuditEntry, AuditEntry.action == "dossiers.purge") == 2


def test_the_purge_command_commits_and_says_what_it_deleted(app, db_session, stored, monkeypatch):
    monkeypatch.setattr("survey.domain.dossiers.privacy.utcnow", lambda: NOW)
    db_session.commit()
    result = CliRunner().invoke(main, ["dossiers", "purge"], obj=app, env={"SIPAS_LANG": "vi"})
    assert result.exit_code == 0, result.output
    assert "1 hồ sơ, 4 sự kiện, 1 đánh giá hồ sơ, 2 phản ánh, kiến nghị, 1 dòng nhật ký truy cập" in result.output
    assert "03/12/2024" in result.output
    assert count(db_session, Dossier) == 2


def _months_back(year: int, month: int, back: int) -> tuple[int, int]:
    index = year * 12 + month - 1 - back
    return index // 12, index % 12 + 1


def test_the_trend_in_one_pass_equals_each_month_scored_on_its_own(db_session, make_unit):
    """Dossiers over five months, overdue or not, with PAKN and bad ratings given after their month ended."""
    units = portal_units(db_session, make_unit)
    events = []
    for month in range(7, 12):
        for n in range(month - 4):  # 3 .. 7 dossiers a month
            received = datetime(2026, month, 2 + 3 * n, 2, tzinfo=UTC)
            handled = received + timedelta(days=2 if n % 3 else 5)  # every third handled after its due time
            events.append(sync(f"D{month}-{n}", received, NgayKetThucXuLy=portal(handled)))
        events.append(pakn(f"P{month}", datetime(2026, month, 27, 2, tzinfo=UTC), f"D{month}-1"))  # in the month
        late = datetime(2026, month, 28, 2, tzinfo=UTC) + timedelta(days=10)  # next month: not this month's
        events.append(pakn(f"P{month}-late", late, f"D{month}-2"))
    assert intake_events(db_session, events, source="s", now=datetime(2027, 1, 1, tzinfo=UTC)).refused == 0
    ids = dict(db_session.execute(select(Dossier.code, Dossier.id)).all())
    for month in range(7, 12):
        db_session.add(DossierRating(dossier_id=ids[f"D{month}-{month - 5}"], index_scores={"1": 0},
                                     level="not_satisfied", channel="link",
                                     rated_at=datetime(2026, month, 25, tzinfo=UTC)))
    db_session.flush()
    as_of = datetime(2026, 11, 20, 3, tzinfo=UTC)  # November is still running: judged as of now
    scope = {units["commune"].id, units["province"].id}
    trend = trend_scores(db_session, 2026, 11, 6, scope, as_of=as_of)
    assert [(t.year, t.month) for t in trend] == [(2026, m) for m in range(6, 12)]
    expected = [scope_score(db_session, *_months_back(2026, 11, back), scope, as_of=as_of).total.group_points
                for back in range(5, -1, -1)]
    assert [t.group_points for t in trend] == expected
    assert trend[0].group_points is None and all(points is not None for points in expected[1:])
    assert len(set(expected[1:])) > 1  # the months differ: the comparison is not trivially equal
    assert not any(t.purged for t in trend)
    # scoped in SQL: the other province's units are not read at all
    assert month_score(db_session, 2026, 9, unit_ids={units["other"].id}).units == []
    purged = trend_scores(db_session, 2026, 11, 6, scope, as_of=as_of,
                          purged_before=datetime(2026, 8, 15, tzinfo=UTC))
    assert [t.purged for t in purged] == [True, True, True, False, False, False]
