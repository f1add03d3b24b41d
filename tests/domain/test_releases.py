"""Releases: stored results equal the analysis package's on the same arrays; immutability; lineage."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sqlalchemy import func, select

from analysis import IndexSpec, compute_indices
from analysis.league import league_table
from survey.domain.releases import (
    ReleaseError,
    compute_release,
    current_release,
    discard_release,
    league_rows,
    publish_release,
    release_spec,
)
from survey.domain.responses import load_score_matrix
from survey.models import (
    ImmutableVersionError,
    Release,
    ReleaseIndex,
    ReleaseStatus,
    SurveyRound,
    Unit,
    UnitKind,
)


def _round(session, code: str) -> SurveyRound:
    return session.scalar(select(SurveyRound).where(SurveyRound.code == code))


def _rows(session, release, unit_id=None, level=None) -> dict[tuple[str, str], ReleaseIndex]:
    query = select(ReleaseIndex).where(ReleaseIndex.release_id == release.id)
    query = query.where(ReleaseIndex.unit_id.is_(None) if unit_id is None else ReleaseIndex.unit_id == unit_id)
    return {(r.level, r.index_code): r for r in db_rows(session, query)}


def db_rows(session, query):
    return list(session.scalars(query))


def _frame(session, survey_round):
    unit_ids, scores, items = load_score_matrix(session, survey_round.id)
    frame = {code: scores[:, j].astype(np.float64) for j, code in enumerate(items)}
    frame["unit"] = unit_ids.astype(np.float64)
    return frame


def _record(results, level: str, code: str, domain: dict | None = None):
    """The record of one index by level ("overall" is both an item and the overall index)."""
    want = None if domain is None else {k: str(v) for k, v in domain.items()}
    for r in results.records:
        have = None if r.domain is None else {k: str(v) for k, v in r.domain.items()}
        if r.level == level and r.index == code and have == want:
            return r
    raise KeyError((level, code, domain))


def _province(session, code: str, on: date) -> Unit:
    units = session.scalars(select(Unit).where(Unit.code == code, Unit.kind == UnitKind.PROVINCE)).all()
    return next(u for u in units if u.is_valid_on(on))


def test_demo_releases_are_published_with_what_makes_them_reproducible(demo, db_session):
    year = date.today().year
    for code in ("sipas-2024", f"sipas-{year}", f"counter-{year}"):
        release = current_release(db_session, _round(db_session, code))
        assert release is not None and release.status == ReleaseStatus.PUBLISHED
        assert len(release.data_fingerprint) == 64
        assert release.software_version.startswith("sipas ") and "numpy" in release.software_version
        assert release.parameters["ci_method"] == "logit" and release.parameters["level"] == 0.95
        assert release.parameters["spec"] == release.questionnaire_version.definition["indices"]
        assert release.parameters["design"]["weights"] == "equal"
    now = current_release(db_session, _round(db_session, f"sipas-{year}"))
    assert now.previous_release.round.code == "sipas-2024"


def test_national_and_provincial_indices_equal_compute_indices_on_the_same_arrays(demo, db_session):
    year = date.today().year
    survey_round = _round(db_session, f"sipas-{year}")
    release = current_release(db_session, survey_round)
    spec, extra = release_spec(survey_round.questionnaire_version)
    assert "overall" in extra and "a0" in extra  # the "in general" items are published too
    frame = _frame(db_session, survey_round)
    expected = compute_indices(frame, spec, None, by="unit")

    national = _rows(db_session, release)
    for level, code in (("overall", "overall"), ("group", "access"), ("group", "expectations"), ("item", "a1"),
                        ("item", "overall")):
        record = _record(expected, level, code)
        row = national[(level, code)]
        assert_allclose([row.estimate, row.se, row.ci_low, row.ci_high], [record.estimate, record.se,
                        record.ci_low, record.ci_high], rtol=1e-10)
        assert row.n == record.n
    hanoi = _province(db_session, "01", date(year, 7, 1))
    record = _record(expected, "overall", "overall", {"unit": hanoi.id})
    row = _rows(db_session, release, hanoi.id)[("overall", "overall")]
    assert_allclose(row.estimate, record.estimate, rtol=1e-10)
    assert_allclose(row.se, record.se, rtol=1e-10)
    assert ("group", "_other_items") not in national


def test_provinces_are_flagged_against_the_nation_with_holm(demo, db_session):
    year = date.today().year
    release = current_release(db_session, _round(db_session, f"sipas-{year}"))
    every = league_rows(db_session, release, None, "a1", "item")
    # df <= 1 or SE 0 (e.g. a province whose answers are all satisfied): not estimable, not tested
    unreliable = [r for r in every if r.flag == "not_estimable"]
    assert all((r.df is not None and r.df <= 1) or r.se == 0 for r in unreliable)
    assert all(r.rank_low is None and r.reference_p_adjusted is None for r in unreliable)
    rows = [r for r in every if r.flag not in (None, "not_estimable")]
    assert len(rows) > 10
    national = _rows(db_session, release)[("item", "a1")]
    shares = np.array([r.n for r in rows], dtype=float)  # equal weights: shares are answer counts
    shares /= national.n
    table = league_table(
        [r.estimate for r in rows], national.estimate, se=[r.se for r in rows], reference_se=national.se,
        reference_cov=shares * np.array([r.se for r in rows]) ** 2, df=[r.df for r in rows],
    )
    assert_allclose([r.reference_p_adjusted for r in rows], table.p_adjusted, rtol=1e-8)
    assert [r.flag for r in rows] == [f if f != "not different" else "none" for f in table.flag]
    ranked = [r for r in league_rows(db_session, release, None) if r.rank_low is not None]
    assert all(1 <= r.rank_low <= r.rank_high <= 34 for r in ranked)


def test_change_for_tuyen_quang_uses_ha_giang_and_tuyen_quang_2024(demo, db_session):
    year = date.today().year
    release = current_release(db_session, _round(db_session, f"sipas-{year}"))
    tuyen_quang = _province(db_session, "08", date(year, 7, 1))
    ha_giang_2024 = _province(db_session, "02", date(2024, 6, 1))
    tuyen_quang_2024 = _province(db_session, "08", date(2024, 6, 1))
    before = _round(db_session, "sipas-2024")
    frame = _frame(db_session, before)
    merged = np.isin(frame["unit"], [ha_giang_2024.id, tuyen_quang_2024.id])
    frame["territory"] = np.where(merged, 1.0, np.nan)
    spec, _extra = release_spec(before.questionnaire_version)
    expected = compute_indices(frame, spec, None, by="territory", overall=False)
    compared = [r for r in _rows(db_session, release, tuyen_quang.id).values() if r.previous_estimate is not None]
    assert len(compared) >= 5  # the demo is small: indices of 100 % on both sides have no test
    for row in compared:
        record = _record(expected, row.level, row.index_code, {"territory": 1})
        assert row.previous_estimate == pytest.approx(record.estimate, rel=1e-10)
        assert row.change == pytest.approx(row.estimate - record.estimate, rel=1e-10, abs=1e-10)
        assert row.change_se == pytest.approx(np.hypot(row.se, record.se), rel=1e-10)
    items = [r for r in compared if r.level == "item"]
    record = _record(expected, "item", items[0].index_code, {"territory": 1})
    answered = np.isin(frame[items[0].index_code], [1, 2, 3, 4, 5])
    assert record.n == int(np.sum(merged & answered)) > int(np.sum(frame["unit"][answered] == tuyen_quang_2024.id))
    territories = release.parameters["previous"]["merged_territories"]
    assert sorted(territories[str(tuyen_quang.id)]) == sorted([ha_giang_2024.id, tuyen_quang_2024.id])


def test_counter_release_estimates_provinces_from_their_units(demo, db_session):
    year = date.today().year
    survey_round = _round(db_session, f"counter-{year}")
    release = current_release(db_session, survey_round)
    frame = _frame(db_session, survey_round)
    hanoi = _province(db_session, "01", date(year, 7, 1))
    children = db_session.scalars(select(Unit.id).where(Unit.parent_id == hanoi.id)).all()
    frame["hanoi"] = np.where(np.isin(frame["unit"], children), 1.0, np.nan)
    spec, _extra = release_spec(survey_round.questionnaire_version)
    results = compute_indices(frame, spec, None, by="hanoi", overall=False)
    expected = _record(results, "overall", "overall", {"hanoi": 1})
    row = _rows(db_session, release, hanoi.id)[("overall", "overall")]
    assert row.estimate == pytest.approx(expected.estimate, rel=1e-10)
    assert row.n == expected.n
    sub = [r for r in league_rows(db_session, release, hanoi) if r.flag is not None]
    assert sub and all(r.reference_difference == pytest.approx(r.estimate - row.estimate) for r in sub)


def test_published_release_never_changes_and_a_correction_is_a_new_release(demo, db_session):
    year = date.today().year
    survey_round = _round(db_session, f"counter-{year}")
    published = current_release(db_session, survey_round)
    with pytest.raises(ReleaseError):
        publish_release(db_session, published, None)
    with pytest.raises(ReleaseError):
        discard_release(db_session, published)
    row = db_session.scalars(select(ReleaseIndex).where(ReleaseIndex.release_id == published.id)).first()
    row.estimate = 1.0
    with pytest.raises(ImmutableVersionError):
        db_session.flush()
    db_session.rollback()

    correction = compute_release(db_session, survey_round, supersedes=published, parameters={"ci_method": "wilson"})
    db_session.commit()
    assert (correction.number, correction.supersedes_id, correction.status) == (2, published.id, ReleaseStatus.DRAFT)
    assert correction.data_fingerprint == published.data_fingerprint
    assert current_release(db_session, survey_round).id == published.id  # drafts are not shown
    publish_release(db_session, correction, None)
    db_session.commit()
    assert current_release(db_session, survey_round).id == correction.id
    draft = compute_release(db_session, survey_round)
    db_session.commit()
    discard_release(db_session, draft)
    db_session.commit()
    assert db_session.get(Release, draft.id) is None
    assert db_session.scalar(select(ReleaseIndex.id).where(ReleaseIndex.release_id == draft.id)) is None


def test_bad_parameters_and_empty_rounds_are_refused_with_a_message(demo, db_session):
    survey_round = _round(db_session, "sipas-2024")
    with pytest.raises(ReleaseError, match="khoảng tin cậy"):
        compute_release(db_session, survey_round, parameters={"ci_method": "bogus"})
    empty = SurveyRound(code="empty", name="Trống", questionnaire_version=survey_round.questionnaire_version,
                        starts_on=date(2023, 1, 1), ends_on=date(2023, 12, 31), channels=["paper"])
    db_session.add(empty)
    db_session.flush()
    with pytest.raises(ReleaseError, match="chưa có phiếu"):
        compute_release(db_session, empty)


def test_synthetic_release_is_the_same_kind_of_object(app, db_session):
    from survey.domain.synthetic import create_synthetic_release

    release = create_synthetic_release(db_session, n_responses=6_000, n_units=60, seed=3)
    assert release.status == ReleaseStatus.PUBLISHED and release.n_responses == 6_000
    national = _rows(db_session, release)[("overall", "overall")]
    assert 60 < national.estimate < 95 and national.n == 6_000
    units = db_session.scalars(
        select(ReleaseIndex.unit_id).where(ReleaseIndex.release_id == release.id, ReleaseIndex.level == "overall",
                                           ReleaseIndex.unit_id.is_not(None))
    ).all()
    provinces = db_session.scalars(select(Unit.id).where(Unit.kind == UnitKind.PROVINCE)).all()
    assert len(set(units) - set(provinces)) == 60 and len(set(units) & set(provinces)) == 34


def test_synthetic_release_with_stored_responses_is_published_with_frozen_microdata(app, db_session):
    from survey.domain.synthetic import create_synthetic_release
    from survey.models import ReleaseMicrodata, Response

    release = create_synthetic_release(db_session, n_responses=2_000, n_units=20, seed=4, store_responses=True)
    assert release.status == ReleaseStatus.PUBLISHED and release.n_responses == 2_000
    assert db_session.scalar(select(func.count()).select_from(Response)) == 2_000
    frozen = db_session.scalar(select(ReleaseMicrodata).where(ReleaseMicrodata.release_id == release.id))
    assert frozen is not None and len(frozen.payload) > 1_000


def test_spec_from_questionnaire_matches_indexspec(demo, db_session):
    version = _round(db_session, "sipas-2024").questionnaire_version
    spec, _extra = release_spec(version)
    plain = IndexSpec.from_dict(version.definition["indices"])
    assert spec.groups[: len(plain.groups)] == plain.groups
