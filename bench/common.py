"""Helpers shared by the benchmarks: a 5,000-word article, a private cluster, a table printer."""

from __future__ import annotations

import re
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.config import Settings
from tests.services import RedisServer, Worker, distributed_env

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def long_article(words: int = 5000) -> str:
    """The example articles' sections, repeated until `words` words, each copy with its
    numbers shifted so that no sentence (and no figure) simply repeats an earlier one."""
    bodies = [
        p.read_text(encoding="utf-8").split("\n", 1)[1] for p in sorted(EXAMPLES.glob("*.md"))
    ]
    parts, count, n = ["# AI infrastructure, at length"], 0, 0
    while count < words:
        body = bodies[n % len(bodies)]
        shift = n // len(bodies)
        chunk = re.sub(r"\d+", lambda m, k=shift: str(int(m.group()) + k), body)
        chunk = chunk.replace("\n## ", f"\n## Part {n + 1}: ")
        parts.append(chunk)
        count += len(re.findall(r"\w+", chunk))
        n += 1
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
