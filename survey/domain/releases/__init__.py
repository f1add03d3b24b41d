"""Releases: a round's indices computed once, frozen, and published.

A release holds every item, group and overall index of a round, nationally
(``unit_id`` NULL) and for every unit that has answers or sub-units with
answers (a province's figures come from its communes' answers: domains of
the full design, never a filtered data set), with

* the comparison of each unit with its parent (top-level units with the
  nation): difference, Holm-adjusted p-value across siblings and a flag
  ``above``/``below``/``none`` (``analysis.compare.compare_with_parent``);
* rank intervals among siblings (``analysis.league.rank_intervals``, the
  joint Klein–Wright–Wieczorek intervals by default: deterministic);
* the change since the previous round's published release. Units changed by
  the 2025 reorganisation are compared on their current territory: the
  previous round's answers are re-estimated for the domain made of the units
  that formed it then (``survey.domain.units.units_on``: Tuyên Quang 2026 against
  Hà Giang + Tuyên Quang 2024). A unit that was split off is compared with
  its whole predecessor, since answers carry no finer location.

What makes a release reproducible is stored with it: a SHA-256 fingerprint of
the answers, weights and units used, the questionnaire version, the weight
set, every parameter and the software version. A published release never
changes (models and database triggers refuse it); a correction is a new
release that ``supersedes`` the old one.

The package: ``spec`` (parameters and the index specification), ``data``
(a round's answers as arrays, the unit tree), ``compute`` (indices by unit and
their comparisons, through ``analysis.compare``), ``microdata`` (the arrays a
release was computed from, frozen at publication for its exports) and
``lifecycle`` (publish, discard, the current release).
"""

from survey.domain.releases.compute import (
    Key,
    compute_release,
    compute_release_from_data,
    compute_release_job,
    previous_published_release,
)
from survey.domain.releases.data import RoundData, UnitTree, load_round_data
from survey.domain.releases.lifecycle import (
    current_release,
    discard_release,
    league_rows,
    publish_release,
)
from survey.domain.releases.spec import (
    CI_METHODS,
    DEFAULT_PARAMETERS,
    OTHER_ITEMS_GROUP,
    RANK_METHODS,
    Progress,
    ReleaseError,
    release_spec,
    software_version,
)
from survey.i18n import _

__all__ = [
    "CI_METHODS",
    "DEFAULT_PARAMETERS",
    "OTHER_ITEMS_GROUP",
    "RANK_METHODS",
    "Key",
    "Progress",
    "ReleaseError",
    "RoundData",
    "UnitTree",
    "_",
    "compute_release",
    "compute_release_from_data",
    "compute_release_job",
    "current_release",
    "discard_release",
    "league_rows",
    "load_round_data",
    "previous_published_release",
    "publish_release",
    "release_spec",
    "software_version",
]
