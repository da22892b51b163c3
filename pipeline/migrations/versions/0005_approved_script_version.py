"""approval names the script version it approves

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:35:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Episodes approved before this revision: their latest version is the one that was approved
# (edits were refused once approved), and the audio stages go on with it.
_PAST_APPROVAL = ('approved', 'rendered', 'transcribed', 'annotated', 'published')
_AUDIO_STAGES = ('render', 'transcribe', 'annotate', 'publish')


def upgrade() -> None:
    op.add_column('episodes', sa.Column('approved_version', sa.Integer(), nullable=True))
    episodes = sa.table(
        'episodes',
        sa.column('id', sa.Integer),
        sa.column('state', sa.String),
        sa.column('failed_stage', sa.String),
        sa.column('approved_version', sa.Integer),
    )
    scripts = sa.table('scripts', sa.column('episode_id', sa.Integer), sa.column('version', sa.Integer))
    latest = (
        sa.select(sa.func.max(scripts.c.version))
        .where(scripts.c.episode_id == episodes.c.id)
        .scalar_subquery()
    )
    op.execute(
        episodes.update()
        .where(
            sa.or_(
                episodes.c.state.in_(_PAST_APPROVAL),
                sa.and_(episodes.c.state == 'failed', episodes.c.failed_stage.in_(_AUDIO_STAGES)),
            )
        )
        .values(approved_version=latest)
    )


def downgrade() -> None:
    with op.batch_alter_table('episodes') as batch:
        batch.drop_column('approved_version')
