"""The dossier intake blueprint (Decision 766); its routes are in views.py."""

from flask import Blueprint

bp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers")
