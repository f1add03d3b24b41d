"""``POST /api/v1/dossiers/events``: a one-stop-shop system posts a batch of dossier events.

Authentication: ``Authorization: Bearer <secret>`` of an integration credential
(``sipas integrations add``); the system may post only for its unit and the
units below it. Body: ``{"events": [{...}, ...]}`` with the portal's field
names (survey.domain.dossiers.portal). Answer 200 with one result per event
(``stored``, ``duplicate`` or ``refused`` with its errors), so that a system
resends only what was refused; a batch is idempotent, so a retried request
changes nothing. Errors of the request itself use the one JSON error shape.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from survey.domain.dossiers import BatchTooLarge, authenticate, credential_scope, intake_events
from survey.domain.dossiers.recount import enqueue_recount
from survey.extensions import db
from survey.web.api.payload import parse_body
from survey.web.dossiers.blueprint import bp
from survey.web.errors import JSON_HEADERS, ApiError, error_response, json_bytes, refusal

BEARER = "bearer "


def _credential():
    header = request.headers.get("Authorization", "")
    secret = header[len(BEARER):].strip() if header.lower().startswith(BEARER) else ""
    credential = authenticate(db.session, secret) if secret else None
    if credential is None:
        raise refusal(401, "unauthorized", _("Thiếu hoặc sai khóa kết nối của hệ thống một cửa (Authorization: "
                                              "Bearer …), hoặc khóa đã bị thu hồi."),
                      headers={"WWW-Authenticate": 'Bearer realm="sipas-dossiers"'})
    return credential


def _events() -> list:
    body = parse_body(request.get_data(cache=False))  # too deeply nested, NaN or not UTF-8: invalid_json
    if not isinstance(body, dict):
        raise refusal(400, "not_an_object", _("Nội dung phải là {\"events\": [ … ]}."))
    if not isinstance(body.get("events"), list):
        code = "required" if body.get("events") is None else "wrong_type"
        raise refusal(400, code, _("Nội dung phải là {\"events\": [ … ]}."), field="events")
    return body["events"]


@bp.post("/events")
def post_events():
    """Check and store a batch; one result per event, in the order sent."""
    request.max_content_length = current_app.config["DOSSIER_API_MAX_BYTES"]
    try:
        credential = _credential()
        events = _events()
        scope = credential_scope(db.session, credential)
        for attempt in (1, 2):  # another request may store the same dossier meanwhile; the batch is idempotent
            try:
                report = intake_events(db.session, events, source=credential.system_name, scope=scope,
                                       system=credential.system_name,
                                       max_events=current_app.config["DOSSIER_BATCH_MAX_EVENTS"])
                db.session.commit()
                break
            except IntegrityError:
                db.session.rollback()
                if attempt == 2:
                    raise
                credential = _credential()
    except BatchTooLarge as exc:
        db.session.rollback()
        return error_response(refusal(413, "too_many_events", str(exc), field="events"))
    except ApiError as exc:
        db.session.rollback()
        return error_response(exc)
    if report.stored:
        _enqueue_recount()
    body = {"stored": report.stored, "duplicates": report.duplicates, "refused": report.refused,
            "results": [_result(result) for result in report.results]}
    return current_app.response_class(json_bytes(body), status=200, headers=JSON_HEADERS)


def _enqueue_recount() -> None:
    """A batch that left ended months stale enqueues their recount (not while one waits), for the next view."""
    from survey.serving.queue import start_job

    try:
        enqueue_recount(db.session, lambda kind: start_job(current_app._get_current_object(), kind))
    except Exception:  # the batch is stored; the dashboard counts what is stale itself
        db.session.rollback()
        current_app.logger.exception("recount of the stale months not enqueued")


def _result(result) -> dict:
    return {"index": result.index, "status": result.status, "code": result.code,
            "errors": [{"field": e.field or "", "message": e.message(), "code": e.key} for e in result.errors]}


@bp.errorhandler(RequestEntityTooLarge)
def body_too_large(exc: RequestEntityTooLarge):
    limit = current_app.config["DOSSIER_API_MAX_BYTES"]
    return error_response(refusal(413, "too_large", _("Nội dung yêu cầu quá lớn (tối đa %(n)d byte).", n=limit)))
