"""A unit with two responses (df 1) is flagged not estimable in the stored record, the
serialised record and the exports, and is left out of the ranks of its siblings."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import numpy as np
from sqlalchemy import select

from survey.domain.exports import export_release
from survey.domain.releases import compute_release_from_data, load_round_data
from survey.domain.releases.records import INDEX_FIELDS, index_record
from survey.models import ReleaseIndex, SurveyRound


def _release_with_a_lonely_province(session):
    """The demo round with all but two answers of the first province moved to the second (df 1)."""
    survey_round = session.scalar(select(SurveyRound).where(SurveyRound.code == f"sipas-{date.today().year}"))
    data = load_round_data(session, survey_round)
    provinces = np.unique(data.unit_ids)
    lonely, other = int(provinces[0]), int(provinces[1])
    unit_ids = data.unit_ids.copy()
    rows = np.flatnonzero(unit_ids == lonely)
    fullest = rows[np.argsort(np.isnan(data.scores[rows]).sum(axis=1), kind="stable")]
    unit_ids[fullest[2:]] = other  # the two most complete answers stay
    release = compute_release_from_data(session, survey_round, replace(data, unit_ids=unit_ids),
                                        previous_release=None)
    return release, lonely


def _rows(session, release, level="overall"):
    return {r.unit_id: r for r in session.scalars(select(ReleaseIndex).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.level == level))}


def test_a_single_response_unit_is_not_estimable_and_not_ranked(demo, db_session):
    release, lonely = _release_with_a_lonely_province(db_session)
    rows = _rows(db_session, release)
    row = rows[lonely]
    assert row.df == 1 and row.estimate is not None  # two answers: SE 0 or an interval on 1 df
    assert row.flag == "not_estimable"
    assert row.rank_low is None and row.rank_high is None and row.reference_p_adjusted is None
    record = index_record(row)
    assert list(record) == list(INDEX_FIELDS)
    assert record["reliability"] == "not_estimable"
    ranked = [r for uid, r in rows.items() if uid is not None and r.rank_low is not None]
    estimable = [r for uid, r in rows.items() if uid is not None and r.estimate is not None
                 and index_record(r)["reliability"] == "ok"]
    assert sorted(r.unit_id for r in ranked) == sorted(r.unit_id for r in estimable)
    assert lonely not in {r.unit_id for r in ranked}
    assert max(r.rank_high for r in ranked) <= len(ranked)
    assert index_record(rows[None])["reliability"] == "ok"


def test_exports_name_the_not_estimable_unit(demo, db_session):
    from openpyxl import load_workbook

    release, _lonely = _release_with_a_lonely_province(db_session)
    text = export_release(db_session, release, "csv").getvalue().decode("utf-8-sig")
    header = text.splitlines()[0]
    assert "Độ tin cậy của ước lượng" in header
    assert "Không ước lượng được / không tin cậy" in text
    workbook = load_workbook(io.BytesIO(export_release(db_session, release, "xlsx").getvalue()))
    sheet = workbook["Chỉ số chung"]
    header = [c.value for c in sheet[1]]
    reliability = header.index("Độ tin cậy của ước lượng")
    flag = header.index("So với cấp trên")
    values = {(r[reliability].value, r[flag].value) for r in sheet.iter_rows(min_row=2)}
    assert ("Không ước lượng được / không tin cậy", "Không ước lượng được / không tin cậy") in values
    assert ("Ước lượng được", None) in values  # the nation: no comparison
