"""Survey weights: one API for base weights, nonresponse adjustment, post-stratification, raking, trimming.

Two levels, one module:

* weight arrays (one entry per sampled or responding unit) in, immutable
  results out: :func:`base_weights`, :func:`nonresponse_adjust`,
  :func:`poststratify`, :func:`rake`, :func:`trim_weights`,
  :func:`weight_diagnostics` (``arrays``, ``adjust``, ``raking``);
* a :class:`~analysis.design.SurveyDesign` in, a calibrated design out that
  remembers each step for R-matching variances: :func:`poststratify_design`,
  :func:`rake_design`, :func:`calibrate_design` (``design``).

Group sums use integer codes and ``np.bincount``; nothing loops over respondents.

Conventions
-----------
* A *cell*, *post-stratum* or *category* is any hashable label (string, integer).
  Labels are sorted in every output table.
* Population totals are given as mappings ``{label: total}``; every label in the
  data must have a total and every total must occur in the data, otherwise a
  :class:`~analysis.errors.DesignError` names the label at fault.
* The g-weight of a unit is its final weight divided by its input weight.
"""

from analysis.weighting.adjust import (
    NonresponseAdjustment,
    PostStratification,
    TrimmingResult,
    nonresponse_adjust,
    poststratify,
    trim_weights,
)
from analysis.weighting.arrays import WeightDiagnostics, base_weights, weight_diagnostics
from analysis.weighting.design import (
    RakingReport,
    calibrate_design,
    declare_calibration,
    poststratify_design,
    rake_design,
)
from analysis.weighting.raking import RakingResult, rake

__all__ = [
    "NonresponseAdjustment",
    "PostStratification",
    "RakingReport",
    "RakingResult",
    "TrimmingResult",
    "WeightDiagnostics",
    "base_weights",
    "calibrate_design",
    "declare_calibration",
    "nonresponse_adjust",
    "poststratify",
    "poststratify_design",
    "rake",
    "rake_design",
    "trim_weights",
    "weight_diagnostics",
]
