"""One thin task per stage: run it by episode id, then send the next stage."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Celery, Task
from kombu.exceptions import OperationalError

from pipeline import orchestrate
from pipeline.config import Settings
from pipeline.errors import InfracastError, TransientError
from pipeline.orchestrate import Stage
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

    def dispatch(self, episode_id: int, stage: Stage) -> None:
        try:
            self.app.send_task(task_name(stage.name), args=[episode_id], queue=stage.queue)
        except (OperationalError, OSError) as e:
            raise TransientError(
                f"episode {episode_id} is stored, but the broker is unreachable ({e}); "
                "`infracast sweep` sends it once the broker is back"
            ) from e


_store: Store | None = None


def worker_store(settings: Settings) -> Store:
    """One store per worker process, opened on first use (after the pool forks)."""
    global _store
    if _store is None:
        _store = Store(settings.db_url, settings.data_root)
    return _store


def register(app: Celery, settings: Settings) -> None:
    for stage in orchestrate.STAGES:
        _register_stage(app, settings, stage)

    @app.task(name=SWEEP_TASK)  # type: ignore[untyped-decorator]
    def sweep() -> int:
        older_than = timedelta(seconds=settings.stuck_after)
        return orchestrate.sweep(worker_store(settings), CeleryDispatcher(app), older_than)


def _register_stage(app: Celery, settings: Settings, stage: Stage) -> None:
    def run(task: Task, episode_id: int) -> None:
        store = worker_store(settings)
        last_try = task.request.retries >= MAX_RETRIES
        try:
            episode = orchestrate.run_stage(
                store, settings, episode_id, stage.name, fail_on_transient=last_try
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
        orchestrate.dispatch_next(CeleryDispatcher(app), episode)

    options: dict[str, Any] = {
        "name": task_name(stage.name),
        "bind": True,
        "max_retries": MAX_RETRIES,
    }
    app.task(**options)(run)
