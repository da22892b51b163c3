"""The episode store: the source of truth for every episode's state.

SQLAlchemy 2 over SQLite (WAL, the default) or PostgreSQL (by URL). The
schema is owned by the Alembic migrations in pipeline/migrations; `Store`
runs them on open. Methods return the plain models of pipeline.models,
never ORM rows, so nothing outside this module touches a session.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    case,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    defer,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

from pipeline.errors import ConflictError, NotFoundError, TransientError
from pipeline.figures.models import AuditFinding
from pipeline.models import (
    Article,
    CheckVerdict,
    Episode,
    EpisodeState,
    Script,
    ScriptVersion,
    Source,
    StateChange,
    StoredFile,
    User,
)

# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger id names no row.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    body: Mapped[dict[str, Any]]
    word_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EpisodeRow(Base):
    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    show: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    source_kind: Mapped[str] = mapped_column(String(20))
    source_uri: Mapped[str] = mapped_column(Text)
    source_text: Mapped[str | None] = mapped_column(Text)
    source_guid: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    failed_stage: Mapped[str | None] = mapped_column(String(40))
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The script version an editor (or the show's auto-approval) approved: what the audio
    # stages say, whatever is saved after it.
    approved_version: Mapped[int | None] = mapped_column(Integer)
    # The feed item's guid: a uuid4 given at first publication and never changed (episodes
    # published before migration 0006 keep the guid their subscribers already have).
    feed_guid: Mapped[str | None] = mapped_column(String(200), index=True, unique=True)


class StateChangeRow(Base):
    __tablename__ = "state_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptRow(Base):
    __tablename__ = "scripts"
    __table_args__ = (UniqueConstraint("episode_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]]
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    author: Mapped[str] = mapped_column(String(100), default="pipeline")
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StageRunRow(Base):
    """One completed stage run, keyed by the hash of its inputs."""

    __tablename__ = "stage_runs"
    __table_args__ = (UniqueConstraint("episode_id", "stage", "input_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))
    input_hash: Mapped[str] = mapped_column(String(64))
    output: Mapped[dict[str, Any]]
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)


class HeartbeatRow(Base):
    """A stage running now: its runner writes `beat_at` every few seconds and deletes the
    row when the stage ends, so a row whose beat is old is a run whose worker died."""

    __tablename__ = "stage_heartbeats"

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(40))
    runner: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CheckVerdictRow(Base):
    """An editor's verdict on one consistency check of an episode ("false_alarm").
    Undoing it deletes the row; the episode's history keeps both events."""

    __tablename__ = "check_verdicts"
    __table_args__ = (UniqueConstraint("episode_id", "check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    check_id: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class FileRow(Base):
    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("episode_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserRow(Base):
    """An editor who signs in to the web app. Only the argon2 hash of the password is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionRow(Base):
    """A signed-in browser. The cookie holds a random token; only its sha256 is kept, so a
    leaked database signs nobody in. Revoked by deleting the row (logout)."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class ApiTokenRow(Base):
    """A bearer token for API clients, kept as its sha256."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignInAttemptRow(Base):
    """A sign-in attempt, recorded before its password is checked and deleted if it
    succeeds: what is left in the window are the failures (and attempts still checking)."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL lets readers run beside one writer; BEGIN IMMEDIATE makes writers queue
    on the busy timeout instead of failing when two transactions try to upgrade."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


POOL_SIZE = 20


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    # The web server runs each request in a thread pool of up to 40; with SQLAlchemy's
    # default of 5 pooled connections most requests opened a connection and closed it
    # again (a new PostgreSQL backend each time). Keep enough open for the threads.
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_SIZE)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Workers starting together on a fresh database must not race the migration.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727001)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# The states a script is approved from; edits are saved only in these too.
_UNDER_REVIEW = (EpisodeState.SCRIPTED, EpisodeState.IN_REVIEW)


def _latest_version(episode_id: int) -> Select[Any]:
    return select(func.max(ScriptRow.version)).where(ScriptRow.episode_id == episode_id)


def _episode(row: EpisodeRow, *, text: bool = True) -> Episode:
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
    )



def _episode_filter(
    query: Select[*tuple[Any, ...]], state: EpisodeState | None, show: str | None
) -> Select[*tuple[Any, ...]]:
    if state is not None:
        query = query.where(EpisodeRow.state == state.value)
    if show is not None:
        query = query.where(EpisodeRow.show == show)
    return query


def _script_version(row: ScriptRow) -> ScriptVersion:
    return ScriptVersion(
        version=row.version,
        script=Script.model_validate(row.body),
        findings=[AuditFinding.model_validate(f) for f in row.findings],
        author=row.author,
        comment=row.comment,
        created_at=row.created_at,
    )


def _verdict(row: CheckVerdictRow) -> CheckVerdict:
    return CheckVerdict(
        episode_id=row.episode_id,
        check_id=row.check_id,
        verdict=row.verdict,
        by=row.by,
        at=row.at,
        comment=row.comment,
        note=row.note,
    )


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Store:
    """Repository over the database named by a URL, plus the data root for files."""

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
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

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
            return _episode(row)

    def episode(self, episode_id: int) -> Episode:
        if not 0 < episode_id <= MAX_ID:  # the database would refuse it with an error
            raise NotFoundError(f"there is no episode {episode_id}")
        with self.session() as s:
            row = s.get(EpisodeRow, episode_id)
            if row is None:
                raise NotFoundError(f"there is no episode {episode_id}")
            return _episode(row)

    def episodes(
        self, *, state: EpisodeState | None = None, show: str | None = None
    ) -> list[Episode]:
        query = _episode_filter(select(EpisodeRow), state, show).order_by(EpisodeRow.id)
        with self.session() as s:
            return [_episode(r) for r in s.scalars(query)]

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
        newest first within each), and how many match in each state. The article text is
        left out: lists never show it, and a thousand articles made each list megabytes."""
        query = _episode_filter(select(EpisodeRow), state, show).offset(offset).limit(limit)
        if state_order is None:
            query = query.order_by(EpisodeRow.id)
        else:
            rank = case({s.value: n for n, s in enumerate(state_order)},
                        value=EpisodeRow.state, else_=len(state_order))
            query = query.order_by(rank, EpisodeRow.id.desc())
        query = query.options(defer(EpisodeRow.source_text, raiseload=True))
        counting = _episode_filter(
            select(EpisodeRow.state, func.count()).group_by(EpisodeRow.state), state, show
        )
        with self.session() as s:  # one transaction: the counts agree with the page
            page = [_episode(r, text=False) for r in s.scalars(query)]
            counts = {EpisodeState(st): n for st, n in s.execute(counting)}
        return page, counts

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
            return _episode(row) if row else None

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

    def _move(
        self,
        s: Session,
        episode_id: int,
        expected: EpisodeState,
        to: EpisodeState,
        note: str = "",
        **values: Any,
    ) -> None:
        """Compare-and-set the state, so two workers can never both advance an episode."""
        if to == EpisodeState.PUBLISHED:
            # Its feed guid, given once at first publication, in the same transaction.
            values.setdefault(
                "feed_guid", func.coalesce(EpisodeRow.feed_guid, str(uuid.uuid4()))
            )
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
            and expected in _UNDER_REVIEW
            and "approved_version" not in values
        ):
            # Approved without naming a version (the show's auto-approval): the latest, read
            # after the UPDATE above locked the episode, so no edit slips in between.
            s.execute(
                update(EpisodeRow)
                .where(EpisodeRow.id == episode_id)
                .values(approved_version=_latest_version(episode_id).scalar_subquery())
            )
        s.add(
            StateChangeRow(
                episode_id=episode_id, from_state=expected.value, to_state=to.value, note=note
            )
        )

    def move(
        self, episode_id: int, expected: EpisodeState, to: EpisodeState, note: str = ""
    ) -> Episode:
        with self.session() as s:
            self._move(s, episode_id, expected, to, note, failed_stage=None, failure=None)
        return self.episode(episode_id)

    def fail(self, episode_id: int, stage: str, message: str) -> Episode:
        """Mark an episode failed at `stage`, whatever state it is in."""
        with self.session() as s:
            row = s.get(EpisodeRow, episode_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"there is no episode {episode_id}")
            if row.state != EpisodeState.FAILED.value:
                self._move(
                    s,
                    episode_id,
                    EpisodeState(row.state),
                    EpisodeState.FAILED,
                    note=f"{stage}: {message}",
                    failed_stage=stage,
                    failure=message,
                )
        return self.episode(episode_id)

    def touch(self, episode_id: int, note: str) -> None:
        """Record that something happened to an episode without changing its state."""
        with self.session() as s:
            row = s.get(EpisodeRow, episode_id)
            if row is None:
                raise NotFoundError(f"there is no episode {episode_id}")
            self._note(s, row, note)

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
            return [_episode(r) for r in s.scalars(query)]

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

    def heartbeats(self) -> dict[int, tuple[str, datetime]]:
        """Each episode with a running stage: the stage and its last heartbeat."""
        with self.session() as s:
            return {r.episode_id: (r.stage, r.beat_at) for r in s.scalars(select(HeartbeatRow))}

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
            self._move(s, episode_id, expected, to, note=stage, **values)
            s.add(
                StageRunRow(
                    episode_id=episode_id, stage=stage, input_hash=input_hash, output=output
                )
            )
            for f in files:
                s.merge(self._file_row(s, episode_id, f))
            if script is not None:
                self._add_script(
                    s, episode_id, *script, author=stage, comment="", base_version=None
                )
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

    # -- scripts ----------------------------------------------------------

    def save_script(
        self,
        episode_id: int,
        script: Script,
        findings: list[AuditFinding],
        *,
        author: str,
        comment: str = "",
        base_version: int | None = None,
        states: Collection[EpisodeState] | None = None,
    ) -> ScriptVersion:
        """Save a new version. With `base_version`, refuse if someone saved a newer one since;
        with `states`, refuse unless the episode is in one of them (ConflictError for both).

        Compare-and-set in one transaction, the episode locked first: an approval or another
        save at the same moment waits for this one, then finds the version it made."""
        try:
            with self.session() as s:
                row = self._locked_episode(s, episode_id)
                if states is not None and row.state not in {st.value for st in states}:
                    allowed = " or ".join(st.value.replace("_", " ") for st in states)
                    raise ConflictError(
                        f"episode {episode_id} is {row.state}: scripts can be edited while "
                        f"they are {allowed}"
                    )
                saved = self._add_script(
                    s, episode_id, script, findings, author, comment, base_version
                )
                return _script_version(saved)
        except IntegrityError:
            # Another save took the same version number first (kept as a guard: the lock
            # above makes saves wait for each other).
            raise ConflictError(
                f"someone saved a new version of episode {episode_id}'s script at the same "
                "moment; reload it and make your edit again"
            ) from None

    def _locked_episode(self, s: Session, episode_id: int) -> EpisodeRow:
        """The episode's row, locked until the transaction ends (SELECT … FOR UPDATE on
        PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the database's write lock)."""
        if not 0 < episode_id <= MAX_ID:
            raise NotFoundError(f"there is no episode {episode_id}")
        row = s.scalars(
            select(EpisodeRow).where(EpisodeRow.id == episode_id).with_for_update()
        ).first()
        if row is None:
            raise NotFoundError(f"there is no episode {episode_id}")
        return row

    def approve(self, episode_id: int, version: int | None, who: str) -> Episode:
        """Approve script `version` (None: the latest) of an episode in review, in one
        transaction with the episode locked: refused (ConflictError) when the episode is not
        in review or `version` is no longer the latest, so no edit can land after it."""
        with self.session() as s:
            row = self._locked_episode(s, episode_id)
            if row.state != EpisodeState.IN_REVIEW.value:
                raise ConflictError(
                    f"episode {episode_id} is {row.state}, not in_review; nothing was changed"
                )
            latest: int | None = s.scalar(_latest_version(episode_id))
            if latest is None:
                raise NotFoundError(f"episode {episode_id} has no script yet")
            if version is not None and version != latest:
                raise ConflictError(
                    f"episode {episode_id}'s script is at version {latest}, not {version}: "
                    f"a newer version was saved; review version {latest}, then approve it"
                )
            self._move(
                s,
                episode_id,
                EpisodeState.IN_REVIEW,
                EpisodeState.APPROVED,
                note=f"approved by {who} (script version {latest})",
                approved_version=latest,
                failed_stage=None,
                failure=None,
            )
        return self.episode(episode_id)

    def _add_script(
        self,
        s: Session,
        episode_id: int,
        script: Script,
        findings: list[AuditFinding],
        author: str,
        comment: str,
        base_version: int | None,
    ) -> ScriptRow:
        latest = s.scalar(
            select(func.max(ScriptRow.version)).where(ScriptRow.episode_id == episode_id)
        )
        if base_version is not None and base_version != (latest or 0):
            raise ConflictError(
                f"episode {episode_id}'s script is at version {latest}, not {base_version}: "
                "someone saved a newer version; reload it and make your edit again"
            )
        row = ScriptRow(
            episode_id=episode_id,
            version=(latest or 0) + 1,
            body=script.model_dump(mode="json"),
            findings=[f.model_dump(mode="json") for f in findings],
            author=author,
            comment=comment,
        )
        s.add(row)
        s.flush()
        return row

    def script(self, episode_id: int, version: int | None = None) -> ScriptVersion:
        """The latest script version, or the one asked for."""
        query = select(ScriptRow).where(ScriptRow.episode_id == episode_id)
        query = query.where(ScriptRow.version == version) if version else query
        with self.session() as s:
            row = s.scalars(query.order_by(ScriptRow.version.desc()).limit(1)).first()
            if row is None:
                which = f"script version {version}" if version else "script yet"
                raise NotFoundError(f"episode {episode_id} has no {which}")
            return _script_version(row)

    def script_versions(self, episode_id: int) -> list[ScriptVersion]:
        query = (
            select(ScriptRow).where(ScriptRow.episode_id == episode_id).order_by(ScriptRow.version)
        )
        with self.session() as s:
            return [_script_version(r) for r in s.scalars(query)]

    # -- editors' verdicts on consistency checks -------------------------------

    def set_verdict(
        self,
        episode_id: int,
        check_id: str,
        verdict: str,
        by: str,
        *,
        comment: str = "",
        note: str = "",
        history: str = "",
    ) -> CheckVerdict:
        """Record a verdict on a check, with `history` as a note in the episode's history,
        in one transaction. A check already judged keeps its first verdict (a second
        click, or two editors at once, changes nothing) and adds no history."""
        query = select(CheckVerdictRow).where(
            CheckVerdictRow.episode_id == episode_id, CheckVerdictRow.check_id == check_id
        )
        with self.session() as s:
            episode = s.get(EpisodeRow, episode_id)
            if episode is None:
                raise NotFoundError(f"there is no episode {episode_id}")
            existing = s.scalars(query).first()
            if existing is not None:
                return _verdict(existing)
            row = CheckVerdictRow(
                episode_id=episode_id,
                check_id=check_id,
                verdict=verdict,
                by=by,
                comment=comment,
                note=note,
            )
            try:
                with s.begin_nested():
                    s.add(row)
            except IntegrityError:
                return _verdict(s.scalars(query).one())
            if history:
                self._note(s, episode, history)
            return _verdict(row)

    def clear_verdict(self, episode_id: int, check_id: str, *, history: str = "") -> bool:
        """Undo the verdict on a check; False when there was none (then nothing changes)."""
        with self.session() as s:
            episode = s.get(EpisodeRow, episode_id)
            if episode is None:
                raise NotFoundError(f"there is no episode {episode_id}")
            result = s.execute(
                delete(CheckVerdictRow).where(
                    CheckVerdictRow.episode_id == episode_id, CheckVerdictRow.check_id == check_id
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            if history:
                self._note(s, episode, history)
            return True

    def verdicts(self, episode_id: int) -> list[CheckVerdict]:
        query = (
            select(CheckVerdictRow)
            .where(CheckVerdictRow.episode_id == episode_id)
            .order_by(CheckVerdictRow.id)
        )
        with self.session() as s:
            return [_verdict(r) for r in s.scalars(query)]

    def _note(self, s: Session, episode: EpisodeRow, note: str) -> None:
        episode.updated_at = utcnow()
        s.add(
            StateChangeRow(
                episode_id=episode.id, from_state=episode.state, to_state=episode.state, note=note
            )
        )

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

    def stage_run_count(self, episode_id: int | None = None, stage: str | None = None) -> int:
        query = select(func.count()).select_from(StageRunRow)
        if episode_id is not None:
            query = query.where(StageRunRow.episode_id == episode_id)
        if stage is not None:
            query = query.where(StageRunRow.stage == stage)
        with self.session() as s:
            return s.scalar(query) or 0

    # -- users, sessions, API tokens ----------------------------------------

    def add_user(self, name: str, password_hash: str) -> User:
        try:
            with self.session() as s:
                row = UserRow(name=name, password_hash=password_hash)
                s.add(row)
                s.flush()
                return _user(row)
        except IntegrityError:
            raise ConflictError(f"there is already a user called {name!r}") from None

    def set_password(self, name: str, password_hash: str) -> None:
        with self.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.name == name)).first()
            if row is None:
                raise NotFoundError(f"there is no user called {name!r}")
            row.password_hash = password_hash
            s.execute(delete(SessionRow).where(SessionRow.user_id == row.id))

    def user_by_name(self, name: str) -> User | None:
        with self.session() as s:
            row = s.scalars(select(UserRow).where(UserRow.name == name)).first()
            return _user(row) if row else None

    def users(self) -> list[User]:
        with self.session() as s:
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]

    def add_session(
        self, token_hash: str, user_id: int, csrf_token: str, expires_at: datetime
    ) -> None:
        with self.session() as s:
            s.add(
                SessionRow(
                    token_hash=token_hash,
                    user_id=user_id,
                    csrf_token=csrf_token,
                    expires_at=expires_at,
                )
            )

    def session_user(self, token_hash: str) -> tuple[User, str] | None:
        """The user a live session belongs to, with its CSRF token; None when unknown,
        revoked or expired."""
        query = (
            select(UserRow, SessionRow.csrf_token)
            .join(SessionRow, SessionRow.user_id == UserRow.id)
            .where(SessionRow.token_hash == token_hash, SessionRow.expires_at > utcnow())
        )
        with self.session() as s:
            found = s.execute(query).first()
            return (_user(found[0]), found[1]) if found else None

    def delete_session(self, token_hash: str) -> None:
        with self.session() as s:
            s.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash))

    def delete_sessions(self, user_id: int) -> int:
        with self.session() as s:
            result = s.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def add_api_token(self, token_hash: str, user_id: int, label: str) -> None:
        with self.session() as s:
            s.add(ApiTokenRow(token_hash=token_hash, user_id=user_id, label=label))

    def token_user(self, token_hash: str) -> User | None:
        query = (
            select(UserRow)
            .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
            .where(ApiTokenRow.token_hash == token_hash)
        )
        with self.session() as s:
            row = s.scalars(query).first()
            return _user(row) if row else None

    def delete_api_tokens(self, user_id: int) -> int:
        with self.session() as s:
            result = s.execute(delete(ApiTokenRow).where(ApiTokenRow.user_id == user_id))
            return int(result.rowcount)  # type: ignore[attr-defined]

    # -- sign-in attempts ---------------------------------------------------

    def reserve_sign_in(
        self, client: str, name: str, attempts: int, window: timedelta
    ) -> tuple[int | None, datetime | None]:
        """Record a sign-in attempt unless `client` or `name` already has `attempts` in
        the last `window`: (the attempt's id, None), or (None, when the oldest of them
        leaves the window). Count and record are one transaction that no other
        reservation interleaves with, in any process using this database."""
        now = utcnow()
        since = now - window
        with self.session() as s:
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(727002)"))
            # (SQLite: every transaction begins IMMEDIATE, so writers already queue.)
            s.execute(delete(SignInAttemptRow).where(SignInAttemptRow.at <= since))
            for column, value in ((SignInAttemptRow.client, client), (SignInAttemptRow.name, name)):
                count, oldest = s.execute(
                    select(func.count(), func.min(SignInAttemptRow.at)).where(
                        column == value, SignInAttemptRow.at > since
                    )
                ).one()
                if count >= attempts:
                    return None, oldest + window
            row = SignInAttemptRow(client=client, name=name, at=now)
            s.add(row)
            s.flush()
            return row.id, None

    def release_sign_in(self, attempt_id: int) -> None:
        """Forget a reserved attempt (it signed in), so it counts against nobody."""
        with self.session() as s:
            s.execute(delete(SignInAttemptRow).where(SignInAttemptRow.id == attempt_id))


def _user(row: UserRow) -> User:
    return User(id=row.id, name=row.name, password_hash=row.password_hash)
