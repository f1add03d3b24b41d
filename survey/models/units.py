"""Units of public administration, valid over a period, and their lineage (merge, split, rename)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, db_enum


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
    kind: Mapped[UnitKind] = mapped_column(db_enum(UnitKind, "unit_kind"))
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
    kind: Mapped[LineageKind] = mapped_column(db_enum(LineageKind, "lineage_kind"))
    effective_on: Mapped[date] = mapped_column(Date)
    legal_basis: Mapped[str | None] = mapped_column(String(255))

    predecessor: Mapped[Unit] = relationship(
        foreign_keys=[predecessor_id], back_populates="successor_links"
    )
    successor: Mapped[Unit] = relationship(
        foreign_keys=[successor_id], back_populates="predecessor_links"
    )
