"""An episode's row inside a transaction, as every part of the store handles it: read
as the Episode model, locked, moved to another state by compare-and-set, noted in its
history. Episodes, scripts (approval) and check verdicts all change an episode, and
they do it through these, so the state rules live in one place."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from pipeline.errors import ConflictError, NotFoundError
from pipeline.models import Episode, EpisodeState, Source
from pipeline.store.rows import MAX_ID, EpisodeRow, ScriptRow, StateChangeRow, utcnow

# The states a script is approved from; edits are saved only in these too.
UNDER_REVIEW = (EpisodeState.SCRIPTED, EpisodeState.IN_REVIEW)


def episode_model(row: EpisodeRow, *, text: bool = True) -> Episode:
    return Episode(
        id=row.id,
        show=row.show,
        state=EpisodeState(row.state),
        source=Source(
            kind=row.source_kind,
            uri=row.source_uri,
            text=row.source_text if text else None,
            guid=row.source_guid,
        ),
        title=row.title,
        article_id=row.article_id,
        content_hash=row.content_hash,
        failed_stage=row.failed_stage,
        failure=row.failure,
        created_at=row.created_at,
        updated_at=row.updated_at,
        feed_guid=row.feed_guid,
        approved_version=row.approved_version,
        held_reason=row.held_reason,
        last_actor=row.last_actor,
    )


def read_episode(s: Session, episode_id: int) -> Episode:
    if not 0 < episode_id <= MAX_ID:  # the database would refuse it with an error
        raise NotFoundError(f"there is no episode {episode_id}")
    row = s.get(EpisodeRow, episode_id)
    if row is None:
        raise NotFoundError(f"there is no episode {episode_id}")
    return episode_model(row)


def episode_row(s: Session, episode_id: int) -> EpisodeRow:
    row = s.get(EpisodeRow, episode_id)
    if row is None:
        raise NotFoundError(f"there is no episode {episode_id}")
    return row


def locked_episode(s: Session, episode_id: int) -> EpisodeRow:
    """The episode's row, locked until the transaction ends (SELECT … FOR UPDATE on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the database's write lock)."""
    if not 0 < episode_id <= MAX_ID:
        raise NotFoundError(f"there is no episode {episode_id}")
    row = s.scalars(select(EpisodeRow).where(EpisodeRow.id == episode_id).with_for_update()).first()
    if row is None:
        raise NotFoundError(f"there is no episode {episode_id}")
    return row


def latest_version(episode_id: int) -> Select[Any]:
    """The number of the episode's newest script version (NULL before the first)."""
    return select(func.max(ScriptRow.version)).where(ScriptRow.episode_id == episode_id)


def set_state(
    s: Session,
    episode_id: int,
    expected: EpisodeState,
    to: EpisodeState,
    note: str = "",
    *,
    by: str | None = None,
    **values: Any,
) -> None:
    """Compare-and-set the state, so two workers can never both advance an episode.
    `by` names the editor who moved it; the pipeline's moves (None) leave the last
    editor's name in place, so the dashboard says who last acted on it."""
    values.setdefault("held_reason", None)  # a hold lasts until the episode moves on
    if by:
        values["last_actor"] = by
    if to == EpisodeState.PUBLISHED:
        # Its feed guid, given once at first publication, in the same transaction.
        values.setdefault("feed_guid", func.coalesce(EpisodeRow.feed_guid, str(uuid.uuid4())))
    result = s.execute(
        update(EpisodeRow)
        .where(EpisodeRow.id == episode_id, EpisodeRow.state == expected.value)
        .values(state=to.value, updated_at=utcnow(), **values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = s.scalar(select(EpisodeRow.state).where(EpisodeRow.id == episode_id))
        if current is None:
            raise NotFoundError(f"there is no episode {episode_id}")
        raise ConflictError(
            f"episode {episode_id} is {current}, not {expected.value}; nothing was changed"
        )
    if (
        to == EpisodeState.APPROVED
        and expected in UNDER_REVIEW
        and "approved_version" not in values
    ):
        # Approved without naming a version (the show's auto-approval): the latest, read
        # after the UPDATE above locked the episode, so no edit slips in between.
        s.execute(
            update(EpisodeRow)
            .where(EpisodeRow.id == episode_id)
            .values(approved_version=latest_version(episode_id).scalar_subquery())
        )
    s.add(
        StateChangeRow(
            episode_id=episode_id, from_state=expected.value, to_state=to.value, note=note
        )
    )


def add_note(s: Session, episode: EpisodeRow, note: str, *, by: str | None = None) -> None:
    """A line in the episode's history that leaves its state as it is; `by`, the editor
    who acted (None: the pipeline, which leaves the last editor's name in place)."""
    episode.updated_at = utcnow()
    if by:
        episode.last_actor = by
    s.add(
        StateChangeRow(
            episode_id=episode.id, from_state=episode.state, to_state=episode.state, note=note
        )
    )
