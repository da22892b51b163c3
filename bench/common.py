"""Helpers shared by the benchmarks: a 5,000-word article, a reviewed episode of it and an
edit to one of its lines, a private cluster, a table printer."""

from __future__ import annotations

import re
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.config import Settings, Show
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
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


@contextmanager
def reviewed_episode(minutes: float, words: int) -> Iterator[tuple[Store, Settings, int]]:
    """An episode of `long_article(words)`, ingested, scripted and approved, over a temporary
    data root; each audio stage runs once (no automatic second try of flagged lines)."""
    from pipeline import actions, orchestrate

    with tempfile.TemporaryDirectory() as tmp:
        show = Show(auto_approve=True, auto_rerender=False, minutes=minutes)
        settings = Settings(data_root=Path(tmp), shows={"infracast": show})
        store = Store(settings.db_url, settings.data_root)
        source = Source(kind="markdown", uri="bench.md", text=long_article(words))
        episode = actions.submit(store, settings, source).episode
        for stage in ("ingest", "script", "review"):
            orchestrate.run_stage(store, settings, episode.id, stage)
        yield store, settings, episode.id


def edit_one_line(store: Store, episode_id: int) -> None:
    """An editor's change to one of the second host's longer lines, sent back to rendering."""
    saved = store.scripts.get(episode_id)
    lines = list(saved.script.lines)
    i = next(
        i
        for i, line in enumerate(lines)
        if line.speaker == saved.script.hosts[1] and line.words > 8
    )
    lines[i] = lines[i].model_copy(update={"text": lines[i].text + " That's worth repeating."})
    store.scripts.save(
        episode_id,
        saved.script.model_copy(update={"lines": lines}),
        [],
        author="bench",
        base_version=saved.version,
    )
    # Back through review: the audio stages say the approved version, not the latest.
    store.move(episode_id, store.episode(episode_id).state, EpisodeState.IN_REVIEW, "bench edit")
    store.scripts.approve(episode_id, None, "bench")


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
