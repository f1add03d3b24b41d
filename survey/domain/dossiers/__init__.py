"""Dossiers of administrative procedures and the Decision 766 satisfaction score (no Flask).

:mod:`.portal` (the national portal's fields, checking one event),
:mod:`.intake` (a batch of events: idempotent, out-of-order safe, each
malformed event refused with its reason), :mod:`.files` (CSV/XLSX imports of
events, of the procedure catalogue and of the portal's unit codes, all or
nothing), :mod:`.credentials` (one per one-stop-shop system),
:mod:`.privacy` (access log, retention of every dossier-level row), :mod:`.scoring` (the month's score
per unit through :mod:`analysis.decision766`). Nothing here commits.
"""

from survey.domain.dossiers.credentials import (
    CredentialError,
    add_credential,
    authenticate,
    credential_scope,
    list_credentials,
    revoke_credential,
)
from survey.domain.dossiers.files import (
    FileProblem,
    FileReport,
    import_event_file,
    import_procedures,
    import_unit_map,
)
from survey.domain.dossiers.intake import (
    DUPLICATE,
    REFUSED,
    STORED,
    BatchTooLarge,
    EventResult,
    IntakeReport,
    intake_events,
)
from survey.domain.dossiers.portal import (
    COMPLAINT,
    KINDS,
    PROGRESS,
    SYNC,
    EventError,
    parse_portal_time,
)
from survey.domain.dossiers.privacy import (
    PurgeReport,
    last_purge_limit,
    log_dossier_access,
    purge_expired,
)
from survey.domain.dossiers.reports import TrendMonth, trend_scores
from survey.domain.dossiers.scoring import (
    MonthRatings,
    MonthScore,
    current_definition,
    definition_path,
    month_ratings,
    month_score,
)

__all__ = [
    "COMPLAINT",
    "DUPLICATE",
    "KINDS",
    "PROGRESS",
    "REFUSED",
    "STORED",
    "SYNC",
    "BatchTooLarge",
    "CredentialError",
    "EventError",
    "EventResult",
    "FileProblem",
    "FileReport",
    "IntakeReport",
    "MonthRatings",
    "MonthScore",
    "PurgeReport",
    "TrendMonth",
    "add_credential",
    "authenticate",
    "credential_scope",
    "current_definition",
    "definition_path",
    "import_event_file",
    "import_procedures",
    "import_unit_map",
    "intake_events",
    "last_purge_limit",
    "list_credentials",
    "log_dossier_access",
    "month_ratings",
    "month_score",
    "parse_portal_time",
    "purge_expired",
    "revoke_credential",
    "trend_scores",
]
