"""The admin blueprint; its routes are in the modules that import it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
