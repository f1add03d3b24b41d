"""release index flag wide enough for "not_estimable"

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

A unit whose interval cannot be estimated (df <= 1 or SE 0) is stored with the
flag ``not_estimable`` (13 characters); the column held 8 (above/below/none).
SQLite does not enforce the length, PostgreSQL refused the row.
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


_MESSAGE = "published releases are immutable"


def _recreate_sqlite_triggers() -> None:
    """The guards of 0002 on release_indices: SQLite drops them with the rebuilt table."""
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER release_indices_published_{event.lower()} BEFORE {event} ON release_indices "
            "WHEN (SELECT status FROM releases WHERE id = OLD.release_id) = 'published' "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )
    op.execute(
        "CREATE TRIGGER release_indices_published_insert BEFORE INSERT ON release_indices "
        "WHEN (SELECT status FROM releases WHERE id = NEW.release_id) = 'published' "
        f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
    )


def _set_length(old: int, new: int) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("release_indices") as batch:  # SQLite: a rebuilt table
        batch.alter_column("flag", existing_type=sa.String(length=old), type_=sa.String(length=new),
                           existing_nullable=True)
    if sqlite:
        _recreate_sqlite_triggers()


def upgrade() -> None:
    _set_length(8, 16)


def downgrade() -> None:
    op.execute("UPDATE release_indices SET flag = NULL WHERE flag = 'not_estimable'")
    _set_length(16, 8)
