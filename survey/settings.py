"""Configuration defaults; overridden by instance/config.py, SIPAS_* variables, then test config."""

from __future__ import annotations

from typing import ClassVar, Literal

# `sipas serve`: open connections per worker process, each served by a thread of
# its own (survey.serving.server); more wait in the listen queue. An idle kept-alive
# connection is closed after gunicorn's keepalive (2 s).
DEFAULT_CONNECTIONS = 1000


class DefaultConfig:
    """Defaults suitable for a single-machine installation on SQLite."""

    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: sqlite:///<instance>/sipas.db
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}
    ENV_NAME = "development"  # "production" makes SECRET_KEY mandatory
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    MAX_CONTENT_LENGTH = 256 * 1024
    PROXY_COUNT = 0  # reverse proxies in front whose X-Forwarded-For/-Proto/-Host are trusted
    API_FAST_LANE = True  # plain submissions skip Flask's request handling (survey.serving.lane)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    KIOSK_IDLE_SECONDS = 30
    KIOSK_MIN_INTERVAL_SECONDS = 5
    KIOSK_KEEP_PARTIAL_WITH_MAIN_RATING = True
    QUESTIONNAIRE_DIR: str | None = None  # default: <project>/questionnaires
    PUBLIC_BASE_URL: str | None = None  # e.g. https://sipas.example.gov.vn, for QR codes and letters
    # Where background jobs wait for `sipas worker` (survey.serving.queue): None is an SQLite
    # file <instance>/jobs.db ("immediate" when TESTING); "redis://host:6379/0" for Redis;
    # "immediate" runs each job in the caller as it is started (no worker).
    JOB_QUEUE_URL: str | None = None
    # `sipas serve`'s gunicorn worker (SIPAS_SERVE_WORKER, or `sipas serve --worker`):
    # "connection-threads", ours (survey.serving.server: a thread per open connection,
    # the fastest; it relies on gunicorn's internals, so on a gunicorn outside
    # survey.serving.server.SUPPORTED_GUNICORN gthread is used instead), or "gthread",
    # gunicorn's own threaded worker (the fallback, e.g. right after a gunicorn upgrade).
    SERVE_WORKER: Literal["connection-threads", "gthread"] = "connection-threads"
