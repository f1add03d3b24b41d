"""SIPAS satisfaction indices with design-based standard errors and intervals.

Definitions (each configurable per questionnaire through :class:`IndexSpec`):

* **item index** = 100 × weighted count of valid answers in the satisfied
  codes (default 4, 5) / weighted count of valid answers (default codes
  1–5).  Blank, 9 "not experienced" or any other code counts neither way.
* **group index** = mean of its item indices (or a weighted mean, the pooled
  ratio over all its items, or an "in general" item standing for the group).
* **overall index** = mean of the group indices with ``in_overall`` (same
  alternatives).

Each index is a smooth function of weighted totals, so its influence
variable is a linear combination of per-cell weighted counts of answer
codes.  :func:`compute_indices` therefore reduces the data to counts per
(PSU or SSU, domain, calibration class) cell with one ``np.bincount`` per
item, builds every index's influence values on those cells, and hands them
all at once to :func:`analysis.variance.linearized_variance`.  Domains are
estimated on the full design.  Standard errors are in percentage points.

The package: ``spec`` (what to compute), ``records`` (the results), ``engine``
(cell counts and influence values) and ``compute`` (:func:`compute_indices`,
:func:`compare_rounds`).
"""

from analysis.indices.compute import compare_rounds, compute_indices
from analysis.indices.records import IndexRecord, IndexResults
from analysis.indices.spec import GroupSpec, IndexSpec

__all__ = [
    "GroupSpec",
    "IndexRecord",
    "IndexResults",
    "IndexSpec",
    "compare_rounds",
    "compute_indices",
]
