"""The kiosk blueprint; its routes are in the modules that import it."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/k")
