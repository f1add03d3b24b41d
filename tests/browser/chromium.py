"""One headless Debian Chromium per test process, shared by every test that needs it.

Playwright's sync API allows one running instance per thread, so the browser
tests and tests/test_relevant_js.py borrow the same browser: ``acquire()`` starts
it on first use, ``release()`` stops it when its last user is done.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SIPAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_state: dict = {"users": 0, "playwright": None, "browser": None}


def acquire():
    """The shared browser; fails the test (never skips) when Chromium is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's "
            "'chromium' package (apt-get install chromium; .ci/run installs it)",
            pytrace=False,
        )
    if _state["browser"] is None:
        from playwright.sync_api import sync_playwright

        _state["playwright"] = sync_playwright().start()
        _state["browser"] = _state["playwright"].chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    _state["users"] += 1
    return _state["browser"]


def release() -> None:
    _state["users"] -= 1
    if _state["users"] == 0 and _state["browser"] is not None:
        _state["browser"].close()
        _state["playwright"].stop()
        _state["browser"] = _state["playwright"] = None
