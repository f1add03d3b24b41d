"""The conventions of the conformance suite through ``sipas estimate``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from survey.cli.analysis import estimate_command

from .suite import DATA

SINGLETON = [
    str(DATA / "r_lonely_singleton.csv"),
    "--weight",
    "Design_Weight",
    "--strata",
    "Stratum",
    "--psu",
    "PSU",
]


def _estimates(*args: str) -> list[dict]:
    res = CliRunner().invoke(estimate_command, [*SINGLETON, *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)["estimates"]


def test_adjust_total_follows_current_r() -> None:
    (row,) = _estimates("--total", "Age", "--lonely-psu", "adjust")
    assert row["se"] ** 2 == pytest.approx(127579.8, abs=0.05)
