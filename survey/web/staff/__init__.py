"""Staff workspace: login, dashboards, computations and releases, API tokens."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from survey.web.staff import (  # noqa: F401
    imports,
    releases,
    results,
    tokens,
    views,
)
