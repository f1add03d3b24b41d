"""A real SIPAS server on a seeded SQLite database, and Debian's Chromium driven by Playwright.

The browser is /usr/bin/chromium (CI installs Debian's ``chromium`` package);
when it is missing these tests fail with a message saying so, they are never
skipped. Screenshots go to test-artifacts/ at the project root.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


@dataclass
class LiveServer:
    """The running server: its address, its app (for database checks) and the demo kiosks."""

    url: str
    app: object
    kiosks: list[str] = field(default_factory=list)

    def count(self, model, *where) -> int:
        from survey.extensions import db

        with self.app.app_context():
            query = select(func.count()).select_from(model)
            for condition in where:
                query = query.where(condition)
            return db.session.scalar(query)

    def query(self, fn):
        """Run ``fn(session)`` in an app context and return its result."""
        from survey.extensions import db

        with self.app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()


def make_live_app(base: Path):
    """An app on a migrated, empty SQLite database in ``base``, with a real job queue."""
    from survey import create_app
    from survey.models import database

    url = f"sqlite:///{base / 'sipas.db'}"
    engine = create_engine(url)
    database.upgrade(engine)
    engine.dispose()
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(base / "instance"),
            "RATELIMIT_ENABLED": False,
            "API_RATELIMIT_EXEMPT_ADDRESSES": ("127.0.0.1",),
            # Jobs go through a real queue to a real `sipas worker`, as under `sipas serve`.
            "JOB_QUEUE_URL": f"sqlite:///{base / 'jobs.db'}",
        }
    )


@contextmanager
def serving(app, kiosks: list[str] | None = None):
    """Serve ``app`` on a free port of 127.0.0.1 (threads) with a job worker beside it."""
    from werkzeug.serving import make_server

    from survey.extensions import db
    from survey.serving.queue import worker_beside

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sipas-live-server", daemon=True)
    thread.start()
    with worker_beside(app, workers=1):
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, kiosks=kiosks or [])
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from survey.domain.demo import seed_demo
    from survey.extensions import db

    app = make_live_app(tmp_path_factory.mktemp("browser-server"))
    with app.app_context():
        seed_demo(db.session, Path(app.instance_path), scale=0.1)
        db.session.remove()
    lines = (Path(app.instance_path) / "demo-urls.txt").read_text(encoding="utf-8").splitlines()
    kiosks = [line.split()[0].replace("{base}", "") for line in lines if "/k/" in line]
    with serving(app, kiosks) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from tests.browser import chromium

    yield chromium.acquire()
    chromium.release()


@pytest.fixture
def context(browser, live_server):
    """A fresh browser profile (no cookies, no IndexedDB, no service worker) per test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 768})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    blocked: list[str] = []  # what the Content-Security-Policy refused: a script, style or handler lost
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert blocked == [], f"refused by the Content-Security-Policy: {blocked}"


@pytest.fixture
def kiosk_url(live_server):
    """The kiosk address of a tablet registered for this test (Phường Ba Đình).

    Each test gets its own tablet: the API refuses two new responses from one
    device less than KIOSK_MIN_INTERVAL_SECONDS apart, and tests are quicker than people.
    """
    from survey.domain.devices import register_device
    from survey.domain.units import find_unit

    def register(session):
        unit = find_unit(session, "00004")
        count = len(live_server.kiosks)
        _device, token = register_device(session, unit, f"Quầy thử {count}")
        session.commit()
        return f"/k/{token}"

    url = live_server.query(register)
    live_server.kiosks.append(url)
    return url


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def axe_check():
    """Run axe-core on the page; fail on serious or critical violations."""

    def check(page, context: str = "page") -> list[dict]:
        # Evaluated through the browser's debugging protocol: the pages' Content-Security-Policy
        # (no inline script) stays on, as users have it, and axe is still loaded.
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ["violations"]});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
            }"""
        )
        serious = [v for v in result if v["impact"] in ("serious", "critical")]
        assert serious == [], f"accessibility violations on {context}: {serious}"
        return result

    return check
