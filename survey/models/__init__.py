"""SQLAlchemy 2.0 models of SIPAS, one module per concept; every table is on ``Base.metadata``.

Responses carry no personal data: no IP address, user agent, name or phone.
Invitations record only *that* they were used (and on which day), never which
response they produced.
"""

from survey.models.base import (
    NAMING_CONVENTION,
    Base,
    BigId,
    ImmutableVersionError,
    hash_token,
    utcnow,
)
from survey.models.devices import Device
from survey.models.dossiers import (
    Complaint,
    Dossier,
    DossierAccess,
    DossierEvent,
    DossierRating,
    IntegrationCredential,
    PortalUnitCode,
    Procedure,
)
from survey.models.jobs import Job, JobStatus
from survey.models.questionnaires import Questionnaire, QuestionnaireVersion
from survey.models.releases import Release, ReleaseIndex, ReleaseMicrodata, ReleaseStatus
from survey.models.responses import ImportBatch, Response, ResponseDesign
from survey.models.rounds import (
    Channel,
    Invitation,
    RoundKind,
    RoundStatus,
    SurveyRound,
    round_units,
)
from survey.models.staff import ApiToken, AuditEntry, Role, StaffUser
from survey.models.units import LineageKind, Unit, UnitKind, UnitLineage
from survey.models.weights import SampleFrame, WeightSet

__all__ = [
    "NAMING_CONVENTION",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BigId",
    "Channel",
    "Complaint",
    "Device",
    "Dossier",
    "DossierAccess",
    "DossierEvent",
    "DossierRating",
    "ImmutableVersionError",
    "ImportBatch",
    "IntegrationCredential",
    "Invitation",
    "Job",
    "JobStatus",
    "LineageKind",
    "PortalUnitCode",
    "Procedure",
    "Questionnaire",
    "QuestionnaireVersion",
    "Release",
    "ReleaseIndex",
    "ReleaseMicrodata",
    "ReleaseStatus",
    "Response",
    "ResponseDesign",
    "Role",
    "RoundKind",
    "RoundStatus",
    "SampleFrame",
    "StaffUser",
    "SurveyRound",
    "Unit",
    "UnitKind",
    "UnitLineage",
    "WeightSet",
    "hash_token",
    "round_units",
    "utcnow",
]
