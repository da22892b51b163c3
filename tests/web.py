"""Shared set-up for the web tests: an app on a fresh store, an editor, signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pipeline import accounts, actions, orchestrate
from pipeline.config import Settings, Show
from pipeline.figures.models import AuditFinding
from pipeline.models import EpisodeState, Line, Script, Segment, Source
from pipeline.store import Store
from pipeline.web import create_app
from tests.conftest import EXAMPLE

EDITOR = "editor"
PASSWORD = "correct horse battery staple"
BASE = "http://testserver"


@dataclass
class Web:
    settings: Settings
    store: Store
    app: FastAPI
    client: TestClient  # signed in as EDITOR
    csrf: str  # the signed-in session's CSRF token
    token: str  # an API token of EDITOR

    def anonymous(self) -> TestClient:
        return TestClient(self.app, base_url=BASE)

    def api(self) -> TestClient:
        """A client that authenticates with the API token (no cookie)."""
        return TestClient(
            self.app, base_url=BASE, headers={"Authorization": f"Bearer {self.token}"}
        )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, name: str = EDITOR, password: str = PASSWORD) -> str:
    """Sign `client` in; return the session's CSRF token."""
    r = client.post("/login", data={"name": name, "password": password, "next": "/"})
    assert r.status_code == 200, r.text
    return csrf_of(r.text)


def web_settings(root: Path, **overrides: object) -> Settings:
    shows = {"infracast": Show(minutes=1), "grid": Show(title="Grid Talk", minutes=1)}
    values: dict[str, object] = {
        "data_root": root,
        "shows": shows,
        "fetch_allow_networks": ["127.0.0.0/8"],
    }
    values.update(overrides)
    return Settings.model_validate(values)


@contextmanager
def web_app(settings: Settings, raise_server_exceptions: bool = True) -> Iterator[Web]:
    """The app over a fresh store of `settings`, with EDITOR signed in and an API token."""
    store = Store(settings.db_url, settings.data_root)
    accounts.add_user(store, EDITOR, PASSWORD)
    token = accounts.new_api_token(store, EDITOR, "tests")
    app = create_app(settings, store)
    with TestClient(app, base_url=BASE, raise_server_exceptions=raise_server_exceptions) as client:
        yield Web(settings, store, app, client, sign_in(client), token)
    store.close()


def settings_on_each_database(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """For a fixture with params ["sqlite", "postgres"]: web settings on that database (a
    PostgreSQL database of the test's own)."""
    overrides: dict[str, object] = {}
    if request.param == "postgres":
        overrides["database_url"] = request.getfixturevalue("pg_url")
    return web_settings(tmp_path / "data", **overrides)


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    with web_app(web_settings(tmp_path / "data")) as app:
        yield app


def episode_in_review(web: Web, show: str = "infracast") -> int:
    """The example article, ingested and scripted in this process, waiting for review."""
    source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text(encoding="utf-8"))
    episode = actions.submit(web.store, web.settings, source, show).episode
    episode = orchestrate.run_episode(web.store, web.settings, episode.id)
    assert episode.state == EpisodeState.IN_REVIEW
    return episode.id


def seed_episodes(
    store: Store, count: int, spread: list[EpisodeState], actor: str | None = None
) -> None:
    """`count` episodes put straight into the store, in `spread`'s states in turn (every
    other one last changed by `actor`): pages read rows, so how the rows got there does
    not matter, and running the pipeline for each would take an hour."""
    for n in range(count):
        source = Source(kind="url", uri=f"https://news.example/{n}/campus-in-town-{n}")
        title = f"The campus in town {n} draws {n + 10} MW"
        episode = store.create_episode("infracast", source, title=title)
        state = spread[n % len(spread)]
        if state == EpisodeState.FAILED:
            store.fail(episode.id, "ingest", "the site answered 404")
        elif state != EpisodeState.QUEUED:
            store.move(episode.id, EpisodeState.QUEUED, state, by=actor if n % 2 else None)


def put_in_review(
    store: Store, episode_id: int, title: str, findings: list[AuditFinding] | None = None
) -> None:
    """A scripted episode put in review with a two-line script, saved as the script stage
    would save it (no stage runs)."""
    script = Script(
        title=title,
        summary="A hall.",
        segments=[Segment(title="Intro")],
        lines=[
            Line(id="l1", speaker="Lena", text="The hall draws 40 MW."),
            Line(id="l2", speaker="Miles", text="That is a lot."),
        ],
        hosts=["Lena", "Miles"],
    )
    store.complete_stage(
        episode_id,
        "review-seed",
        "seed",
        {},
        EpisodeState.SCRIPTED,
        EpisodeState.IN_REVIEW,
        script=(script, findings or []),
    )
