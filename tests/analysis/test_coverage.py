"""Coverage study (bench/coverage.py): 95 % intervals cover 93.5-96.5 % of the time."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "coverage.py"


def _load():
    spec = importlib.util.spec_from_file_location("coverage_study", BENCH)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_intervals_cover_nominally_including_indices_near_90(capsys):
    study = _load()
    results = study.run(1000)
    with capsys.disabled():
        print("\n" + study.table(results, 1000))
    assert any(r["true"] > 88 for r in results.values())  # indices near 90 % are included
    for name, r in results.items():
        if name == "overall":
            continue
        assert 93.5 <= r["coverage"] <= 96.5, (name, r)
        assert abs(r["mean_estimate"] - r["true"]) < 0.5, (name, r)
