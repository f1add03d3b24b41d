"""Absolute URLs handed to citizens (kiosk links, the online form, dossier rating links and their QR codes)."""

from __future__ import annotations

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for citizens: SIPAS_PUBLIC_BASE_URL when set (behind a proxy), else this host."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
