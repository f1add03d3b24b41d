"""The submission route served without Flask's request machinery: the hot path of every tablet.

Each response a tablet sends is one ``POST /api/v1/responses``. Around the
view, Flask builds a request context, opens the session cookie (building its
signing serializer), matches the URL, runs the before-, after- and teardown
hooks of every extension and builds a Response object: on a 2-core machine
that cost as much CPU as validating and storing the response itself
(bench/ingest.py). This WSGI middleware answers the plain case on its own,
with the same function (:func:`survey.web.api.operations.submit`), the same
messages in the same language and the same headers. Anything else goes to
Flask unchanged: another path or method, a query string, a cookie (its
session may choose the language), a body without a Content-Length, or
``API_FAST_LANE = False``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app, g, has_app_context
from flask_babel import gettext as _
from werkzeug.http import HTTP_STATUS_CODES

from survey import SECURITY_HEADERS
from survey.extensions import db
from survey.web.api.operations import submit
from survey.web.api.payload import too_large
from survey.web.errors import (
    JSON_HEADERS,
    REQUEST_ID_HEADER,
    ApiError,
    field_error,
    internal_error,
    json_bytes,
    json_error,
    log_unexpected,
)
from survey.web.i18n import api_locale

_STATUS_LINES = {code: f"{code} {reason.upper()}" for code, reason in HTTP_STATUS_CODES.items()}


class _LaneLocale(SimpleNamespace):
    """Flask-Babel's per-context state, choosing the language from Accept-Language only if a message needs it."""

    def __init__(self, accept_language: str | None):
        super().__init__()
        self._accept_language = accept_language

    def __getattr__(self, name: str) -> Any:
        if name != "babel_locale":
            raise AttributeError(name)
        locale = self.babel_locale = api_locale(self._accept_language)
        return locale


class SubmissionLane:
    """WSGI middleware in front of ``app.wsgi_app``: plain submissions straight to :func:`submit`."""

    def __init__(self, app: Flask, wsgi_app: Callable, path: str):
        self.app = app
        self.wsgi_app = wsgi_app
        self.path = path

    def takes(self, environ: dict) -> bool:
        """Whether this request is a plain submission the lane answers itself."""
        length = environ.get("CONTENT_LENGTH", "")
        return (
            environ.get("PATH_INFO") == self.path
            and environ.get("REQUEST_METHOD") == "POST"
            and not environ.get("QUERY_STRING")
            and "HTTP_COOKIE" not in environ
            and "HTTP_TRANSFER_ENCODING" not in environ
            and length.isascii()
            and length.isdigit()
            and self.app.config["API_FAST_LANE"]
        )

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.takes(environ):
            return self.wsgi_app(environ, start_response)
        app = self.app
        context = None
        if not has_app_context() or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            context = app.app_context()
            context.push()
        previous_locale = g.__dict__.get("_flask_babel")
        g._flask_babel = _LaneLocale(environ.get("HTTP_ACCEPT_LANGUAGE"))
        error: BaseException | None = None
        try:
            status, headers, payload = self._answer(environ)
        except Exception as exc:  # what Flask does with an unhandled error, in JSON
            error = exc
            if app.testing or app.config.get("PROPAGATE_EXCEPTIONS"):
                raise
            rid = log_unexpected(app, "POST", self.path, environ, True)
            _rollback()
            status, headers, payload = json_error(internal_error(submission=True))
            headers.append((REQUEST_ID_HEADER, rid))
        finally:
            if previous_locale is None:
                g.__dict__.pop("_flask_babel", None)
            else:
                g._flask_babel = previous_locale
            if context is not None:
                context.pop(error)
        start_response(_STATUS_LINES[status], [*headers, ("Content-Length", str(len(payload))), *SECURITY_HEADERS])
        return [payload]

    def _answer(self, environ: dict) -> tuple[int, list[tuple[str, str]], bytes]:
        length = int(environ["CONTENT_LENGTH"])
        limit = self.app.config["MAX_CONTENT_LENGTH"]
        try:
            if limit is not None and length > limit:
                raise too_large(limit)
            data = environ["wsgi.input"].read(length) if length else b""
            if len(data) < length:
                message = _("Nội dung yêu cầu bị cắt ngắn (ít hơn Content-Length).")
                raise ApiError(400, [field_error("", message, "incomplete_body")])
            outcome = submit(data, environ.get("REMOTE_ADDR"), environ.get("HTTP_AUTHORIZATION"))
        except ApiError as exc:
            return json_error(exc)
        return outcome.status, list(JSON_HEADERS), json_bytes(outcome.body)


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the error being answered matters more
        current_app.logger.exception("rollback after an error failed")
