"""How long does publishing take when a show already has many episodes?

Each publish writes the show's whole feed again and checks every published episode's
files in the publish directory. Measured with SHOW_SIZE episodes already in the feed
(copies of the example article's episode, made once by the pipeline): one more publish,
rewriting the feed with nothing new, and the dashboard's bulk publish of BULK episodes
(in-process, through the web app, as an editor's confirmed bulk action).

python -m bench.feed_publish [SHOW_SIZE]
"""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from bench.common import table
from pipeline import accounts, actions, feeds
from pipeline.config import Settings
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from pipeline.web import create_app
from tests.browser import SHOWS, make_rendered_example

BULK = 50
PASSWORD = secrets.token_urlsafe(16)


def _copies(store: Store, original: int, count: int) -> list[int]:
    """`count` annotated episodes whose folders are copies of `original`'s."""
    folder = store.episode_dir(original)
    ids = []
    for n in range(count):
        source = Source(kind="url", uri=f"https://news.example/{n}")
        episode = store.create_episode("infracast", source, title=f"Copy {n}")
        store.move(episode.id, EpisodeState.QUEUED, EpisodeState.ANNOTATED)
        shutil.copytree(folder, store.episode_dir(episode.id), dirs_exist_ok=True)
        ids.append(episode.id)
    return ids


def _seconds(call: object) -> float:
    start = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    show_size = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    root = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    try:
        settings = Settings(data_root=root / "data", shows=SHOWS)
        original = make_rendered_example(settings.data_root)
        store = Store(settings.db_url, settings.data_root)
        if store.episode(original).state == EpisodeState.PUBLISHED:
            actions.unpublish(store, settings, original, "bench")
        in_feed = _copies(store, original, show_size)
        first = time.perf_counter()
        for episode_id in in_feed:
            store.move(episode_id, EpisodeState.ANNOTATED, EpisodeState.PUBLISHED)
        feeds.write_feed(store, settings, "infracast")
        first_write = time.perf_counter() - first

        spare = _copies(store, original, BULK + 1)
        rows = []
        rows.append((f"first feed write, {show_size} episodes", f"{first_write:.2f} s"))
        rewrite = _seconds(lambda: feeds.write_feed(store, settings, "infracast"))
        rows.append(("rewrite, nothing changed", f"{rewrite * 1000:.0f} ms"))
        one = _seconds(
            lambda: actions.publish(store, settings, spare[0], "bench", allow_failed_qa=True)
        )
        rows.append(("publish one more episode", f"{one * 1000:.0f} ms"))

        accounts.add_user(store, "bench", PASSWORD)
        token = {"Authorization": f"Bearer {accounts.new_api_token(store, 'bench')}"}
        with TestClient(create_app(settings, store), base_url="http://testserver") as client:
            form = {"action": "publish", "ids": [str(i) for i in spare[1:]], "confirm": "yes"}
            start = time.perf_counter()
            answer = client.post("/episodes/bulk", data=form, headers=token, follow_redirects=False)
            bulk = time.perf_counter() - start
        assert answer.status_code == 303, answer.text[:500]
        published = store.episodes(state=EpisodeState.PUBLISHED, show="infracast")
        assert len(published) == show_size + BULK + 1, len(published)
        rows.append((f"bulk publish of {BULK} (web)", f"{bulk:.2f} s"))
        table(f"Publishing into a show of {show_size} episodes", rows)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
