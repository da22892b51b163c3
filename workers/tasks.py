"""One thin task per stage: run it by episode id, then send the next stage."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cached_property
from typing import Any

from celery import Celery, Task, chord, group
from celery.exceptions import SoftTimeLimitExceeded
from kombu.exceptions import OperationalError

from pipeline import orchestrate
from pipeline.config import Settings
from pipeline.errors import InfracastError, TransientError
from pipeline.stages import STAGES, Stage
from pipeline.store import Store

log = logging.getLogger(__name__)

MAX_RETRIES = 5
SWEEP_TASK = "infracast.sweep"


def task_name(stage: str) -> str:
    return f"infracast.{stage}"


class CeleryDispatcher:
    """Distributed mode: send a stage to its queue."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def dispatch(self, episode_id: int, stage: Stage[Any]) -> None:
        try:
            # No result is kept (the store holds the state): without ignore_result, Celery
            # would first subscribe to the result backend, and an unreachable Redis would
            # end in a RuntimeError after its retries instead of this one line.
            self.app.send_task(
                task_name(stage.name), args=[episode_id], queue=stage.queue, ignore_result=True
            )
        except (OperationalError, OSError) as e:
            raise TransientError(
                f"episode {episode_id} is stored, but the broker is unreachable ({e}); "
                "`infracast sweep` sends it once the broker is back"
            ) from e


class WorkerContext:
    """What the tasks of one Celery app work with: the Settings the app was made from, and
    a store opened on first use, in the pool process that runs the task (after the fork:
    a database connection must not be shared by two processes)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.db_url, self.settings.data_root)


def register(app: Celery, context: WorkerContext) -> None:
    """The tasks of `app`: one per stage (and its parts), and the sweeper."""
    settings = context.settings
    for stage in STAGES:
        _register_stage(app, context, stage)

    @app.task(name=SWEEP_TASK)  # type: ignore[untyped-decorator]
    def sweep() -> int:
        older_than = timedelta(seconds=settings.stuck_after)
        stale_after = timedelta(seconds=settings.heartbeat_stale_after)
        return orchestrate.sweep(context.store, CeleryDispatcher(app), older_than, stale_after)


def soft_limit(settings: Settings) -> int:
    """The soft limit of every task: a little before the hard one."""
    limit = settings.task_time_limit
    return limit - max(1, min(30, limit // 10))


def part_task_name(stage: str) -> str:
    return f"infracast.{stage}.part"


def part_queue(stage: Stage[Any]) -> str:
    """Where a stage's parts go: their own queue (the script's segments go to "write"), or
    the stage's."""
    return (stage.fan_out.queue if stage.fan_out else None) or stage.queue


def _register_stage(app: Celery, context: WorkerContext, stage: Stage[Any]) -> None:
    settings = context.settings

    def run(task: Task, episode_id: int, fanned_out: bool = False) -> None:
        store = context.store
        last_try = task.request.retries >= MAX_RETRIES
        if (
            stage.fan_out is not None
            and not fanned_out
            and _fan_out(app, context, stage, episode_id)
        ):
            return
        try:
            episode = orchestrate.run_stage(
                store,
                settings,
                episode_id,
                stage.name,
                fail_on_transient=last_try,
                timeouts=(SoftTimeLimitExceeded,),
            )
        except TransientError as e:
            if last_try:
                return
            log.warning("episode %s %s: %s; retrying", episode_id, stage.name, e)
            # Exponential backoff, capped: 5 s, 10 s, 20 s … 5 min.
            raise task.retry(exc=e, countdown=min(300, 5 * 2**task.request.retries)) from e
        except InfracastError as e:
            log.info("episode %s failed at %s: %s", episode_id, stage.name, e)
            return
        if episode.state != stage.start:  # still there: held for a person, or taken by another
            orchestrate.dispatch_next(CeleryDispatcher(app), episode)

    options: dict[str, Any] = {
        "name": task_name(stage.name),
        "bind": True,
        "max_retries": MAX_RETRIES,
        # The stage's time limit raises SoftTimeLimitExceeded inside it, and the episode
        # fails with the reason; the hard limit (task_time_limit) kills what ignores it.
        "soft_time_limit": min(settings.time_limit(stage.name), soft_limit(settings)),
    }
    app.task(**options)(run)
    if stage.fan_out is not None:
        do = stage.fan_out.do

        # A chord's header results must be stored: Celery counts them in the backend.
        @app.task(name=part_task_name(stage.name), ignore_result=False)  # type: ignore[untyped-decorator]
        def part(payload: dict[str, Any], episode_id: int | None = None) -> None:
            do(payload, settings)
            if episode_id is not None:  # one more part done, for the editor's progress bar
                context.store.count_part_done(episode_id, orchestrate.FAN_OUT_RUNNER)


def _fan_out(app: Celery, context: WorkerContext, stage: Stage[Any], episode_id: int) -> bool:
    """Send a stage's parts to its queue as a chord whose callback is the stage itself.

    False when there is nothing to hand out: the stage then runs at once.
    """
    assert stage.fan_out is not None
    settings, store = context.settings, context.store
    episode = store.episode(episode_id)
    if episode.state != stage.start:
        return False
    try:
        parts = stage.fan_out.parts(stage.inputs(store, episode, settings), settings)
    except InfracastError:
        return False  # the stage itself meets this error, and records it
    if not parts:
        return False
    queue = part_queue(stage)
    # The parts' progress shows where the stage's own will: in its heartbeat row, which
    # the stage takes over when it runs.
    store.start_heartbeat(episode_id, stage.name, orchestrate.FAN_OUT_RUNNER)
    store.report_progress(episode_id, orchestrate.FAN_OUT_RUNNER, 0, len(parts))
    header = group(
        app.signature(part_task_name(stage.name), args=[p, episode_id], queue=queue) for p in parts
    )
    callback = app.signature(
        task_name(stage.name),
        args=[episode_id],
        kwargs={"fanned_out": True},
        queue=stage.queue,
        immutable=True,
    )
    chord(header)(callback)
    log.info("episode %s: %s sent %d parts to %s", episode_id, stage.name, len(parts), queue)
    return True
