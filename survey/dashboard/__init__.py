"""Staff workspace: login, dashboards, computations and releases, API tokens."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/staff")

from survey.dashboard import views  # noqa: E402,F401
from survey.dashboard import releases, results, tokens  # noqa: E402,F401
from survey.dashboard import imports  # noqa: E402,F401
