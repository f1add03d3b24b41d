"""The sipas command: database, questionnaires, demo, help in both languages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from survey.cli import main
from survey.extensions import db
from survey.models import QuestionnaireVersion, Response, StaffUser, SurveyRound, Unit, database


def invoke(app, *args):
    return CliRunner().invoke(main, list(args), obj=app, catch_exceptions=False)


def test_db_upgrade_reports_the_revision(app):
    result = invoke(app, "db", "upgrade")
    assert result.exit_code == 0
    assert database.head_revision(db.engine) in result.output


def test_questionnaire_check_accepts_the_shipped_files(app):
    result = invoke(app, "questionnaire", "check", "questionnaires/sipas-service.yaml", "questionnaires/counter-quick.yaml")
    assert result.exit_code == 0, result.output
    assert "sipas-service" in result.output and "counter-quick" in result.output


def test_questionnaire_check_reports_file_line_and_path(app, tmp_path):
    broken = tmp_path / "broken.yaml"
    text = Path("questionnaires/counter-quick.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("relevant: \"rating <= 3\"", "relevant: \"ratin <= 3\""), encoding="utf-8")
    result = invoke(app, "questionnaire", "check", str(broken))
    assert result.exit_code == 1
    line = next(i for i, l in enumerate(broken.read_text().splitlines(), 1) if "ratin <= 3" in l)
    assert f"{broken}:{line}:" in result.output
    assert "ratin" in result.output


def test_publish_stores_one_immutable_version_and_broken_files_nothing(app, db_session, tmp_path):
    result = invoke(app, "questionnaire", "publish", "questionnaires/counter-quick.yaml")
    assert result.exit_code == 0, result.output
    again = invoke(app, "questionnaire", "publish", "questionnaires/counter-quick.yaml")
    assert again.exit_code == 0 and "không có gì thay đổi" in again.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nversion: 1\nsections: [\n", encoding="utf-8")
    bad = invoke(app, "questionnaire", "publish", str(broken))
    assert bad.exit_code == 1
    assert db_session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 1


def test_demo_seeds_once(app, db_session):
    result = invoke(app, "demo")
    assert result.exit_code == 0, result.output
    counts = {
        "units": db_session.scalar(select(func.count()).select_from(Unit)),
        "staff": db_session.scalar(select(func.count()).select_from(StaffUser)),
        "rounds": db_session.scalar(select(func.count()).select_from(SurveyRound)),
        "responses": db_session.scalar(select(func.count()).select_from(Response)),
    }
    assert counts["units"] == 97 + 11 and counts["staff"] == 5 and counts["rounds"] == 3
    assert counts["responses"] > 3000
    # what was made, said in Vietnamese with Vietnamese digit grouping (5.109), equal to the stored rows
    assert f"phiếu trả lời: {counts['responses']:,}".replace(",", ".") in result.output
    assert "đơn vị: 108; " in result.output and "tài khoản cán bộ: 5; " in result.output
    assert "responses" not in result.output and "units" not in result.output
    again = invoke(app, "demo")
    assert "đã có sẵn" in again.output
    assert db_session.scalar(select(func.count()).select_from(Response)) == counts["responses"]
    urls = (Path(app.instance_path) / "demo-urls.txt").read_text(encoding="utf-8")
    assert urls.count("/k/") == 7
    assert urls.startswith("{base}: địa chỉ của máy chủ SIPAS")  # a reader of the file knows what {base} is


def test_help_is_vietnamese_by_default_and_english_on_request():
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES")}
    exe = [sys.executable, "-m", "survey.cli"]
    vi = subprocess.run(exe + ["--help"], env=env | {"SIPAS_LANG": "vi"}, capture_output=True, text=True, check=True)
    en = subprocess.run(exe + ["--help"], env=env | {"SIPAS_LANG": "en"}, capture_output=True, text=True, check=True)
    assert "Cơ sở dữ liệu" in vi.stdout
    assert "Database" in en.stdout and "Cơ sở dữ liệu" not in en.stdout
