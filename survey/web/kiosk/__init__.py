"""Counter tablets (kiosk mode)."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/k")

from survey.web.kiosk import views  # noqa: F401
