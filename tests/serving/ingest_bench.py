"""bench/ingest.py as a module for the serving tests: its database set-up and `sipas serve` start and stop."""

from __future__ import annotations

import importlib.util
import sys

from survey import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("bench_ingest", PROJECT_ROOT / "bench" / "ingest.py")
ingest = importlib.util.module_from_spec(spec)
sys.modules.setdefault("bench_ingest", ingest)  # its dataclasses look their module up
spec.loader.exec_module(ingest)
