"""API tokens may expire: api_tokens.expires_at (NULL: no expiry)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Existing tokens keep no expiry. The column is added in place on both backends.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE api_tokens DROP COLUMN expires_at")
    else:
        op.drop_column("api_tokens", "expires_at")
