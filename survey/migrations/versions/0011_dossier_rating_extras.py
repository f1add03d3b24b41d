"""a province's own rating criteria stored with the rating: dossier_ratings.extra_scores

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

A province's own dossier-rating form may ask more criteria than the nine
indices of Circular 01. Those whose options are the points 2, 1, 0 (or a
five-level satisfaction question) are kept with the rating as item code ->
points, reported apart from the total of 18; nothing identifying, no free
text. Ratings stored before have none (NULL).
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossier_ratings") as batch:
        batch.add_column(sa.Column("extra_scores", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossier_ratings") as batch:
        batch.drop_column("extra_scores")
