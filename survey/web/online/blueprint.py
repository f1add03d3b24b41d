"""The online blueprint; its routes are in the modules that import it."""

from flask import Blueprint

bp = Blueprint("online", __name__)
