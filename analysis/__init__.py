"""SIPAS statistics: design-based estimation of satisfaction indices.

A framework-free package (numpy, scipy, pandas at the edges) whose results
match R's ``survey`` package: designs with weights, strata, one- or two-stage
clusters and finite population corrections; Taylor-linearization and
replicate-weight variances; post-stratification and raking; domain
estimation on the full design; logit, Wald, Korn–Graubard and Wilson
intervals; and the SIPAS satisfaction indices built on them.

Names are loaded on first use (the lazy-loading pattern of Scientific Python's
SPEC 1): ``from analysis.indices import compute_indices`` loads the indices and
what they need, not the weighting, small-area or league-table modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from .errors import (
        AnalysisError,
        ConvergenceError,
        DesignError,
        LonelyPSUError,
        MissingDesignValueError,
    )
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
        stratified_margin_of_error,
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

# public name -> the module of the package that defines it
_EXPORTS = {
    "Allocation": "planning",
    "AnalysisError": "errors",
    "ComparisonRecord": "results",
    "ConvergenceError": "errors",
    "DesignError": "errors",
    "DesignSpec": "design",
    "EstimateRecord": "results",
    "EstimateResults": "results",
    "FayHerriotResult": "sae",
    "GroupSpec": "indices",
    "IndexRecord": "indices",
    "IndexResults": "indices",
    "IndexSpec": "indices",
    "LeagueTable": "league",
    "LonelyPSUError": "errors",
    "Mean": "estimators",
    "MissingDesignValueError": "errors",
    "NonresponseAdjustment": "weighting",
    "ParentComparison": "compare",
    "PostStratification": "weighting",
    "Proportion": "estimators",
    "RakingReport": "weighting",
    "RakingResult": "weighting",
    "RankIntervals": "league",
    "Ratio": "estimators",
    "ReplicateDesign": "replicate",
    "SampleSize": "planning",
    "SurveyDesign": "design",
    "Total": "estimators",
    "TrimmingResult": "weighting",
    "WeightDiagnostics": "weighting",
    "allocate": "planning",
    "base_weights": "weighting",
    "beta_interval": "ci",
    "build_design": "design",
    "compare_records": "compare",
    "compare_rounds": "indices",
    "compare_with_parent": "compare",
    "compute_indices": "indices",
    "domain_difference": "estimators",
    "estimate": "estimators",
    "fay_herriot": "sae",
    "holm_adjust": "league",
    "league_table": "league",
    "likelihood_interval": "ci",
    "logit_interval": "ci",
    "make_replicates": "replicate",
    "margin_of_error": "planning",
    "nonresponse_adjust": "weighting",
    "parent_covariance": "compare",
    "poststratify": "weighting",
    "poststratify_design": "weighting",
    "proportion_interval": "ci",
    "rake": "weighting",
    "rake_design": "weighting",
    "rank_intervals": "league",
    "sample_size_proportion": "planning",
    "stratified_margin_of_error": "planning",
    "t_interval": "ci",
    "trim_weights": "weighting",
    "weight_diagnostics": "weighting",
    "wilson_interval": "ci",
    "yamane_sample_size": "planning",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"analysis.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


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
    "MissingDesignValueError",
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
    "stratified_margin_of_error",
    "t_interval",
    "trim_weights",
    "weight_diagnostics",
    "wilson_interval",
    "yamane_sample_size",
]
