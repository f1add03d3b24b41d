"""stored per-unit per-month counts of Decision 766: dossier_months

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

The dashboard's months (the month shown, its 12-month trend, the dossiers that
cost points) were counted from every dossier each time. A month judged at its
end changes only when a row of it is written (a late sync, a late PAKN, a
rating replaced, a purge), so each unit's counts of a month are kept with a
generation that every such write bumps; counts whose generation is behind are
counted again. Only ``down_revision`` names the revision before.
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_months",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("counted_generation", sa.Integer(), nullable=True),
        sa.Column("calendar_key", sa.String(length=64), nullable=True),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("complained", sa.Integer(), nullable=False),
        sa.Column("disliked", sa.Integer(), nullable=False),
        sa.Column("pakn_received", sa.Integer(), nullable=False),
        sa.Column("pakn_on_time", sa.Integer(), nullable=False),
        sa.Column("pakn_satisfied", sa.Integer(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=True),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_dossier_months_unit_id_units")),
        sa.PrimaryKeyConstraint("unit_id", "month", name=op.f("pk_dossier_months")),
    )


def downgrade() -> None:
    op.drop_table("dossier_months")
