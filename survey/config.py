"""Configuration defaults; overridden by instance/config.py, SIPAS_* variables, then test config."""

from __future__ import annotations

# `sipas serve` threads per worker. A submission's thread mostly waits for the group commit
# (survey.api.group_commit) that stores it, and the more requests wait
# together, the more one commit stores: at 50 tablets, 16 threads per worker
# served 1,136 responses/s on SQLite and 1,138 on PostgreSQL where 4 served
# 980 and 771 (bench/ingest.py, 2 cores).
DEFAULT_THREADS = 16


class DefaultConfig:
    """Defaults suitable for a single-machine installation on SQLite."""

    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: sqlite:///<instance>/sipas.db
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    ENV_NAME = "development"  # "production" makes SECRET_KEY mandatory
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    MAX_CONTENT_LENGTH = 256 * 1024
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
