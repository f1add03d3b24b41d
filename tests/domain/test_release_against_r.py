"""A release computed by the domain code (database -> load -> compute -> stored rows) equals R's survey package.

fixtures/release_round.csv is a small seeded round (make_release_round.py);
fixtures/release_round.R computed release_round.json from it with svydesign,
svymean and svyciprop (logit). R is not needed to run this test.
"""

from __future__ import annotations

import csv
import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from numpy.testing import assert_allclose
from sqlalchemy import select

from survey.domain.questionnaires import load_questionnaire
from survey.domain.questionnaires.store import publish
from survey.domain.releases import compute_release
from survey.domain.responses import record_response
from survey.domain.units import find_unit, seed_provinces
from survey.models import Channel, ReleaseIndex, ResponseDesign, SurveyRound
from tests.submission_fixtures import COUNTER

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STATISTICS = ("estimate", "se", "df", "deff")
# R's svyciprop(method="logit") takes the interval from an svyglm fit (IRLS, epsilon 1e-8): its
# bounds agree to about 5e-10 relative, the closed-form statistics above to 1e-10 and better.
INTERVAL = ("ci_low", "ci_high")


@pytest.fixture
def release_round(db_session, make_unit) -> SurveyRound:
    """The CSV's responses stored as the app stores them, with their design rows."""
    seed_provinces(db_session)
    version, _ = publish(db_session, load_questionnaire(COUNTER), COUNTER.read_text(encoding="utf-8"))
    provinces = {code: find_unit(db_session, code) for code in ("01", "79")}
    with (FIXTURES / "release_round.csv").open(encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    wards = {row["unit_code"]: row["province"] for row in rows}
    units = {code: make_unit(code, parent=provinces[province]) for code, province in sorted(wards.items())}
    today = date.today()
    survey_round = SurveyRound(code="r-check", name="Đối chiếu với R", questionnaire_version=version,
                               starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30),
                               channels=["online"], units=list(provinces.values()))
    db_session.add(survey_round)
    db_session.flush()
    for row in rows:
        response, created = record_response(db_session, survey_round=survey_round, unit=units[row["unit_code"]],
                                            channel=Channel.ONLINE, answers={"rating": int(row["rating"])},
                                            response_uuid=uuid.uuid4())
        assert created
        db_session.flush()
        db_session.add(ResponseDesign(response_id=response.id, stratum=row["stratum"], psu=row["psu"],
                                      base_weight=float(row["weight"])))
    db_session.commit()
    return survey_round


def test_release_indices_equal_r_survey_package(db_session, release_round):
    reference = {r["domain"]: r for r in json.loads((FIXTURES / "release_round.json").read_text(encoding="utf-8"))}
    release = compute_release(db_session, release_round, previous_release=False)
    db_session.commit()
    assert release.parameters["design"]["weights"] == "response_design.base_weight"
    assert release.parameters["design"]["strata"] and release.parameters["design"]["psu"]
    rows = db_session.scalars(select(ReleaseIndex).where(ReleaseIndex.release_id == release.id)).all()
    by_domain: dict[str, dict[tuple[str, str], ReleaseIndex]] = {}
    for row in rows:
        domain = "national" if row.unit_id is None else row.unit.code
        by_domain.setdefault(domain, {})[(row.level, row.index_code)] = row
    assert set(by_domain) == set(reference)  # the nation, both provinces, the five wards
    for domain, expected in reference.items():
        item = by_domain[domain][("item", "rating")]
        assert item.n == expected["n"] and item.ci_method == "logit", domain
        assert_allclose([getattr(item, name) for name in STATISTICS], [expected[name] for name in STATISTICS],
                        rtol=1e-10, err_msg=domain)
        assert_allclose([getattr(item, name) for name in INTERVAL], [expected[name] for name in INTERVAL],
                        rtol=2e-9, err_msg=domain)
        # One item in the one group, one group overall: the same estimate and SE at every level.
        for key in (("group", "counter"), ("overall", "overall")):
            row = by_domain[domain][key]
            assert_allclose([row.estimate, row.se], [expected["estimate"], expected["se"]], rtol=1e-10,
                            err_msg=f"{domain} {key}")
