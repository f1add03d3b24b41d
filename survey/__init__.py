"""SIPAS Flask application."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey.instance_files import make_instance_private

if TYPE_CHECKING:
    from flask import Flask

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
# templates/ and questionnaires/ live at the top of the repository; a wheel carries
# copies inside the package (survey/_shipped/, made by setup.py's build_py).
_SHIPPED = PACKAGE_DIR / "_shipped"
INSTALLED_FROM_WHEEL = _SHIPPED.is_dir()
TEMPLATES_DIR = _SHIPPED / "templates" if INSTALLED_FROM_WHEEL else PROJECT_ROOT / "templates"
QUESTIONNAIRES_DIR = _SHIPPED / "questionnaires" if INSTALLED_FROM_WHEEL else PROJECT_ROOT / "questionnaires"
# The instance folder (SQLite file, secret key): in the clone, or in the current folder for a wheel.
DEFAULT_INSTANCE_PATH = Path.cwd() / "instance" if INSTALLED_FROM_WHEEL else PROJECT_ROOT / "instance"
# Scripts, styles, fonts and connections from this server only; no inline script, style or
# handler anywhere (templates load static files), images also as data: URIs (a tablet's QR code).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Every response carries these unless its view set its own (the submission lane too).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the SIPAS application."""
    # Flask is imported here, not at the top: ``import survey.cli`` (and so every
    # ``sipas`` command, the statistics ones too) imports this package first.
    from survey.web.errors import SipasFlask, register_error_pages

    app = SipasFlask(
        __name__,
        instance_path=(test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("SIPAS_INSTANCE_PATH", str(DEFAULT_INSTANCE_PATH)),
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder="static",
    )
    from survey.web.routing import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route: ids beyond BIGINT are a 404
    app.config.from_object("survey.settings.DefaultConfig")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SIPAS")
    if test_config:
        app.config.update(test_config)
    _finish_config(app)

    from survey import extensions as ext

    ext.db.init_app(app)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.login.init_app(app)
    from survey.web.i18n import init_i18n

    init_i18n(app)

    from survey.models.database import install_engine_hooks

    with app.app_context():
        install_engine_hooks(ext.db.engine)

    from survey.web import admin, api, kiosk, online, staff

    app.register_blueprint(kiosk.bp)
    app.register_blueprint(online.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    ext.csrf.exempt(api.bp)
    # The API applies its own per-device and per-address limits (survey.web.api.guards);
    # Flask-Limiter's default and application limits skip it (limits decorated on an
    # API route itself would still apply).
    ext.limiter.exempt(api.bp)
    from survey.web import dossiers as dossier_intake

    app.register_blueprint(dossier_intake.bp)
    ext.csrf.exempt(dossier_intake.bp)  # one-stop-shop systems authenticate with a bearer secret, no cookie
    app.register_blueprint(dossier_intake.rating_bp)  # /d/<token> and the return desk's kiosk (rating.py)

    from survey.web.auth import init_auth

    init_auth(app)

    @app.get("/")
    def home():
        from flask import redirect, url_for

        return redirect(url_for("staff.index"))

    _register_transaction_boundary(app)
    _register_security_headers(app)
    register_error_pages(app)
    from survey.web.routing import register_input_checks

    register_input_checks(app)
    from survey.serving.lane import SubmissionLane

    app.wsgi_app = SubmissionLane(app, app.wsgi_app, f"{api.bp.url_prefix}/responses")  # type: ignore[method-assign]
    trust_proxies(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind ``PROXY_COUNT`` reverse proxies, take the client's address from their X-Forwarded-* headers.

    The rate limits per address (the online forms, public submissions) count
    the client's address; behind a proxy every request comes from the proxy,
    so all citizens would share one budget. The headers are trusted only when
    configured: a client could send them itself.
    """
    count = int(app.config["PROXY_COUNT"])
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


def _register_security_headers(app: Flask) -> None:
    """Headers every response carries unless a view set its own; staff pages are never cached."""

    @app.after_request
    def _security_headers(response):
        from flask import request

        headers = response.headers
        for name, value in SECURITY_HEADERS:
            headers.setdefault(name, value)
        if request.blueprint in ("staff", "admin") and "Cache-Control" not in headers:
            headers["Cache-Control"] = "private, no-store"
        return response


def _finish_config(app: Flask) -> None:
    cfg = app.config
    make_instance_private(app.instance_path)  # before the database, secret key or any upload is written
    if not cfg.get("SECRET_KEY"):
        if cfg.get("ENV_NAME") == "production":
            raise RuntimeError(
                "SIPAS_SECRET_KEY must be set in production / "
                "Cần đặt SIPAS_SECRET_KEY khi chạy thật"
            )
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            import secrets  # here: every sipas command imports this package, few need a key

            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        cfg["SECRET_KEY"] = key_file.read_text().strip()
    if cfg.get("ENV_NAME") == "production":
        cfg.setdefault("SESSION_COOKIE_SECURE", True)
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
    url = cfg.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'sipas.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", False)
    if not cfg.get("QUESTIONNAIRE_DIR"):
        cfg["QUESTIONNAIRE_DIR"] = str(QUESTIONNAIRES_DIR)


def _register_transaction_boundary(app: Flask) -> None:
    from survey.extensions import db

    @app.teardown_request
    def _rollback_on_error(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()
