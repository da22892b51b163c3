"""How fast do the review UI and the API answer? Target: every page and call < 200 ms.

Served in-process (Starlette's TestClient, no network), on SQLite, with 200 episodes
in the store and the example article's script under review: the dashboard, the
review page, the diff, the API's list and script, and a script save.

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
from pipeline.models import Source
from pipeline.store import Store
from pipeline.web import create_app
from tests.conftest import EXAMPLE

PASSWORD = secrets.token_urlsafe(16)


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
    for n in range(199):
        body = f"# Article {n}\n\nThe campus in town {n} draws {n + 10} MW of power. " * 3
        source = Source(kind="markdown", uri=f"{n}.md", text=body)
        actions.submit(store, settings, source)
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
        ("GET / (dashboard, 200 episodes)", lambda: client.get("/")),
        ("GET /episodes/1 (review page)", lambda: client.get("/episodes/1")),
        ("GET /api/episodes (200)", lambda: client.get("/api/episodes", headers=api)),
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
