"""The one JSON error shape, the one error page, and what an unexpected error (500) looks like.

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
from werkzeug.exceptions import HTTPException, InternalServerError

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


# The code of each HTTP error in the JSON shape (survey/web/api/openapi.yaml, ErrorCode).
ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    410: "gone", 413: "too_large", 429: "rate_limited", 500: "internal_error",
}


def error_texts(status: int) -> tuple[str, str]:
    """The title and explanation of an error page (and the message of the JSON error) in the user's language."""
    texts = {
        400: (_("Yêu cầu không hợp lệ"),
              _("Máy chủ không hiểu yêu cầu này; vui lòng kiểm tra địa chỉ hoặc dữ liệu vừa gửi.")),
        401: (_("Cần đăng nhập"), _("Vui lòng đăng nhập để mở trang này.")),
        403: (_("Không có quyền truy cập"), _("Tài khoản của bạn không được phép mở trang này.")),
        404: (_("Không tìm thấy trang"),
              _("Địa chỉ này không có trên hệ thống; có thể đường dẫn bị sai hoặc trang đã bị xoá.")),
        405: (_("Thao tác không được hỗ trợ"), _("Địa chỉ này không nhận loại yêu cầu vừa gửi.")),
        410: (_("Trang không còn nữa"), _("Nội dung này đã hết hạn hoặc đã bị gỡ bỏ.")),
        413: (_("Dữ liệu gửi lên quá lớn"), _("Tệp hoặc biểu mẫu vượt quá dung lượng cho phép.")),
        429: (_("Quá nhiều yêu cầu"),
              _("Có quá nhiều yêu cầu trong thời gian ngắn; vui lòng đợi một lát rồi thử lại.")),
        500: (_("Lỗi máy chủ"),
              _("Đã xảy ra lỗi ngoài dự kiến; thao tác của bạn chưa được thực hiện. Vui lòng thử lại sau.")),
    }
    return texts.get(status) or texts[400 if status < 500 else 500]


def error_page(status: int, message: str | None = None, back_url: str | None = None,
               headers: Mapping[str, str] | None = None) -> Response:
    """The one error page (templates/shared/error.html), with an optional detail and a way back."""
    title, explanation = error_texts(status)
    rid = request_id(request.environ) if status >= 500 else None
    page = render_template("shared/error.html", status=status, title=title, explanation=explanation,
                           message=message, back_url=back_url, request_id=rid)
    return current_app.response_class(page, status=status, headers=dict(headers or {}), mimetype="text/html")


def _kept_headers(error: HTTPException) -> dict[str, str]:
    """The headers an HTTP error carries besides its body's (Allow of a 405, Retry-After, WWW-Authenticate)."""
    return {name: value for name, value in error.get_headers() if name.lower() != "content-type"}


def register_error_pages(app: Flask) -> None:
    """Every HTTP error is a page in the user's language, or the API's JSON error under /api/; each has its id."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        if status >= 500:
            return _internal_error(error)
        # A view's own description (abort(404, description=...)) is already in the user's
        # language; werkzeug's defaults are English only and give way to ours.
        detail = error.description if error.description != type(error).description else None
        if request.path.startswith("/api/"):
            code = ERROR_CODES.get(status, "bad_request")
            message = detail or error_texts(status)[1]
            return error_response(refusal(status, code, message, headers=_kept_headers(error)))
        return error_page(status, message=detail, headers=_kept_headers(error))

    @app.errorhandler(InternalServerError)
    def _internal_error(error: HTTPException):
        rid = request_id(request.environ)
        if request.path.startswith("/api/"):
            submission = request.endpoint == "api.submit_response"
            return error_response(internal_error(submission), request_id=rid)
        return error_page(500)

    @app.after_request
    def _request_id_header(response: Response) -> Response:
        response.headers.setdefault(REQUEST_ID_HEADER, request_id(request.environ))
        return response
