"""staff workspace: releases, weights, imports, jobs, api tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_api_tokens_user_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='job_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('progress', sa.Double(), nullable=False),
    sa.Column('message', sa.String(length=255), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_jobs_user_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_import_batches_round_id_survey_rounds')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_import_batches_user_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches')),
    sa.UniqueConstraint('round_id', 'file_sha256', name='uq_import_batches_round_file')
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_round_id'), ['round_id'], unique=False)

    op.create_table('sample_frames',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_sample_frames_round_id_survey_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_frames'))
    )
    with op.batch_alter_table('sample_frames', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_frames_round_id'), ['round_id'], unique=False)

    op.create_table('response_design',
    sa.Column('response_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stratum', sa.String(length=64), nullable=True),
    sa.Column('psu', sa.String(length=64), nullable=True),
    sa.Column('ssu', sa.String(length=64), nullable=True),
    sa.Column('base_weight', sa.Double(), nullable=True),
    sa.Column('fpc1', sa.Double(), nullable=True),
    sa.Column('fpc2', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_response_design_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', name=op.f('pk_response_design'))
    )
    op.create_table('weight_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('frame_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.JSON(), nullable=False),
    sa.Column('diagnostics', sa.JSON(), nullable=False),
    sa.Column('response_ids', sa.LargeBinary(), nullable=False),
    sa.Column('weights', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['frame_id'], ['sample_frames.id'], name=op.f('fk_weight_sets_frame_id_sample_frames')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_weight_sets_round_id_survey_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weight_sets'))
    )
    with op.batch_alter_table('weight_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weight_sets_round_id'), ['round_id'], unique=False)

    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='release_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('weight_set_id', sa.Integer(), nullable=True),
    sa.Column('previous_release_id', sa.Integer(), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('data_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('software_version', sa.String(length=64), nullable=False),
    sa.Column('n_responses', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_releases_created_by_id_staff_users')),
    sa.ForeignKeyConstraint(['previous_release_id'], ['releases.id'], name=op.f('fk_releases_previous_release_id_releases')),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'], name=op.f('fk_releases_questionnaire_version_id_questionnaire_versions')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_releases_round_id_survey_rounds')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['releases.id'], name=op.f('fk_releases_supersedes_id_releases')),
    sa.ForeignKeyConstraint(['weight_set_id'], ['weight_sets.id'], name=op.f('fk_releases_weight_set_id_weight_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    sa.UniqueConstraint('round_id', 'number', name='uq_releases_round_number')
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_round_id'), ['round_id'], unique=False)

    op.create_table('release_indices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('index_code', sa.String(length=64), nullable=False),
    sa.Column('statistic', sa.String(length=16), nullable=False),
    sa.Column('estimate', sa.Double(), nullable=True),
    sa.Column('se', sa.Double(), nullable=True),
    sa.Column('ci_low', sa.Double(), nullable=True),
    sa.Column('ci_high', sa.Double(), nullable=True),
    sa.Column('df', sa.Double(), nullable=True),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('deff', sa.Double(), nullable=True),
    sa.Column('ci_method', sa.String(length=16), nullable=False),
    sa.Column('reference_difference', sa.Double(), nullable=True),
    sa.Column('reference_p_adjusted', sa.Double(), nullable=True),
    sa.Column('flag', sa.String(length=8), nullable=True),
    sa.Column('rank_low', sa.Integer(), nullable=True),
    sa.Column('rank_high', sa.Integer(), nullable=True),
    sa.Column('previous_estimate', sa.Double(), nullable=True),
    sa.Column('change', sa.Double(), nullable=True),
    sa.Column('change_se', sa.Double(), nullable=True),
    sa.Column('change_p', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_indices_release_id_releases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_release_indices_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_indices'))
    )
    with op.batch_alter_table('release_indices', schema=None) as batch_op:
        batch_op.create_index('ix_release_indices_release_index', ['release_id', 'level', 'index_code'], unique=False)
        batch_op.create_index('ix_release_indices_release_unit', ['release_id', 'unit_id'], unique=False)

    _create_release_triggers()


_MESSAGE = "published releases are immutable"


def _create_release_triggers() -> None:
    """Refuse changes to a published release and its results at the database level."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER releases_published_{event.lower()} BEFORE {event} ON releases "
                f"WHEN OLD.status = 'published' BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )
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
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION releases_published_guard() RETURNS trigger AS $$ BEGIN "
            "IF OLD.status = 'published' THEN RAISE EXCEPTION '" + _MESSAGE + "'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER releases_published_guard BEFORE UPDATE OR DELETE ON releases "
            "FOR EACH ROW EXECUTE FUNCTION releases_published_guard()"
        )
        op.execute(
            "CREATE FUNCTION release_indices_published_guard() RETURNS trigger AS $$ BEGIN "
            "IF (SELECT status FROM releases WHERE id = "
            "CASE WHEN TG_OP = 'INSERT' THEN NEW.release_id ELSE OLD.release_id END) = 'published' "
            "THEN RAISE EXCEPTION '" + _MESSAGE + "'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER release_indices_published_guard BEFORE INSERT OR UPDATE OR DELETE "
            "ON release_indices FOR EACH ROW EXECUTE FUNCTION release_indices_published_guard()"
        )


def _drop_release_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("releases_published_update", "releases_published_delete",
                     "release_indices_published_update", "release_indices_published_delete",
                     "release_indices_published_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS release_indices_published_guard ON release_indices")
        op.execute("DROP TRIGGER IF EXISTS releases_published_guard ON releases")
        op.execute("DROP FUNCTION IF EXISTS release_indices_published_guard()")
        op.execute("DROP FUNCTION IF EXISTS releases_published_guard()")


def downgrade() -> None:
    _drop_release_triggers()

    with op.batch_alter_table('release_indices', schema=None) as batch_op:
        batch_op.drop_index('ix_release_indices_release_unit')
        batch_op.drop_index('ix_release_indices_release_index')

    op.drop_table('release_indices')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_round_id'))

    op.drop_table('releases')
    with op.batch_alter_table('weight_sets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weight_sets_round_id'))

    op.drop_table('weight_sets')
    op.drop_table('response_design')
    with op.batch_alter_table('sample_frames', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_frames_round_id'))

    op.drop_table('sample_frames')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_round_id'))

    op.drop_table('import_batches')
    op.drop_table('jobs')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')

