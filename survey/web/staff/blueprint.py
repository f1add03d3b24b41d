"""The staff blueprint; its routes are in the modules that import it."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
