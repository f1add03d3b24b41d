"""Every benchmark in bench/ imports and parses its command line, run as a script or as a module.

Nothing is measured: ``build_parser()`` is called in-process, and ``--help`` in a
subprocess (a module named like a package in bench/ would shadow it there).
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHES = sorted(path.stem for path in (ROOT / "bench").glob("*.py") if path.stem != "__init__")


def test_the_benches_are_found():
    assert {"analysis_engine", "coverage", "dashboard", "decision766", "indices_cli", "ingest", "load"} <= set(BENCHES)


def test_no_bench_is_named_like_a_package_it_imports():
    assert "analysis" not in BENCHES and "survey" not in BENCHES


@pytest.mark.parametrize("name", BENCHES)
def test_each_bench_builds_its_parser(name, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    module = importlib.import_module(f"bench.{name}")
    parser = module.build_parser()
    assert isinstance(parser, argparse.ArgumentParser)
    assert parser.parse_args([]) is not None  # every option has a default


@pytest.mark.parametrize("how", ["script", "module"])
@pytest.mark.parametrize("name", ["analysis_engine", "decision766", "coverage"])
def test_a_bench_that_imports_analysis_runs_both_ways(name, how):
    command = [sys.executable, f"bench/{name}.py"] if how == "script" else [sys.executable, "-m", f"bench.{name}"]
    done = subprocess.run([*command, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
