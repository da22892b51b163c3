"""100 articles queued at once to two workers: all ingested, none twice; how fast?

python -m bench.throughput
"""

from __future__ import annotations

import time

from bench.common import cluster, table
from bench.queue_latency import article
from pipeline import actions
from pipeline.config import Settings
from pipeline.models import EpisodeState
from pipeline.store import Store
from tests.services import wait_for

ARTICLES = 100


def main() -> None:
    with cluster(workers=2) as settings:
        rows = measure(settings)
    table(f"{ARTICLES} articles queued at once, two workers", rows)


def measure(settings: Settings) -> list[tuple[str, str]]:
    from workers.celery_app import create_app
    from workers.tasks import CeleryDispatcher

    store = Store(settings.db_url, settings.data_root)
    dispatcher = CeleryDispatcher(create_app(settings))
    start = time.perf_counter()
    for n in range(ARTICLES):
        actions.submit(store, settings, article(n), dispatcher=dispatcher)
    queued = time.perf_counter() - start
    # Workers go on to write each script after ingesting it: count ingest runs.
    wait_for(lambda: store.stage_run_count(stage="ingest") == ARTICLES, timeout=300)
    total = time.perf_counter() - start
    runs = store.stage_run_count(stage="ingest")
    twice = sum(
        1
        for e in store.episodes()
        if sum(c.to_state == EpisodeState.INGESTED for c in store.history(e.id)) != 1
    )
    return [
        ("articles ingested", str(store.article_count())),
        ("ingest runs recorded", str(runs)),
        ("episodes ingested twice", str(twice)),
        ("time to queue all", f"{queued:.2f} s"),
        ("time until all ingested", f"{total:.2f} s"),
        ("throughput", f"{ARTICLES / total:.1f} articles/s"),
    ]


if __name__ == "__main__":
    main()
