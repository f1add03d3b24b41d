"""JSON API v1 (the submission API and release API build on this)."""

from __future__ import annotations

from flask import jsonify

from survey import __version__
from survey.api import bp


@bp.get("/health")
def health():
    return jsonify({"status": "ok", "version": __version__})
