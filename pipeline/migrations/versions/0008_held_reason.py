"""why an episode is held (QA held its publishing): data, not a history-note prefix

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Until now a hold was only read from history: the last note "publish held: <reason>"
# since the episode arrived annotated or, with none, the note of its unpublishing.
_HELD = 'publish held: '


def upgrade() -> None:
    op.add_column('episodes', sa.Column('held_reason', sa.Text(), nullable=True))
    episodes = sa.table(
        'episodes',
        sa.column('id', sa.Integer),
        sa.column('state', sa.String),
        sa.column('held_reason', sa.Text),
    )
    changes = sa.table(
        'state_changes',
        sa.column('id', sa.Integer),
        sa.column('episode_id', sa.Integer),
        sa.column('from_state', sa.String),
        sa.column('to_state', sa.String),
        sa.column('note', sa.Text),
    )
    conn = op.get_bind()
    waiting = list(conn.scalars(sa.select(episodes.c.id).where(episodes.c.state == 'annotated')))
    for episode_id in waiting:
        arrival = conn.execute(
            sa.select(changes.c.id, changes.c.from_state, changes.c.note)
            .where(
                changes.c.episode_id == episode_id,
                changes.c.to_state == 'annotated',
                changes.c.from_state.is_distinct_from('annotated'),
            )
            .order_by(changes.c.id.desc())
            .limit(1)
        ).first()
        hold = conn.scalar(
            sa.select(changes.c.note)
            .where(
                changes.c.episode_id == episode_id,
                changes.c.id >= (arrival.id if arrival else 0),
                changes.c.note.startswith(_HELD, autoescape=True),
            )
            .order_by(changes.c.id.desc())
            .limit(1)
        )
        if hold is not None:
            reason = hold.removeprefix(_HELD)
        elif arrival is not None and arrival.from_state == 'published':
            reason = arrival.note  # "unpublished by …"
        else:
            continue
        op.execute(
            episodes.update().where(episodes.c.id == episode_id).values(held_reason=reason)
        )


def downgrade() -> None:
    # The history notes stay, so nothing is lost going down.
    with op.batch_alter_table('episodes') as batch:
        batch.drop_column('held_reason')
