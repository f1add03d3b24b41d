"""dossiers know their desk: dossiers.desk_code (MaQuay)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

The desk (counter) of the one-stop shop that received a dossier, as a
one-stop-shop system posts it in our extension field ``MaQuay``, or the return
desk where the officer started the citizen's rating; the Decision 766
dashboard counts the dossiers that cost points by desk. Optional: the portal's
own sync has no such field. And an index on (unit_id, received_at): the dashboard reads a
scope's months, and with only the two single-column indexes the database walked every dossier
of the scope's units for each month. Only ``down_revision`` names the revision before.
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("desk_code", sa.String(length=64), nullable=True))
    op.create_index("ix_dossiers_unit_id_received_at", "dossiers", ["unit_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_dossiers_unit_id_received_at", table_name="dossiers")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE dossiers DROP COLUMN desk_code")
    else:
        op.drop_column("dossiers", "desk_code")
