"""Releases on raked weight sets get R calibrate()-style variances (crossed margins included),
not the variance of fixed weights."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import select

from analysis import DesignSpec, build_design, compute_indices
from analysis.weighting import calibrate_design
from survey.domain.releases import compute_release, release_spec
from survey.domain.responses import load_response_arrays
from survey.domain.weights import compute_weight_set, import_frame
from survey.models import ReleaseIndex, SurveyRound, Unit, UnitKind


def _round(session) -> SurveyRound:
    return session.scalar(select(SurveyRound).where(SurveyRound.code == f"sipas-{date.today().year}"))


def _frame(session, survey_round):
    provinces = list(session.scalars(
        select(Unit).where(Unit.kind == UnitKind.PROVINCE, Unit.valid_from.is_not(None)).order_by(Unit.code)))
    _ids, _uuids, unit_ids, _scores, _items = load_response_arrays(session, survey_round.id)
    answered = {int(u): int(n) for u, n in zip(*np.unique(unit_ids, return_counts=True))}
    lines = ["Mã đơn vị;Tầng;Số hồ sơ;Số người được chọn"]
    for k, unit in enumerate(provinces):
        lines.append(f"{unit.code};{'Bắc' if k % 2 else 'Nam'};{1000 * (k + 3)};{answered.get(unit.id, 0) + 2}")
    return import_frame(session, survey_round, ("\n".join(lines) + "\n").encode("utf-8"), "khung.csv")


def test_a_release_on_weights_raked_to_province_x_gender_has_calibrate_variance(demo, db_session):
    survey_round = _round(db_session)
    frame = _frame(db_session, survey_round)
    plain = compute_weight_set(db_session, survey_round, frame)  # the weights before raking
    _ids, base = plain.arrays()
    _response_ids, _uuids, unit_ids, scores, items = load_response_arrays(db_session, survey_round.id)
    gender = np.array([str(int(v)) for v in scores[:, items.index("gender")]], dtype=object)
    province = unit_ids.astype(str).astype(object)  # the demo's answers sit at provinces
    cell = np.array([f"{p}:{g}" for p, g in zip(province, gender)], dtype=object)
    # population counts 10 % above the weighted sample in every province x gender cell
    crossed = {c: 1.1 * float(base[cell == c].sum()) for c in sorted(set(cell))}
    raked = compute_weight_set(db_session, survey_round, frame, margins={"province*gender": crossed})
    db_session.commit()
    assert raked.diagnostics["raking"]["converged"]

    release = compute_release(db_session, survey_round, weight_set=raked)
    assert release.parameters["design"]["calibration"] == ["province*gender"]
    spec, _extra = release_spec(survey_round.questionnaire_version)
    data = {code: scores[:, j].astype(float) for j, code in enumerate(items)}
    strata = {r["unit_id"]: r["stratum"] for r in frame.rows}
    data.update(w=base, stratum=np.array([strata[int(u)] for u in unit_ids]), cell=cell,
                province=province)
    design = build_design(data, DesignSpec(weight="w", strata="stratum"))
    calibrated, _report = calibrate_design(design, data, {"cell": crossed})
    expected = compute_indices(data, spec, calibrated, by="province")
    fixed = compute_indices({**data, "w": calibrated.weights}, spec, DesignSpec(weight="w", strata="stratum"))

    def stored(unit_id):
        condition = ReleaseIndex.unit_id.is_(None) if unit_id is None else ReleaseIndex.unit_id == unit_id
        return db_session.scalar(select(ReleaseIndex).where(
            ReleaseIndex.release_id == release.id, condition, ReleaseIndex.level == "overall"))

    whole = next(r for r in expected.records if r.level == "overall" and r.domain is None)
    assert stored(None).estimate == pytest.approx(whole.estimate, rel=1e-9)
    assert stored(None).se == pytest.approx(whole.se, rel=1e-8)
    fixed_se = next(r for r in fixed.records if r.level == "overall").se
    assert abs(stored(None).se - fixed_se) > 1e-6 * fixed_se
    for rec in (r for r in expected.records if r.level == "overall" and r.domain is not None):
        row = stored(int(rec.domain["province"]))
        got = np.nan if row.se is None else row.se  # a province without an overall index stores None
        np.testing.assert_allclose(got, rec.se, rtol=1e-8)
