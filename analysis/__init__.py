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
