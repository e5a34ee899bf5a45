"""login sessions: logging out ends a session on the server (copied cookies stop working)

Revision ID: 5d2a9c71e4b3
Revises: bc166157ab67
Create Date: 2026-12-07 02:15:00

Session cookies issued before this revision carry no login session, so everyone logs in again
once after the upgrade.
"""
import sqlalchemy as sa
from alembic import op

import badge_service.db

# revision identifiers, used by Alembic.
revision = '5d2a9c71e4b3'
down_revision = 'bc166157ab67'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_session',
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', badge_service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', badge_service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_login_session_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash')),
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_last_seen_at'), ['last_seen_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_session_last_seen_at'))

    op.drop_table('login_session')
