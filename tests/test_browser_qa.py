"""Acting on QA in a real browser against `infracast serve` in embedded mode.

One real episode is made in-process before the server starts (rendered, heard back,
annotated, held by an editor so it waits re-renderable); QA's report is then made to
flag two lines, so the page has something to act on whatever the engines heard. In
Chromium the editor re-renders every flagged line from the QA summary, watches the
episode come back annotated, then re-renders one line 10% slower from its own form.
Screenshots at 1280 and 390 px go to tests/artifacts/, to be looked at.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline import actions, orchestrate
from pipeline.config import Settings, Show
from pipeline.episode_files import QA, PublishDecision
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from tests.browser import DESKTOP, PHONE, axe, chromium, screenshot, served
from tests.conftest import EXAMPLE
from tests.dispatching import Recorder
from tests.services import WebServer
from tests.web import EDITOR

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FLAGGED = ("l2", "l4")
# No automatic second try: each re-render here is the editor's, and says only their lines.
SHOWS = {"infracast": {"minutes": 1, "auto_rerender": False}}


def store_of(root: Path) -> Store:
    """The store `served(root)` runs on (the default SQLite database of its data folder)."""
    return Store(f"sqlite:///{root / 'data' / 'infracast.db'}", root / "data")


def make_episode(root: Path) -> None:
    """The example article made through every stage in this process, held by an editor
    so it stays annotated, with QA's report flagging FLAGGED."""
    settings = Settings(
        data_root=root / "data",
        shows={slug: Show(**show) for slug, show in SHOWS.items()},
        fetch_allow_networks=["127.0.0.0/8"],
    )
    store = store_of(root)
    try:
        source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text("utf-8"))
        episode = actions.submit(store, settings, source).episode
        orchestrate.run_episode(store, settings, episode.id)
        actions.decide_publishing(store, episode.id, PublishDecision(hold=True, by=EDITOR))
        actions.approve(store, episode.id, EDITOR, dispatcher=Recorder())
        episode = orchestrate.run_episode(store, settings, episode.id)
        assert episode.state == EpisodeState.ANNOTATED, episode.failure
        folder = store.episode_dir(episode.id)
        report = QA.read(folder)
        lines = [q.model_copy(update={"flagged": q.line_id in FLAGGED}) for q in report.lines]
        QA.write(folder, report.model_copy(update={"lines": lines}))
    finally:
        store.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebServer, Path]]:
    root = tmp_path_factory.mktemp("browser-qa")
    make_episode(root)
    with served(root, SHOWS) as web:
        yield web, root


def wait_for_state(page: Any, root: Path, state: EpisodeState, timeout: float = 300) -> None:
    """Until episode 1 is in `state` (the embedded runner renders and hears it again)."""
    deadline = time.monotonic() + timeout
    while True:
        store = store_of(root)
        try:
            episode = store.episode(1)
        finally:
            store.close()
        assert episode.state != EpisodeState.FAILED, episode.failure
        if episode.state == state:
            return
        assert time.monotonic() < deadline, f"episode 1 is still {episode.state.value}"
        page.wait_for_timeout(2000)


def fits(page: Any, selector: str, width: int) -> None:
    """Every element matching `selector` lies within the page's `width`."""
    right = page.eval_on_selector_all(
        selector, "els => Math.max(...els.map(e => e.getBoundingClientRect().right))"
    )
    assert right <= width + 0.5, f"{selector} reaches {right}px on a {width}px page"


def qa_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings in the QA summary and the lines' fixes."""
    ours = ("#qa-summary", "rerender", "fix-line", "tline")
    return [v for v in axe(page) if any(o in t for t in v["targets"] for o in ours)]


def test_an_editor_acts_on_qa_in_the_browser(server: tuple[WebServer, Path]) -> None:
    web, root = server
    with chromium(web.url, width=PHONE) as page:
        page.goto("/episodes/1")
        summary = page.locator("#qa-summary")
        assert "2 lines flagged" in summary.inner_text()
        fits(page, "#qa-summary, #qa-summary button, .tline.flagged .fix-line", PHONE)
        assert qa_violations(page) == []
        screenshot(page, "qa-actions-390")

    with chromium(web.url, width=DESKTOP) as page:
        page.goto("/episodes/1")
        assert "2 lines flagged" in page.inner_text("#qa-summary")
        # Flagged lines show their choice of fix; Miles, with one voice, has no "another voice".
        flagged = page.locator("#line-l2 details.fix-line")
        assert flagged.get_attribute("open") is not None
        assert page.locator("#line-l3 details.fix-line[open]").count() == 0
        assert qa_violations(page) == []
        screenshot(page, "qa-actions-1280")

        page.click("#rerender-flagged")
        page.wait_for_url("**/episodes/1?done=rerender-flagged**")
        notice = page.inner_text(".flash.ok")
        assert "Re-rendering l2, l4: each flagged line" in notice
        assert page.locator("#rerender-flagged").count() == 0  # sent back: nothing to redo
        wait_for_state(page, root, EpisodeState.ANNOTATED)

        page.goto("/episodes/1")
        line = page.locator("#line-l3")
        line.locator("summary", has_text="Re-render").click()
        line.get_by_label("10% slower").check()
        line.get_by_role("button", name="Re-render this line").click()
        page.wait_for_url("**/episodes/1?done=rerender&lines=l3")
        assert "Re-rendering l3 with the fix you chose" in page.inner_text(".flash.ok")
        voices = json.loads((root / "data" / "000001" / "overrides.json").read_text())
        assert voices["l3"]["speed"] < 1
        wait_for_state(page, root, EpisodeState.ANNOTATED)
        page.goto("/episodes/1")
        assert "re-render l3: 10% slower" in page.inner_text(".history")

    # Only the changed line was said again: every other clip came from the cache.
    store = store_of(root)
    try:
        render = store.stage_output_latest(1, "render")
    finally:
        store.close()
    assert render is not None and render["clips_rendered"] == 1
