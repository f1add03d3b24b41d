"""round kind: a yearly sample survey or the continuous counter rating

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

Existing rounds whose channels are exactly ["counter"] become continuous_counter
rounds, every other one a yearly_sample round. The column is added in place on
both backends (no table rebuild: SQLite would drop the rows of round_units,
which cascade from survey_rounds, when the table is copied and dropped).
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_KINDS = "kind IN ('yearly_sample', 'continuous_counter')"
_CHECK = "ck_survey_rounds_round_kind"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # ADD COLUMN ... NOT NULL needs a default on SQLite; it stays, unused, since every insert names the kind.
        op.execute(
            "ALTER TABLE survey_rounds ADD COLUMN kind VARCHAR(20) NOT NULL DEFAULT 'yearly_sample' "
            f"CONSTRAINT {_CHECK} CHECK ({_KINDS})"
        )
    else:
        op.add_column("survey_rounds", sa.Column("kind", sa.String(length=20), nullable=False,
                                                 server_default="yearly_sample"))
        op.create_check_constraint(op.f(_CHECK), "survey_rounds", _KINDS)
    rounds = sa.table("survey_rounds", sa.column("id", sa.Integer), sa.column("channels", sa.JSON),
                      sa.column("kind", sa.String))
    for round_id, channels in bind.execute(sa.select(rounds.c.id, rounds.c.channels)).all():
        if list(channels or []) == ["counter"]:
            bind.execute(rounds.update().where(rounds.c.id == round_id).values(kind="continuous_counter"))
    if bind.dialect.name != "sqlite":
        op.alter_column("survey_rounds", "kind", server_default=None)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE survey_rounds DROP COLUMN kind")
    else:
        op.drop_column("survey_rounds", "kind")
