"""SIPAS statistics: design-based estimation of satisfaction indices.

A framework-free package (numpy, scipy, pandas at the edges) whose results
match R's ``survey`` package: designs with weights, strata, one- or two-stage
clusters and finite population corrections; Taylor-linearization and
replicate-weight variances; post-stratification and raking; domain
estimation on the full design; logit, Wald, Korn–Graubard and Wilson
intervals; and the SIPAS satisfaction indices built on them.
"""

from .ci import (
    beta_interval,
    likelihood_interval,
    logit_interval,
    proportion_interval,
    t_interval,
    wilson_interval,
)
from .compare import ParentComparison, compare_records, compare_with_parent, parent_covariance
from .design import DesignSpec, SurveyDesign, build_design
from .errors import AnalysisError, ConvergenceError, DesignError, LonelyPSUError
from .estimators import Mean, Proportion, Ratio, Total, domain_difference, estimate
from .indices import (
    GroupSpec,
    IndexRecord,
    IndexResults,
    IndexSpec,
    compare_rounds,
    compute_indices,
)
from .league import LeagueTable, RankIntervals, holm_adjust, league_table, rank_intervals
from .planning import (
    Allocation,
    SampleSize,
    allocate,
    margin_of_error,
    sample_size_proportion,
    yamane_sample_size,
)
from .replicate import ReplicateDesign, make_replicates
from .results import ComparisonRecord, EstimateRecord, EstimateResults
from .sae import FayHerriotResult, fay_herriot
from .weighting import (
    NonresponseAdjustment,
    PostStratification,
    RakingReport,
    RakingResult,
    TrimmingResult,
    WeightDiagnostics,
    base_weights,
    nonresponse_adjust,
    poststratify,
    poststratify_design,
    rake,
    rake_design,
    trim_weights,
    weight_diagnostics,
)

__all__ = [
    "Allocation",
    "AnalysisError",
    "ComparisonRecord",
    "ConvergenceError",
    "DesignError",
    "DesignSpec",
    "EstimateRecord",
    "EstimateResults",
    "FayHerriotResult",
    "GroupSpec",
    "IndexRecord",
    "IndexResults",
    "IndexSpec",
    "LeagueTable",
    "LonelyPSUError",
    "Mean",
    "NonresponseAdjustment",
    "ParentComparison",
    "PostStratification",
    "Proportion",
    "RakingReport",
    "RakingResult",
    "RankIntervals",
    "Ratio",
    "ReplicateDesign",
    "SampleSize",
    "SurveyDesign",
    "Total",
    "TrimmingResult",
    "WeightDiagnostics",
    "allocate",
    "base_weights",
    "beta_interval",
    "build_design",
    "compare_records",
    "compare_rounds",
    "compare_with_parent",
    "compute_indices",
    "domain_difference",
    "estimate",
    "fay_herriot",
    "holm_adjust",
    "league_table",
    "likelihood_interval",
    "logit_interval",
    "make_replicates",
    "margin_of_error",
    "nonresponse_adjust",
    "parent_covariance",
    "poststratify",
    "poststratify_design",
    "proportion_interval",
    "rake",
    "rake_design",
    "rank_intervals",
    "sample_size_proportion",
    "t_interval",
    "trim_weights",
    "weight_diagnostics",
    "wilson_interval",
    "yamane_sample_size",
]
