"""100 articles queued at once to two workers: all ingested, none twice; how fast?

python -m bench.throughput
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import table
from bench.queue_latency import article
from pipeline import orchestrate
from pipeline.config import Settings
from pipeline.models import EpisodeState
from pipeline.store import Store
from tests.services import RedisServer, Worker, distributed_env, wait_for

ARTICLES = 100


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        redis = RedisServer(root)
        redis.start()
        env = distributed_env(redis.url, root)
        workers = [Worker(env, root / f"worker-{i}.log").start() for i in range(2)]
        try:
            rows = measure(Settings(data_root=root, broker_url=redis.url))
        finally:
            for w in workers:
                w.stop()
            redis.stop()
    table(f"{ARTICLES} articles queued at once, two workers", rows)


def measure(settings: Settings) -> list[tuple[str, str]]:
    from workers.celery_app import create_app
    from workers.tasks import CeleryDispatcher

    store = Store(settings.db_url, settings.data_root)
    dispatcher = CeleryDispatcher(create_app(settings))
    start = time.perf_counter()
    for n in range(ARTICLES):
        episode = orchestrate.submit(store, settings, article(n)).episode
        orchestrate.dispatch_next(dispatcher, episode)
    queued = time.perf_counter() - start
    wait_for(lambda: store.count_by_state().get(EpisodeState.INGESTED, 0) == ARTICLES, timeout=300)
    total = time.perf_counter() - start
    runs = store.stage_run_count(stage="ingest")
    twice = sum(
        1
        for e in store.episodes()
        if sum(c.to_state == EpisodeState.INGESTED for c in store.history(e.id)) != 1
    )
    return [
        ("articles ingested", f"{store.count_by_state().get(EpisodeState.INGESTED, 0)}"),
        ("ingest runs recorded", str(runs)),
        ("episodes ingested twice", str(twice)),
        ("time to queue all", f"{queued:.2f} s"),
        ("time until all ingested", f"{total:.2f} s"),
        ("throughput", f"{ARTICLES / total:.1f} articles/s"),
    ]


if __name__ == "__main__":
    main()
