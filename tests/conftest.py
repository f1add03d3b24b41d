"""Shared fixtures: an app per database backend, a client, a CLI runner, factories.

Database tests use the ``app`` fixture, parametrised over SQLite (always) and
PostgreSQL (when ``SIPAS_TEST_DATABASE_URL`` is set). Each PostgreSQL test
session works in a database of its own, created and dropped here.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# The submission API's fixtures (``api``) serve the web and the serving tests alike.
pytest_plugins = ("tests.submission_fixtures",)

PG_URL = os.environ.get("SIPAS_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
_backend_counts: Counter[str] = Counter()


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test session, migrated to head."""
    if not PG_URL:
        pytest.fail("PostgreSQL backend requested without SIPAS_TEST_DATABASE_URL")
    base = make_url(PG_URL)
    name = f"sipas_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name)
    engine = create_engine(url)
    from survey.models import database

    database.upgrade(engine)
    engine.dispose()
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    from survey.models import database

    database.upgrade(engine)
    engine.dispose()
    return path


def _truncate_all(engine) -> None:
    from survey.models import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _test_app(request, folder: Path, secret: str):
    """A test app on the parametrised backend: a copy of the migrated SQLite template, or PostgreSQL."""
    from survey import create_app

    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), folder / "sipas.db")
        url = f"sqlite:///{folder / 'sipas.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secret,
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder / "instance"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    forget_the_previous_request(app)
    return app


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    """The app on a migrated, empty database of the parametrised backend."""
    backend = request.param
    from survey.extensions import db

    app = _test_app(request, tmp_path, "test-secret")
    with app.app_context():
        yield app
        db.session.remove()
        if backend == "postgresql":
            _truncate_all(db.engine)
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    from survey.extensions import db

    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_unit(db_session):
    from survey.models import Unit, UnitKind

    def factory(code: str, name: str | None = None, kind: UnitKind = UnitKind.COMMUNE, **kwargs):
        unit = Unit(code=code, name=name or f"Đơn vị {code}", kind=kind, **kwargs)
        db_session.add(unit)
        db_session.flush()
        return unit

    return factory


def pytest_configure(config):
    config.addinivalue_line("markers", "redis: tests that need a Redis server (CI counts them)")


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        for backend in BACKENDS:
            if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid or f"-{backend}-" in report.nodeid:
                _backend_counts[backend] += 1
        if "redis" in report.keywords:
            _backend_counts["redis"] += 1


def pytest_terminal_summary(terminalreporter):
    parts = [f"{_backend_counts[b]} on {b}" for b in ("sqlite", "postgresql")]
    if not PG_URL:
        parts[-1] = "0 on postgresql (SIPAS_TEST_DATABASE_URL not set)"
    terminalreporter.write_line("database tests passed: " + ", ".join(parts))
    terminalreporter.write_line(f"redis tests passed: {_backend_counts['redis']}")


def pytest_sessionfinish(session):
    """Write the passed tests per backend to $SIPAS_TEST_COUNTS (JSON): CI checks no backend went untested."""
    target = os.environ.get("SIPAS_TEST_COUNTS")
    if target and not hasattr(session.config, "workerinput"):  # xdist workers report to the controller
        counts = {name: _backend_counts[name] for name in ("sqlite", "postgresql", "redis")}
        Path(target).write_text(json.dumps(counts) + "\n", encoding="utf-8")


@pytest.fixture
def demo(app, db_session):
    """The demo seeded at a tenth of its size; returns the kiosk URLs it wrote."""
    from survey.domain.demo import seed_demo

    report = seed_demo(db_session, Path(app.instance_path), scale=0.1)
    urls = (Path(app.instance_path) / "demo-urls.txt").read_text(encoding="utf-8")
    kiosks = [line.split()[0].replace("{base}", "") for line in urls.splitlines() if "/k/" in line]
    return {"report": report, "kiosks": kiosks}


@pytest.fixture
def login_as(client):
    def do_login(login: str, password: str = "sipas-demo"):
        return client.post("/staff/login", data={"login": login, "password": password})

    return do_login


def forget_the_previous_request(app) -> None:
    """Tests hold an app context between requests, which Flask then reuses: do not let
    the user (or scope) cached in ``g`` by one client's request leak into the next."""

    @app.before_request
    def _forget() -> None:
        from flask import g

        for name in ("_login_user", "_sipas_scopes", "api_user"):
            g.pop(name, None)


@pytest.fixture(scope="module", params=BACKENDS)
def staff_app(request, tmp_path_factory):
    """One app with the demo and its releases for a whole module (the demo takes seconds)."""
    from survey.domain.demo import seed_demo
    from survey.domain.synthetic_releases import demo_releases
    from survey.extensions import db

    app = _test_app(request, tmp_path_factory.mktemp("staff"), "staff-secret")
    with app.app_context():
        seed_demo(db.session, Path(app.instance_path), scale=0.1)
        demo_releases(db.session)
        db.session.remove()
    yield app
    release_module_app(app, request.param)


def release_module_app(app, backend: str) -> None:
    """After a module's app: empty PostgreSQL's shared test database, close the connections."""
    from survey.extensions import db

    with app.app_context():
        if backend == "postgresql":
            _truncate_all(db.engine)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(staff_app):
    """A database session on the module's staff app."""
    from survey.extensions import db

    with staff_app.app_context():
        yield db.session
        db.session.remove()
