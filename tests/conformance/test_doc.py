"""docs/conformance.md is the page tools/conformance_doc.py writes from the suite."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_conformance_page_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "conformance_doc", ROOT / "tools" / "conformance_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "conformance.md").read_text(encoding="utf-8")
    assert page == module.render(), "run: python tools/conformance_doc.py"
