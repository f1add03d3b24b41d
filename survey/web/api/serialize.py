"""How the API writes a value: one JSON body, one time format (RFC 3339 with the Vietnam offset)."""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app

from survey.i18n import local_time
from survey.web.errors import json_bytes


def api_time(moment: datetime | None) -> str | None:
    """A stored time as RFC 3339 with its offset, 2026-12-03T21:05:09+07:00 (a naive time is UTC)."""
    return None if moment is None else local_time(moment).isoformat(timespec="seconds")


def api_json(body: object, status: int = 200, private: bool = False) -> Response:
    """An API answer: compact JSON; ``private`` ones (read with a token) are never cached."""
    response = current_app.response_class(json_bytes(body), status=status, mimetype="application/json")  # type: ignore[arg-type]
    response.headers["Cache-Control"] = "private, no-store" if private else "no-store"
    return response
