"""``IndexResults.to_csv()`` writes the text of ``to_frame().to_csv(index=False)`` without pandas (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import DesignSpec
from analysis.indices import IndexSpec, compute_indices
from analysis.results import ComparisonRecord, records_csv

DATA = Path(__file__).parent / "fixtures" / "sipas_small.csv"


@pytest.mark.parametrize("statistics", [("index",), ("index", "mean_score", "share")])
def test_index_csv_is_pandas_csv(statistics):
    frame = pd.read_csv(DATA)
    result = compute_indices(
        frame,
        IndexSpec.simple({"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]}),
        DesignSpec(weight="wt", strata="province", psu="commune", lonely_psu="certainty"),
        by="province",
        compare=[("gender", "F", "M")],
        statistics=statistics,
    )
    assert any(r.reliability != "ok" for r in result.records)  # NaN cells are written too
    assert result.to_csv() == result.to_frame().to_csv(index=False)
    assert result.comparisons_csv() == result.comparisons_frame().to_csv(index=False)
    if "share" in statistics:  # codes beside None: pandas writes them as floats, and so do we
        assert ",3.0," in result.to_csv()


def test_odd_columns_are_left_to_pandas():
    records = (
        ComparisonRecord("q,1", "item", {"x": 'a"b'}, {"x": 2}, 1e-5, float("nan"), -1e16, 2.0, 0.5, 3.0),
        ComparisonRecord("q2", "item", {"x": 1}, {"x": None}, 1.0, 0.1, -1.0, 2.0, True, 4.0),  # type: ignore[arg-type]
    )
    assert records_csv(records, ComparisonRecord) == pd.DataFrame(
        [dict(zip(["index", "level", "a", "b", "difference", "se", "ci_low", "ci_high", "p_value", "df"],
                  [r.index, r.level, ", ".join(f"{k}={v}" for k, v in r.a.items()),
                   ", ".join(f"{k}={v}" for k, v in r.b.items()), r.difference, r.se, r.ci_low, r.ci_high,
                   r.p_value, r.df])) for r in records]
    ).to_csv(index=False)
