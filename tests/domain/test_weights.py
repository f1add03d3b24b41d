"""Sample frames and weights: messages with row and column, weights that meet their totals, releases on them."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sqlalchemy import select

from analysis import DesignSpec, compute_indices
from survey.cli import main
from survey.domain.releases import compute_release, release_spec
from survey.domain.responses import load_response_arrays
from survey.domain.weights import (
    FrameError,
    WeightError,
    compute_weight_set,
    import_frame,
    parse_frame,
)
from survey.models import ReleaseIndex, SurveyRound, Unit, UnitKind, WeightSet


def _round(session) -> SurveyRound:
    return session.scalar(select(SurveyRound).where(SurveyRound.code == f"sipas-{date.today().year}"))


def _provinces(session) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit).where(Unit.kind == UnitKind.PROVINCE, Unit.valid_from.is_not(None)).order_by(Unit.code)
        )
    )


def _frame_csv(session, survey_round, *, extra_sampled: int = 0) -> tuple[bytes, dict[str, float]]:
    """A frame of the 34 provinces: region as stratum, dossiers completed, number sampled."""
    unit_ids, *_ = load_response_arrays(session, survey_round.id)[2:3]
    answered = {int(u): int(n) for u, n in zip(*np.unique(unit_ids, return_counts=True))}
    lines = ["Mã đơn vị;Tầng;Số hồ sơ;Số người được chọn"]
    population = {}
    for k, unit in enumerate(_provinces(session)):
        population[unit.code] = 1000.0 * (k + 3)
        sampled = answered.get(unit.id, 0) + extra_sampled
        lines.append(f"{unit.code};{'Bắc' if k % 2 else 'Nam'};{int(population[unit.code]):,}".replace(",", ".")
                     + f";{sampled}")
    return ("\n".join(lines) + "\n").encode("utf-8-sig"), population


def test_frame_problems_name_the_row_and_column_in_vietnamese():
    content = "Mã đơn vị,Tầng,Số hồ sơ\n01,A,1200\n,A,300\n08,B,12a\n01,B,50\n48,B,-3\n".encode()
    with pytest.raises(FrameError) as caught:
        parse_frame(content, "khung.csv")
    assert caught.value.problems == [
        "Dòng 3, cột 'Mã đơn vị': thiếu mã đơn vị.",
        "Dòng 4, cột 'Số hồ sơ': '12a' không phải là số.",
        "Dòng 5: đơn vị 01 đã có ở dòng 2.",
        "Dòng 6, cột 'Số hồ sơ': phải là số dương (có -3).",
    ]
    with pytest.raises(FrameError, match="Dòng 1: thiếu cột mã đơn vị"):
        parse_frame(b"ten,so_ho_so\nA,1\n", "khung.csv")
    with pytest.raises(FrameError, match="xác suất chọn phải lớn hơn 0"):
        parse_frame(b"unit,probability\n01,1.5\n", "khung.csv")


def test_frame_from_xlsx_with_vietnamese_numbers():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Tên đơn vị", "Tầng mẫu", "Cụm", "Số hồ sơ", "Xác suất chọn"])  # a name, not a code
    sheet.append(["01", "A", "c1", "1.234", None])
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(FrameError, match="thiếu cột mã đơn vị"):
        parse_frame(out.getvalue(), "khung.xlsx")
    sheet["A1"] = "Mã đơn vị"
    sheet.append([8, "B", "c2", 2500, "0,25"])
    out = io.BytesIO()
    workbook.save(out)
    rows = parse_frame(out.getvalue(), "khung.xlsx")
    assert rows == [
        {"line": 2, "unit": "01", "stratum": "A", "psu": "c1", "population": 1234.0},
        {"line": 3, "unit": "8", "stratum": "B", "psu": "c2", "population": 2500.0, "probability": 0.25},
    ]


def test_import_frame_refuses_unknown_units(demo, db_session):
    with pytest.raises(FrameError) as caught:
        import_frame(db_session, _round(db_session), b"unit,population\n01,100\nZZ9,50\n", "khung.csv")
    assert caught.value.problems == [f"Dòng 3: không có đơn vị mã ZZ9 trong thời gian của đợt sipas-{date.today().year}."]


def test_weights_meet_the_population_and_the_release_uses_them(demo, db_session):
    survey_round = _round(db_session)
    content, population = _frame_csv(db_session, survey_round, extra_sampled=2)
    frame = import_frame(db_session, survey_round, content, "khung.csv")
    assert frame.rows[0]["population"] == 3000.0 and frame.rows[0]["stratum"] == "Nam"
    weight_set = compute_weight_set(db_session, survey_round, frame)
    db_session.commit()
    ids, weights = weight_set.arrays()
    response_ids, _uuids, unit_ids, scores, items = load_response_arrays(db_session, survey_round.id)
    assert_allclose(ids, response_ids)
    codes = {u.id: u.code for u in _provinces(db_session)}
    totals = {}
    for uid, w in zip(unit_ids, weights):
        totals[codes[int(uid)]] = totals.get(codes[int(uid)], 0.0) + w
    assert totals == pytest.approx({c: population[c] for c in totals}, rel=1e-12)
    d = weight_set.diagnostics
    assert d["nonresponse"]["cells"] == 34 and d["nonresponse"]["response_rate_max"] < 1
    assert d["weights"]["deff"] == pytest.approx(1 + d["weights"]["cv"] ** 2)
    assert d["weights"]["n_effective"] < len(weights)

    release = compute_release(db_session, survey_round, weight_set=weight_set)
    assert release.parameters["design"] == {"weights": f"weight_set:{weight_set.id}", "frame": frame.id,
                                            "strata": True, "psu": False, "ssu": False, "fpc": []}
    data = {code: scores[:, j].astype(float) for j, code in enumerate(items)}
    data["w"] = weights
    strata = {r["unit_id"]: r["stratum"] for r in frame.rows}
    data["stratum"] = np.array([strata[int(u)] for u in unit_ids])
    spec, _extra = release_spec(survey_round.questionnaire_version)
    expected = compute_indices(data, spec, DesignSpec(weight="w", strata="stratum"))
    overall = next(r for r in expected.records if r.level == "overall")
    row = db_session.scalar(select(ReleaseIndex).where(
        ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id.is_(None), ReleaseIndex.level == "overall"))
    assert row.estimate == pytest.approx(overall.estimate, rel=1e-10)
    assert row.se == pytest.approx(overall.se, rel=1e-10)
    assert row.deff == pytest.approx(overall.deff, rel=1e-10)


def test_raking_meets_the_margins_and_reports_convergence(demo, db_session):
    survey_round = _round(db_session)
    content, population = _frame_csv(db_session, survey_round)
    frame = import_frame(db_session, survey_round, content, "khung.csv")
    total = sum(population.values())
    _ids, _uuids, _units, scores, items = load_response_arrays(db_session, survey_round.id)
    present = sorted({str(int(v)) for v in scores[:, items.index("gender")]})
    margin = {code: total * share for code, share in zip(present, [0.48, 0.50, 0.02][: len(present)])}
    margin[present[0]] += total - sum(margin.values())
    weight_set = compute_weight_set(db_session, survey_round, frame, margins={"gender": margin}, trim_median_multiple=10)
    raking = weight_set.diagnostics["raking"]
    assert raking["converged"] and raking["max_rel_error"] < 1e-8
    achieved = {m["category"]: m["achieved"] for m in raking["margins"]}
    assert achieved == pytest.approx(margin, rel=1e-8)
    assert weight_set.method["raking"]["margins"] == {"gender": margin}
    with pytest.raises(WeightError, match="Biến cân chỉnh nghe_nghiep không có"):
        compute_weight_set(db_session, survey_round, frame, margins={"nghe_nghiep": {"1": 1.0}})
    with pytest.raises(WeightError, match="Không cân chỉnh được"):
        compute_weight_set(db_session, survey_round, frame, margins={"gender": {"1": 5.0}})


def test_responses_outside_the_frame_are_reported(demo, db_session):
    survey_round = _round(db_session)
    frame = import_frame(db_session, survey_round, b"unit,population\n01,1000\n", "khung.csv")
    with pytest.raises(WeightError, match="33 đơn vị có phiếu trả lời nhưng không có trong khung mẫu"):
        compute_weight_set(db_session, survey_round, frame)


def test_cli_imports_a_frame_and_computes_weights(app, demo, db_session, tmp_path):
    survey_round = _round(db_session)
    content, _population = _frame_csv(db_session, survey_round, extra_sampled=1)
    path = tmp_path / "khung.csv"
    path.write_bytes(content)
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["frames", "import", "--round", survey_round.code, str(path)], obj=app)
    assert result.exit_code == 0, result.output
    assert "Đã nhập khung mẫu #1: 34 đơn vị." in result.output
    result = runner.invoke(main, ["weights", "compute", "--round", survey_round.code, "--frame", "1"], obj=app)
    assert result.exit_code == 0, result.output
    assert "hiệu ứng thiết kế do trọng số (Kish)" in result.output
    assert db_session.scalar(select(WeightSet.id)) == 1
    result = runner.invoke(main, ["weights", "show", "1"], obj=app)
    assert "Điều chỉnh không trả lời: 34 ô" in result.output
    bad = tmp_path / "hong.csv"
    bad.write_text("unit,population\n01,abc\n", encoding="utf-8")
    result = runner.invoke(main, ["frames", "import", "--round", survey_round.code, str(bad)], obj=app)
    assert result.exit_code == 2
    assert "Dòng 2, cột 'population': 'abc' không phải là số." in result.output
