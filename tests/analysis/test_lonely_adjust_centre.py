"""The ``adjust`` centre of a domain total counts the design's PSUs of the strata the domain touches.

R survey >= 4.4 (``src/arma_multistage.cpp``, ``arma_onestage``) centres a lonely
PSU at ``sum(y) / sum(n_h)``, the sum over the strata with rows of the domain of
their PSUs in the design, not of the PSUs that hold rows of the domain.  A
small hand-made design shows the two differ; the R values are in
tests/conformance (svy's R 4.5 targets).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.design import DesignSpec
from analysis.estimators import Total, estimate

# stratum A: PSUs 1, 2, 3 (the domain only in PSU 1); stratum B: PSUs 4, 5 (both);
# stratum C: the lonely PSU 6
ROWS = pd.DataFrame(
    {
        "stratum": ["A", "A", "A", "B", "B", "C"],
        "psu": [1, 2, 3, 4, 5, 6],
        "w": [1.0] * 6,
        "y": [4.0, 1.0, 2.0, 3.0, 5.0, 7.0],
        "dom": ["d", "e", "e", "d", "d", "d"],
    }
)


def _by_hand(centre: float) -> float:
    """Variance of the total of ``y`` in domain d, lonely PSU centred at ``centre``."""
    a = np.array([4.0, 0.0, 0.0])  # the domain's totals of stratum A's PSUs
    b = np.array([3.0, 5.0])
    var_a = 3 / 2 * ((a - a.mean()) ** 2).sum()
    var_b = 2 / 1 * ((b - b.mean()) ** 2).sum()
    return var_a + var_b + (7.0 - centre) ** 2


def test_adjust_centre_divides_by_the_design_psus_of_the_strata_present() -> None:
    spec = DesignSpec(weight="w", strata="stratum", psu="psu", lonely_psu="adjust")
    results = estimate(ROWS, spec, [Total("y")], by="dom", overall=False)
    (record,) = [r for r in results.records if r.domain == {"dom": "d"}]
    total_d = 4.0 + 3.0 + 5.0 + 7.0
    # strata A (3 PSUs), B (2) and C (1) hold rows of d: 6 PSUs, though d has rows in only 4
    assert record.se**2 == pytest.approx(_by_hand(total_d / 6), rel=1e-12)
    assert record.se**2 != pytest.approx(_by_hand(total_d / 4), rel=1e-3)


def test_whole_sample_centre_is_unchanged() -> None:
    spec = DesignSpec(weight="w", strata="stratum", psu="psu", lonely_psu="adjust")
    (record,) = estimate(ROWS, spec, [Total("y")]).records
    a, b = np.array([4.0, 1.0, 2.0]), np.array([3.0, 5.0])
    centre = ROWS["y"].sum() / 6
    expected = (
        3 / 2 * ((a - a.mean()) ** 2).sum() + 2 * ((b - b.mean()) ** 2).sum() + (7.0 - centre) ** 2
    )
    assert record.se**2 == pytest.approx(expected, rel=1e-12)
