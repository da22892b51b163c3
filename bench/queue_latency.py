"""Queue → ingested by a worker: how long, one article at a time? Target median < 1 s.

Starts its own redis-server and one `infracast worker`, queues 30 articles one
after another the way `infracast queue` does, and times each until the store
shows it ingested.

    python -m bench.queue_latency
"""

from __future__ import annotations

import time

from bench.common import cluster, summary, table
from pipeline import actions
from pipeline.config import Settings
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from tests.services import wait_for

RUNS = 30


def article(n: int) -> Source:
    text = (
        f"# Campus {n}\n\nCampus {n} draws 100 MW across 770 racks of 130 kW each, cooled by "
        "direct-to-chip liquid loops that remove about 80% of the heat at the cold plate.\n"
    )
    return Source(kind="markdown", uri=f"bench-{n}.md", text=text)


def ingested(store: Store, episode_id: int) -> bool:
    """Past the ingest stage (the worker goes straight on to write the script)."""
    return store.episode(episode_id).state not in (EpisodeState.QUEUED, EpisodeState.FAILED)


def main() -> None:
    with cluster(workers=1) as settings:
        samples = measure(settings)
    table("queue → ingested, one worker (target median < 1 s)", summary(samples))


def measure(settings: Settings) -> list[float]:
    from workers.celery_app import create_app
    from workers.tasks import CeleryDispatcher

    store = Store(settings.db_url, settings.data_root)
    dispatcher = CeleryDispatcher(create_app(settings))
    samples = []
    for n in range(RUNS):
        start = time.perf_counter()
        episode = actions.submit(store, settings, article(n), dispatcher=dispatcher).episode
        wait_for(lambda e=episode.id: ingested(store, e), interval=0.005)
        samples.append(time.perf_counter() - start)
    return samples


if __name__ == "__main__":
    main()
