"""a published release's microdata frozen at publication: release_microdata

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

The answers, weights, design columns and unit names a release was computed
from, compressed (.npz) with a SHA-256 checksum, written once when the release
is published; the database refuses to update them. Releases published before
have no row and keep re-reading the round's answers.
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_MESSAGE = "the frozen microdata of a published release is immutable"


def upgrade() -> None:
    op.create_table(
        'release_microdata',
        sa.Column('release_id', sa.Integer(), nullable=False),
        sa.Column('payload_format', sa.String(length=16), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('columns', sa.JSON(), nullable=False),
        sa.Column('n_responses', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['release_id'], ['releases.id'],
                                name=op.f('fk_release_microdata_release_id_releases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('release_id', name=op.f('pk_release_microdata')),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER release_microdata_immutable BEFORE UPDATE ON release_microdata "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION release_microdata_immutable() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER release_microdata_immutable BEFORE UPDATE ON release_microdata "
            "FOR EACH ROW EXECUTE FUNCTION release_microdata_immutable()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP TRIGGER IF EXISTS release_microdata_immutable" +
               (" ON release_microdata" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS release_microdata_immutable()")
    op.drop_table('release_microdata')
