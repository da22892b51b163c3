"""sign-in attempts shared across processes; feed item guids

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:35:00

Episodes that had been published before this migration keep the guid their feed
already gave them (`infracast:<show>:<id>`): podcast apps that downloaded them know
them by it, and a new one would show them again as new episodes. Every other
episode gets a random uuid4 at its first publication.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sign_in_attempts_client', 'sign_in_attempts', ['client'])
    op.create_index('ix_sign_in_attempts_name', 'sign_in_attempts', ['name'])
    op.create_index('ix_sign_in_attempts_at', 'sign_in_attempts', ['at'])

    op.add_column('episodes', sa.Column('feed_guid', sa.String(length=200), nullable=True))
    op.create_index('ix_episodes_feed_guid', 'episodes', ['feed_guid'], unique=True)
    episodes = sa.table(
        'episodes', sa.column('id', sa.Integer()), sa.column('show', sa.String()),
        sa.column('feed_guid', sa.String()),
    )
    changes = sa.table(
        'state_changes', sa.column('episode_id', sa.Integer()), sa.column('to_state', sa.String())
    )
    conn = op.get_bind()
    published = conn.execute(
        sa.select(episodes.c.id, episodes.c.show)
        .where(episodes.c.id.in_(
            sa.select(changes.c.episode_id).where(changes.c.to_state == 'published')
        ))
    ).all()
    for episode_id, show in published:
        conn.execute(
            episodes.update()
            .where(episodes.c.id == episode_id)
            .values(feed_guid=f'infracast:{show}:{episode_id}')
        )


def downgrade() -> None:
    op.drop_index('ix_episodes_feed_guid', table_name='episodes')
    with op.batch_alter_table('episodes') as batch:
        batch.drop_column('feed_guid')
    op.drop_index('ix_sign_in_attempts_at', table_name='sign_in_attempts')
    op.drop_index('ix_sign_in_attempts_name', table_name='sign_in_attempts')
    op.drop_index('ix_sign_in_attempts_client', table_name='sign_in_attempts')
    op.drop_table('sign_in_attempts')
