"""The one JSON error shape, and what an unexpected error (500) looks like.

Every JSON error goes through :func:`json_error`: ``{"errors": [{"field",
"message", "code"}, ...]}`` with ``Content-Type: application/json`` and
``Cache-Control: no-store`` (survey/web/api/openapi.yaml, schema ``Errors``).
The submission lane (survey.serving.lane) sends its pieces itself, Flask views
through :func:`error_response`.

An unexpected error gets a request id, made once per request: it is in the log
record, in the page or JSON body and in the ``X-Request-Id`` header, so that a
user's report can be matched to the log. The client's address is never logged.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import InternalServerError

JSON_HEADERS = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))
REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID_KEY = "sipas.request_id"  # in the WSGI environ: one id per request, Flask path or lane
BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no database keeps them


def json_bytes(body: Mapping[str, Any]) -> bytes:
    """An API answer's body: compact JSON, Vietnamese letters as they are."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def field_error(field: str, message: str, code: str) -> dict[str, str]:
    """One error; a field name echoed from the request is cut short and made printable."""
    return {"field": BAD_CHARACTERS.sub("\ufffd", field[:120]), "message": message, "code": code}


class ApiError(Exception):
    """A refusal: HTTP status, field-level errors (:func:`field_error`), optional headers."""

    def __init__(self, status: int, errors: list[dict[str, str]], headers: dict[str, str] | None = None):
        super().__init__(status, errors)
        self.status = status
        self.errors = errors
        self.headers = headers or {}


def refusal(status: int, code: str, message: str, field: str = "",
            headers: dict[str, str] | None = None) -> ApiError:
    """An :class:`ApiError` with one error."""
    return ApiError(status, [field_error(field, message, code)], headers)


def json_error(error: ApiError, request_id: str | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """The JSON answer to ``error``: status, headers and body (with the request id of a 500)."""
    body: dict[str, Any] = {"errors": error.errors}
    if request_id is not None:
        body["request_id"] = request_id
    return error.status, [*JSON_HEADERS, *error.headers.items()], json_bytes(body)


def error_response(error: ApiError, request_id: str | None = None) -> Response:
    """:func:`json_error` as a Flask response."""
    status, headers, payload = json_error(error, request_id)
    return current_app.response_class(payload, status=status, headers=headers)


def internal_error(submission: bool) -> ApiError:
    """The API's answer to an unexpected error; to a submission it says that nothing was stored."""
    if submission:
        message = _("Lỗi máy chủ; phiếu chưa được lưu, vui lòng gửi lại sau.")
    else:
        message = _("Lỗi máy chủ; yêu cầu chưa được thực hiện, vui lòng thử lại sau.")
    return refusal(500, "internal_error", message)


def request_id(environ: dict[str, Any]) -> str:
    """This request's id (uuid4 hex), made on first use."""
    found = environ.get(_REQUEST_ID_KEY)
    if found is None:
        found = environ[_REQUEST_ID_KEY] = uuid.uuid4().hex
    return found


def log_unexpected(app: Flask, method: str, path: str, environ: dict[str, Any], exc_info: Any) -> str:
    """Log an unexpected error with its request id (never the client's address); returns the id."""
    rid = request_id(environ)
    app.logger.error("Exception on %s [%s], request id %s", path, method, rid,
                     exc_info=exc_info, extra={"request_id": rid})
    return rid


class SipasFlask(Flask):
    """Flask whose log of an unhandled exception carries the request id the user is shown."""

    def log_exception(self, exc_info: Any) -> None:
        log_unexpected(self, request.method, request.path, request.environ, exc_info)


def register_error_pages(app: Flask) -> None:
    """A 500 is a page in the user's language, or the API's JSON error under /api/; every answer has its id."""

    @app.errorhandler(InternalServerError)
    def _internal_error(error: InternalServerError):
        rid = request_id(request.environ)
        if request.path.startswith("/api/"):
            submission = request.endpoint == "api.submit_response"
            return error_response(internal_error(submission), request_id=rid)
        return render_template("shared/error.html", request_id=rid), 500

    @app.after_request
    def _request_id_header(response: Response) -> Response:
        response.headers.setdefault(REQUEST_ID_HEADER, request_id(request.environ))
        return response
