"""Computing and publishing in one go reads the round's answers once, and freezes exactly what was computed."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import select

from survey.cli import main
from survey.domain import responses
from survey.domain.releases import compute_release_job, current_release, load_round_data
from survey.domain.releases.microdata import frozen_microdata, release_microdata_arrays
from survey.domain.releases.spec import no_progress
from survey.models import AuditEntry, Release, SurveyRound


@pytest.fixture
def response_reads(monkeypatch):
    """How many times the round's responses were read into arrays."""
    calls = []
    real = responses.load_response_arrays

    def counted(session, round_id):
        calls.append(round_id)
        return real(session, round_id)

    monkeypatch.setattr(responses, "load_response_arrays", counted)
    return calls


def _round(session, prefix: str) -> SurveyRound:
    return session.scalar(select(SurveyRound).where(SurveyRound.code == f"{prefix}-{date.today().year}"))


def _assert_frozen_as_computed(session, release) -> None:
    stored = frozen_microdata(session, release)
    assert stored is not None and stored.n_responses == release.n_responses
    frozen = release_microdata_arrays(session, release)
    live = load_round_data(session, release.round, release.weight_set)
    assert frozen.source == "frozen" and live.fingerprint() == release.data_fingerprint
    np.testing.assert_array_equal(frozen.data.unit_ids, live.unit_ids)
    np.testing.assert_array_equal(frozen.data.scores, live.scores)
    np.testing.assert_array_equal(frozen.data.weights, live.weights)
    np.testing.assert_array_equal(frozen.data.psu, live.psu)


def test_cli_compute_publish_reads_the_answers_once(app, demo, db_session, response_reads):
    survey_round = _round(db_session, "counter")
    result = app.test_cli_runner().invoke(
        main, ["releases", "compute", "--round", survey_round.code, "--publish"], obj=app
    )
    assert result.exit_code == 0, result.output
    assert f"({survey_round.code}, số 2, đã công bố)" in result.output
    assert response_reads == [survey_round.id]
    release = current_release(db_session, survey_round)
    assert release.number == 2 and release.status.value == "published"
    actions = db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.target == f"release:{release.id}").order_by(AuditEntry.id)
    ).all()
    assert actions == ["release.compute", "release.publish"]
    _assert_frozen_as_computed(db_session, release)


def test_cli_compute_without_publish_leaves_a_draft_with_no_frozen_copy(app, demo, db_session, response_reads):
    survey_round = _round(db_session, "counter")
    result = app.test_cli_runner().invoke(main, ["releases", "compute", "--round", survey_round.code], obj=app)
    assert result.exit_code == 0, result.output
    assert "bản nháp" in result.output and response_reads == [survey_round.id]
    draft = db_session.scalar(select(Release).where(Release.round_id == survey_round.id, Release.number == 2))
    assert draft.status.value == "draft" and frozen_microdata(db_session, draft) is None
    assert current_release(db_session, survey_round).number == 1  # the demo's published one is still current


def test_the_publishing_job_reads_the_answers_once(demo, db_session, response_reads):
    survey_round = _round(db_session, "sipas")
    result = compute_release_job(db_session, no_progress, round_id=survey_round.id, publish=True)
    previous_round = current_release(db_session, survey_round).previous_release.round
    # this round once; the previous round once, for the changes since then
    assert sorted(response_reads) == sorted([survey_round.id, previous_round.id])
    release = current_release(db_session, survey_round)
    assert release.id == result["release_id"] and release.n_responses == result["n_responses"]
    _assert_frozen_as_computed(db_session, release)
