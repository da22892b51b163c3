"""a running stage's progress (items done of total) and who acted last on an episode

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('stage_heartbeats', sa.Column('done', sa.Integer(), nullable=True))
    op.add_column('stage_heartbeats', sa.Column('total', sa.Integer(), nullable=True))
    op.add_column('episodes', sa.Column('last_actor', sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column('episodes', 'last_actor')
    op.drop_column('stage_heartbeats', 'total')
    op.drop_column('stage_heartbeats', 'done')
