"""Text outside templates (CLI, jobs, exports, domain messages): Vietnamese source, English beside it.

One strategy everywhere: :func:`gettext` (imported as ``_``) translates into the
language of the current web request when there is one (the web layer registers
it with :func:`set_request_language`), else into the language of the process
(``SIPAS_LANG`` or the usual locale variables; Vietnamese by default). No Flask
import here, so the domain and the CLI can use it.

Start-up matters here (every ``sipas`` command imports this module first): the
catalogue is read with Python's own :mod:`gettext` (already loaded by click),
and Babel's date formatting is imported by the two functions that format
dates (Babel's ``dates`` and ``support`` modules took about 40 ms of each
command's start-up, a tenth of ``sipas indices`` on 200,000 responses).
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("vi", "en")
# The one time zone of the users: every local date and time is shown in it.
LOCAL_TIMEZONE = "Asia/Ho_Chi_Minh"
LOCAL_TZ = ZoneInfo(LOCAL_TIMEZONE)

_request_language: Callable[[], str | None] = lambda: None


def set_request_language(source: Callable[[], str | None]) -> None:
    """Register how to read the current request's language (``None`` outside a request)."""
    global _request_language
    _request_language = source


def process_language() -> str:
    """The language of the CLI and of work outside requests: SIPAS_LANG, LC_ALL, LC_MESSAGES, LANG."""
    for var in ("SIPAS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "en" if value.lower().startswith("en") else "vi"
    return "vi"


def current_language() -> str:
    """The request's language inside a request, else the process language."""
    return _request_language() or process_language()


@cache
def catalog(language: str) -> _gettext.NullTranslations:
    """The message catalogue of a language (Vietnamese is the source text), read at its first message."""
    if language == "vi":
        return _gettext.NullTranslations()
    # the lookup of Babel's Translations.load, without importing Babel
    found = _gettext.find("messages", str(TRANSLATIONS_DIR), [language])
    if not found:
        return _gettext.NullTranslations()
    with open(found, "rb") as compiled:
        return _gettext.GNUTranslations(compiled)


def gettext(message: str, **variables: object) -> str:
    """``message`` (Vietnamese) in the current language, with ``%(name)s`` variables filled in."""
    text = catalog(current_language()).gettext(message)
    return text % variables if variables else text


_ = gettext


def format_local_date(value: date | datetime, language: str | None = None) -> str:
    """A day as users write it, 03/12/2026, through Babel; a time is first taken to :data:`LOCAL_TZ`."""
    from babel.dates import format_date

    if isinstance(value, datetime):
        value = local_time(value).date()
    return format_date(value, format="dd/MM/yyyy", locale=language or current_language())


def format_local_datetime(value: datetime, language: str | None = None) -> str:
    """A moment in :data:`LOCAL_TZ` as 2026-12-03 14:05 (sortable, for lists), through Babel."""
    from babel.dates import format_datetime

    return format_datetime(local_time(value), format="yyyy-MM-dd HH:mm", locale=language or current_language())


def local_time(value: datetime) -> datetime:
    """A stored time in :data:`LOCAL_TZ`; a time without zone is UTC (SQLite drops the zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)
