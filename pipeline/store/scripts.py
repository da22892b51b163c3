"""An episode's script, as `store.scripts`: its numbered versions (saved by stages and
editors, never overwritten), the approval of one of them, and editors' verdicts on the
episode's consistency checks."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import ConflictError, NotFoundError
from pipeline.figures.models import AuditFinding
from pipeline.models import CheckVerdict, Episode, EpisodeState, Script, ScriptVersion
from pipeline.store.episode_rows import (
    add_note,
    episode_row,
    latest_version,
    locked_episode,
    read_episode,
    set_state,
)
from pipeline.store.rows import CheckVerdictRow, ScriptRow, utcnow


class Scripts:
    """Script versions, approval and check verdicts, over the store's session factory."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def save(
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
            with self._sessions.begin() as s:
                row = locked_episode(s, episode_id)
                if states is not None and row.state not in {st.value for st in states}:
                    allowed = " or ".join(st.value.replace("_", " ") for st in states)
                    raise ConflictError(
                        f"episode {episode_id} is {row.state}: scripts can be edited while "
                        f"they are {allowed}"
                    )
                saved = add_version(s, episode_id, script, findings, author, comment, base_version)
                # Only editors save versions here (stages save theirs with their outputs).
                row.last_actor, row.updated_at = author, utcnow()
                return _script_version(saved)
        except IntegrityError:
            # Another save took the same version number first (kept as a guard: the lock
            # above makes saves wait for each other).
            raise ConflictError(
                f"someone saved a new version of episode {episode_id}'s script at the same "
                "moment; reload it and make your edit again"
            ) from None

    def approve(self, episode_id: int, version: int | None, who: str) -> Episode:
        """Approve script `version` (None: the latest) of an episode in review, in one
        transaction with the episode locked: refused (ConflictError) when the episode is not
        in review or `version` is no longer the latest, so no edit can land after it."""
        with self._sessions.begin() as s:
            row = locked_episode(s, episode_id)
            if row.state != EpisodeState.IN_REVIEW.value:
                raise ConflictError(
                    f"episode {episode_id} is {row.state}, not in_review; nothing was changed"
                )
            latest: int | None = s.scalar(latest_version(episode_id))
            if latest is None:
                raise NotFoundError(f"episode {episode_id} has no script yet")
            if version is not None and version != latest:
                raise ConflictError(
                    f"episode {episode_id}'s script is at version {latest}, not {version}: "
                    f"a newer version was saved; review version {latest}, then approve it"
                )
            set_state(
                s,
                episode_id,
                EpisodeState.IN_REVIEW,
                EpisodeState.APPROVED,
                note=f"approved by {who} (script version {latest})",
                by=who,
                approved_version=latest,
                failed_stage=None,
                failure=None,
            )
        with self._sessions.begin() as s:
            return read_episode(s, episode_id)

    def get(self, episode_id: int, version: int | None = None) -> ScriptVersion:
        """The latest script version, or the one asked for."""
        query = select(ScriptRow).where(ScriptRow.episode_id == episode_id)
        query = query.where(ScriptRow.version == version) if version else query
        with self._sessions.begin() as s:
            row = s.scalars(query.order_by(ScriptRow.version.desc()).limit(1)).first()
            if row is None:
                which = f"script version {version}" if version else "script yet"
                raise NotFoundError(f"episode {episode_id} has no {which}")
            return _script_version(row)

    def versions(self, episode_id: int) -> list[ScriptVersion]:
        query = (
            select(ScriptRow).where(ScriptRow.episode_id == episode_id).order_by(ScriptRow.version)
        )
        with self._sessions.begin() as s:
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
        with self._sessions.begin() as s:
            episode = episode_row(s, episode_id)
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
                add_note(s, episode, history, by=by)
            return _verdict(row)

    def clear_verdict(
        self, episode_id: int, check_id: str, *, history: str = "", by: str | None = None
    ) -> bool:
        """Undo the verdict on a check (as the editor `by`); False when there was none
        (then nothing changes)."""
        with self._sessions.begin() as s:
            episode = episode_row(s, episode_id)
            result = s.execute(
                delete(CheckVerdictRow).where(
                    CheckVerdictRow.episode_id == episode_id, CheckVerdictRow.check_id == check_id
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            if history:
                add_note(s, episode, history, by=by)
            return True

    def verdicts(self, episode_id: int) -> list[CheckVerdict]:
        query = (
            select(CheckVerdictRow)
            .where(CheckVerdictRow.episode_id == episode_id)
            .order_by(CheckVerdictRow.id)
        )
        with self._sessions.begin() as s:
            return [_verdict(r) for r in s.scalars(query)]


def add_version(
    s: Session,
    episode_id: int,
    script: Script,
    findings: list[AuditFinding],
    author: str,
    comment: str,
    base_version: int | None,
) -> ScriptRow:
    """The episode's next script version, inside the caller's transaction (a stage's
    outputs are saved with its state change, an editor's save with the episode locked)."""
    latest = s.scalar(latest_version(episode_id))
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
