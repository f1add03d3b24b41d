"""Locale selection and locale-aware formatting (Vietnamese first)."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale, refresh


def select_locale() -> str:
    languages = ("vi", "en")
    requested = request.args.get("lang")
    if requested in languages:
        session["lang"] = requested
        return requested
    if session.get("lang") in languages:
        return session["lang"]
    if request.blueprint == "api":
        # API clients say what they want; pages are Vietnamese until the user switches.
        return request.accept_languages.best_match(languages) or "vi"
    return "vi"


def format_percent(value: float | None, digits: int = 2) -> str:
    """Format a 0–100 value as a percentage in the user's locale: 90,29 % in Vietnamese."""
    if value is None or value != value:  # None or NaN
        return "–"
    number = format_decimal(value, format="#,##0." + "0" * digits) if digits else format_decimal(
        round(value), format="#,##0"
    )
    return f"{number} %" if str(get_locale()) == "vi" else f"{number}%"


def init_i18n(app: Flask) -> None:
    from survey.extensions import babel

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    app.jinja_env.filters["pct"] = format_percent
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.filters["format_datetime"] = format_datetime
    app.jinja_env.filters["number"] = lambda v, d=0: format_decimal(v, format="#,##0" + ("." + "0" * d if d else ""))

    @app.context_processor
    def _locale_context() -> dict:
        return {"current_locale": str(get_locale()), "languages": (("vi", "Tiếng Việt"), ("en", "English"))}

    @app.before_request
    def _select_locale_for_this_request() -> None:
        if app.testing:
            # Flask-Babel caches the locale on the app context; tests keep one
            # context open across requests, production has a new one per request.
            refresh()
        g.locale = str(get_locale())
