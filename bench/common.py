"""Helpers shared by the benchmarks: a 5,000-word article, a private cluster, a table printer."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.config import Settings
from tests.services import RedisServer, Worker, distributed_env

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "gigawatt-racks.md"


def long_article(words: int = 5000) -> str:
    """The example article's sections repeated, renumbered, until it has `words` words."""
    text = EXAMPLE.read_text(encoding="utf-8")
    title, body = text.split("\n", 1)
    parts, count, n = [title], 0, 0
    while count < words:
        n += 1
        chunk = body.replace("\n## ", f"\n## Part {n}: ")
        parts.append(chunk)
        count += len(chunk.split())
    return "\n".join(parts)


def table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}\n" + "-" * (width + 20))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary(samples: list[float]) -> list[tuple[str, str]]:
    ordered = sorted(samples)
    return [
        ("runs", str(len(samples))),
        ("median", ms(statistics.median(samples))),
        ("p90", ms(ordered[int(0.9 * (len(ordered) - 1))])),
        ("max", ms(ordered[-1])),
    ]


@contextmanager
def cluster(workers: int) -> Iterator[Settings]:
    """Its own redis-server and `workers` worker processes, over a temporary data root."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        redis = RedisServer(root)
        redis.start()
        env = distributed_env(redis.url, root)
        started: list[Worker] = []
        try:
            started += [Worker(env, root / f"worker-{i}.log").start() for i in range(workers)]
            yield Settings(data_root=root, broker_url=redis.url)
        finally:
            for worker in started:
                worker.stop()
            redis.stop()
