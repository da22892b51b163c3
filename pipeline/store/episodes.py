"""The store, and the aggregate it answers for itself: episodes, their state moves and
history, holds, stage runs and their outputs, files, heartbeats of running stages, and
the articles episodes are made from. Nearly every caller works on episodes, so these
are `store.<method>`; scripts and accounts are its parts `store.scripts` and
`store.accounts`, all over the one session factory opened here.

SQLAlchemy 2 over SQLite (WAL, the default) or PostgreSQL (by URL). The schema is owned
by the Alembic migrations in pipeline/migrations; `Store` runs them on open. Methods
return the plain models of pipeline.models, never ORM rows, so nothing outside this
package touches a session.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import NotFoundError, TransientError
from pipeline.figures.models import AuditFinding
from pipeline.models import (
    Article,
    Episode,
    EpisodeState,
    RunningStage,
    Script,
    Source,
    StateChange,
    StoredFile,
)
from pipeline.store.accounts import Accounts
from pipeline.store.engine import make_engine, migrate
from pipeline.store.episode_query import EpisodePage, EpisodeQuery, find, latest_notes
from pipeline.store.episode_rows import (
    add_note,
    episode_model,
    episode_row,
    read_episode,
    set_state,
)
from pipeline.store.rows import (
    ArticleRow,
    EpisodeRow,
    FileRow,
    HeartbeatRow,
    StageRunRow,
    StateChangeRow,
    utcnow,
)
from pipeline.store.scripts import Scripts, add_version


class Store:
    """Repository over the database named by a URL, plus the data root for files; scripts
    and accounts are its parts `scripts` and `accounts`."""

    def __init__(self, url: str, data_root: Path) -> None:
        self.url = url
        self.data_root = data_root
        self.engine = make_engine(url)
        try:
            migrate(self.engine)
        except OperationalError as e:
            raise TransientError(
                f"cannot open the database at {self.engine.url!r}: {e.orig}"
            ) from e
        # The one session factory: the parts below open their transactions from it too.
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.scripts = Scripts(self._sessions)
        self.accounts = Accounts(self._sessions)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # -- episodes ---------------------------------------------------------

    def create_episode(
        self,
        show: str,
        source: Source,
        *,
        title: str | None = None,
        content_hash: str | None = None,
    ) -> Episode:
        with self.session() as s:
            row = EpisodeRow(
                show=show,
                state=EpisodeState.QUEUED.value,
                source_kind=source.kind,
                source_uri=source.uri,
                source_text=source.text,
                source_guid=source.guid,
                title=title,
                content_hash=content_hash,
            )
            s.add(row)
            s.flush()
            s.add(StateChangeRow(episode_id=row.id, from_state=None, to_state=row.state))
            return episode_model(row)

    def episode(self, episode_id: int) -> Episode:
        with self.session() as s:
            return read_episode(s, episode_id)

    def episodes(
        self, *, state: EpisodeState | None = None, show: str | None = None
    ) -> list[Episode]:
        query = _episode_filter(select(EpisodeRow), state, show).order_by(EpisodeRow.id)
        with self.session() as s:
            return [episode_model(r) for r in s.scalars(query)]

    def episode_page(
        self,
        *,
        limit: int,
        offset: int = 0,
        state: EpisodeState | None = None,
        show: str | None = None,
        state_order: Sequence[EpisodeState] | None = None,
    ) -> tuple[list[Episode], dict[EpisodeState, int]]:
        """One page of episodes by id (or, with `state_order`, in those states' order and
        newest first within each), and how many match in each state (of `state`, if
        given). The article text is left out, as `find_episodes` leaves it out."""
        found = self.find_episodes(
            EpisodeQuery(
                states=(state,) if state is not None else (),
                show=show,
                sort="id" if state_order is None else "state",
                state_order=tuple(state_order or ()),
                limit=limit,
                offset=offset,
            )
        )
        counts = {st: n for st, n in found.counts.items() if state is None or st == state}
        return found.episodes, counts

    def find_episodes(self, query: EpisodeQuery) -> EpisodePage:
        """A page of the episodes `query` searches for, with how many match in all and in
        each state; searched, filtered, sorted and paged in SQL, without article text."""
        with self.session() as s:  # one transaction: the counts agree with the page
            return find(s, query)

    def latest_notes(self, episode_ids: Sequence[int], prefix: str) -> dict[int, StateChange]:
        """Each episode's latest history note starting with `prefix` since it came into
        its present state (a request for changes while in review, say)."""
        with self.session() as s:
            return latest_notes(s, episode_ids, prefix)

    def find_duplicate(
        self,
        show: str,
        *,
        content_hash: str | None = None,
        uri: str | None = None,
        guid: str | None = None,
        exclude: int | None = None,
    ) -> Episode | None:
        """An episode of `show` with the same article, URL or feed guid, if one exists."""
        tests = []
        if content_hash:
            tests.append(EpisodeRow.content_hash == content_hash)
        if uri:
            tests.append((EpisodeRow.source_kind == "url") & (EpisodeRow.source_uri == uri))
        if guid:
            tests.append(EpisodeRow.source_guid == guid)
        if not tests:
            return None
        query = (
            select(EpisodeRow).where(EpisodeRow.show == show, or_(*tests)).order_by(EpisodeRow.id)
        )
        if exclude is not None:
            query = query.where(EpisodeRow.id != exclude)
        with self.session() as s:
            row = s.scalars(query.limit(1)).first()
            return episode_model(row) if row else None

    def history(self, episode_id: int) -> list[StateChange]:
        query = (
            select(StateChangeRow)
            .where(StateChangeRow.episode_id == episode_id)
            .order_by(StateChangeRow.id)
        )
        with self.session() as s:
            return [
                StateChange(
                    from_state=EpisodeState(r.from_state) if r.from_state else None,
                    to_state=EpisodeState(r.to_state),
                    at=r.at,
                    note=r.note,
                )
                for r in s.scalars(query)
            ]

    def first_entered(self, state: EpisodeState, show: str) -> dict[int, datetime]:
        """When each of the show's episodes first entered `state` (never forgotten, so a
        published episode keeps its first publication date however often it is republished)."""
        query = (
            select(StateChangeRow.episode_id, func.min(StateChangeRow.at))
            .join(EpisodeRow, EpisodeRow.id == StateChangeRow.episode_id)
            .where(
                EpisodeRow.show == show,
                StateChangeRow.to_state == state.value,
                StateChangeRow.from_state != state.value,
            )
            .group_by(StateChangeRow.episode_id)
        )
        with self.session() as s:
            return {episode_id: at for episode_id, at in s.execute(query)}

    def move(
        self,
        episode_id: int,
        expected: EpisodeState,
        to: EpisodeState,
        note: str = "",
        *,
        held: str | None = None,
        by: str | None = None,
    ) -> Episode:
        """Compare-and-set the state; `held` says why the episode now waits (it lasts
        until the next change of state); `by`, the editor who moved it (None: the
        pipeline)."""
        with self.session() as s:
            set_state(
                s,
                episode_id,
                expected,
                to,
                note,
                by=by,
                failed_stage=None,
                failure=None,
                held_reason=held,
            )
        return self.episode(episode_id)

    def fail(self, episode_id: int, stage: str, message: str) -> Episode:
        """Mark an episode failed at `stage`, whatever state it is in."""
        with self.session() as s:
            row = s.get(EpisodeRow, episode_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"there is no episode {episode_id}")
            if row.state != EpisodeState.FAILED.value:
                set_state(
                    s,
                    episode_id,
                    EpisodeState(row.state),
                    EpisodeState.FAILED,
                    note=f"{stage}: {message}",
                    failed_stage=stage,
                    failure=message,
                )
        return self.episode(episode_id)

    def touch(self, episode_id: int, note: str, *, by: str | None = None) -> None:
        """Record that something happened to an episode without changing its state (done
        by the editor `by`, or by the pipeline)."""
        with self.session() as s:
            add_note(s, episode_row(s, episode_id), note, by=by)

    def hold(self, episode_id: int, reason: str, *, by: str | None = None) -> Episode:
        """Record why the episode waits instead of being published, with a note in its
        history; the reason stays until the episode changes state."""
        with self.session() as s:
            row = episode_row(s, episode_id)
            row.held_reason = reason
            add_note(s, row, f"publish held: {reason}", by=by)
            return episode_model(row)

    def stale(self, states: list[EpisodeState], older_than: timedelta) -> list[Episode]:
        cutoff = utcnow() - older_than
        query = (
            select(EpisodeRow)
            .where(
                EpisodeRow.state.in_([st.value for st in states]), EpisodeRow.updated_at <= cutoff
            )
            .order_by(EpisodeRow.id)
        )
        with self.session() as s:
            return [episode_model(r) for r in s.scalars(query)]

    # -- heartbeats of running stages ------------------------------------------

    def start_heartbeat(self, episode_id: int, stage: str, runner: str) -> None:
        """Record that `runner` has started `stage` for the episode (replacing a dead run's row)."""
        with self.session() as s:
            row = s.get(HeartbeatRow, episode_id)
            if row is None:
                row = HeartbeatRow(episode_id=episode_id)
                s.add(row)
            now = utcnow()
            row.stage, row.runner, row.started_at, row.beat_at = stage, runner, now, now

    def beat(self, episode_id: int, runner: str) -> None:
        with self.session() as s:
            s.execute(
                update(HeartbeatRow)
                .where(HeartbeatRow.episode_id == episode_id, HeartbeatRow.runner == runner)
                .values(beat_at=utcnow())
            )

    def end_heartbeat(self, episode_id: int, runner: str | None = None) -> None:
        """Forget the episode's running stage: the one `runner` ran, or whichever (None)."""
        query = delete(HeartbeatRow).where(HeartbeatRow.episode_id == episode_id)
        if runner is not None:
            query = query.where(HeartbeatRow.runner == runner)
        with self.session() as s:
            s.execute(query)

    def report_progress(self, episode_id: int, runner: str, done: int, total: int) -> None:
        """How much of its work the running stage has done (lines rendered, heard)."""
        with self.session() as s:
            s.execute(
                update(HeartbeatRow)
                .where(HeartbeatRow.episode_id == episode_id, HeartbeatRow.runner == runner)
                .values(done=done, total=total, beat_at=utcnow())
            )

    def count_part_done(self, episode_id: int, runner: str) -> None:
        """One more of a fanned-out stage's parts is done (parts finish on many workers at
        once: the count is added to in the database, never read and written back)."""
        with self.session() as s:
            s.execute(
                update(HeartbeatRow)
                .where(HeartbeatRow.episode_id == episode_id, HeartbeatRow.runner == runner)
                .values(done=func.coalesce(HeartbeatRow.done, 0) + 1, beat_at=utcnow())
            )

    def running(self, episode_ids: Sequence[int] | None = None) -> dict[int, RunningStage]:
        """The stages running now (of `episode_ids`, or all): what each has done so far."""
        query = select(HeartbeatRow)
        if episode_ids is not None:
            query = query.where(HeartbeatRow.episode_id.in_(list(episode_ids)))
        with self.session() as s:
            return {
                r.episode_id: RunningStage(
                    stage=r.stage,
                    runner=r.runner,
                    started_at=r.started_at,
                    beat_at=r.beat_at,
                    done=r.done,
                    total=r.total,
                )
                for r in s.scalars(query)
            }

    def count_by_state(self) -> dict[EpisodeState, int]:
        query = select(EpisodeRow.state, func.count()).group_by(EpisodeRow.state)
        with self.session() as s:
            return {EpisodeState(state): n for state, n in s.execute(query)}

    # -- stage outputs ----------------------------------------------------

    def stage_output(self, episode_id: int, stage: str, input_hash: str) -> dict[str, Any] | None:
        query = select(StageRunRow.output).where(
            StageRunRow.episode_id == episode_id,
            StageRunRow.stage == stage,
            StageRunRow.input_hash == input_hash,
        )
        with self.session() as s:
            return s.scalar(query)

    def stage_output_latest(self, episode_id: int, stage: str) -> dict[str, Any] | None:
        """What the stage's most recent run recorded (durations, loudness, WER …)."""
        query = (
            select(StageRunRow.output)
            .where(StageRunRow.episode_id == episode_id, StageRunRow.stage == stage)
            .order_by(StageRunRow.id.desc())
            .limit(1)
        )
        with self.session() as s:
            return s.scalar(query)

    def stage_run_count(self, episode_id: int | None = None, stage: str | None = None) -> int:
        query = select(func.count()).select_from(StageRunRow)
        if episode_id is not None:
            query = query.where(StageRunRow.episode_id == episode_id)
        if stage is not None:
            query = query.where(StageRunRow.stage == stage)
        with self.session() as s:
            return s.scalar(query) or 0

    def complete_stage(
        self,
        episode_id: int,
        stage: str,
        input_hash: str,
        output: dict[str, Any],
        expected: EpisodeState,
        to: EpisodeState,
        *,
        article: Article | None = None,
        script: tuple[Script, list[AuditFinding]] | None = None,
        files: list[StoredFile] = (),  # type: ignore[assignment]
    ) -> Episode:
        """Record a stage's outputs and advance the episode, all in one transaction.

        If another worker finished the same stage first, the state check fails,
        the transaction rolls back and a ConflictError says so: one set of outputs.
        """
        with self.session() as s:
            values: dict[str, Any] = {"failed_stage": None, "failure": None}
            if article is not None:
                values |= {
                    "article_id": self._article_id(s, article),
                    "title": article.title,
                    "content_hash": article.content_hash,
                }
            set_state(s, episode_id, expected, to, note=stage, **values)
            s.add(
                StageRunRow(
                    episode_id=episode_id, stage=stage, input_hash=input_hash, output=output
                )
            )
            for f in files:
                s.merge(self._file_row(s, episode_id, f))
            if script is not None:
                add_version(s, episode_id, *script, author=stage, comment="", base_version=None)
        return self.episode(episode_id)

    def _file_row(self, s: Session, episode_id: int, f: StoredFile) -> FileRow:
        existing = s.scalars(
            select(FileRow).where(FileRow.episode_id == episode_id, FileRow.path == f.path)
        ).first()
        row = existing or FileRow(episode_id=episode_id, path=f.path)
        row.stage, row.content_hash, row.size = f.stage, f.content_hash, f.size
        return row

    def files(self, episode_id: int) -> list[StoredFile]:
        query = select(FileRow).where(FileRow.episode_id == episode_id).order_by(FileRow.id)
        with self.session() as s:
            return [
                StoredFile(stage=r.stage, path=r.path, content_hash=r.content_hash, size=r.size)
                for r in s.scalars(query)
            ]

    def episode_dir(self, episode_id: int) -> Path:
        return self.data_root / f"{episode_id:06d}"

    # -- articles ---------------------------------------------------------

    def _article_id(self, s: Session, article: Article) -> int:
        query = select(ArticleRow.id).where(ArticleRow.content_hash == article.content_hash)
        found = s.scalar(query)
        if found is not None:
            return found
        row = ArticleRow(
            content_hash=article.content_hash,
            title=article.title,
            source=article.source,
            body=json.loads(article.model_dump_json()),
            word_count=article.word_count,
        )
        try:
            with s.begin_nested():
                s.add(row)
        except IntegrityError:
            # Another episode stored the same article a moment ago.
            return s.scalar(query)  # type: ignore[return-value]
        return row.id

    def article(self, article_id: int) -> Article:
        with self.session() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise NotFoundError(f"there is no article {article_id}")
            return Article.model_validate(row.body)

    def article_count(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(ArticleRow)) or 0


def _episode_filter(
    query: Select[*tuple[Any, ...]], state: EpisodeState | None, show: str | None
) -> Select[*tuple[Any, ...]]:
    if state is not None:
        query = query.where(EpisodeRow.state == state.value)
    if show is not None:
        query = query.where(EpisodeRow.show == show)
    return query


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
