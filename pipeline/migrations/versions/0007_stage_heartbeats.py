"""stage heartbeats: one row per running stage, beaten while it runs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:35:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stage_heartbeats',
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('runner', sa.String(length=32), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('episode_id'),
    )
    op.create_index(
        'ix_stage_heartbeats_beat_at', 'stage_heartbeats', ['beat_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_stage_heartbeats_beat_at', table_name='stage_heartbeats')
    op.drop_table('stage_heartbeats')
