"""Models: responses stored once, anonymously and packed for analysis; immutable versions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, inspect, select

from survey.domain.devices import device_for_token, register_device
from survey.domain.questionnaires import load_questionnaire
from survey.domain.questionnaires.store import PublishError, latest_version, publish
from survey.domain.responses import SubmissionError, load_score_matrix, record_response
from survey.domain.rounds import current_round
from survey.domain.units import find_unit
from survey.models import (
    Channel,
    ImmutableVersionError,
    Invitation,
    Response,
    Role,
    StaffUser,
    hash_token,
)
from tests.submission_fixtures import ward_in_counter_round

COUNTER = "questionnaires/counter-quick.yaml"


@pytest.fixture
def counter_round(db_session, make_unit):
    return ward_in_counter_round(db_session, make_unit, "counter-test", days=10, channels=["counter", "online"])


def test_response_is_stored_once_per_uuid(db_session, counter_round):
    survey_round, ward = counter_round
    rid = uuid.uuid4()
    first, created = record_response(
        db_session, survey_round=survey_round, unit=ward, channel=Channel.ONLINE,
        answers={"rating": 2, "problems": ["waiting"]}, response_uuid=rid,
    )
    db_session.commit()
    again, created_again = record_response(
        db_session, survey_round=survey_round, unit=ward, channel=Channel.ONLINE,
        answers={"rating": 5}, response_uuid=rid,
    )
    db_session.commit()
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.answers == {"rating": 2, "problems": ["waiting"]}
    assert db_session.scalar(select(func.count()).select_from(Response)) == 1


def test_invalid_answers_are_refused_and_nothing_is_stored(db_session, counter_round):
    survey_round, ward = counter_round
    with pytest.raises(SubmissionError) as err:
        record_response(
            db_session, survey_round=survey_round, unit=ward, channel=Channel.ONLINE,
            answers={"rating": 7, "colour": "blue"}, response_uuid=uuid.uuid4(),
        )
    assert set(err.value.errors) == {"rating", "colour"}
    with pytest.raises(SubmissionError) as err:
        record_response(
            db_session, survey_round=survey_round, unit=ward, channel=Channel.ONLINE,
            answers={"rating": 5, "problems": ["waiting"]}, response_uuid=uuid.uuid4(),
        )
    assert list(err.value.errors) == ["problems"]  # only asked when the rating is 3 or less
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Response)) == 0


def test_responses_hold_no_personal_data():
    columns = {c.name for c in inspect(Response).columns}
    for forbidden in ("ip", "ip_address", "user_agent", "name", "phone", "email", "invitation_id"):
        assert forbidden not in columns
    assert "response_id" not in {c.name for c in inspect(Invitation).columns}


def test_scores_load_as_a_matrix(db_session, counter_round):
    survey_round, ward = counter_round
    for rating in (5, 4, 1):
        answers = {"rating": rating} | ({"problems": ["attitude"]} if rating <= 3 else {})
        record_response(db_session, survey_round=survey_round, unit=ward, channel=Channel.COUNTER,
                        answers=answers, response_uuid=uuid.uuid4())
    db_session.commit()
    unit_ids, scores, items = load_score_matrix(db_session, survey_round.id)
    assert items == ["rating"]
    np.testing.assert_array_equal(scores[:, 0], [5, 4, 1])
    assert unit_ids.tolist() == [ward.id] * 3


def test_client_clock_in_the_future_is_replaced_by_receive_time(db_session, counter_round):
    survey_round, ward = counter_round
    future = datetime.now(UTC) + timedelta(days=3)
    response, _ = record_response(db_session, survey_round=survey_round, unit=ward, channel=Channel.COUNTER,
                                  answers={"rating": 4}, response_uuid=uuid.uuid4(), submitted_at=future)
    assert response.submitted_at < future - timedelta(days=2)


def test_publishing_is_idempotent_and_versions_immutable(db_session):
    text = Path(COUNTER).read_text(encoding="utf-8")
    q = load_questionnaire(COUNTER)
    version, created = publish(db_session, q, text)
    again, created_again = publish(db_session, q, text)
    assert (created, created_again) == (True, False) and again.id == version.id
    assert len(version.content_hash) == 64
    changed = load_questionnaire(COUNTER)  # same version number, different content
    from survey.domain.questionnaires import parse_questionnaire

    changed = parse_questionnaire(text.replace("Đánh giá nhanh tại quầy", "Đánh giá tại quầy"), "x.yaml")
    with pytest.raises(PublishError, match="already published with different content"):
        publish(db_session, changed, text)
    bumped = parse_questionnaire(text.replace("version: 1", "version: 2").replace("Đánh giá nhanh tại quầy", "Đánh giá tại quầy"), "x.yaml")
    v2, created_v2 = publish(db_session, bumped, text)
    assert created_v2 and latest_version(db_session, "counter-quick").id == v2.id
    db_session.commit()
    version.source = "tampered"
    with pytest.raises(ImmutableVersionError):
        db_session.flush()
    db_session.rollback()


def test_device_token_is_stored_hashed_and_marks_last_contact(db_session, counter_round):
    _, ward = counter_round
    device, token = register_device(db_session, ward, "Quầy 1")
    db_session.commit()
    assert device.token_hash == hash_token(token) and token not in device.token_hash
    assert device.last_seen_at is None
    assert device_for_token(db_session, token).id == device.id
    assert device.last_seen_at is not None
    assert device_for_token(db_session, token + "x") is None


def test_current_round_follows_scope_channel_and_dates(db_session, counter_round):
    survey_round, ward = counter_round
    assert current_round(db_session, ward, Channel.COUNTER) == survey_round
    assert current_round(db_session, ward, Channel.PAPER) is None
    assert current_round(db_session, ward, Channel.COUNTER, date.today() + timedelta(days=30)) is None
    da_nang = find_unit(db_session, "48")
    assert current_round(db_session, da_nang, Channel.COUNTER) is None


def test_staff_password_is_hashed(db_session):
    user = StaffUser(login="thongke", role=Role.STATISTICIAN)
    user.set_password("mật-khẩu-dài")
    db_session.add(user)
    db_session.commit()
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("mật-khẩu-dài") and not user.check_password("sai")
