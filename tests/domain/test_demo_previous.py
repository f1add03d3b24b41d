"""The demo's merged provinces carry a previous estimate computed through their lineage."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from survey.models import ReleaseIndex, Unit, UnitKind


def _overall(session, release, unit):
    return session.scalar(select(ReleaseIndex).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id == unit.id, ReleaseIndex.level == "overall"))


def _province(session, code: str, current: bool) -> Unit:
    valid_from = Unit.valid_from.is_not(None) if current else Unit.valid_from.is_(None)
    return session.scalar(select(Unit).where(Unit.code == code, Unit.kind == UnitKind.PROVINCE, valid_from))


def test_merged_provinces_get_their_predecessors_previous_estimate(demo, db_session, client, login_as):
    from survey.domain.synthetic_releases import demo_releases

    releases = demo_releases(db_session)
    previous, current = releases["previous"], releases["current"]
    provinces = list(db_session.scalars(select(Unit).where(Unit.kind == UnitKind.PROVINCE,
                                                            Unit.valid_from.is_not(None))))
    assert len(provinces) == 34
    # last year's release has the 63 provinces of 2024, none of today's
    assert _overall(db_session, previous, provinces[0]) is None
    missing = [p.code for p in provinces if _overall(db_session, current, p).previous_estimate is None]
    assert missing == []

    tuyen_quang = _province(db_session, "08", current=True)
    before = [_overall(db_session, previous, _province(db_session, code, current=False)) for code in ("02", "08")]
    expected = np.average([r.estimate for r in before], weights=[r.n for r in before])
    row = _overall(db_session, current, tuyen_quang)
    assert row.previous_estimate == pytest.approx(expected)
    assert row.change == pytest.approx(row.estimate - expected)
    merged = current.parameters["previous"]["merged_territories"]
    assert sorted(merged[str(tuyen_quang.id)]) == sorted(r.unit_id for r in before)
    # a province that only continued (Hà Nội) has its former self's estimate and is not "merged"
    ha_noi = _province(db_session, "01", current=True)
    assert _overall(db_session, current, ha_noi).previous_estimate == pytest.approx(
        _overall(db_session, previous, _province(db_session, "01", current=False)).estimate)
    assert str(ha_noi.id) not in merged

    login_as("thongke")
    html = client.get(f"/staff/dashboard/08?release={current.id}").get_data(as_text=True)
    assert "ước lượng lại trên địa bàn hiện nay, gồm Tỉnh Hà Giang, Tỉnh Tuyên Quang" in html
    assert "không so sánh được" not in html
