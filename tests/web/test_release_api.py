"""Release API: personal tokens (created on the page, stored hashed, revocable), 401/403/404 JSON,
the `sipas indices` record shape, scope exactly as on the pages, and the OpenAPI description."""

from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import select

from survey.models import ApiToken, AuditEntry, Release, ReleaseIndex, ReleaseStatus, hash_token

RECORD_KEYS = {"index", "level", "domain", "estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "ci_method"}


def _token(app, login: str, name: str = "script") -> str:
    """Create a token through the page, as a user would; return the secret shown once."""
    client = app.test_client()
    assert client.post("/staff/login", data={"login": login, "password": "sipas-demo"}).status_code == 302
    page = client.post("/staff/tokens", data={"name": name})
    assert page.status_code == 200
    secret = re.search(r'<p class="secret" id="new-token">([^<]+)</p>', page.get_data(as_text=True)).group(1)
    again = client.get("/staff/tokens").get_data(as_text=True)
    assert secret not in again and name in again  # shown once only
    return secret


def _get(app, url: str, secret: str | None = None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return app.test_client().get(url, headers=headers)


def _published(session) -> Release:
    return session.scalar(
        select(Release).where(Release.status == ReleaseStatus.PUBLISHED).order_by(Release.id.desc())
    )


def test_tokens_are_stored_hashed_and_audited(staff_app, session):
    secret = _token(staff_app, "quanly.hanoi", "báo cáo tỉnh")
    stored = session.scalar(select(ApiToken).where(ApiToken.name == "báo cáo tỉnh"))
    assert stored.token_hash == hash_token(secret) and secret not in stored.token_hash
    assert stored.user.login == "quanly.hanoi" and stored.revoked_at is None
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.create", AuditEntry.target == "báo cáo tỉnh"))


def test_missing_or_bad_token_is_401_json(staff_app):
    for headers in ({}, {"Authorization": "Bearer sipas_not-a-real-token"}, {"Authorization": "Basic YWRtaW46c2lwYXMtZGVtbw=="}):
        response = staff_app.test_client().get("/api/v1/releases", headers=headers)
        assert response.status_code == 401 and response.is_json
        assert response.json["errors"][0]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="sipas"'
    # a browser session is not an API credential
    client = staff_app.test_client()
    client.post("/staff/login", data={"login": "thongke", "password": "sipas-demo"})
    assert client.get("/api/v1/releases").status_code == 401


def test_revoked_token_stops_working(staff_app, session):
    secret = _token(staff_app, "quanly.badinh", "tạm thời")
    assert _get(staff_app, "/api/v1/releases", secret).status_code == 200
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    assert token.last_used_at is not None
    client = staff_app.test_client()
    client.post("/staff/login", data={"login": "quanly.hanoi", "password": "sipas-demo"})
    assert client.post(f"/staff/tokens/{token.id}/revoke").status_code == 404  # not their token
    client = staff_app.test_client()
    client.post("/staff/login", data={"login": "quanly.badinh", "password": "sipas-demo"})
    assert client.post(f"/staff/tokens/{token.id}/revoke").status_code == 302
    assert _get(staff_app, "/api/v1/releases", secret).status_code == 401


def test_release_list_is_published_only_for_managers(staff_app, session):
    import numpy as np
    from sqlalchemy import func

    from survey.domain.synthetic_releases import synthetic_release
    from survey.models import Unit

    current = _published(session)
    number = session.scalar(select(func.max(Release.number)).where(Release.round_id == current.round_id)) + 1
    units = list(session.scalars(select(Unit).where(Unit.valid_to.is_(None))))
    draft = synthetic_release(session, current.round, units, np.random.default_rng(5), number=number, published=False)
    session.commit()
    manager = _get(staff_app, "/api/v1/releases", _token(staff_app, "quanly.hanoi"))
    assert manager.status_code == 200 and manager.headers["Cache-Control"] == "private, no-store"
    listed = manager.json["releases"]
    assert listed and all(r["status"] == "published" for r in listed)
    assert draft.id not in {r["id"] for r in listed} and "n_responses" not in listed[0]
    statistician = _get(staff_app, "/api/v1/releases", _token(staff_app, "thongke")).json["releases"]
    assert draft.id in {r["id"] for r in statistician}
    assert {"id", "round", "number", "title", "status", "published_at", "questionnaire", "n_responses"} <= set(statistician[0])
    secret = _token(staff_app, "quanly.hanoi", "draft probe")
    assert _get(staff_app, f"/api/v1/releases/{draft.id}/indices?unit=01", secret).status_code == 404
    assert _get(staff_app, f"/api/v1/releases/{draft.id}/indices", _token(staff_app, "thongke")).status_code == 200


def test_indices_have_the_sipas_indices_record_shape_and_obey_scope(staff_app, session):
    from survey.domain.units import find_unit

    release = _published(session)
    ba_dinh = find_unit(session, "00004")
    secret = _token(staff_app, "quanly.hanoi", "indices")
    response = _get(staff_app, f"/api/v1/releases/{release.id}/indices?unit=00004&level=group", secret)
    assert response.status_code == 200
    body = response.json
    assert body["unit"] == {"code": "00004", "name": "Phường Ba Đình"}
    stored = session.scalars(
        select(ReleaseIndex).where(
            ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id == ba_dinh.id, ReleaseIndex.level == "group"
        )
    ).all()
    assert len(body["indices"]) == len(stored) > 0
    by_code = {r.index_code: r for r in stored}
    for record in body["indices"]:
        assert RECORD_KEYS <= set(record)
        assert record["level"] == "group" and record["domain"] == {"unit": "00004"}
        row = by_code[record["index"]]
        assert record["estimate"] == pytest.approx(row.estimate) and record["n"] == row.n
        assert record["ci_low"] == pytest.approx(row.ci_low) and record["ci_method"] == row.ci_method
    # the default unit is the token owner's own
    own = _get(staff_app, f"/api/v1/releases/{release.id}/indices?level=overall", secret).json
    assert own["unit"]["code"] == "01" and [r["level"] for r in own["indices"]] == ["overall"]
    # outside the scope, or unknown: 404 JSON, the same answer for both
    for unit in ("08", "20194", "no-such-unit"):
        refused = _get(staff_app, f"/api/v1/releases/{release.id}/indices?unit={unit}", secret)
        assert refused.status_code == 404 and refused.json["errors"][0]["code"] == "not_found"
    assert _get(staff_app, "/api/v1/releases/999999/indices", secret).status_code == 404
    bad = _get(staff_app, f"/api/v1/releases/{release.id}/indices?level=everything", secret)
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "level"


def test_national_token_reads_the_nation(staff_app, session):
    release = _published(session)
    body = _get(staff_app, f"/api/v1/releases/{release.id}/indices?level=overall", _token(staff_app, "thongke")).json
    assert body["unit"] is None and body["indices"][0]["domain"] is None
    stored = session.scalar(
        select(ReleaseIndex).where(
            ReleaseIndex.release_id == release.id, ReleaseIndex.unit_id.is_(None), ReleaseIndex.level == "overall"
        )
    )
    assert body["indices"][0]["estimate"] == pytest.approx(stored.estimate)


def test_openapi_documents_the_release_api(staff_app):
    spec = yaml.safe_load(staff_app.test_client().get("/api/v1/openapi.yaml").get_data(as_text=True))
    assert "/releases" in spec["paths"] and "/releases/{release_id}/indices" in spec["paths"]
    indices = spec["paths"]["/releases/{release_id}/indices"]["get"]
    assert {p["name"] for p in indices["parameters"]} >= {"release_id", "unit", "level"}
    assert set(indices["responses"]) >= {"200", "400", "401", "404"}
    assert spec["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    record = spec["components"]["schemas"]["IndexRecord"]
    assert RECORD_KEYS <= set(record["properties"])
    assert "/responses" in spec["paths"]  # the submission API is still there
