"""`sipas devices`: registering a counter tablet (URL + QR code) and listing last contacts."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import qrcode
from click.testing import CliRunner
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import select

from survey.cli import main
from survey.models import Device, utcnow


def invoke(app, *args):
    return CliRunner().invoke(main, list(args), obj=app, catch_exceptions=False)


def _modules(png_path, box: int = 10) -> list[list[bool]]:
    image = Image.open(png_path).convert("L")
    size = image.width // box
    return [[image.getpixel((c * box + box // 2, r * box + box // 2)) < 128 for c in range(size)] for r in range(size)]


def test_add_prints_a_working_kiosk_url_and_writes_its_qr_code(app, client, db_session, demo, tmp_path):
    qr_file = tmp_path / "quay-3.png"
    result = invoke(app, "devices", "add", "--unit", "00004", "--counter", "Quầy 3",
                    "--qr", str(qr_file), "--base-url", "https://sipas.example.gov.vn/")
    assert result.exit_code == 0, result.output
    url = next(line for line in result.output.splitlines() if line.startswith("https://"))
    assert url.startswith("https://sipas.example.gov.vn/k/") and len(url) > 50
    assert "Phường Ba Đình · Quầy 3" in result.output and str(qr_file) in result.output
    # The PNG holds exactly that URL.
    expected = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    expected.add_data(url)
    expected.make(fit=True)
    assert _modules(qr_file) == expected.get_matrix()
    # The tablet needs nothing else: the URL opens the counter questionnaire.
    page = client.get(url.removeprefix("https://sipas.example.gov.vn"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Quầy 3" in html and "Đánh giá nhanh tại quầy" in html
    device = db_session.scalars(select(Device).order_by(Device.id.desc())).first()
    assert device.counter_label == "Quầy 3" and device.unit.code == "00004" and device.last_seen_at is not None
    assert url.rsplit("/", 1)[1] not in device.token_hash  # only the hash is stored


def test_add_writes_the_qr_code_beside_the_admin_by_default(app, demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app.config["PUBLIC_BASE_URL"] = "http://10.0.0.5:5000"
    result = invoke(app, "devices", "add", "--unit", "00070", "--counter", "Quầy 1")
    assert result.exit_code == 0, result.output
    written = list(tmp_path.glob("kiosk-00070-*.png"))
    assert len(written) == 1 and written[0].name in result.output
    assert "http://10.0.0.5:5000/k/" in result.output


def test_add_refuses_an_unknown_unit_and_a_missing_address(app, db_session, demo, tmp_path):
    before = len(db_session.scalars(select(Device)).all())
    unknown = CliRunner().invoke(main, ["devices", "add", "--unit", "99999", "--counter", "Quầy 1",
                                        "--base-url", "https://x.example", "--qr", str(tmp_path / "x.png")], obj=app)
    assert unknown.exit_code == 1 and "99999" in unknown.output
    no_address = CliRunner().invoke(main, ["devices", "add", "--unit", "00004", "--counter", "Quầy 1"], obj=app)
    assert no_address.exit_code == 2 and "--base-url" in no_address.output
    assert len(db_session.scalars(select(Device)).all()) == before
    assert not (tmp_path / "x.png").exists()


def test_list_shows_last_contact_and_flags_silent_tablets(app, client, db_session, demo):
    devices = db_session.scalars(select(Device).order_by(Device.id)).all()
    devices[0].last_seen_at = utcnow() - timedelta(days=3)
    devices[1].active = False
    db_session.commit()
    client.get(demo["kiosks"][2])  # Phường Ba Đình's tablet makes contact now
    result = invoke(app, "devices", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row = {line.split()[0]: line for line in lines[1:] if line.split()[0].isdigit()}
    assert "IM LẶNG" in row[str(devices[0].id)]
    assert "đã tắt" in row[str(devices[1].id)]
    assert "hoạt động" in row[str(devices[2].id)] and "Quầy 1" in row[str(devices[2].id)]
    assert "chưa bao giờ" in row[str(devices[3].id)] and "IM LẶNG" in row[str(devices[3].id)]
    # 7 demo tablets: one switched off, one seen just now, the other five silent.
    assert "5 máy không liên lạc trong 24 giờ qua." in result.output


def test_devices_help_in_english():
    env = {**os.environ, "SIPAS_LANG": "en"}
    result = subprocess.run([sys.executable, "-m", "survey.cli", "devices", "add", "--help"],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert "Register a counter tablet" in result.stdout
