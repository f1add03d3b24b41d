"""Instance files are their owner's alone, and no tablet token reaches a production log."""

from __future__ import annotations

import io
import logging
import os
import stat
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from survey.cli import main
from survey.serving.server import TokenRedaction
from tests.serving.ingest_bench import ingest


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_secret_key_demo_urls_and_pending_uploads_are_not_world_readable(tmp_path):
    from survey import create_app
    from survey.domain.demo import seed_demo
    from survey.extensions import db
    from survey.models import SurveyRound, database

    previous = os.umask(0o022)  # a usual login shell's
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "config.py").write_text("OPENING_HOURS = '07:30-17:00'\n")  # left by an older install
    (instance / "config.py").chmod(0o644)
    try:
        app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True, "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False})  # the default database: instance/sipas.db
        with app.app_context():
            database.upgrade(db.engine)
            seed_demo(db.session, instance, scale=0.1)
            paper_round = db.session.scalar(select(SurveyRound).where(SurveyRound.code == f"sipas-{date.today().year}"))
            client = app.test_client()
            client.post("/staff/login", data={"login": "thongke", "password": "sipas-demo"})
            upload = client.post("/staff/imports", data={"round_id": paper_round.id, "sheet": "",
                                                         "file": (io.BytesIO(b"unit,a1\n00004,5\n"), "phieu.csv")})
            assert upload.status_code == 302
            files = sorted(p for p in instance.rglob("*"))
            modes = {str(p.relative_to(instance)): _mode(p) for p in files}
            db.engine.dispose()
    finally:
        os.umask(previous)
    assert _mode(instance) == 0o700
    assert {"sipas.db", "secret_key", "demo-urls.txt", "config.py", "import-uploads"} <= set(modes)
    assert any(name.startswith("sipas.db-") for name in modes)  # the WAL's -wal and -shm, while connected
    assert any(name.startswith("import-uploads/") for name in modes)
    world_or_group = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert world_or_group == {}
    assert modes["import-uploads"] == 0o700 and modes["sipas.db"] == 0o600


def test_demo_in_production_names_the_urls_file_and_prints_no_token(app, db_session):
    app.config["ENV_NAME"] = "production"
    result = CliRunner().invoke(main, ["demo"], obj=app, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    urls = Path(app.instance_path) / "demo-urls.txt"
    assert "/k/" not in result.output and str(urls) in result.output
    assert urls.read_text(encoding="utf-8").count("/k/") == 7
    assert _mode(urls) == 0o600


def test_serve_in_production_logs_the_urls_file_not_its_tokens(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'sipas.db'}"
    instance = tmp_path / "instance"
    ingest.prepare_database(database_url, instance, 1)
    (instance / "demo-urls.txt").write_text("  {base}/k/tablet-secret-token   (Quầy 1)\n", encoding="utf-8")
    log = tmp_path / "server.log"
    env = ingest.server_env(database_url, instance, SIPAS_ENV_NAME="production")
    process = ingest.start_server(env, ingest.free_port(), workers=1, connections=None, log=log)
    ingest.stop_server(process)
    output = log.read_text(encoding="utf-8")
    assert "tablet-secret-token" not in output
    assert str(instance / "demo-urls.txt") in output


def test_serve_outside_production_prints_the_demo_links_with_its_address(app, monkeypatch):
    import contextlib

    from survey.cli import serve

    assert CliRunner().invoke(main, ["demo"], obj=app, catch_exceptions=False).exit_code == 0
    monkeypatch.setattr(serve, "create_cli_app", lambda: app)
    monkeypatch.setattr(serve, "worker_beside", lambda *args, **kwargs: contextlib.nullcontext())
    monkeypatch.setattr(serve, "run_gunicorn", lambda *args, **kwargs: None)
    result = CliRunner().invoke(main, ["serve", "--port", "5099"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.count("http://127.0.0.1:5099/k/") == 7
    assert "http://127.0.0.1:5099/staff/" in result.output
    assert "{base}" not in result.output and "địa chỉ của máy chủ" not in result.output  # nor the line explaining it


def test_log_lines_lose_the_tokens_in_kiosk_and_invitation_paths():
    record = logging.LogRecord("gunicorn.error", logging.ERROR, __file__, 1, "Error handling request %s %s",
                               ("POST", "/k/AbC-123_x?lang=en"), None)
    TokenRedaction().filter(record)
    assert record.getMessage() == "Error handling request POST /k/…?lang=en"
    record = logging.LogRecord("survey", logging.ERROR, __file__, 1, "Exception on %s [%s]", ("/s/i/tok3n", "GET"), None)
    TokenRedaction().filter(record)
    assert record.getMessage() == "Exception on /s/i/… [GET]"
