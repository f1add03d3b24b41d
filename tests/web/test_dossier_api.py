"""POST /api/v1/dossiers/events: a one-stop-shop system's batch, authenticated, one result per event."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from survey.domain.dossiers import add_credential, revoke_credential
from survey.models import Dossier, DossierEvent
from tests.dossier_fixtures import portal_units

URL = "/api/v1/dossiers/events"


@pytest.fixture
def system(db_session, make_unit):
    units = portal_units(db_session, make_unit)
    _credential, secret = add_credential(db_session, "Một cửa H26", units["province"])
    db_session.commit()
    return secret


def sync(code, unit="H26.189", **fields):
    return {"LoaiSuKien": "DongBoHoSoMC", "ThoiGianSuKien": "20261103080000", "MaHoSo": code, "MaTTHC": "1.001234",
            "DonViXuLy": unit, "NgayTiepNhan": "20261103080000", "NgayHenTra": "20261106170000", **fields}


def post(client, secret, body, **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json",
                       headers={"Authorization": f"Bearer {secret}", **headers})


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_a_batch_is_stored_and_each_event_gets_its_result(client, db_session, system):
    events = [sync("A-1"), sync("A-1"), sync("A-2", KenhThucHien=7), sync("B-1", unit="H27")]
    answer = post(client, system, {"events": events})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    body = answer.get_json()
    assert (body["stored"], body["duplicates"], body["refused"]) == (1, 1, 2)
    assert [r["status"] for r in body["results"]] == ["stored", "duplicate", "refused", "refused"]
    assert body["results"][2]["errors"] == [{
        "field": "KenhThucHien", "code": "bad_channel",
        "message": "Sự kiện 2, trường KenhThucHien: \"7\" không phải là kênh thực hiện; hãy ghi 1 (trực tiếp), "
                   "2 (trực tuyến) hoặc 3 (bưu chính)."}]
    assert body["results"][3]["errors"][0]["message"] == (
        "Sự kiện 3, trường DonViXuLy: đơn vị H27 nằm ngoài phạm vi của hệ thống Một cửa H26.")
    again = post(client, system, {"events": events}).get_json()  # a retried request changes nothing
    assert (again["stored"], again["duplicates"], again["refused"]) == (0, 2, 2)
    assert (count(db_session, Dossier), count(db_session, DossierEvent)) == (1, 1)
    english = post(client, system, {"events": [sync("A-3", KenhThucHien=7)]}, **{"Accept-Language": "en"})
    assert english.get_json()["results"][0]["errors"][0]["message"].startswith("Event 0, field KenhThucHien:")


@pytest.mark.parametrize("authorization", [None, "Bearer sipas-766-wrong", "Basic abc"])
def test_without_a_valid_secret_nothing_is_stored(client, db_session, system, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    answer = client.post(URL, json={"events": [sync("A-1")]}, headers=headers)
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.get_json()["errors"][0]["code"] == "unauthorized"
    assert count(db_session, DossierEvent) == 0


def test_a_revoked_secret_is_refused(client, db_session, system):
    revoke_credential(db_session, "Một cửa H26")
    db_session.commit()
    assert post(client, system, {"events": [sync("A-1")]}).status_code == 401


@pytest.mark.parametrize(("body", "code"), [(b"{not json", "invalid_json"), ({"events": {}}, "wrong_type"),
                                             ({}, "required"), ([sync("A-1")], "not_an_object")])
def test_a_body_that_is_not_a_batch_is_refused(client, db_session, system, body, code):
    answer = post(client, system, body)
    assert answer.status_code == 400 and answer.get_json()["errors"][0]["code"] == code


def test_too_many_events_or_too_many_bytes(app, client, db_session, system):
    app.config["DOSSIER_BATCH_MAX_EVENTS"] = 2
    answer = post(client, system, {"events": [sync("A-1"), sync("A-2"), sync("A-3")]})
    assert answer.status_code == 413
    assert answer.get_json()["errors"][0] == {"field": "events", "code": "too_many_events",
                                              "message": "Lô có 3 sự kiện, tối đa 2; hãy chia nhỏ."}
    app.config["DOSSIER_API_MAX_BYTES"] = 100
    answer = post(client, system, {"events": [sync("A-1")]})
    assert answer.status_code == 413 and answer.get_json()["errors"][0]["code"] == "too_large"
    assert count(db_session, DossierEvent) == 0


def test_the_documented_example_is_stored_as_the_document_says(client, db_session, system):
    """The OpenAPI example of POST /api/v1/dossiers/events, posted as written: both events stored, then duplicates."""
    import yaml

    from survey.web.api.views import OPENAPI_FILE

    operation = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))["paths"]["/dossiers/events"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["examples"]["received"]["value"]
    first = post(client, system, body)
    assert first.status_code == 200, first.get_json()
    assert [r["status"] for r in first.get_json()["results"]] == ["stored", "stored"]
    again = post(client, system, body).get_json()
    assert (again["stored"], again["duplicates"], again["refused"]) == (0, 2, 0)
    dossier = db_session.scalar(select(Dossier).where(Dossier.code == "H26.189-261103-0001"))
    assert dossier is not None and dossier.returned_at is not None
