"""SQLAlchemy 2.0 models of SIPAS.

Responses carry no personal data: no IP address, user agent, name or phone.
Invitations record only *that* they were used (and on which day), never which
response they produced.
"""

from __future__ import annotations

import enum
import hashlib
import uuid as uuid_module
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    event,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    """Hash a high-entropy secret token (device or invitation) for storage."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class UnitKind(enum.Enum):
    MINISTRY = "ministry"
    PROVINCE = "province"
    DEPARTMENT = "department"
    COMMUNE = "commune"
    SERVICE_CENTRE = "service_centre"
    COUNTER = "counter"


class LineageKind(enum.Enum):
    CONTINUE = "continue"  # same unit, new period (possibly absorbing others)
    MERGE = "merge"  # predecessor absorbed into successor
    SPLIT = "split"  # predecessor split into several successors
    RENAME = "rename"  # same territory, new name or status


class Channel(enum.Enum):
    COUNTER = "counter"
    ONLINE = "online"
    PAPER = "paper"
    PHONE = "phone"


class Role(enum.Enum):
    ADMIN = "admin"
    STATISTICIAN = "statistician"
    MANAGER = "manager"


class RoundStatus(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Unit(Base):
    """A unit of public administration, valid over a period."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("code", "valid_from", name="uq_units_code_valid_from"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name="valid_period",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind, "unit_kind"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    predecessor_links: Mapped[list[UnitLineage]] = relationship(
        foreign_keys="UnitLineage.successor_id", back_populates="successor"
    )
    successor_links: Mapped[list[UnitLineage]] = relationship(
        foreign_keys="UnitLineage.predecessor_id", back_populates="predecessor"
    )

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def predecessors(self) -> list[Unit]:
        return [link.predecessor for link in self.predecessor_links]

    @property
    def successors(self) -> list[Unit]:
        return [link.successor for link in self.successor_links]

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name} {self.valid_from}..{self.valid_to}>"


class UnitLineage(Base):
    """A link from a unit to the unit(s) that replaced it (merge, split, rename)."""

    __tablename__ = "unit_lineage"
    __table_args__ = (
        UniqueConstraint("predecessor_id", "successor_id", name="uq_unit_lineage_pair"),
        CheckConstraint("predecessor_id <> successor_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[LineageKind] = mapped_column(_enum(LineageKind, "lineage_kind"))
    effective_on: Mapped[date] = mapped_column(Date)
    legal_basis: Mapped[str | None] = mapped_column(String(255))

    predecessor: Mapped[Unit] = relationship(
        foreign_keys=[predecessor_id], back_populates="successor_links"
    )
    successor: Mapped[Unit] = relationship(
        foreign_keys=[successor_id], back_populates="predecessor_links"
    )


class Questionnaire(Base):
    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.id"
    )


class QuestionnaireVersion(Base):
    """An immutable published version of a questionnaire (content-addressed)."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "version", name="uq_questionnaire_versions_version"),
        UniqueConstraint("questionnaire_id", "content_hash", name="uq_questionnaire_versions_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    numeric_items: Mapped[list] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    @property
    def code(self) -> str:
        return self.questionnaire.code


round_units = Table(
    "round_units",
    Base.metadata,
    Column("round_id", ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class SurveyRound(Base):
    """A survey round: one questionnaire version, a period, channels and units in scope."""

    __tablename__ = "survey_rounds"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    channels: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[RoundStatus] = mapped_column(
        _enum(RoundStatus, "round_status"), default=RoundStatus.OPEN
    )
    sampling_design: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary=round_units)

    def accepts(self, channel: Channel, day: date) -> bool:
        return (
            self.status == RoundStatus.OPEN
            and channel.value in self.channels
            and self.starts_on <= day <= self.ends_on
        )


class Device(Base):
    """A counter tablet. The kiosk URL carries a secret token; only its hash is stored."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    counter_label: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    unit: Mapped[Unit] = relationship()


class Response(Base):
    """One anonymous questionnaire response.

    ``answers`` keeps every answer (JSON, including text); ``scores`` keeps the
    numeric answers as a packed little-endian float32 vector in the order of the
    version's ``numeric_items`` (NaN = no answer), so that analysis loads a
    million responses with one query and one ``numpy.frombuffer``.
    """

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_round_unit", "round_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[uuid_module.UUID] = mapped_column(Uuid, unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[dict] = mapped_column(JSON)
    scores: Mapped[bytes] = mapped_column(LargeBinary)

    round: Mapped[SurveyRound] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    unit: Mapped[Unit] = relationship()
    device: Mapped[Device | None] = relationship()

    def score_vector(self) -> np.ndarray:
        return np.frombuffer(self.scores, dtype="<f4")


class Invitation(Base):
    """A one-use invitation for a sampled respondent.

    Only the token hash, and whether (and on which day) it was used, are kept:
    nothing links an invitation to the response it led to.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    used_on: Mapped[date | None] = mapped_column(Date)

    round: Mapped[SurveyRound] = relationship()
    unit: Mapped[Unit] = relationship()


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "staff_role"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    unit: Mapped[Unit | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        from werkzeug.security import generate_password_hash

        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        from werkzeug.security import check_password_hash

        return check_password_hash(self.password_hash, password)


class AuditEntry(Base):
    """Audit log of logins, imports, computations, releases, exports and changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict | None] = mapped_column(JSON)

    user: Mapped[StaffUser | None] = relationship()


class ImmutableVersionError(RuntimeError):
    """Raised when code tries to change a published questionnaire version."""


@event.listens_for(Session, "before_flush")
def _guard_published_versions(session: Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, QuestionnaireVersion) and session.is_modified(obj):
            raise ImmutableVersionError(
                f"questionnaire version {obj.id} is published and cannot change; "
                "publish a new version instead"
            )


# --- Staff workspace: weights, releases, imports, jobs, API tokens ------------------


class ReleaseStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class JobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ApiToken(Base):
    """A personal API token; it carries its owner's role and scope."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[StaffUser] = relationship()


class ImportBatch(Base):
    """One file of paper questionnaires typed in by operators, imported all at once."""

    __tablename__ = "import_batches"
    __table_args__ = (
        UniqueConstraint("round_id", "file_sha256", name="uq_import_batches_round_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict] = mapped_column(JSON)
    rows: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[SurveyRound] = relationship()


class ResponseDesign(Base):
    """Sample-design variables of one response (stratum, PSU, SSU, base weight).

    Kept apart from the answers: design information comes from the sample
    frame and may be filled in after the answers arrive.
    """

    __tablename__ = "response_design"

    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    stratum: Mapped[str | None] = mapped_column(String(64))
    psu: Mapped[str | None] = mapped_column(String(64))
    ssu: Mapped[str | None] = mapped_column(String(64))
    base_weight: Mapped[float | None] = mapped_column()
    fpc1: Mapped[float | None] = mapped_column()
    fpc2: Mapped[float | None] = mapped_column()


class SampleFrame(Base):
    """A sample frame for a round: per unit, the population (e.g. dossiers completed)."""

    __tablename__ = "sample_frames"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    rows: Mapped[list] = mapped_column(JSON)  # [{"unit": code, "stratum": .., "population": ..}, ...]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[SurveyRound] = relationship()


class WeightSet(Base):
    """Final weights of a round's responses, with how they were made and their diagnostics.

    ``response_ids`` (int64) and ``weights`` (float64) are packed arrays of
    equal length, so a million weights load with one ``numpy.frombuffer``.
    """

    __tablename__ = "weight_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    frame_id: Mapped[int | None] = mapped_column(ForeignKey("sample_frames.id"))
    method: Mapped[dict] = mapped_column(JSON)
    diagnostics: Mapped[dict] = mapped_column(JSON)
    response_ids: Mapped[bytes] = mapped_column(LargeBinary)
    weights: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[SurveyRound] = relationship()

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.frombuffer(self.response_ids, dtype="<i8"), np.frombuffer(self.weights, dtype="<f8")


class Release(Base):
    """Frozen results of a round's computation and what makes them reproducible.

    A published release never changes; a correction is a new release that
    ``supersedes`` the old one.
    """

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("round_id", "number", name="uq_releases_round_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    status: Mapped[ReleaseStatus] = mapped_column(
        _enum(ReleaseStatus, "release_status"), default=ReleaseStatus.DRAFT
    )
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    weight_set_id: Mapped[int | None] = mapped_column(ForeignKey("weight_sets.id"))
    previous_release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    data_fingerprint: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict] = mapped_column(JSON)
    software_version: Mapped[str] = mapped_column(String(64))
    n_responses: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    round: Mapped[SurveyRound] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    weight_set: Mapped[WeightSet | None] = relationship()
    previous_release: Mapped[Release | None] = relationship(foreign_keys=[previous_release_id], remote_side=[id])
    supersedes: Mapped[Release | None] = relationship(foreign_keys=[supersedes_id], remote_side=[id])
    created_by: Mapped[StaffUser | None] = relationship()


class ReleaseIndex(Base):
    """One index of one unit (or the nation: ``unit_id`` NULL) in a release.

    Same record shape as ``sipas indices`` (estimate, se, CI, df, n, deff,
    ci_method), plus the comparison with the reference value (the parent unit
    or the nation: ``flag`` above/below/none after Holm adjustment), the rank
    interval among siblings, and the change since the previous round.
    """

    __tablename__ = "release_indices"
    __table_args__ = (
        Index("ix_release_indices_release_unit", "release_id", "unit_id"),
        Index("ix_release_indices_release_index", "release_id", "level", "index_code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    level: Mapped[str] = mapped_column(String(16))  # item | group | overall
    index_code: Mapped[str] = mapped_column(String(64))
    statistic: Mapped[str] = mapped_column(String(16), default="index")
    estimate: Mapped[float | None] = mapped_column()
    se: Mapped[float | None] = mapped_column()
    ci_low: Mapped[float | None] = mapped_column()
    ci_high: Mapped[float | None] = mapped_column()
    df: Mapped[float | None] = mapped_column()
    n: Mapped[int] = mapped_column(Integer)
    deff: Mapped[float | None] = mapped_column()
    ci_method: Mapped[str] = mapped_column(String(16))
    reference_difference: Mapped[float | None] = mapped_column()
    reference_p_adjusted: Mapped[float | None] = mapped_column()
    flag: Mapped[str | None] = mapped_column(String(8))  # above | below | none
    rank_low: Mapped[int | None] = mapped_column(Integer)
    rank_high: Mapped[int | None] = mapped_column(Integer)
    previous_estimate: Mapped[float | None] = mapped_column()
    change: Mapped[float | None] = mapped_column()
    change_se: Mapped[float | None] = mapped_column()
    change_p: Mapped[float | None] = mapped_column()

    unit: Mapped[Unit | None] = relationship()


class Job(Base):
    """A long computation run in the background, with progress for the browser and CLI."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"), default=JobStatus.QUEUED)
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(String(255), default="")
    parameters: Mapped[dict | None] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@event.listens_for(Session, "before_flush")
def _guard_published_releases(session: Session, flush_context, instances) -> None:
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, Release):
            release: Release | None = obj
        elif isinstance(obj, ReleaseIndex):
            release = session.get(Release, obj.release_id)
        else:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if release is not None and _stored_status(session, release) == ReleaseStatus.PUBLISHED:
            raise ImmutableVersionError(
                f"release {release.id} is published and cannot change; make a new release instead"
            )


def _stored_status(session: Session, release: Release) -> ReleaseStatus | None:
    """The release's status as stored in the database, ignoring pending changes."""
    if release.id is None:
        return None
    with session.no_autoflush:
        return session.execute(
            select(Release.status).where(Release.id == release.id).execution_options(populate_existing=False)
        ).scalar()
