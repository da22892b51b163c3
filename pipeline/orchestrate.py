"""Move episodes through their states: load inputs → run the stage → save → next state.

The same code runs in-process (embedded mode) and inside Celery tasks. The
stages themselves are registered in pipeline.stages. Outputs are keyed by a
hash of the inputs, so running a stage twice does the work once.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from pipeline import editing, ingest
from pipeline.config import Settings
from pipeline.errors import (
    ConflictError,
    Held,
    InfracastError,
    InputError,
    NotFoundError,
    TransientError,
)
from pipeline.figures.models import Check
from pipeline.models import (
    CheckVerdict,
    Episode,
    EpisodeState,
    QAReport,
    ScriptVersion,
    Source,
    StoredFile,
)
from pipeline.stages import (
    PUBLISHING,
    QUEUES,
    STAGES,
    PublishDecision,
    Stage,
    StageEnv,
    StageResult,
    approved_script,
    say_again,
    write_json,
)
from pipeline.store import Store, file_digest, utcnow

__all__ = ["QUEUES", "STAGES", "Stage", "StageEnv", "StageResult", "write_json"]

log = logging.getLogger(__name__)


def stage_named(name: str) -> Stage:
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise InfracastError(f"unknown stage {name!r}; stages: {', '.join(s.name for s in STAGES)}")


def next_stage(episode: Episode) -> Stage | None:
    """The stage that takes the episode on from its current state, if any runs automatically."""
    return next((s for s in STAGES if s.start == episode.state), None)


# -- running --------------------------------------------------------------


def input_hash(stage: Stage, inputs: BaseModel) -> str:
    payload = json.dumps(
        {"stage": stage.name, "version": stage.version, "inputs": inputs.model_dump(mode="json")},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def run_stage(
    store: Store,
    settings: Settings,
    episode_id: int,
    name: str,
    *,
    fail_on_transient: bool = True,
    timeouts: tuple[type[BaseException], ...] = (),
) -> Episode:
    """Run one stage for an episode and record the outcome.

    Does nothing when the episode is not waiting for this stage (it already
    ran, or another worker has it). A stage that is Held leaves the episode
    where it is, with the reason in its history. A user-facing failure marks
    the episode failed and is re-raised; a TransientError is re-raised without
    marking the episode unless `fail_on_transient`, so a worker can retry it.

    While the stage runs it heartbeats (see `sweep`). It may run for
    `settings.time_limit(name)` seconds: past that the episode fails with the reason.
    With `timeouts` the caller enforces the limit itself by raising one of them in
    the stage (Celery's soft time limit); otherwise the stage runs in a thread this
    one stops waiting for, so a runaway stage never blocks the episodes after it.
    """
    stage = stage_named(name)
    episode = store.episode(episode_id)
    if episode.state != stage.start:
        return episode
    try:
        inputs = stage.inputs(store, episode, settings)
        key = input_hash(stage, inputs)
        done = store.stage_output(episode_id, stage.name, key)
        if done is not None:
            end = EpisodeState(done.get("state", stage.end))
            episode = store.move(episode_id, stage.start, end, note=f"{stage.name}: reused")
        else:
            env = StageEnv(settings, episode, store.episode_dir(episode_id))
            result = _run_limited(store, settings, episode_id, stage, inputs, env, timeouts)
            end = result.state or stage.end
            episode = store.complete_stage(
                episode_id,
                stage.name,
                key,
                {**result.summary, "state": end.value},
                stage.start,
                end,
                article=result.article,
                script=result.script,
                files=[_stored(store, stage, p) for p in result.files],
            )
        if stage.after is not None and episode.state == stage.end:
            stage.after(store, settings, episode)
        return episode
    except Held as e:
        store.touch(episode_id, _held_note(stage.name) + e.message)
        return store.episode(episode_id)
    except ConflictError:
        return store.episode(episode_id)  # another worker moved it first
    except TransientError as e:
        if fail_on_transient:
            store.fail(episode_id, stage.name, e.message)
        raise
    except StageTimedOut as e:
        _record_failure(store, episode_id, stage.name, e.message)
        raise
    except InfracastError as e:
        store.fail(episode_id, stage.name, e.message)
        raise
    except OSError as e:
        if e.errno not in RESOURCE_ERRNOS:
            store.fail(episode_id, stage.name, f"internal error: {type(e).__name__}: {e}")
            raise
        message = _resource_message(stage.name, e)
        _record_failure(store, episode_id, stage.name, message)
        raise InfracastError(
            f"episode {episode_id} failed: {message}; then `infracast retry {episode_id}`"
        ) from e
    except Exception as e:
        store.fail(episode_id, stage.name, f"internal error: {type(e).__name__}: {e}")
        raise


class StageTimedOut(InfracastError):
    """A stage ran past its time limit; the episode is failed and can be retried."""


# Failures of the machine rather than of the episode: the user frees space (or files,
# or fixes the mount) and retries. Recorded as a failure with one line, never a traceback.
RESOURCE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EMFILE, errno.ENFILE}
)
_DOING = {
    "ingest": "ingesting",
    "script": "writing the script",
    "review": "reviewing",
    "render": "rendering",
    "transcribe": "transcribing",
    "annotate": "annotating",
    "publish": "publishing",
}


def _resource_message(stage: str, e: OSError) -> str:
    reason = (e.strerror or os.strerror(e.errno or 0)).lower()
    what = e.filename or str(e)
    doing = _DOING.get(stage, f"running {stage}")
    return f"{reason} while {doing}: {what}"


def _record_failure(store: Store, episode_id: int, stage: str, message: str) -> None:
    """Mark the episode failed; when even that fails (the database shares the full disk),
    the episode stays in its working state with no live heartbeat, and `retry` takes it."""
    try:
        store.fail(episode_id, stage, message)
    except Exception:
        log.exception("episode %s: could not record the failure %r", episode_id, message)


def _run_limited(
    store: Store,
    settings: Settings,
    episode_id: int,
    stage: Stage,
    inputs: BaseModel,
    env: StageEnv,
    timeouts: tuple[type[BaseException], ...],
) -> StageResult:
    """Run the stage with a heartbeat, within its time limit."""
    limit = settings.time_limit(stage.name)
    timed_out = StageTimedOut(f"stage {stage.name} took longer than {limit} s; retry it")
    with Heartbeat(store, episode_id, stage.name, settings.heartbeat_interval):
        if timeouts:
            try:
                return stage.run(inputs, env)
            except timeouts:
                raise timed_out from None
        box: list[StageResult] = []
        errors: list[BaseException] = []

        def target() -> None:
            try:
                box.append(stage.run(inputs, env))
            except BaseException as e:
                errors.append(e)

        # A daemon thread: if it never returns, the process can still exit. Python cannot
        # stop a thread, so a runaway stage finishes (or not) on its own; its result is
        # dropped, and the compare-and-set state change keeps a retry's result the only one.
        runner = threading.Thread(target=target, name=f"stage-{stage.name}-{episode_id}")
        runner.daemon = True
        runner.start()
        runner.join(limit)
        if runner.is_alive():
            raise timed_out
        if errors:
            raise errors[0]
        return box[0]


class Heartbeat:
    """While a stage runs, a thread writes its heartbeat row every `interval` seconds."""

    def __init__(self, store: Store, episode_id: int, stage: str, interval: float) -> None:
        self.store, self.episode_id, self.stage, self.interval = store, episode_id, stage, interval
        self.runner = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{episode_id}")
        self._thread.daemon = True

    def __enter__(self) -> Heartbeat:
        self.store.start_heartbeat(self.episode_id, self.stage, self.runner)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        try:
            self.store.end_heartbeat(self.episode_id, self.runner)
        except Exception:  # the row goes stale and the sweeper handles the episode
            log.exception("episode %s: could not end the heartbeat", self.episode_id)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.store.beat(self.episode_id, self.runner)
            except Exception:  # a busy or unreachable database: try at the next beat
                log.warning("episode %s: heartbeat not written", self.episode_id, exc_info=True)


def _stored(store: Store, stage: Stage, path: Path) -> StoredFile:
    return StoredFile(
        stage=stage.name,
        path=str(path.relative_to(store.data_root)),
        content_hash=file_digest(path),
        size=path.stat().st_size,
    )


def run_episode(
    store: Store,
    settings: Settings,
    episode_id: int,
    on_stage: Callable[[Stage], None] = lambda stage: None,
) -> Episode:
    """Run every automatic stage in-process until the episode waits (review, a held
    publish) or is done."""
    episode = store.episode(episode_id)
    while (stage := next_stage(episode)) is not None:
        on_stage(stage)
        episode = run_stage(store, settings, episode_id, stage.name)
        if episode.state == stage.start:
            break
    return episode


# -- dispatch ------------------------------------------------------------


class Dispatcher(Protocol):
    """Sends an episode's next stage somewhere to run: in-process or to a queue."""

    def dispatch(self, episode_id: int, stage: Stage) -> None: ...


@dataclass
class InProcess:
    """Embedded mode: run the stage and the ones after it now."""

    store: Store
    settings: Settings

    def dispatch(self, episode_id: int, stage: Stage) -> None:
        run_episode(self.store, self.settings, episode_id)


def dispatch_next(dispatcher: Dispatcher, episode: Episode) -> None:
    stage = next_stage(episode)
    if stage is not None:
        dispatcher.dispatch(episode.id, stage)


# -- queueing, retry, sweeping --------------------------------------------


@dataclass(frozen=True)
class Queued:
    episode: Episode
    created: bool


def submit(
    store: Store,
    settings: Settings,
    source: Source,
    show: str | None = None,
    *,
    force: bool = False,
) -> Queued:
    """Create a queued episode for a source, or return the show's existing one.

    Files and pasted text are parsed now, so bad input is refused before
    anything is stored and duplicates are found by content hash; URLs are
    checked now and fetched by the ingest stage.
    """
    slug = show or settings.default_show
    settings.show(slug)
    options = ingest.IngestOptions.from_settings(settings)
    title = digest = None
    if source.kind == "url":
        source = source.model_copy(update={"uri": ingest.check_url(source.uri, options)})
    else:
        article = ingest.article_from_source(source, options)
        title, digest = article.title, article.content_hash
    if not force:
        uri = source.uri if source.kind == "url" else None
        existing = store.find_duplicate(slug, content_hash=digest, uri=uri, guid=source.guid)
        if existing is not None:
            return Queued(existing, created=False)
    episode = store.create_episode(slug, source, title=title, content_hash=digest)
    return Queued(episode, created=True)


@dataclass(frozen=True)
class RefusedEntry:
    """A feed entry that was not queued, and why; `episode_id` is the failed episode that
    remembers it, so later polls skip it (None when the entry has no guid or link)."""

    entry: str
    reason: str
    episode_id: int | None = None


@dataclass(frozen=True)
class FeedQueued:
    queued: list[Queued]
    refused: list[RefusedEntry]


def queue_feed(
    store: Store, settings: Settings, url: str, show: str | None, *, force: bool = False
) -> FeedQueued:
    """Queue each entry of a feed that the show has not seen yet (by guid, URL or content),
    and report each refused one with its reason. A refused entry is remembered as an episode
    failed at ingest (`retry` gives it another go), so it is not tried on every poll."""
    slug = show or settings.default_show
    settings.show(slug)
    queued, refused = [], []
    for entry in ingest.fetch_feed(url, ingest.IngestOptions.from_settings(settings)):
        name = entry.title or entry.guid or entry.link or "an untitled entry"
        try:
            source = ingest.source_from_entry(entry, url)
        except InputError as e:
            source = Source(kind="html", uri=entry.link or url, text=entry.html or "",
                            guid=entry.guid)
            if entry.guid is None or store.find_duplicate(slug, guid=entry.guid) is None:
                refused.append(_remember_refused(store, slug, source, name, e.message))
            continue
        uri = source.uri if source.kind == "url" else None
        if store.find_duplicate(slug, uri=uri, guid=source.guid) is not None:
            continue
        try:
            queued.append(submit(store, settings, source, show, force=force))
        except InputError as e:
            refused.append(_remember_refused(store, slug, source, name, e.message))
        except TransientError as e:  # may pass: tried again on the next poll
            refused.append(RefusedEntry(name, e.message))
    return FeedQueued(queued, refused)


def _remember_refused(
    store: Store, show: str, source: Source, name: str, reason: str
) -> RefusedEntry:
    if source.guid is None and source.kind != "url":
        return RefusedEntry(name, reason)
    episode = store.create_episode(show, source, title=name)
    store.fail(episode.id, "ingest", reason)
    return RefusedEntry(name, reason, episode.id)


def approve(store: Store, episode_id: int, who: str, version: int | None = None) -> Episode:
    """An editor approves script `version` (None: the latest, whichever it is): the episode
    goes on to audio with that version. Refused when the episode is not in review or a
    newer version was saved since (ConflictError)."""
    return store.approve(episode_id, version, who)


def decide_publishing(store: Store, episode_id: int, decision: PublishDecision) -> Episode:
    """Record an editor's decision for the publish stage to act on."""
    episode = store.episode(episode_id)
    write_json(store.episode_dir(episode_id) / PUBLISHING, decision)
    store.touch(episode_id, f"publishing decided by {decision.by}: " + _decision_text(decision))
    return store.episode(episode.id)


def _decision_text(decision: PublishDecision) -> str:
    if decision.hold:
        return "hold"
    return "publish even if QA failed" if decision.allow_failed_qa else "publish when QA passes"


def publish(
    store: Store, settings: Settings, episode_id: int, who: str, *, allow_failed_qa: bool = False
) -> Episode:
    """Publish an annotated episode now (in this process): the publish stage, then its feed."""
    episode = store.episode(episode_id)
    if episode.state == EpisodeState.PUBLISHED:
        return episode
    if episode.state != EpisodeState.ANNOTATED:
        raise ConflictError(
            f"episode {episode_id} is {episode.state.value}; only annotated episodes "
            "can be published"
        )
    decide_publishing(store, episode_id, PublishDecision(allow_failed_qa=allow_failed_qa, by=who))
    episode = run_stage(store, settings, episode_id, "publish")
    if episode.state != EpisodeState.PUBLISHED:
        reason = held_reason(store, episode_id) or "held"
        raise Held(f"episode {episode_id} was not published: {reason}")
    return episode


def held_reason(store: Store, episode_id: int) -> str | None:
    """Why an annotated episode waits: the last hold since it became annotated (as
    run_stage notes it), or its unpublishing; None when nothing holds it."""
    history = store.history(episode_id)
    arrived = [
        i
        for i, change in enumerate(history)
        if change.to_state == EpisodeState.ANNOTATED and change.from_state != change.to_state
    ]
    since = history[arrived[-1] :] if arrived else history
    held = _held_note("publish")
    holds = [c.note.removeprefix(held) for c in since if c.note.startswith(held)]
    if holds:
        return holds[-1]
    if since and since[0].from_state == EpisodeState.PUBLISHED:
        return since[0].note  # "unpublished by …"
    return None


def _held_note(stage: str) -> str:
    return f"{stage} held: "


def unpublish(store: Store, settings: Settings, episode_id: int, who: str) -> Episode:
    """Take an episode out of its show's feed; it waits, annotated, until published again."""
    from pipeline import feeds

    episode = store.episode(episode_id)
    if episode.state != EpisodeState.PUBLISHED:
        raise ConflictError(f"episode {episode_id} is {episode.state.value}, not published")
    decide_publishing(store, episode_id, PublishDecision(hold=True, by=who))
    episode = store.move(
        episode_id, EpisodeState.PUBLISHED, EpisodeState.ANNOTATED, f"unpublished by {who}"
    )
    feeds.write_feed(store, settings, episode.show)
    return episode


def rerender_lines(
    store: Store,
    settings: Settings,
    episode_id: int,
    line_ids: list[str] | None = None,
) -> tuple[Episode, list[str]]:
    """Send a transcribed episode back to rendering, with the next fallback voice for some
    lines: those named, or those QA flagged.

    Each line moves one step down its host's ladder (`speech.fallback`): 10% slower,
    then the host's alternate voices. Clips are cached by what they say and how, so only those
    lines are rendered again.
    """
    episode = store.episode(episode_id)
    if episode.state not in (EpisodeState.TRANSCRIBED, EpisodeState.ANNOTATED):
        raise ConflictError(
            f"episode {episode_id} is {episode.state.value}; only a transcribed or annotated "
            "(unpublished) episode can be re-rendered"
        )
    folder = store.episode_dir(episode_id)
    script = approved_script(store, episode).script
    if line_ids is None:
        report = QAReport.model_validate_json((folder / "qa.json").read_text(encoding="utf-8"))
        line_ids = [q.line_id for q in report.flagged]
        if not line_ids:
            raise ConflictError(
                f"QA flagged no lines in episode {episode_id}: nothing to re-render"
            )
    unknown = set(line_ids) - {line.id for line in script.lines}
    if unknown:
        raise InputError(f"episode {episode_id} has no line {', '.join(sorted(unknown))}")
    say_again(folder, settings.show(episode.show).hosts, script, line_ids)
    note = f"re-render {', '.join(line_ids)}"
    return store.move(episode_id, episode.state, EpisodeState.APPROVED, note), line_ids


def request_changes(store: Store, episode_id: int, who: str, comment: str) -> Episode:
    """An editor asks for changes: the episode stays in review with the comment in its history."""
    episode = store.episode(episode_id)
    if episode.state != EpisodeState.IN_REVIEW:
        raise ConflictError(f"episode {episode_id} is {episode.state.value}, not in review")
    comment = editing.clean_text(comment)
    if not comment:
        raise InputError("say what should change: the comment is empty")
    store.touch(episode_id, f"changes requested by {who}: {comment[:2000]}")
    return store.episode(episode_id)


# -- consistency checks under review ------------------------------------------


@dataclass(frozen=True)
class CheckReview:
    """A consistency check of an episode's ledger as an editor reviews it."""

    check: Check
    verdict: CheckVerdict | None
    lines: list[str]  # the lines of the latest script version that say it

    @property
    def said(self) -> bool:
        """Whether a script or the show notes may say it: an agreement, or an alarm that
        no editor has marked a false alarm. A low-confidence disagreement never is."""
        return self.check.may_be_said(dismissed=self.verdict is not None)


def review_checks(store: Store, episode_id: int) -> list[CheckReview]:
    """Every check of the episode's ledger, with any editor's verdict and the lines of the
    latest script that say it; none before the script stage has written the ledger."""
    store.episode(episode_id)
    try:
        ledger = editing.episode_ledger(store, episode_id)
    except ConflictError:  # no ledger yet: nothing to review
        return []
    try:
        latest: ScriptVersion | None = store.script(episode_id)
    except NotFoundError:
        latest = None
    verdicts = {v.check_id: v for v in store.verdicts(episode_id)}
    return [
        CheckReview(
            check,
            verdicts.get(check.id) if check.id else None,
            editing.voicing(latest, check) if latest else [],
        )
        for check in ledger.checks
    ]


@dataclass(frozen=True)
class Dismissed:
    """A check marked a false alarm, and the script version saved without the lines that
    said it (None when no line of the latest version said it)."""

    verdict: CheckVerdict
    version: ScriptVersion | None


def dismiss_check(
    store: Store, episode_id: int, check_id: str, who: str, comment: str = ""
) -> Dismissed:
    """An editor marks a disagreeing check a false alarm: the verdict is recorded, a new
    script version leaves out every line that says it, and the show notes will not print
    it. Only while the script can be edited; marking it twice changes nothing more."""
    check = _reviewable_check(store, episode_id, check_id)
    if check.agrees:
        raise ConflictError(
            f"check {check_id} of episode {episode_id} agrees with the article: "
            "there is no alarm to dismiss"
        )
    comment = editing.clean_text(comment)
    current = store.script(episode_id)
    said_in = editing.voicing(current, check)
    version = None
    if said_in:
        version = editing.without_lines(
            store,
            episode_id,
            current,
            said_in,
            who,
            f"left out {', '.join(said_in)}: check {check_id} marked a false alarm",
        )
    history = f"check {check_id} marked a false alarm by {who}"
    verdict = store.set_verdict(
        episode_id,
        check_id,
        "false_alarm",
        who,
        comment=comment[: editing.MAX_COMMENT_CHARS],
        note=check.note,
        history=history + (f": {comment[:2000]}" if comment else ""),
    )
    return Dismissed(verdict, version)


def restore_check(store: Store, episode_id: int, check_id: str, who: str) -> Episode:
    """Undo a false-alarm verdict: the check counts again from the next script and notes.
    Lines left out when it was marked stay out (the versions' diff shows them)."""
    _reviewable_check(store, episode_id, check_id)
    history = f"check {check_id} is no longer a false alarm: undone by {who}"
    if not store.clear_verdict(episode_id, check_id, history=history):
        raise NotFoundError(
            f"check {check_id} of episode {episode_id} is not marked a false alarm"
        )
    return store.episode(episode_id)


def _reviewable_check(store: Store, episode_id: int, check_id: str) -> Check:
    episode = store.episode(episode_id)
    if episode.state not in editing.EDITABLE:
        raise ConflictError(
            f"episode {episode_id} is {episode.state.value}: checks can be judged while the "
            "script is scripted or in review"
        )
    for check in editing.episode_ledger(store, episode_id).checks:
        if check.id and check.id == check_id:
            return check
    raise NotFoundError(f"episode {episode_id}'s ledger has no check {check_id!r}")


def retry(
    store: Store, episode_id: int, stale_after: timedelta = timedelta(minutes=1)
) -> tuple[Episode, Stage]:
    """Put a failed episode back in the state its failed stage starts from; or, for an
    episode waiting in a working state with no live run (no heartbeat for `stale_after`),
    say so: the caller sends its stage again."""
    episode = store.episode(episode_id)
    if episode.state != EpisodeState.FAILED:
        stage = next_stage(episode)
        if stage is None:
            raise ConflictError(
                f"episode {episode_id} is {episode.state}, not failed: nothing to retry"
            )
        _check_not_running(store, episode, stage, stale_after)
        store.end_heartbeat(episode_id)
        store.touch(episode_id, f"retry {stage.name}: no live run")
        return store.episode(episode_id), stage
    if episode.failed_stage is None:
        raise ConflictError(f"episode {episode_id} is failed at no stage: nothing to retry")
    stage = stage_named(episode.failed_stage)
    episode = store.move(episode_id, EpisodeState.FAILED, stage.start, note=f"retry {stage.name}")
    return episode, stage


def _check_not_running(
    store: Store, episode: Episode, stage: Stage, stale_after: timedelta
) -> None:
    if episode.state == EpisodeState.ANNOTATED:
        reason = held_reason(store, episode.id)
        if reason:
            raise ConflictError(f"episode {episode.id} is held, not stuck: {reason}")
    beat = store.heartbeats().get(episode.id)
    if beat is not None:
        age = (utcnow() - beat[1]).total_seconds()
        if age < stale_after.total_seconds():
            raise ConflictError(
                f"episode {episode.id} is running its {beat[0]} stage (last heartbeat "
                f"{age:.0f} s ago): nothing to retry"
            )


def sweep(
    store: Store,
    dispatcher: Dispatcher,
    older_than: timedelta,
    stale_after: timedelta = timedelta(minutes=1),
) -> int:
    """Re-send the stage of every episode stranded in a working state: its run stopped
    heartbeating `stale_after` ago (the worker died), or no run has started and it has
    waited longer than `older_than` (a message lost with a broker restart).

    A run that heartbeats is never re-sent, however long it takes; an episode held for an
    editor (QA flagged lines, unpublished) is waiting, not stuck. Sending a stage twice
    is harmless: stages are idempotent and the state change is compare-and-set.
    """
    states = [s.start for s in STAGES]
    cutoff = utcnow() - stale_after
    beats = store.heartbeats()
    dead = [store.episode(i) for i, (_, at) in sorted(beats.items()) if at <= cutoff]
    lost = [e for e in store.stale(states, older_than) if e.id not in beats]
    count = 0
    for episode in sorted(dead + lost, key=lambda e: e.id):
        stage = next_stage(episode)
        if stage is None or episode.state not in states:
            store.end_heartbeat(episode.id)  # the run ended without clearing its row
            continue
        if episode.state == EpisodeState.ANNOTATED and held_reason(store, episode.id):
            continue
        # The re-sent run beats afresh; until it starts, `older_than` applies again.
        store.end_heartbeat(episode.id)
        store.touch(episode.id, f"sweeper re-sent {stage.name}")
        dispatcher.dispatch(episode.id, stage)
        count += 1
    return count
