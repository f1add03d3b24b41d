"""invitations keep no day of use: drop invitations.used_on

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

An invitation records only that it was used. Its day of use could be lined up
with the day of an online answer (on a day with one of each, it named the
answer's invitation), so it goes; nothing reads it. Downgrade brings the column
back empty: the days are not kept anywhere.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE invitations DROP COLUMN used_on")
    else:
        op.drop_column("invitations", "used_on")


def downgrade() -> None:
    op.add_column("invitations", sa.Column("used_on", sa.Date(), nullable=True))
