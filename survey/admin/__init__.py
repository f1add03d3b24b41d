"""Administration: units, devices, users, rounds."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from survey.admin import views  # noqa: E402,F401
from survey.admin import audit  # noqa: E402,F401
