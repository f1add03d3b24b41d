"""Dossiers of administrative procedures (Decision 766/QĐ-TTg), fed by one-stop-shop systems.

A dossier code identifies a person's case, so nothing here is anonymous and
nothing here is ever joined with the anonymous ``responses``: dossier ratings
have their own table (:class:`DossierRating`), are kept only
``DOSSIER_RETENTION_DAYS`` (survey/settings.py), and every read of
dossier-level rows is written to :class:`DossierAccess`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, BigId, utcnow
from survey.models.units import Unit

CODE_LENGTH = 64  # MaHoSo, MaTTHC, MaPAKN, portal unit codes
SOURCE_LENGTH = 100  # name of a one-stop-shop system (or of a file import)


class Procedure(Base):
    """An administrative procedure (TTHC) of the national catalogue and its field (lĩnh vực)."""

    __tablename__ = "dossier_procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)  # MaTTHC
    name: Mapped[str] = mapped_column(String(1000))  # TenTTHC
    field_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))  # MaLinhVuc
    field_name: Mapped[str | None] = mapped_column(String(500))  # TenLinhVuc


class PortalUnitCode(Base):
    """A unit code of the national portal (``H26``, ``H26.189``) and the SIPAS unit it stands for."""

    __tablename__ = "portal_unit_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    unit: Mapped[Unit] = relationship()


class IntegrationCredential(Base):
    """The credential of one one-stop-shop system; it may post dossiers of its unit and the units below."""

    __tablename__ = "integration_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    system_name: Mapped[str] = mapped_column(String(SOURCE_LENGTH), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the secret, never the secret
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    unit: Mapped[Unit] = relationship()


class Dossier(Base):
    """A dossier (hồ sơ) as the one-stop-shop system last reported it; times are UTC."""

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("source", "code", name="uq_dossiers_source_code"),
        CheckConstraint("channel IS NULL OR channel IN (1, 2, 3)", name="channel"),
        Index("ix_dossiers_unit_id_received_at", "unit_id", "received_at"),  # a scope's months (dashboard)
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), index=True)  # MaHoSo
    procedure_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH), index=True)  # MaTTHC
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # from DonViXuLy
    portal_unit_code: Mapped[str] = mapped_column(String(CODE_LENGTH))  # DonViXuLy as sent
    channel: Mapped[int | None] = mapped_column(SmallInteger)  # KenhThucHien: 1 in person, 2 online, 3 post
    # MaQuay (our extension): the desk (counter) that received it, or the return desk where a rating was started
    desk_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    status: Mapped[str | None] = mapped_column(String(32))  # TrangThaiHoSo as sent
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)  # NgayTiepNhan
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # NgayHenTra
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # NgayKetThucXuLy
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # NgayTra
    returned: Mapped[bool] = mapped_column(Boolean, default=False)
    # portal field name -> ISO time of the event that last set it: a later event wins, an older one is ignored
    field_times: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()


class DossierEvent(Base):
    """One event a system posted (dossier sync, progress, complaint), stored once: the idempotency key."""

    __tablename__ = "dossier_events"
    __table_args__ = (UniqueConstraint("source", "code", "kind", "event_at", name="uq_dossier_events_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))  # MaHoSo, or MaPAKN for a complaint
    kind: Mapped[str] = mapped_column(String(32))  # LoaiSuKien
    event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # ThoiGianSuKien
    payload: Mapped[dict] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Complaint(Base):
    """A feedback or petition (phản ánh, kiến nghị: PAKN) about a unit, perhaps about one dossier."""

    __tablename__ = "dossier_complaints"
    __table_args__ = (UniqueConstraint("source", "code", name="uq_dossier_complaints_source_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))  # MaPAKN
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # MaHoSo of the dossier it is about (same source), as sent: it may arrive before the dossier itself
    dossier_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH), index=True)
    category: Mapped[str | None] = mapped_column(String(255))  # PhanLoai (5.1: monitoring only)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    likes: Mapped[int] = mapped_column(Integer, default=0)
    dislikes: Mapped[int] = mapped_column(Integer, default=0)
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)  # a follow-up complaint was filed
    field_times: Mapped[dict] = mapped_column(JSON, default=dict)

    unit: Mapped[Unit] = relationship()


class DossierRating(Base):
    """A citizen's rating of one dossier (Circular 01/2018 form); identifying, so never joined to responses."""

    __tablename__ = "dossier_ratings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)  # one rating per dossier
    index_scores: Mapped[dict] = mapped_column(JSON)  # index number ("1".."9") -> 2, 1 or 0
    level: Mapped[str] = mapped_column(String(20))  # very_satisfied | satisfied | not_satisfied
    channel: Mapped[str] = mapped_column(String(20))  # link | kiosk | portal
    # a province's own criteria (item code -> 2, 1 or 0; a five-level item as its level's points), not in the total
    extra_scores: Mapped[dict | None] = mapped_column(JSON)
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    dossier: Mapped[Dossier] = relationship()


class DossierAccess(Base):
    """Who read dossier-level rows, when, and which (privacy: every such read is logged)."""

    __tablename__ = "dossier_access_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("integration_credentials.id"))
    actor: Mapped[str] = mapped_column(String(100))  # login, system name or "cli"
    action: Mapped[str] = mapped_column(String(64))
    dossier_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    rows: Mapped[int] = mapped_column(Integer, default=0)  # how many dossier-level rows the read returned
    details: Mapped[dict | None] = mapped_column(JSON)


class DossierMonth(Base):
    """A unit's stored counts for one month (local time) as judged at the month's end, while still current.

    Any write that can change them (a dossier, a PAKN or a rating of that unit and month) bumps
    ``generation`` in its own transaction (``survey.domain.dossiers.closed_months``); the counts are
    current only while ``counted_generation == generation`` (and, for 5.2/5.3, ``calendar_key`` is
    the definition's), else they are counted again from the rows. Aggregates only: no dossier code.
    """

    __tablename__ = "dossier_months"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # yyyy-mm of the receipt time, local
    generation: Mapped[int] = mapped_column(Integer, default=0)
    counted_generation: Mapped[int | None] = mapped_column(Integer)  # None: never counted
    calendar_key: Mapped[str | None] = mapped_column(String(64))  # the PAKN deadline rule the 5.2/5.3 counts used
    received: Mapped[int] = mapped_column(Integer, default=0)  # 5.4 denominator
    satisfied: Mapped[int] = mapped_column(Integer, default=0)  # 5.4 numerator
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    complained: Mapped[int] = mapped_column(Integer, default=0)
    disliked: Mapped[int] = mapped_column(Integer, default=0)
    pakn_received: Mapped[int] = mapped_column(Integer, default=0)  # 5.2 and 5.3 denominator
    pakn_on_time: Mapped[int] = mapped_column(Integer, default=0)  # 5.2 numerator
    pakn_satisfied: Mapped[int] = mapped_column(Integer, default=0)  # 5.3 numerator
    # "procedure" / "desk" -> code -> [received, not satisfied, overdue, complained, disliked]
    parts: Mapped[dict | None] = mapped_column(JSON)
    counted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
