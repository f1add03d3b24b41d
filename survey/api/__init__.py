"""JSON API (v1)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from survey.api import views  # noqa: E402,F401
from survey.api import releases  # noqa: E402,F401
