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
from analysis.planning import (  # noqa: F401
    Allocation,
    SampleSize,
    allocate,
    margin_of_error,
    sample_size_proportion,
    yamane_sample_size,
)
from analysis.sae import FayHerriotResult, fay_herriot  # noqa: F401
from analysis.league import (  # noqa: F401
    LeagueTable,
    RankIntervals,
    holm_adjust,
    league_table,
    rank_intervals,
)
