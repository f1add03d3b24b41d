"""SQLAlchemy 2.0 models of SIPAS.

Responses carry no personal data: no IP address, user agent, name or phone.
Invitations record only *that* they were used (and on which day), never which
response they produced.
"""

from __future__ import annotations

import enum
import hashlib
import uuid as uuid_module
from datetime import date, datetime, timezone

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
    return datetime.now(timezone.utc)


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
