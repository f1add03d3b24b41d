"""Administration: units, devices, users, rounds."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from survey.web.admin import (
    audit,  # noqa: F401
    views,  # noqa: F401
)
