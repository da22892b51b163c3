"""Move episodes through their states: load inputs → run the stage → save → next state.

The same code runs in-process (embedded mode) and inside Celery tasks. The
stages themselves are registered in pipeline.stages. Outputs are keyed by a
hash of the inputs, so running a stage twice does the work once. This module
owns the runner, dispatch and the sweeper; what editors do to an episode
(approve, publish, retry …) is in pipeline.actions.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from pipeline.config import Settings
from pipeline.errors import (
    ConflictError,
    Held,
    InfracastError,
    TransientError,
)
from pipeline.models import (
    Episode,
    EpisodeState,
    StoredFile,
)
from pipeline.stages import STAGES, Stage, StageEnv, StageResult
from pipeline.store import Store, file_digest, utcnow

log = logging.getLogger(__name__)


def stage_named(name: str) -> Stage[Any]:
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise InfracastError(f"unknown stage {name!r}; stages: {', '.join(s.name for s in STAGES)}")


def next_stage(episode: Episode) -> Stage[Any] | None:
    """The stage that takes the episode on from its current state, if any runs automatically."""
    return next((s for s in STAGES if s.start == episode.state), None)


# -- running --------------------------------------------------------------


def input_hash(stage: Stage[Any], inputs: BaseModel) -> str:
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
    after: bool = True,
) -> Episode:
    """Run one stage for an episode and record the outcome.

    Does nothing when the episode is not waiting for this stage (it already
    ran, or another worker has it). A stage that is Held leaves the episode
    where it is, with the reason recorded (`Episode.held_reason`, and a history
    note). A user-facing failure marks the episode failed and is re-raised; a
    TransientError is re-raised without marking the episode unless
    `fail_on_transient`, so a worker can retry it.

    While the stage runs it heartbeats (see `sweep`). It may run for
    `settings.time_limit(name)` seconds: past that the episode fails with the reason.
    With `timeouts` the caller enforces the limit itself by raising one of them in
    the stage (Celery's soft time limit); otherwise the stage runs in a thread this
    one stops waiting for, so a runaway stage never blocks the episodes after it.

    Without `after` the stage's after-step (publish's feed write) is left to the caller,
    who publishes many episodes and writes each feed once.
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
            heartbeat = Heartbeat(store, episode_id, stage.name, settings.heartbeat_interval)
            env = StageEnv(settings, episode, store.episode_dir(episode_id), heartbeat.report)
            result = _run_limited(settings, stage, inputs, env, heartbeat, timeouts)
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
        if after and stage.after is not None and episode.state == stage.end:
            stage.after(store, settings, episode)
        return episode
    except Held as e:
        return store.hold(episode_id, e.message)
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
        raise StageFailed(episode_id, f"episode {episode_id} failed: {message}") from e
    except Exception as e:
        store.fail(episode_id, stage.name, f"internal error: {type(e).__name__}: {e}")
        raise


class StageFailed(InfracastError):
    """A stage failed for want of something the machine gives (disk space, files): once
    that is fixed, the episode can be retried. The message says what went wrong; each
    caller says how to retry (a command, a button)."""

    def __init__(self, episode_id: int, message: str) -> None:
        super().__init__(message)
        self.episode_id = episode_id


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
    settings: Settings,
    stage: Stage[Any],
    inputs: BaseModel,
    env: StageEnv,
    heartbeat: Heartbeat,
    timeouts: tuple[type[BaseException], ...],
) -> StageResult:
    """Run the stage with its heartbeat, within its time limit."""
    episode_id = env.episode.id
    limit = settings.time_limit(stage.name)
    timed_out = StageTimedOut(f"stage {stage.name} took longer than {limit} s; retry it")
    with heartbeat:
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


# The heartbeat row's runner while a stage's parts are out with the workers (distributed
# mode): each part done counts one up; the stage takes the row over when it runs.
FAN_OUT_RUNNER = "fan-out"


class Heartbeat:
    """While a stage runs, a thread writes its heartbeat row every `interval` seconds, and
    the stage's reports of how far it has got go to the same row."""

    # Progress is written at most this often (and always at the end): a line a second
    # from several workers must not turn into a write a line.
    REPORT_EVERY = 1.0

    def __init__(self, store: Store, episode_id: int, stage: str, interval: float) -> None:
        self.store, self.episode_id, self.stage, self.interval = store, episode_id, stage, interval
        self.runner = uuid.uuid4().hex
        self._reported_at = 0.0
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

    def report(self, done: int, total: int) -> None:
        """The stage has done `done` of its `total` items (best effort: a lost report
        only leaves the progress bar behind until the next)."""
        now = time.monotonic()
        if done < total and now - self._reported_at < self.REPORT_EVERY:
            return
        self._reported_at = now
        try:
            self.store.report_progress(self.episode_id, self.runner, done, total)
        except Exception:
            log.warning("episode %s: progress not written", self.episode_id, exc_info=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.store.beat(self.episode_id, self.runner)
            except Exception:  # a busy or unreachable database: try at the next beat
                log.warning("episode %s: heartbeat not written", self.episode_id, exc_info=True)


def _stored(store: Store, stage: Stage[Any], path: Path) -> StoredFile:
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
    on_stage: Callable[[Stage[Any]], None] = lambda stage: None,
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

    def dispatch(self, episode_id: int, stage: Stage[Any]) -> None: ...


@dataclass
class InProcess:
    """Embedded mode: run the stage and the ones after it now (`on_stage` is told of each,
    for a progress bar)."""

    store: Store
    settings: Settings
    on_stage: Callable[[Stage[Any]], None] = lambda stage: None

    def dispatch(self, episode_id: int, stage: Stage[Any]) -> None:
        run_episode(self.store, self.settings, episode_id, self.on_stage)


def dispatch_next(dispatcher: Dispatcher, episode: Episode) -> None:
    stage = next_stage(episode)
    if stage is not None:
        dispatcher.dispatch(episode.id, stage)


# -- sweeping ---------------------------------------------------------------


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
    now = utcnow()
    beats = store.running()
    # A stage's parts out with the workers beat only as each finishes, and may wait in
    # the queue behind other episodes' parts: they get as long as a lost message.
    dead = [
        store.episode(i)
        for i, run in sorted(beats.items())
        if run.beat_at <= now - (older_than if run.runner == FAN_OUT_RUNNER else stale_after)
    ]
    lost = [e for e in store.stale(states, older_than) if e.id not in beats]
    count = 0
    for episode in sorted(dead + lost, key=lambda e: e.id):
        stage = next_stage(episode)
        if stage is None or episode.state not in states:
            store.end_heartbeat(episode.id)  # the run ended without clearing its row
            continue
        if episode.state == EpisodeState.ANNOTATED and episode.held_reason:
            continue
        # The re-sent run beats afresh; until it starts, `older_than` applies again.
        store.end_heartbeat(episode.id)
        store.touch(episode.id, f"sweeper re-sent {stage.name}")
        dispatcher.dispatch(episode.id, stage)
        count += 1
    return count
