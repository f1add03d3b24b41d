"""The English tables: one English text per Vietnamese string across tools/translations/en_*.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "update_translations.py"


@pytest.fixture
def tool():
    spec = importlib.util.spec_from_file_location("update_translations", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_vietnamese_string_has_two_english_texts(tool):
    assert len(tool.english_table()) > 1000  # the tables were read
    assert tool.conflicts() == []


def test_a_clash_is_listed_with_both_texts_and_their_files(tool, tmp_path, monkeypatch):
    (tmp_path / "en_a.py").write_text('EN = {"Kết quả": "Results", "Lưu": "Save"}\n', encoding="utf-8")
    (tmp_path / "en_b.py").write_text('EN = {"Kết quả": "Releases", "Lưu": "Save"}\n', encoding="utf-8")
    monkeypatch.setattr(tool, "TABLES", tmp_path)
    assert tool.conflicts() == ["'Kết quả': 'Results' (en_a.py); 'Releases' (en_b.py)"]


def test_the_tool_refuses_to_write_a_catalogue_over_a_clash(tool, tmp_path, monkeypatch, capsys):
    (tmp_path / "en_a.py").write_text('EN = {"Hệ thống": "System"}\n', encoding="utf-8")
    (tmp_path / "en_b.py").write_text('EN = {"Hệ thống": "The system"}\n', encoding="utf-8")
    monkeypatch.setattr(tool, "TABLES", tmp_path)
    monkeypatch.setattr(tool, "PO", tmp_path / "messages.po")
    assert tool.main() == 1
    assert not (tmp_path / "messages.po").exists()
    assert "'Hệ thống': 'System' (en_a.py); 'The system' (en_b.py)" in capsys.readouterr().err
