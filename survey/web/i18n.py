"""Locale of a web request and locale-aware formatting in templates (Vietnamese first)."""

from __future__ import annotations

import math
from datetime import date, datetime

from babel import Locale
from flask import Flask, g, has_request_context, request, session
from flask_babel import format_decimal, get_locale, refresh
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from survey.i18n import LANGUAGES, format_local_date, local_time, set_request_language
from survey.web.labels import code_label

# Parsed once: Babel's Locale.parse looks for the locale's data file on disk
# every time, which cost more CPU than the rest of a submission's locale handling.
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def select_locale() -> Locale:
    requested = request.args.get("lang")
    if requested in _LOCALES:
        session["lang"] = requested
        return _LOCALES[requested]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in _LOCALES:
        return _LOCALES[chosen]
    if request.blueprint == "api" or request.path.startswith("/api/"):
        # API clients say what they want; pages are Vietnamese until the user switches.
        return api_locale(request.headers.get("Accept-Language"))
    return _LOCALES["vi"]


def api_locale(accept_language: str | None) -> Locale:
    """The language of an API answer: the best of Accept-Language, Vietnamese when none fits."""
    return _LOCALES[parse_accept_header(accept_language, LanguageAccept).best_match(LANGUAGES) or "vi"]


def current_language() -> str:
    """The language code of this request ("vi" or "en")."""
    return get_locale().language


def format_percent(value: float | None, digits: int = 2) -> str:
    """Format a 0–100 value as a percentage in the user's locale: 90,29 % in Vietnamese."""
    if value is None or math.isnan(value):
        return "–"
    number = format_decimal(value, format="#,##0." + "0" * digits) if digits else format_decimal(
        round(value), format="#,##0"
    )
    return f"{number} %" if get_locale().language == "vi" else f"{number}%"


def format_day(value: date | datetime | None, _format: str | None = None) -> str:
    """A day as 03/12/2026 in both languages (a time first taken to Asia/Ho_Chi_Minh); "–" for none.

    The one date filter of the templates (``|format_date``); a format some template still
    passes is ignored, so every page writes days the same way.
    """
    return "–" if value is None else format_local_date(value)


def format_moment(value: datetime | None, _format: str | None = None) -> str:
    """A moment as 03/12/2026 14:05 in Asia/Ho_Chi_Minh, in both languages; "–" for none (``|format_datetime``)."""
    if value is None:
        return "–"
    return f"{format_local_date(value)} {local_time(value):%H:%M}"


def init_i18n(app: Flask) -> None:
    from survey.extensions import babel

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    set_request_language(lambda: current_language() if has_request_context() else None)
    app.jinja_env.filters["pct"] = format_percent
    app.jinja_env.filters["format_date"] = format_day
    app.jinja_env.filters["format_datetime"] = format_moment
    app.jinja_env.filters["label"] = code_label
    app.jinja_env.filters["number"] = lambda v, d=0: format_decimal(v, format="#,##0" + ("." + "0" * d if d else ""))

    @app.context_processor
    def _locale_context() -> dict:
        return {"current_locale": current_language(), "languages": (("vi", "Tiếng Việt"), ("en", "English"))}

    @app.before_request
    def _select_locale_for_this_request() -> None:
        if app.testing:
            # Flask-Babel caches the locale on the app context; tests keep one
            # context open across requests, production has a new one per request.
            refresh()
        if request.blueprint != "api":
            # Chosen up front so that ?lang= is remembered even by a page that
            # only redirects; the API chooses when it has a message to translate.
            g.locale = current_language()
