"""The api blueprint; its routes are in the modules that import it."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
