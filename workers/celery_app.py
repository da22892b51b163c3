"""The Celery app, made by `create_app` from the Settings its caller has.

There is no app at import: `infracast worker`, `infracast serve` (distributed
mode) and every other sender build one from their own Settings, so a web app
given Settings in code never talks to the broker the environment names.
`celery -A workers.celery_app …` (Celery's own command line: inspect, purge)
finds an app built from the environment's settings, made when it asks.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from pipeline.config import Settings, load_settings
from pipeline.stages import STAGES
from workers import tasks
from workers.tasks import SWEEP_TASK, WorkerContext, part_queue, part_task_name, task_name


def create_app(settings: Settings) -> Celery:
    """A Celery app on `settings`, with one task per stage bound to its own store."""
    app = Celery("infracast", broker=settings.broker_url or "redis://127.0.0.1:6379/0")
    app.conf.update(
        # Acknowledge a message only after its task has finished, and requeue it
        # if the pool process dies mid-task: a killed worker loses no work, and
        # stages are idempotent, so a task that runs twice does the work once.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # Heavy stages (render, transcribe) take minutes: a worker must not hold
        # messages an idle worker on another host could run. One at a time costs
        # the light default queue little, so it is set for every worker.
        worker_prefetch_multiplier=1,
        # Redis re-delivers an unacknowledged message (its worker died) once the
        # visibility timeout has passed. It must outlast the longest task, or a
        # running task would get a twin. Workers look for such messages every
        # 10 s (kombu's default throttle would make that every 100 s).
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": 10,
            "unacked_restore_throttle": 1,
        },
        task_time_limit=settings.task_time_limit,
        # The soft limit raises inside the task first, so the episode is marked failed.
        task_soft_time_limit=tasks.soft_limit(settings),
        # The store is the source of truth for episode state: results are ignored,
        # except a chord's header, which Celery counts in the Redis result backend.
        task_ignore_result=True,
        result_backend=settings.broker_url,
        result_expires=settings.visibility_timeout,
        task_default_queue="default",
        task_routes={task_name(s.name): {"queue": s.queue} for s in STAGES}
        | {part_task_name(s.name): {"queue": part_queue(s)} for s in STAGES}
        | {SWEEP_TASK: {"queue": "default"}},
        task_create_missing_queues=True,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            # Often enough to find a dead worker's stage soon after its heartbeat goes stale.
            "sweep": {
                "task": SWEEP_TASK,
                "schedule": max(5.0, min(settings.heartbeat_stale_after / 2, 300.0)),
            },
        },
        worker_hijack_root_logger=False,
    )
    tasks.register(app, WorkerContext(settings))
    return app


def __getattr__(name: str) -> Any:
    """`app`, for Celery's command line only (`celery -A workers.celery_app`, which looks
    for a module attribute and cannot call a factory): built on each access from the
    environment's settings, so importing this module builds nothing."""
    if name == "app":
        return create_app(load_settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
