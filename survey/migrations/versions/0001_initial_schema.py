"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('questionnaires',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaires')),
    sa.UniqueConstraint('code', name=op.f('uq_questionnaires_code'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.Enum('ministry', 'province', 'department', 'commune', 'service_centre', 'counter', name='unit_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.CheckConstraint('valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from', name=op.f('ck_units_valid_period')),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', 'valid_from', name='uq_units_code_valid_from')
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)

    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_label', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_devices_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_devices_token_hash'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_unit_id'), ['unit_id'], unique=False)

    op.create_table('questionnaire_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('numeric_items', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaires.id'], name=op.f('fk_questionnaire_versions_questionnaire_id_questionnaires')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_versions')),
    sa.UniqueConstraint('questionnaire_id', 'content_hash', name='uq_questionnaire_versions_hash'),
    sa.UniqueConstraint('questionnaire_id', 'version', name='uq_questionnaire_versions_version')
    )
    with op.batch_alter_table('questionnaire_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_versions_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('admin', 'statistician', 'manager', name='staff_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_staff_users_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('login', name=op.f('uq_staff_users_login'))
    )
    op.create_table('unit_lineage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('predecessor_id', sa.Integer(), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('continue', 'merge', 'split', 'rename', name='lineage_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('legal_basis', sa.String(length=255), nullable=True),
    sa.CheckConstraint('predecessor_id <> successor_id', name=op.f('ck_unit_lineage_not_self')),
    sa.ForeignKeyConstraint(['predecessor_id'], ['units.id'], name=op.f('fk_unit_lineage_predecessor_id_units')),
    sa.ForeignKeyConstraint(['successor_id'], ['units.id'], name=op.f('fk_unit_lineage_successor_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_lineage')),
    sa.UniqueConstraint('predecessor_id', 'successor_id', name='uq_unit_lineage_pair')
    )
    with op.batch_alter_table('unit_lineage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_lineage_predecessor_id'), ['predecessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_lineage_successor_id'), ['successor_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=255), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_audit_log_user_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_user_id'), ['user_id'], unique=False)

    op.create_table('survey_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='round_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sampling_design', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_survey_rounds_period')),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'], name=op.f('fk_survey_rounds_questionnaire_version_id_questionnaire_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_rounds')),
    sa.UniqueConstraint('code', name=op.f('uq_survey_rounds_code'))
    )
    with op.batch_alter_table('survey_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_rounds_questionnaire_version_id'), ['questionnaire_version_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.Column('used_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_invitations_round_id_survey_rounds')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_invitations_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_unit_id'), ['unit_id'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('counter', 'online', 'paper', 'phone', name='channel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('scores', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_responses_device_id_devices')),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'], name=op.f('fk_responses_questionnaire_version_id_questionnaire_versions')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_responses_round_id_survey_rounds')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_responses_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('uuid', name=op.f('uq_responses_uuid'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_responses_questionnaire_version_id'), ['questionnaire_version_id'], unique=False)
        batch_op.create_index('ix_responses_round_unit', ['round_id', 'unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_responses_unit_id'), ['unit_id'], unique=False)

    op.create_table('round_units',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_round_units_round_id_survey_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_round_units_unit_id_units')),
    sa.PrimaryKeyConstraint('round_id', 'unit_id', name=op.f('pk_round_units'))
    )

    _create_immutability_trigger()


_TRIGGER_MESSAGE = "published questionnaire versions are immutable"


def _create_immutability_trigger() -> None:
    """Refuse UPDATE of a published questionnaire version at the database level."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER questionnaire_versions_immutable "
            "BEFORE UPDATE ON questionnaire_versions "
            f"BEGIN SELECT RAISE(ABORT, '{_TRIGGER_MESSAGE}'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION questionnaire_versions_immutable() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{_TRIGGER_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER questionnaire_versions_immutable "
            "BEFORE UPDATE ON questionnaire_versions "
            "FOR EACH ROW EXECUTE FUNCTION questionnaire_versions_immutable()"
        )


def _drop_immutability_trigger() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP TRIGGER IF EXISTS questionnaire_versions_immutable" +
               (" ON questionnaire_versions" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS questionnaire_versions_immutable()")


def downgrade() -> None:
    _drop_immutability_trigger()

    op.drop_table('round_units')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_unit_id'))
        batch_op.drop_index('ix_responses_round_unit')
        batch_op.drop_index(batch_op.f('ix_responses_questionnaire_version_id'))
        batch_op.drop_index(batch_op.f('ix_responses_device_id'))

    op.drop_table('responses')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_unit_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_round_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('survey_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_rounds_questionnaire_version_id'))

    op.drop_table('survey_rounds')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('unit_lineage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_lineage_successor_id'))
        batch_op.drop_index(batch_op.f('ix_unit_lineage_predecessor_id'))

    op.drop_table('unit_lineage')
    op.drop_table('staff_users')
    with op.batch_alter_table('questionnaire_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_versions_questionnaire_id'))

    op.drop_table('questionnaire_versions')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_unit_id'))

    op.drop_table('devices')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))
        batch_op.drop_index(batch_op.f('ix_units_code'))

    op.drop_table('units')
    op.drop_table('questionnaires')

