"""The demo's Decision 766 dossiers: entered as a one-stop-shop's events, shown on the manager's page."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from survey.domain.demo import DEMO_UNITS
from survey.domain.demo_dossiers import SOURCE, seed_demo_dossiers
from survey.domain.dossiers import month_score
from survey.models import (
    Complaint,
    Dossier,
    DossierEvent,
    DossierRating,
    PortalUnitCode,
    Unit,
    UnitKind,
)


def test_the_demo_has_four_months_of_dossiers_entered_as_portal_events(demo, db_session):
    dossiers = list(db_session.scalars(select(Dossier).where(Dossier.source == SOURCE)))
    assert len(dossiers) == demo["report"].counts["dossiers"] > 0
    months = {d.received_at.strftime("%Y-%m") for d in dossiers}
    assert len(months) in (4, 5)  # four months in local time; UTC may show a sliver of a fifth
    # every dossier came in as the portal's events, for a demo unit mapped by its portal code
    events = db_session.scalar(select(func.count()).select_from(DossierEvent).where(DossierEvent.source == SOURCE))
    assert events >= len(dossiers)
    demo_codes = {code for code, *_ in DEMO_UNITS}
    assert {d.unit.code for d in dossiers} <= demo_codes
    assert db_session.scalar(select(func.count()).select_from(PortalUnitCode)) == len({d.unit_id for d in dossiers})
    assert db_session.scalar(select(func.count()).select_from(DossierRating)) > 0
    # nothing in the future, and a dossier handled only after it was received
    now = datetime.now(UTC)
    for d in dossiers:
        received = d.received_at.replace(tzinfo=d.received_at.tzinfo or UTC)
        assert received <= now
        if d.handled_at is not None:
            assert d.handled_at >= d.received_at


def test_the_demo_dossiers_of_a_past_month_follow_the_portal_rules(app, db_session):
    """On an empty database: a month of dossiers, PAKN and ratings, and the month's score counts them."""
    from survey.domain.units import seed_provinces

    seed_provinces(db_session)
    province = db_session.scalar(select(Unit).where(Unit.code == "01", Unit.valid_from.is_not(None)))
    commune = Unit(code="00004", name="Phường Ba Đình", kind=UnitKind.COMMUNE, parent=province,
                   valid_from=province.valid_from)
    db_session.add(commune)
    db_session.flush()
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    stored = seed_demo_dossiers(db_session, [commune], scale=1.0, seed=3, now=now)
    db_session.flush()
    assert stored == db_session.scalar(select(func.count()).select_from(Dossier))
    assert db_session.scalar(select(func.count()).select_from(Complaint)) >= 1
    score = month_score(db_session, 2026, 10)
    index = [u.id for u in score.units].index(commune.id)
    received = db_session.scalar(select(func.count()).select_from(Dossier).where(
        Dossier.received_at >= datetime(2026, 9, 30, 17, 0, tzinfo=UTC),  # 01/10 00:00 in Hà Nội
        Dossier.received_at < datetime(2026, 10, 31, 17, 0, tzinfo=UTC)))
    assert score.dossiers.denominator[index] == received == 45
    assert 0 < score.dossiers.numerator[index] < received  # some cost points, most do not
    # the same seed and moment give the same dossiers (the demo is the same on every machine)
    codes = sorted(db_session.scalars(select(Dossier.code)))
    assert codes[0].startswith("H01.00004-26")

