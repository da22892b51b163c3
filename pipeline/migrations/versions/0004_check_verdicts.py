"""editors' verdicts on consistency checks (false alarms)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10 09:00:00
"""

from alembic import op
import sqlalchemy as sa



revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'check_verdicts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('check_id', sa.String(length=20), nullable=False),
        sa.Column('verdict', sa.String(length=20), nullable=False),
        sa.Column('by', sa.String(length=100), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('episode_id', 'check_id'),
    )


def downgrade() -> None:
    op.drop_table('check_verdicts')
