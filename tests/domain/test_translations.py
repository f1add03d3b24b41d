"""Every Vietnamese string in the code and templates has its English translation, compiled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_source_string_is_translated_and_compiled(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(pot, "rb") as fh:
        source_ids = {m.id for m in read_po(fh) if m.id}
    with open(ROOT / "survey/translations/en/LC_MESSAGES/messages.mo", "rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    missing = sorted(source_ids - {k for k, v in compiled.items() if v})
    assert missing == [], "run `make translations` and translate: " + "; ".join(missing)


def test_english_pages_use_the_translation(client):
    page = client.get("/staff/login?lang=en")
    assert page.status_code == 200
    assert "Staff login" in page.get_data(as_text=True)
    page = client.get("/staff/login?lang=vi")
    assert "Đăng nhập cho cán bộ" in page.get_data(as_text=True)
