"""audit trail: an append-only record of every consequential act

Revision ID: a7e3c1d90b12
Revises: 5d2a9c71e4b3
Create Date: 2026-12-08 01:00:00

No foreign keys (history outlives the programmes, organisations and accounts it names), and
triggers that refuse UPDATE and DELETE of its rows in the database itself (plpgsql on
PostgreSQL, also TRUNCATE; RAISE(ABORT) on SQLite), so even SQL sent by the service cannot
edit it. The ORM refuses it first, with a clear error (badge_service/audit/models.py).
Downgrading drops the table and its history with it.
"""
import sqlalchemy as sa
from alembic import op

import badge_service.db

# revision identifiers, used by Alembic.
revision = 'a7e3c1d90b12'
down_revision = '5d2a9c71e4b3'
branch_labels = None
depends_on = None

MESSAGE = 'the audit trail is append-only: its entries cannot be changed or deleted'

POSTGRESQL_UP = [
    f"""
    CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
    """,
    """
    CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
    """,
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
    "DROP FUNCTION IF EXISTS audit_entry_append_only()",
]
SQLITE_UP = [
    f"""
    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
]


def _statements(postgresql, sqlite):
    dialect = op.get_bind().dialect.name
    return {'postgresql': postgresql, 'sqlite': sqlite}.get(dialect, [])


def upgrade():
    op.create_table(
        'audit_entry',
        sa.Column('at', badge_service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Uuid(), nullable=True),
        sa.Column('actor_label', sa.String(length=320), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('subject_type', sa.String(length=64), nullable=False),
        sa.Column('subject_id', sa.String(length=200), nullable=False),
        sa.Column('organisation_id', sa.Uuid(), nullable=True),
        sa.Column('programme_id', sa.Uuid(), nullable=True),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_organisation_id'), ['organisation_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_programme_id'), ['programme_id'],
                              unique=False)
    for statement in _statements(POSTGRESQL_UP, SQLITE_UP):
        op.execute(statement)


def downgrade():
    for statement in _statements(POSTGRESQL_DOWN, SQLITE_DOWN):
        op.execute(statement)
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_programme_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))

    op.drop_table('audit_entry')
