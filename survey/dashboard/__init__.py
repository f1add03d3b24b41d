"""Staff workspace: login and dashboards."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/staff")

from survey.dashboard import views  # noqa: E402,F401
