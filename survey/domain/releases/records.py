"""The one serialisation of a stored index record (a ``ReleaseIndex`` row) as plain values.

The API, the exports and the release computation name the same fields in the
same order through :data:`INDEX_FIELDS`; :func:`index_record` reads a row into
a dict of plain numbers (no NaN: a missing statistic is ``None``).
"""

from __future__ import annotations

import math
from typing import Any

from analysis.results import reliability
from survey.models import ReleaseIndex

# What a release stores for each (unit, level, index): the estimate and its design-based
# uncertainty, the comparison with the parent unit, rank intervals, change since the last round.
ESTIMATE_FIELDS = ("estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "ci_method")
COMPARISON_FIELDS = ("flag", "reference_difference", "reference_p_adjusted", "rank_low", "rank_high")
CHANGE_FIELDS = ("previous_estimate", "change", "change_se", "change_p")
# Derived from the stored numbers, not stored: "not_estimable" where df <= 1 (a single PSU) or the SE is 0.
DERIVED_FIELDS = ("reliability",)
INDEX_FIELDS = (
    "level", "index_code", "statistic", *ESTIMATE_FIELDS, *DERIVED_FIELDS, *COMPARISON_FIELDS, *CHANGE_FIELDS
)


def plain_number(value: Any) -> Any:
    """``None`` for a missing or non-finite number, else the value."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def index_record(row: ReleaseIndex) -> dict[str, Any]:
    """The row's :data:`INDEX_FIELDS` as plain values (no NaN; whole degrees of freedom as ``int``).

    ``reliability`` is ``"ok"`` or ``"not_estimable"`` (df <= 1 or SE 0): such a
    unit has no rank and no comparison (its ``flag`` is ``"not_estimable"``).
    """
    record = {
        name: reliability(row.se, row.df) if name == "reliability" else plain_number(getattr(row, name))
        for name in INDEX_FIELDS
    }
    if isinstance(record["df"], float) and record["df"].is_integer():
        record["df"] = int(record["df"])
    return record
