"""The distributed path: the CLI queues, real Celery workers on a real Redis ingest.

Each test starts its own redis-server on a free port and `infracast worker`
processes; nothing runs in Celery's eager mode.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.models import EpisodeState
from pipeline.store import Store
from tests.conftest import EXAMPLE
from tests.conftest_http import LoopbackServer, http_server_fixture  # noqa: F401
from tests.services import RedisServer, Worker, cli, distributed_env, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    return root


@pytest.fixture
def env(redis_server: RedisServer, data_root: Path) -> dict[str, str]:
    return distributed_env(redis_server.url, data_root)


@pytest.fixture
def db(data_root: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{data_root / 'infracast.db'}", data_root)
    yield store
    store.close()


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[Worker]:
    w = Worker(env, tmp_path / "worker.log").start()
    yield w
    w.stop()


def article(tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"article-{n}.md"
    path.write_text(
        f"# Site {n}\n\nCampus number {n} draws 100 MW across 770 racks of 130 kW each, "
        "cooled by direct-to-chip liquid loops that remove most of the heat at the plate.\n",
        encoding="utf-8",
    )
    return path


def ingested(store: Store, count: int) -> bool:
    """`count` episodes have been ingested and gone on to wait for review."""
    return store.count_by_state().get(EpisodeState.IN_REVIEW, 0) == count


def test_queue_is_ingested_by_a_worker(env: dict[str, str], worker: Worker, db: Store) -> None:
    result = cli(env, "queue", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    wait_for(lambda: ingested(db, 1))
    [episode] = db.episodes()
    assert episode.title == "The 130-Kilowatt Rack: How AI Is Rewriting the Data Centre"
    stored = {Path(f.path).name: f for f in db.files(episode.id)}
    assert set(stored) == {"article.json", "ledger.json", "script.json"}
    assert "130" in (db.data_root / stored["article.json"].path).read_text()
    assert db.scripts.get(episode.id).version == 1


def test_queueing_the_same_article_twice_returns_the_first(
    env: dict[str, str], worker: Worker, db: Store
) -> None:
    assert cli(env, "queue", str(EXAMPLE)).returncode == 0
    again = cli(env, "queue", str(EXAMPLE))
    assert again.returncode == 0 and "already has this article" in again.stderr
    assert len(db.episodes()) == 1
    assert cli(env, "queue", "--force", str(EXAMPLE)).returncode == 0
    wait_for(lambda: ingested(db, 2))


def test_bad_input_is_refused_before_anything_is_queued(
    env: dict[str, str], db: Store, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("  \n", encoding="utf-8")
    result = cli(env, "queue", str(empty))
    assert result.returncode == 1
    assert "is empty" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert db.episodes() == []


def test_worker_refuses_without_broker(tmp_path: Path) -> None:
    env = distributed_env("", tmp_path)
    del env["INFRACAST_BROKER_URL"]
    result = cli(env, "worker")
    assert result.returncode == 1 and "set INFRACAST_BROKER_URL" in result.stderr


def test_redis_restart_loses_nothing_once_swept(
    env: dict[str, str], redis_server: RedisServer, db: Store, tmp_path: Path
) -> None:
    paths = [str(article(tmp_path, n)) for n in range(5)]
    assert cli(env, "queue", *paths).returncode == 0
    # The messages sit in Redis, which keeps nothing on disk: a restart drops them.
    redis_server.stop()
    redis_server.start()
    w = Worker(env, tmp_path / "worker.log").start()
    try:
        swept = cli(env, "sweep", "--older-than", "0")
        assert swept.returncode == 0 and "re-sent 5 episode(s)" in swept.stdout
        wait_for(lambda: ingested(db, 5))
    finally:
        w.stop()
    assert len(db.episodes()) == 5
    assert db.article_count() == 5
    assert db.stage_run_count(stage="ingest") == 5


def test_urls_and_feeds_are_fetched_by_workers(
    env: dict[str, str], worker: Worker, db: Store, http_server: LoopbackServer
) -> None:
    body = EXAMPLE.read_text(encoding="utf-8")
    links = [
        http_server.route(
            f"/post/{n}",
            body.replace("130-Kilowatt", f"{n}-Kilowatt"),
            content_type="text/markdown",
        )
        for n in range(3)
    ]
    items = "".join(
        f"<item><title>Post {n}</title><link>{link}</link><guid>post-{n}</guid></item>"
        for n, link in enumerate(links)
    )
    feed = http_server.route(
        "/feed.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Racks</title>'
        f"{items}</channel></rss>",
        content_type="application/rss+xml",
    )
    assert cli(env, "queue", "--feed", feed).returncode == 0
    wait_for(lambda: ingested(db, 3))
    assert sorted(e.title or "" for e in db.episodes())[0].startswith("The 0-Kilowatt Rack")
    again = cli(env, "queue", "--feed", feed)
    assert again.returncode == 0 and "no new entries" in again.stderr
    assert len(db.episodes()) == 3


def test_a_killed_worker_loses_nothing_and_does_nothing_twice(
    redis_server: RedisServer,
    data_root: Path,
    db: Store,
    http_server: LoopbackServer,
    tmp_path: Path,
) -> None:
    # Short limits so Redis re-delivers the dead worker's message within seconds; long enough
    # that the script stage (its soft limit is the task limit less a second) is not cut off
    # on a loaded machine (3.5 s idle, up to 9.7 s seen under load).
    env = distributed_env(
        redis_server.url,
        data_root,
        INFRACAST_TASK_TIME_LIMIT="12",
        INFRACAST_VISIBILITY_TIMEOUT="13",
    )
    url = http_server.route(
        "/slow", EXAMPLE.read_text(encoding="utf-8"), content_type="text/markdown", delay=2.0
    )
    first = Worker(env, tmp_path / "first.log").start()
    assert cli(env, "queue", url).returncode == 0
    wait_for(lambda: any(path == "/slow" for path, _ in http_server.requests), timeout=30)
    first.kill()  # mid-fetch: the task never finished and its message was never acknowledged
    [episode] = db.episodes()
    assert db.episode(episode.id).state == EpisodeState.QUEUED

    second = Worker(env, tmp_path / "second.log").start()
    try:
        wait_for(lambda: ingested(db, 1), timeout=60)
    finally:
        second.stop()
    assert len(db.episodes()) == 1
    assert db.stage_run_count(episode.id, "ingest") == 1 and db.article_count() == 1
    assert len(db.files(episode.id)) == 3 and len(db.scripts.versions(episode.id)) == 1
    assert [c.to_state for c in db.history(episode.id)] == [
        EpisodeState.QUEUED,
        EpisodeState.INGESTED,
        EpisodeState.SCRIPTED,
        EpisodeState.IN_REVIEW,
    ]


def test_audio_fans_out_per_line_to_the_render_queue(
    redis_server: RedisServer, data_root: Path, db: Store, tmp_path: Path
) -> None:
    env = distributed_env(
        redis_server.url,
        data_root,
        INFRACAST_SHOWS='{"infracast": {"auto_approve": true, "minutes": 0.5}}',
    )
    log = tmp_path / "all.log"
    w = Worker(env, log, queues="default,render,transcribe").start()
    try:
        assert cli(env, "queue", str(EXAMPLE)).returncode == 0
        # It ends published, or annotated and held when QA flagged lines.
        done = (EpisodeState.ANNOTATED, EpisodeState.PUBLISHED, EpisodeState.FAILED)
        wait_for(lambda: db.episodes()[0].state in done, timeout=240)
        time.sleep(1)  # a held publish must not be sent again and again
    finally:
        w.stop()
    [episode] = db.episodes()
    assert episode.state in (EpisodeState.ANNOTATED, EpisodeState.PUBLISHED), episode.failure
    assert log.read_text().count("Task infracast.publish[") <= 2, "publish re-sent in a loop"
    # Each distinct line became its own task on the render queue, then the stage assembled.
    assert re.search(r"render sent \d+ parts to render", log.read_text())
    assert (db.episode_dir(episode.id) / "episode.mp3").stat().st_size > 10_000


def test_a_killed_workers_stage_is_re_sent_once_its_heartbeat_stops(
    redis_server: RedisServer,
    data_root: Path,
    db: Store,
    http_server: LoopbackServer,
    tmp_path: Path,
) -> None:
    # Default visibility timeout (1 h) and stuck_after (45 min): only the heartbeat can
    # tell the sweeper this run is dead. Stale after 6 × 1 s.
    env = distributed_env(
        redis_server.url,
        data_root,
        INFRACAST_HEARTBEAT_INTERVAL="1",
        INFRACAST_FETCH_TIMEOUT="60",
    )
    url = http_server.route(
        "/slow", EXAMPLE.read_text(encoding="utf-8"), content_type="text/markdown", delay=30.0
    )
    first = Worker(env, tmp_path / "first.log").start()
    assert cli(env, "queue", url).returncode == 0
    wait_for(lambda: any(path == "/slow" for path, _ in http_server.requests), timeout=30)
    [episode] = db.episodes()
    wait_for(lambda: episode.id in db.running(), timeout=10)
    # A run that heartbeats is never re-sent, however long its episode has been queued.
    healthy = cli(env, "sweep", "--older-than", "0")
    assert healthy.returncode == 0 and "re-sent 0 episode(s)" in healthy.stdout
    first.kill()  # mid-fetch: no clean-up, the heartbeat row stays behind and goes stale
    killed = time.monotonic()
    http_server.routes["/slow"].delay = 0
    second = Worker(env, tmp_path / "second.log").start()
    try:
        wait_for(lambda: "re-sent 1 episode(s)" in cli(env, "sweep").stdout, timeout=30)
        wait_for(lambda: ingested(db, 1), timeout=30)
    finally:
        second.stop()
    assert time.monotonic() - killed < 45
    assert db.stage_run_count(episode.id, "ingest") == 1 and db.article_count() == 1
    assert db.running() == {}
    notes = [c.note for c in db.history(episode.id)]
    assert notes.count("sweeper re-sent ingest") == 1


def test_queue_with_the_broker_down_is_one_line_and_keeps_the_episode(
    redis_server: RedisServer, data_root: Path, db: Store
) -> None:
    env = distributed_env(redis_server.url, data_root)
    redis_server.stop()
    result = cli(env, "queue", str(EXAMPLE))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "broker is unreachable" in result.stderr and "infracast sweep" in result.stderr
    [episode] = db.episodes()
    assert episode.state == EpisodeState.QUEUED  # stored: the sweeper sends it later


def test_a_stage_past_its_time_limit_fails_its_episode_in_a_worker(
    redis_server: RedisServer,
    data_root: Path,
    db: Store,
    http_server: LoopbackServer,
    tmp_path: Path,
) -> None:
    env = distributed_env(
        redis_server.url,
        data_root,
        INFRACAST_STAGE_TIME_LIMITS='{"ingest": 2}',
        INFRACAST_FETCH_TIMEOUT="60",
    )
    url = http_server.route(
        "/stall", EXAMPLE.read_text(encoding="utf-8"), content_type="text/markdown", delay=30.0
    )
    w = Worker(env, tmp_path / "worker.log").start()
    try:
        assert cli(env, "queue", url).returncode == 0
        wait_for(lambda: db.episodes()[0].state == EpisodeState.FAILED, timeout=30)
        [episode] = db.episodes()
        assert episode.failed_stage == "ingest"
        assert episode.failure == "stage ingest took longer than 2 s; retry it"
        assert db.running() == {}
        # The worker is free for the next episode at once.
        assert cli(env, "queue", str(EXAMPLE)).returncode == 0
        wait_for(lambda: ingested(db, 1), timeout=60)
    finally:
        w.stop()
