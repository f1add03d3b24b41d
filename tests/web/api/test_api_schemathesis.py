"""The API against its own OpenAPI document, by Schemathesis: every operation, every check, stateful links.

The app runs in-process (WSGI, the submission lane included) on the demo data,
with a tablet's device token put into the generated submissions that the
document calls valid, a national statistician's staff token in the
``Authorization`` header, and for dossier events a one-stop-shop system's
credential over ward 00004 (portal code H01.4). Any check that fails fails the test; at the end the
stored responses must be the demo's plus valid ones only.

Bounded for a loaded 2-core machine: few examples per operation, derandomized.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlalchemy import func, select

from survey.domain.api_tokens import create_token
from survey.domain.demo import seed_demo
from survey.domain.dossiers import add_credential
from survey.domain.responses import questionnaire_for
from survey.domain.staff import find_user
from survey.domain.units import find_unit
from survey.models import PortalUnitCode, Response
from survey.web.api.views import OPENAPI_FILE

PLACEHOLDER_TOKEN = "<the tablet's token>"  # the document's tablet example names no real token
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    checks.ignored_auth,
]
BOUNDED = settings(
    max_examples=25, derandomize=True, deadline=None, database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(app, db_session):
    """The demo at a tenth of its size, a staff token of its national statistician, its tablets' tokens."""
    app.config.update(RATELIMIT_ENABLED=True, API_DEVICE_RATE_LIMIT="100000/minute",
                      API_ADDRESS_RATE_LIMIT="100000/minute")  # raised for this test only
    app.extensions.pop("sipas_api", None)
    seed_demo(db_session, Path(app.instance_path), scale=0.1)
    _token, staff_secret = create_token(db_session, find_user(db_session, "thongke"), "schemathesis")
    ward = find_unit(db_session, "00004")
    db_session.add(PortalUnitCode(portal_code="H01.4", unit_id=ward.id))
    _credential, system_secret = add_credential(db_session, "Một cửa thử", ward)
    db_session.commit()
    urls = (Path(app.instance_path) / "demo-urls.txt").read_text(encoding="utf-8")
    device_tokens = [line.split("/k/")[1].split()[0] for line in urls.splitlines() if "/k/" in line]
    before = db_session.scalar(select(func.max(Response.id))) or 0
    yield {"staff": staff_secret, "system": system_secret, "device": device_tokens[2],
           "before": before}  # 00004 · Quầy 1
    db_session.rollback()
    db_session.expire_all()
    rows = db_session.scalars(select(Response).where(Response.id > before)).all()
    for row in rows:  # nothing invalid stored
        assert questionnaire_for(row.questionnaire_version).validate_answers(row.answers) == {}, row.answers
        assert len(row.scores) == 4 * len(row.questionnaire_version.numeric_items)


# The served document is this file (tests/web/api/test_api_openapi.py); the app is given per call, since each
# test has its own database (schemathesis.pytest.from_fixture needs a pytest internal that pytest 9.2 removed).
schema = schemathesis.openapi.from_path(OPENAPI_FILE)


def _headers(case, world) -> dict[str, str]:
    """The credential the operation asks for: a one-stop-shop system's for dossiers, else the staff token."""
    secret = world["system"] if case.operation.path.startswith("/dossiers/") else world["staff"]
    return {"Authorization": f"Bearer {secret}"}


def _with_real_token(case, token: str) -> None:
    """A tablet submission the document calls valid gets a real tablet's token (else all are 403)."""
    body = case.body
    if not isinstance(body, dict) or not isinstance(body.get("device_token"), str):
        return
    positive = case.meta is None or case.meta.generation.mode.is_positive
    if body["device_token"] == PLACEHOLDER_TOKEN or positive:
        body["device_token"] = token


@schema.parametrize()
@BOUNDED
def test_every_operation_conforms_to_the_document(case, app, world):
    case.operation.schema.app = app  # this test's app (the auth probes send through the schema's transport)
    _with_real_token(case, world["device"])
    case.call_and_validate(app=app, headers=_headers(case, world), checks=CHECKS)


def test_stateful_links_conform(app, world):
    """List releases → their indices; submit → the same body again answers 200 duplicate."""
    machine = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).as_state_machine()
    seen: set[tuple[str, int]] = set()

    class Machine(machine):  # type: ignore[misc, valid-type]
        def before_call(self, case):
            _with_real_token(case, world["device"])

        def get_call_kwargs(self, case):
            return {"headers": _headers(case, world)}

        def validate_response(self, response, case, **kwargs):
            seen.add((case.operation.label, response.status_code))
            case.validate_response(response, checks=CHECKS, headers=_headers(case, world))

    Machine.run(settings=settings(max_examples=15, stateful_step_count=4, derandomize=True, deadline=None,
                                  database=None, suppress_health_check=list(HealthCheck)))
    assert ("GET /releases/{release_id}/indices", 200) in seen, seen  # reached through the link



def test_a_repeated_submission_is_the_documented_duplicate(app, world):
    """The RepeatSubmission link by hand (random bodies seldom reach a 201): the tablet example twice."""
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = api["/responses"]["POST"]
    example = api.raw_schema["paths"]["/responses"]["post"]["requestBody"]["content"]["application/json"]
    body = {**example["examples"]["tablet"]["value"], "device_token": world["device"]}
    first = operation.Case(body=body, media_type="application/json").call_and_validate(checks=CHECKS)
    again = operation.Case(body=body, media_type="application/json").call_and_validate(checks=CHECKS)
    assert (first.status_code, first.json()["status"]) == (201, "created")
    assert (again.status_code, again.json()) == (200, {"uuid": body["uuid"], "status": "duplicate"})
