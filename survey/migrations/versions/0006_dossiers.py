"""dossiers of Decision 766: procedures, portal unit codes, integration credentials, dossiers, their events,
complaints (PAKN), dossier ratings (apart from the anonymous responses) and the dossier access log

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

New tables only, so the same statements work on SQLite and PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CODE = 64
_SOURCE = 100


def _time(name: str, **kwargs) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)


def upgrade() -> None:
    op.create_table(
        "dossier_procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=_CODE), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("field_code", sa.String(length=_CODE), nullable=True),
        sa.Column("field_name", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_procedures")),
        sa.UniqueConstraint("code", name=op.f("uq_dossier_procedures_code")),
    )
    op.create_table(
        "portal_unit_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_code", sa.String(length=_CODE), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_portal_unit_codes_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_unit_codes")),
        sa.UniqueConstraint("portal_code", name=op.f("uq_portal_unit_codes_portal_code")),
    )
    op.create_index(op.f("ix_portal_unit_codes_unit_id"), "portal_unit_codes", ["unit_id"])
    op.create_table(
        "integration_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_name", sa.String(length=_SOURCE), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        _time("created_at", nullable=False),
        _time("last_used_at", nullable=True),
        _time("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_integration_credentials_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_credentials")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_integration_credentials_secret_hash")),
        sa.UniqueConstraint("system_name", name=op.f("uq_integration_credentials_system_name")),
    )
    op.create_index(op.f("ix_integration_credentials_unit_id"), "integration_credentials", ["unit_id"])
    op.create_table(
        "dossiers",
        sa.Column("id", _BIGID, nullable=False),
        sa.Column("source", sa.String(length=_SOURCE), nullable=False),
        sa.Column("code", sa.String(length=_CODE), nullable=False),
        sa.Column("procedure_code", sa.String(length=_CODE), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("portal_unit_code", sa.String(length=_CODE), nullable=False),
        sa.Column("channel", sa.SmallInteger(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        _time("received_at", nullable=True),
        _time("due_at", nullable=True),
        _time("handled_at", nullable=True),
        _time("returned_at", nullable=True),
        sa.Column("returned", sa.Boolean(), nullable=False),
        sa.Column("field_times", sa.JSON(), nullable=False),
        _time("updated_at", nullable=False),
        sa.CheckConstraint("channel IS NULL OR channel IN (1, 2, 3)", name=op.f("ck_dossiers_channel")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_dossiers_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("source", "code", name="uq_dossiers_source_code"),
    )
    op.create_index(op.f("ix_dossiers_code"), "dossiers", ["code"])
    op.create_index(op.f("ix_dossiers_procedure_code"), "dossiers", ["procedure_code"])
    op.create_index(op.f("ix_dossiers_unit_id"), "dossiers", ["unit_id"])
    op.create_index(op.f("ix_dossiers_received_at"), "dossiers", ["received_at"])
    op.create_table(
        "dossier_events",
        sa.Column("id", _BIGID, nullable=False),
        sa.Column("source", sa.String(length=_SOURCE), nullable=False),
        sa.Column("code", sa.String(length=_CODE), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        _time("event_at", nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _time("stored_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_events")),
        sa.UniqueConstraint("source", "code", "kind", "event_at", name="uq_dossier_events_key"),
    )
    op.create_table(
        "dossier_complaints",
        sa.Column("id", _BIGID, nullable=False),
        sa.Column("source", sa.String(length=_SOURCE), nullable=False),
        sa.Column("code", sa.String(length=_CODE), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(length=_CODE), nullable=True),
        sa.Column("category", sa.String(length=255), nullable=True),
        _time("received_at", nullable=True),
        _time("handled_at", nullable=True),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("dislikes", sa.Integer(), nullable=False),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("field_times", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_dossier_complaints_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_complaints")),
        sa.UniqueConstraint("source", "code", name="uq_dossier_complaints_source_code"),
    )
    op.create_index(op.f("ix_dossier_complaints_dossier_code"), "dossier_complaints", ["dossier_code"])
    op.create_index(op.f("ix_dossier_complaints_unit_id"), "dossier_complaints", ["unit_id"])
    op.create_table(
        "dossier_ratings",
        sa.Column("id", _BIGID, nullable=False),
        sa.Column("dossier_id", _BIGID, nullable=False),
        sa.Column("index_scores", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        _time("rated_at", nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_ratings_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_ratings")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_dossier_ratings_dossier_id")),
    )
    op.create_index(op.f("ix_dossier_ratings_rated_at"), "dossier_ratings", ["rated_at"])
    op.create_table(
        "dossier_access_log",
        sa.Column("id", _BIGID, nullable=False),
        _time("at", nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("credential_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("dossier_code", sa.String(length=_CODE), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["credential_id"], ["integration_credentials.id"],
                                name=op.f("fk_dossier_access_log_credential_id_integration_credentials")),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], name=op.f("fk_dossier_access_log_user_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_access_log")),
    )
    op.create_index(op.f("ix_dossier_access_log_at"), "dossier_access_log", ["at"])
    op.create_index(op.f("ix_dossier_access_log_user_id"), "dossier_access_log", ["user_id"])


def downgrade() -> None:
    for table in ("dossier_access_log", "dossier_ratings", "dossier_complaints", "dossier_events", "dossiers",
                  "integration_credentials", "portal_unit_codes", "dossier_procedures"):
        op.drop_table(table)
