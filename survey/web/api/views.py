"""JSON API v1: health, the submission API and its OpenAPI description."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml
from flask import current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from survey import __version__
from survey.web.api.blueprint import bp
from survey.web.api.operations import submit
from survey.web.api.payload import too_large
from survey.web.api.serialize import api_json
from survey.web.errors import ApiError, error_response

OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.yaml"


@bp.get("/health")
def health():
    return jsonify({"status": "ok", "version": __version__})


@bp.post("/responses")
def submit_response():
    """Store one response (idempotent on its UUID); see openapi.yaml for the contract.

    Plain submissions are answered by survey.serving.lane before they reach Flask;
    this view answers the others (a cookie, a query string, a chunked body).
    """
    try:
        outcome = submit(request.get_data(cache=False), request.remote_addr, request.headers.get("Authorization"))
    except ApiError as exc:
        return error_response(exc)
    return api_json(outcome.body, outcome.status)  # as survey.serving.lane answers


@bp.errorhandler(RequestEntityTooLarge)
def body_too_large(exc: RequestEntityTooLarge):
    return error_response(too_large(current_app.config["MAX_CONTENT_LENGTH"] or 0))


@lru_cache(maxsize=1)
def _openapi_text() -> str:
    return OPENAPI_FILE.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _openapi_json() -> str:
    return json.dumps(yaml.safe_load(_openapi_text()), ensure_ascii=False, indent=1)


@bp.get("/openapi.yaml")
def openapi_yaml():
    return current_app.response_class(_openapi_text(), mimetype="application/yaml")


@bp.get("/openapi.json")
def openapi_json():
    return current_app.response_class(_openapi_json(), mimetype="application/json")
