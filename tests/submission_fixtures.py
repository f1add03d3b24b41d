"""Fixtures of the submission API: a unit with a counter+online round, tablets, a poster."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from survey import PROJECT_ROOT
from survey.domain.devices import register_device
from survey.domain.questionnaires import load_questionnaire
from survey.domain.questionnaires.store import publish
from survey.domain.units import find_unit, seed_provinces
from survey.models import SurveyRound

COUNTER = PROJECT_ROOT / "questionnaires" / "counter-quick.yaml"


@dataclass
class ApiSetup:
    unit_code: str
    round_id: int
    unit_id: int
    tokens: list[str]
    device_ids: list[int]
    client: Any
    staff_token: str = ""  # a personal API token of a statistician of Hà Nội: the credential of unit submissions
    extra: dict = field(default_factory=dict)

    @property
    def staff_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.staff_token}"}

    def payload(self, **overrides: Any) -> dict[str, Any]:
        """A valid counter payload from the first tablet, with overrides (None removes a field)."""
        body: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "questionnaire": "counter-quick",
            "version": "1",
            "device_token": self.tokens[0],
            "answers": {"rating": 4},
        }
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    def post(self, body: Any, lang: str | None = None, staff: bool = True, **kwargs: Any):
        """POST a body (with the statistician's token unless ``staff`` is False)."""
        headers = {"Accept-Language": lang} if lang else {}
        if staff:
            headers.update(self.staff_headers)
        headers.update(kwargs.pop("headers", {}))
        if isinstance(body, (bytes, str)):
            return self.client.post("/api/v1/responses", data=body, headers=headers,
                                    content_type="application/json", **kwargs)
        return self.client.post("/api/v1/responses", json=body, headers=headers, **kwargs)


def statistician_token(db_session, unit, login: str = "thongke-api", role: str = "statistician") -> str:
    """A personal API token of a new staff member of ``role`` scoped to ``unit``."""
    from survey.models import Role, StaffUser
    from survey.web.auth import new_api_token

    user = StaffUser(login=login, password_hash="-", role=Role(role), unit=unit)
    db_session.add(user)
    db_session.flush()
    return new_api_token(user, "tích hợp")[1]


def ward_in_counter_round(db_session, make_unit, code: str, *, days: int, channels: list[str]):
    """Ward 00004 of Hà Nội, in a round of counter-quick over Hà Nội open ``days`` around today."""
    seed_provinces(db_session)
    questionnaire = load_questionnaire(COUNTER)
    version, _ = publish(db_session, questionnaire, Path(COUNTER).read_text(encoding="utf-8"))
    hanoi = find_unit(db_session, "01")
    ward = make_unit("00004", "Phường Ba Đình", parent=hanoi)
    today = date.today()
    survey_round = SurveyRound(
        code=code, name="Đánh giá tại quầy", questionnaire_version=version,
        starts_on=today - timedelta(days=days), ends_on=today + timedelta(days=days),
        channels=channels, units=[hanoi],
    )
    db_session.add(survey_round)
    db_session.flush()
    return survey_round, ward


@pytest.fixture
def api(app, db_session, make_unit, client):
    """One ward of Hà Nội in a counter+online round of counter-quick, with three tablets."""
    from survey.web.api.operations import api_state

    survey_round, ward = ward_in_counter_round(db_session, make_unit, "counter-api", days=30,
                                               channels=["counter", "online", "phone"])
    tokens, device_ids = [], []
    for label in ("Quầy 1", "Quầy 2", "Quầy 3"):
        device, token = register_device(db_session, ward, label)
        tokens.append(token)
        device_ids.append(device.id)
    staff_token = statistician_token(db_session, ward.parent)
    db_session.commit()
    api_state().reset()
    setup = ApiSetup("00004", survey_round.id, ward.id, tokens, device_ids, client, staff_token)
    yield setup
    api_state().reset()


@pytest.fixture
def stored(db_session):
    """The stored responses, freshly read: a list of Response rows ordered by id."""
    from sqlalchemy import select

    from survey.models import Response

    def read():
        db_session.expire_all()
        db_session.rollback()
        return db_session.scalars(select(Response).order_by(Response.id)).all()

    return read
