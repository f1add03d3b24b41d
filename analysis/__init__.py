"""SIPAS statistics: design-based estimation of satisfaction indices.

A framework-free package (numpy, scipy, pandas at the edges) whose results
match R's ``survey`` package: designs with weights, strata, one- or two-stage
clusters and finite population corrections; Taylor-linearization and
replicate-weight variances; post-stratification and raking; domain
estimation on the full design; logit, Wald, Korn–Graubard and Wilson
intervals; and the SIPAS satisfaction indices built on them.
"""

from .calibration import RakingReport, post_stratify
from .calibration import rake as rake_design
from .ci import (
    beta_interval,
    likelihood_interval,
    logit_interval,
    proportion_interval,
    t_interval,
    wilson_interval,
)
from .design import DesignSpec, SurveyDesign, build_design
from .errors import AnalysisError, ConvergenceError, DesignError, LonelyPSUError
from .estimators import (
    Mean,
    Proportion,
    Ratio,
    Total,
    domain_difference,
    estimate,
)
from .indices import (
    GroupSpec,
    IndexRecord,
    IndexResults,
    IndexSpec,
    compare_rounds,
    compute_indices,
)
from .replicate import ReplicateDesign, make_replicates
from .results import ComparisonRecord, EstimateRecord, EstimateResults

__all__ = [
    "AnalysisError",
    "ComparisonRecord",
    "ConvergenceError",
    "DesignError",
    "DesignSpec",
    "EstimateRecord",
    "EstimateResults",
    "GroupSpec",
    "IndexRecord",
    "IndexResults",
    "IndexSpec",
    "LonelyPSUError",
    "Mean",
    "Proportion",
    "RakingReport",
    "Ratio",
    "ReplicateDesign",
    "SurveyDesign",
    "Total",
    "beta_interval",
    "build_design",
    "compare_rounds",
    "compute_indices",
    "domain_difference",
    "estimate",
    "likelihood_interval",
    "logit_interval",
    "make_replicates",
    "post_stratify",
    "proportion_interval",
    "rake_design",
    "t_interval",
    "wilson_interval",
]
from analysis.league import (  # noqa: F401
    LeagueTable,
    RankIntervals,
    holm_adjust,
    league_table,
    rank_intervals,
)
from analysis.planning import (  # noqa: F401
    Allocation,
    SampleSize,
    allocate,
    margin_of_error,
    sample_size_proportion,
    yamane_sample_size,
)
from analysis.sae import FayHerriotResult, fay_herriot  # noqa: F401
from analysis.weighting import (  # noqa: F401
    NonresponseAdjustment,
    PostStratification,
    RakingResult,
    TrimmingResult,
    WeightDiagnostics,
    base_weights,
    nonresponse_adjust,
    poststratify,
    rake,
    trim_weights,
    weight_diagnostics,
)

# Exports of the weighting, planning, small-area and league modules (another
# engineer's; keep them).
