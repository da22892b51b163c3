"""The episode store: the source of truth for every episode's state.

SQLAlchemy 2 over SQLite (WAL, the default) or PostgreSQL (by URL). The
schema is owned by the Alembic migrations in pipeline/migrations; `Store`
runs them on open. Methods return the plain models of pipeline.models,
never ORM rows, so nothing outside this module touches a session.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


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


def _episode(row: EpisodeRow) -> Episode:
    return Episode(
        id=row.id,
        show=row.show,
        state=EpisodeState(row.state),
        source=Source(
            kind=row.source_kind,
            uri=row.source_uri,
            text=row.source_text,
            guid=row.source_guid,
        ),
        title=row.title,
        article_id=row.article_id,
        content_hash=row.content_hash,
        failed_stage=row.failed_stage,
        failure=row.failure,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


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
        with self.session() as s:
            row = s.get(EpisodeRow, episode_id)
            if row is None:
                raise NotFoundError(f"there is no episode {episode_id}")
            return _episode(row)

    def episodes(
        self, *, state: EpisodeState | None = None, show: str | None = None
    ) -> list[Episode]:
        query = select(EpisodeRow).order_by(EpisodeRow.id)
        if state is not None:
            query = query.where(EpisodeRow.state == state.value)
        if show is not None:
            query = query.where(EpisodeRow.show == show)
        with self.session() as s:
            return [_episode(r) for r in s.scalars(query)]

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
    ) -> ScriptVersion:
        """Save a new version. With `base_version`, refuse if someone saved a newer one since."""
        with self.session() as s:
            row = self._add_script(s, episode_id, script, findings, author, comment, base_version)
            return _script_version(row)

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


def _user(row: UserRow) -> User:
    return User(id=row.id, name=row.name, password_hash=row.password_hash)
