"""Make ``import analysis`` find the package, not this test directory.

This directory has no ``__init__.py`` and pytest puts ``tests/`` on
``sys.path``, so without help ``analysis`` resolves to the namespace package
``tests/analysis`` before the editable install's finder is asked.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
_loaded = sys.modules.get("analysis")
if _loaded is not None and getattr(_loaded, "__file__", None) is None:
    del sys.modules["analysis"]
