"""The reference files of the analysis tests (``fixtures/``: inputs and R's results) as fixtures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def reference_fixture(name: str, filename: str) -> Callable[[], Any]:
    """A module-scoped fixture ``name`` that reads ``fixtures/<filename>`` once.

    A CSV file gives a data frame, a JSON file a dictionary.
    """
    path = FIXTURES / filename

    @pytest.fixture(scope="module", name=name)
    def read() -> Any:
        if path.suffix == ".csv":
            return pd.read_csv(path)
        return json.loads(path.read_text())

    return read
