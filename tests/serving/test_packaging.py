"""A non-editable wheel carries templates and questionnaires and works from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from survey import PROJECT_ROOT

pytestmark = pytest.mark.slow

CHECK = r"""
import sys
from pathlib import Path
import survey
from survey import create_app
from survey.extensions import db
from survey.models import database

unpacked = Path(sys.argv[1])
assert Path(survey.__file__).is_relative_to(unpacked), survey.__file__
assert survey.INSTALLED_FROM_WHEEL and survey.TEMPLATES_DIR.is_relative_to(unpacked)
app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite:///" + sys.argv[2]})
with app.app_context():
    database.upgrade(db.engine)
page = app.test_client().get("/staff/login")
print(page.status_code, "Đăng nhập" in page.get_data(as_text=True))
print(app.config["QUESTIONNAIRE_DIR"])
"""


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(out), str(PROJECT_ROOT)], check=True, cwd=out)
    wheel = next(out.glob("sipas-*.whl"))
    target = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(target)
    assert "survey/_shipped/templates/staff/login.html" in names
    assert "survey/_shipped/questionnaires/sipas-service.yaml" in names
    assert "survey/migrations/versions/0001_initial_schema.py" in names
    return target


def test_the_wheel_serves_pages_and_finds_questionnaires_from_another_folder(unpacked_wheel, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(unpacked_wheel))
    result = subprocess.run([sys.executable, "-c", CHECK, str(unpacked_wheel), str(tmp_path / "w.db")],
                            check=False, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    status, questionnaire_dir = result.stdout.splitlines()[-2:]
    assert status == "200 True"
    assert Path(questionnaire_dir) == unpacked_wheel / "survey" / "_shipped" / "questionnaires"
    check = subprocess.run([sys.executable, "-m", "survey.cli", "questionnaire", "check",
                            questionnaire_dir + "/sipas-service.yaml"],
                           check=False, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert "hợp lệ" in check.stdout
