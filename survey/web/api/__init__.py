"""JSON API (v1)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from survey.web.api import (
    releases,  # noqa: F401
    views,  # noqa: F401
)
