"""Every Vietnamese string in the code and templates has its English translation, compiled, and every
English entry of tools/translations/ still has its Vietnamese string in the code."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set[str]:
    """The Vietnamese strings of the code and templates, as Babel extracts them."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(pot, "rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def _tool():
    spec = importlib.util.spec_from_file_location("update_translations", ROOT / "tools" / "update_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_english_entry_still_has_its_source_string(source_ids):
    assert len(source_ids) > 1000  # the code was read
    left_over = _tool().unused(source_ids)
    assert left_over == [], "remove from tools/translations/: " + "; ".join(left_over)


def test_an_entry_whose_string_left_the_code_is_named_with_its_file(tmp_path, monkeypatch):
    tool = _tool()
    (tmp_path / "en_a.py").write_text('EN = {"Lưu": "Save", "Nút cũ": "Old button"}\n', encoding="utf-8")
    monkeypatch.setattr(tool, "TABLES", tmp_path)
    assert tool.unused({"Lưu", "Hủy"}) == ["en_a.py: 'Nút cũ'"]


def test_every_source_string_is_translated_and_compiled(source_ids):
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
