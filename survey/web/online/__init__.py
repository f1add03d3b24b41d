"""Online surveys: unit links and invitations."""

from flask import Blueprint

bp = Blueprint("online", __name__)

from survey.web.online import views  # noqa: F401
