"""click's own messages (usage, errors, help headings) follow the user's language: Vietnamese by default."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from click.testing import CliRunner

from survey.cli import main

ROOT = Path(__file__).resolve().parents[1]
LOCALE_VARIABLES = ("SIPAS_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def vietnamese(monkeypatch):
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _run(args):
    result = CliRunner().invoke(main, args, prog_name="sipas")
    return result.exit_code, result.output


def test_a_missing_argument_is_told_in_vietnamese(vietnamese):
    code, output = _run(["indices"])
    assert code == 2
    assert "Cách dùng: sipas indices [OPTIONS] DATA" in output
    assert "Lỗi: Thiếu đối số 'DATA'." in output
    assert "Xem hướng dẫn: 'sipas indices --help'." in output
    assert "Usage" not in output and "Error" not in output and "Missing" not in output


def test_a_file_that_does_not_exist_and_an_unknown_option(vietnamese, tmp_path):
    code, output = _run(["units", "import", str(tmp_path / "khong-co.csv")])
    assert code == 2
    assert f"Lỗi: Giá trị không hợp lệ ở 'FILE': Không tìm thấy '{tmp_path / 'khong-co.csv'}'." in output
    code, output = _run(["indices", "--levle", "0.9"])
    assert code == 2
    assert "Lỗi: Không có tùy chọn '--levle'. (Có phải ý bạn là: '--help', '--level'?)" in output


def test_help_headings_are_vietnamese(vietnamese):
    code, output = _run(["--help"])
    assert code == 0
    assert "Tùy chọn:" in output and "Lệnh:" in output and "Hiện hướng dẫn này rồi thoát." in output


def test_english_keeps_clicks_own_text(monkeypatch):
    monkeypatch.setenv("SIPAS_LANG", "en")
    code, output = _run(["indices"])
    assert code == 2
    assert "Usage: sipas indices [OPTIONS] DATA" in output
    assert "Error: Missing argument 'DATA'." in output


def test_the_installed_sipas_command_speaks_vietnamese(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "survey.cli", "indices"], capture_output=True, text=True,
                          cwd=ROOT, env=env, check=False)
    assert done.returncode == 2
    assert "Lỗi: Thiếu đối số 'DATA'." in done.stderr


def _plain(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _tool():
    spec = importlib.util.spec_from_file_location("update_translations", ROOT / "tools" / "update_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_of_the_installed_click_has_vietnamese_and_is_compiled():
    tool = _tool()
    assert tool.click_missing() == []  # a newer click with new messages: add them to tools/translations/click_vi.py
    table = tool._click_table().VI
    with open(ROOT / "survey/translations/vi/LC_MESSAGES/click.mo", "rb") as fh:
        compiled = {_plain(m.id): _plain(m.string) for m in read_mo(fh) if m.id}
    assert compiled == {msgid: ((text,) if isinstance(msgid, tuple) else text) for msgid, text in table.items()}
    # every placeholder of click's message is one that click fills in
    for msgid, text in table.items():
        english = " ".join(msgid) if isinstance(msgid, tuple) else msgid
        for name in ("{" + part.split("}")[0] for part in text.split("{")[1:]):
            assert name.split("!")[0] + "}" in english.replace("!r}", "}") or name in english, (msgid, text)
