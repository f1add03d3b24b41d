"""JKn: a stratum sampled whole (fpc = its population) has no replicates and is never a lonely PSU.

R's ``jknweights()`` gives such a stratum no replicate (``survey.drop.replicates``)
and tests a lonely PSU only where the sampling fraction is below one, so
``fail`` and ``adjust`` leave a one-PSU certainty stratum alone; ``average``
still scales by PSUs over replicates.  R's values: tests/lonely.psu.Rout.save
(in tests/conformance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.design import DesignSpec
from analysis.errors import LonelyPSUError
from analysis.estimators import Total, estimate
from analysis.replicate import make_replicates

# strata A and B: two PSUs of 10 each; stratum C: its only PSU, sampled whole (population 1)
ROWS = pd.DataFrame(
    {
        "stratum": ["A", "A", "B", "B", "C"],
        "w": [5.0, 5.0, 5.0, 5.0, 1.0],
        "pop": [10, 10, 10, 10, 1],
        "y": [1.0, 3.0, 2.0, 6.0, 100.0],
    }
)


def _se(rule: str) -> float:
    spec = DesignSpec(weight="w", strata="stratum", fpc="pop", lonely_psu=rule)
    (record,) = estimate(ROWS, spec, [Total("y")], variance="jkn").records
    return record.se


def test_certainty_stratum_is_not_lonely_under_fail_and_adjust() -> None:
    # by hand: strata A and B, f = 0.8, (n-1)/n = 1/2: each replicate moves the total by w*(y_i - y_j)
    expected = np.sqrt(0.8 * 0.5 * 2 * (5 * (3 - 1)) ** 2 + 0.8 * 0.5 * 2 * (5 * (6 - 2)) ** 2)
    assert _se("fail") == pytest.approx(expected, rel=1e-12)
    assert _se("adjust") == pytest.approx(expected, rel=1e-12)
    assert _se("remove") == pytest.approx(expected, rel=1e-12)


def test_certainty_stratum_has_no_replicate() -> None:
    design = DesignSpec(weight="w", strata="stratum", fpc="pop", lonely_psu="adjust").build(ROWS)
    assert make_replicates(design, "jkn").n_replicates == 4


def test_average_scales_by_psus_over_replicates_as_r() -> None:
    assert _se("average") == pytest.approx(_se("remove") * np.sqrt(5 / 4), rel=1e-12)


def test_a_lonely_psu_that_is_sampled_still_fails() -> None:
    rows = ROWS.assign(pop=[10, 10, 10, 10, 4])
    spec = DesignSpec(weight="w", strata="stratum", fpc="pop", lonely_psu="fail")
    with pytest.raises(LonelyPSUError, match=r"Stratum \(C\)"):
        estimate(rows, spec, [Total("y")], variance="jkn")
