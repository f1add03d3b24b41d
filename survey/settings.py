"""Configuration defaults; overridden by instance/config.py, SIPAS_* variables, then test config."""

from __future__ import annotations

from typing import ClassVar, Literal

from survey.i18n import LOCAL_TIMEZONE

# `sipas serve`: open connections per worker process, each served by a thread of
# its own (survey.serving.server); more wait in the listen queue. An idle kept-alive
# connection is closed after gunicorn's keepalive (2 s).
DEFAULT_CONNECTIONS = 1000


class DefaultConfig:
    """Defaults suitable for a single-machine installation on SQLite; every key SIPAS reads is declared here."""

    # Application
    SECRET_KEY: str | None = None  # mandatory in production (signs sessions, tokens, rate-limit keys)
    DATABASE_URL: str | None = None  # default: sqlite:///<instance>/sipas.db
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}  # passed to create_engine
    ENV_NAME: str = "development"  # "production" makes SECRET_KEY mandatory
    BABEL_DEFAULT_LOCALE: str = "vi"  # Vietnamese is the source text
    BABEL_DEFAULT_TIMEZONE: str = LOCAL_TIMEZONE  # the users' one time zone (survey.i18n.LOCAL_TZ)
    LANGUAGES: tuple[str, ...] = ("vi", "en")  # languages offered in the interface
    MAX_CONTENT_LENGTH: int = 256 * 1024  # largest request body in bytes
    PROXY_COUNT: int = 0  # reverse proxies in front whose X-Forwarded-For/-Proto/-Host are trusted
    PUBLIC_BASE_URL: str | None = None  # e.g. https://sipas.example.gov.vn, for QR codes and letters
    QUESTIONNAIRE_DIR: str | None = None  # default: <project>/questionnaires
    SESSION_COOKIE_HTTPONLY: bool = True  # no script reads the session cookie
    SESSION_COOKIE_SAMESITE: str = "Lax"  # the session cookie is not sent on cross-site POSTs
    REMEMBER_COOKIE_HTTPONLY: bool = True  # nor the remember-me cookie

    # Submission API (survey.web.api, survey.serving)
    API_FAST_LANE: bool = True  # plain submissions skip Flask's request handling (survey.serving.lane)
    API_LOOKUP_TTL_SECONDS: float = 10  # how long a worker caches devices, units and open rounds
    API_DEVICE_SEEN_RESOLUTION_SECONDS: float = 30  # a device's last contact is written at most this often
    API_SQLITE_WRITE_GATE: bool = True  # on SQLite, writers queue on a file lock (survey.serving.write_gate)
    API_DEVICE_RATE_LIMIT: str = "120/minute;1200/hour"  # submissions per tablet
    API_ADDRESS_RATE_LIMIT: str = "30/minute;300/hour"  # submissions per client address without a tablet
    API_RATELIMIT_EXEMPT_ADDRESSES: tuple[str, ...] = ()  # client addresses no per-address limit applies to
    RATELIMIT_ENABLED: bool = True  # False turns every rate limit off (tests)
    RATELIMIT_STORAGE_URI: str = "memory://"  # or redis://... to share counters between workers
    RATELIMIT_HEADERS_ENABLED: bool = True  # X-RateLimit-* headers on limited routes

    # Kiosk (counter tablets)
    KIOSK_IDLE_SECONDS: int = 60  # an untouched kiosk starts over after this (the last 20 s counted down on screen)
    KIOSK_MIN_INTERVAL_SECONDS: float = 5  # two new responses of one tablet at least this far apart (0: off)
    KIOSK_KEEP_PARTIAL_WITH_MAIN_RATING: bool = True  # an abandoned kiosk form with its main rating is sent

    # Staff and admin pages
    COUNTER_ALERT_MINUTES: int = 15  # window of the unhappy-counter alert
    COUNTER_ALERT_MIN_RATINGS: int = 4  # ratings in the window before an alert can fire
    COUNTER_ALERT_UNHAPPY_SHARE: float = 0.5  # share of unhappy ratings that fires it
    COUNTER_MIN_RATINGS: int = 5  # fewer ratings than this in a cell of the counter page: grey "—", no share
    OPENING_DAYS: str = "0,1,2,3,4"  # weekdays the counters open (0 = Monday), for silent-tablet checks
    OPENING_HOURS: str = "07:30-17:00"  # local opening hours of the counters
    # A free-text comment is shown to managers (staff comments page) only once it is this old and this many
    # other responses of its unit arrived after it, so that it cannot be tied to the citizen just served.
    COMMENTS_MIN_AGE_HOURS: float = 24
    COMMENTS_MIN_LATER_RESPONSES: int = 5
    DEVICE_SILENT_MINUTES: float = 60  # a tablet without contact this long in opening hours is silent
    IMPORT_MAX_BYTES: int = 20 * 1024 * 1024  # largest paper-import file (also the CLI's limit)
    IMPORT_MAX_ROWS: int = 200_000  # most rows in a paper-import file
    # Bounds of an uploaded XLSX (a ZIP of XML parts), checked before and while parsing (about 40 bytes of XML a cell)
    XLSX_MAX_UNPACKED_BYTES: int = 256 * 1024 * 1024  # all parts together, unpacked
    XLSX_MAX_SHARED_STRINGS_BYTES: int = 32 * 1024 * 1024  # xl/sharedStrings.xml is loaded whole
    XLSX_MAX_RATIO: float = 200  # unpacked / packed of a part over 1 MB; Excel's own files stay under 50
    XLSX_MAX_CELLS: int = 10_000_000  # cells read, empty ones up to each row's last included; e.g. 200,000 x 50

    # Dossiers of Decision 766 (survey.domain.dossiers): ratings identify a case, so they are kept only this long
    DOSSIER_RETENTION_DAYS: int = 730  # uncertain: no legal period is published; a province sets its own
    DOSSIER_BATCH_MAX_EVENTS: int = 10_000  # most events in one intake batch (API or file)
    DOSSIER_API_MAX_BYTES: int = 8 * 1024 * 1024  # largest body of POST /api/v1/dossiers/events
    DOSSIER_RATING_LINK_DAYS: int = 90  # a rating link (/d/<token>, QR on the slip) works this long after it was made
    DOSSIER_RATING_CHANGE_HOURS: float = 24  # a second rating within this time of the first replaces it
    DOSSIER_SMS_SENDER: str = "log"  # "log", "file" (writes DOSSIER_SMS_OUTBOX) or "package.module:Class"
    DOSSIER_SMS_OUTBOX: str | None = None  # outbox file of the "file" sender
    DOSSIER_MIN_RATINGS: int = 5  # fewer dossier ratings than this for a unit and month: its Circular 01 numbers hidden

    # Serving and background jobs
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
    # Slow clients (connection-threads worker): a request head must arrive within
    # SERVE_HEAD_TIMEOUT_SECONDS of connecting (or of its first byte, on a kept-alive
    # connection), its body within SERVE_BODY_TIMEOUT_SECONDS plus a second per
    # SERVE_BODY_MIN_RATE bytes received; a late client's connection is closed.
    SERVE_HEAD_TIMEOUT_SECONDS: float = 10
    SERVE_BODY_TIMEOUT_SECONDS: float = 20
    SERVE_BODY_MIN_RATE: float = 500  # bytes per second
    # Open connections one client address may hold per worker process (0: no cap); more are
    # closed at once. Not applied behind a reverse proxy (PROXY_COUNT > 0), where every
    # connection comes from the proxy: let the proxy cap its clients.
    SERVE_CONNECTIONS_PER_ADDRESS: int = 100
