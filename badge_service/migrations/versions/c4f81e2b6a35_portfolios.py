"""portfolios: evidence items, their versions and competence tags

Revision ID: c4f81e2b6a35
Revises: a7e3c1d90b12
Create Date: 2026-12-08 01:10:00
"""
import sqlalchemy as sa
from alembic import op

import badge_service.db

# revision identifiers, used by Alembic.
revision = 'c4f81e2b6a35'
down_revision = 'a7e3c1d90b12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'portfolio_item',
        sa.Column('owner_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('created_at', badge_service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', badge_service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'],
                                name=op.f('fk_portfolio_item_owner_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_item')),
    )
    with op.batch_alter_table('portfolio_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_item_owner_id'), ['owner_id'],
                              unique=False)
    op.create_table(
        'portfolio_item_version',
        sa.Column('item_id', sa.Uuid(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.Column('body_html', sa.Text(), nullable=True),
        sa.Column('file_sha256', sa.String(length=64), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('file_type', sa.String(length=127), nullable=True),
        sa.Column('file_size', sa.BigInteger(), nullable=True),
        sa.Column('created_at', badge_service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('frozen_at', badge_service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['portfolio_item.id'],
                                name=op.f('fk_portfolio_item_version_item_id_portfolio_item'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_item_version')),
        sa.UniqueConstraint('item_id', 'number', name=op.f('uq_portfolio_item_version_item_id')),
    )
    with op.batch_alter_table('portfolio_item_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_item_version_item_id'), ['item_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_portfolio_item_version_file_sha256'),
                              ['file_sha256'], unique=False)
    op.create_table(
        'portfolio_tag',
        sa.Column('version_id', sa.Uuid(), nullable=False),
        sa.Column('framework_item_id', sa.Uuid(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['framework_item_id'], ['framework_item.id'],
                                name=op.f('fk_portfolio_tag_framework_item_id_framework_item')),
        sa.ForeignKeyConstraint(['version_id'], ['portfolio_item_version.id'],
                                name=op.f('fk_portfolio_tag_version_id_portfolio_item_version'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_tag')),
        sa.UniqueConstraint('version_id', 'framework_item_id',
                            name=op.f('uq_portfolio_tag_version_id')),
    )
    with op.batch_alter_table('portfolio_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_tag_version_id'), ['version_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_portfolio_tag_framework_item_id'),
                              ['framework_item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('portfolio_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_tag_framework_item_id'))
        batch_op.drop_index(batch_op.f('ix_portfolio_tag_version_id'))
    op.drop_table('portfolio_tag')
    with op.batch_alter_table('portfolio_item_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_item_version_file_sha256'))
        batch_op.drop_index(batch_op.f('ix_portfolio_item_version_item_id'))
    op.drop_table('portfolio_item_version')
    with op.batch_alter_table('portfolio_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_item_owner_id'))
    op.drop_table('portfolio_item')
