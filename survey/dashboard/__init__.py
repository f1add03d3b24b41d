"""Staff workspace: login, dashboards, computations and releases, API tokens."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/staff")

from survey.dashboard import (  # noqa: F401
    imports,
    releases,
    results,
    tokens,
    views,
)
