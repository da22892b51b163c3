"""How fast do the review UI and the API answer? Target: every page and call < 200 ms.

Served in-process (Starlette's TestClient, no network), on SQLite, with 1,000 episodes
in the store (the example article's, made by the pipeline and under review; the rest
put straight into the store, in every state): the dashboard as it opens, searched,
filtered by state and at page 10; the review page, the diff, the API's list and
script, and a script save.

python -m bench.web_pages
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from bench.common import ms, table
from pipeline import accounts, actions, orchestrate
from pipeline.config import Settings, Show
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from pipeline.web import create_app
from tests.conftest import EXAMPLE
from tests.web import seed_episodes

PASSWORD = secrets.token_urlsafe(16)
EPISODES = 1000
# The states the seeded episodes are spread over, as a busy team's store would hold them.
SPREAD = [
    EpisodeState.PUBLISHED,
    EpisodeState.PUBLISHED,
    EpisodeState.PUBLISHED,
    EpisodeState.ANNOTATED,
    EpisodeState.IN_REVIEW,
    EpisodeState.FAILED,
    EpisodeState.QUEUED,
    EpisodeState.RENDERED,
]


def timed(call: Callable[[], object], runs: int = 20) -> tuple[float, float]:
    first = call()  # warm up, and check it is the real page, not a redirect to sign-in
    status, history = getattr(first, "status_code", 200), getattr(first, "history", [])
    assert status == 200 and not history, (getattr(first, "url", ""), status)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2], samples[int(len(samples) * 0.9)]


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-web-"))
    settings = Settings(data_root=root, shows={"infracast": Show(minutes=5)})
    store = Store(settings.db_url, settings.data_root)
    text = EXAMPLE.read_text(encoding="utf-8")
    episode = actions.submit(store, settings, Source(kind="markdown", uri="a.md", text=text))
    orchestrate.run_episode(store, settings, episode.episode.id)
    seed_episodes(store, EPISODES - 1, SPREAD, actor="bench")
    accounts.add_user(store, "bench", PASSWORD)
    token = accounts.new_api_token(store, "bench")
    client = TestClient(create_app(settings, store), base_url="http://testserver")
    client.post("/login", data={"name": "bench", "password": PASSWORD, "next": "/"})
    api = {"Authorization": f"Bearer {token}"}
    script = client.get("/api/episodes/1/script", headers=api).json()
    turns = [
        {"id": x["id"], "speaker": x["speaker"], "text": x["text"]}
        for x in script["script"]["lines"]
    ]
    version = [script["version"]]

    def save() -> None:
        turns[1]["text"] = f"Edited {version[0]} times: 130 kW per rack."
        body = {"base_version": version[0], "turns": turns}
        r = client.put("/api/episodes/1/script", json=body, headers=api)
        assert r.status_code == 200, r.text
        version[0] = r.json()["version"]

    calls: list[tuple[str, Callable[[], object]]] = [
        (f"GET / (dashboard, {EPISODES:,} episodes)", lambda: client.get("/")),
        ("GET /?q=town 7 (search)", lambda: client.get("/", params={"q": "town 7"})),
        ("GET /?state=in_review (filter)", lambda: client.get("/?state=in_review")),
        ("GET /?page=10", lambda: client.get("/?page=10")),
        ("GET /?sort=title&q=campus", lambda: client.get("/?sort=title&q=campus")),
        ("GET /episodes/1 (review page)", lambda: client.get("/episodes/1")),
        ("GET /api/episodes (a page of 50)", lambda: client.get("/api/episodes", headers=api)),
        (
            "GET /api/episodes?q=town 7&sort=updated",
            lambda: client.get("/api/episodes?q=town%207&sort=updated", headers=api),
        ),
        ("GET /api/episodes/1/script", lambda: client.get("/api/episodes/1/script", headers=api)),
        ("PUT /api/episodes/1/script (save)", save),
        ("GET /episodes/1/diff", lambda: client.get("/episodes/1/diff")),
    ]
    rows = []
    for name, call in calls:
        median, p90 = timed(call)
        rows.append((name, f"median {ms(median)}, p90 {ms(p90)}"))
    lines = len(turns)
    table(f"web pages and API calls, {lines}-turn script (target < 200 ms each)", rows)


if __name__ == "__main__":
    main()
