"""The dashboard with a thousand episodes, in Chromium against a real `infracast serve`:
search, filter, page, follow a running stage live, select and bulk-approve through the
confirmation page; at 1280 and 390 px wide (the table scrolls in its own box on a phone,
the page does not). Screenshots go to tests/artifacts/ to be looked at.

The episodes are put straight into the served data folder's store (the pages read rows;
running the pipeline for each would take an hour); the two approved ones then go on to
audio in the server, as approved episodes do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from tests.browser import DESKTOP, PHONE, axe, chromium, screenshot, served
from tests.services import WebServer
from tests.web import EDITOR, put_in_review, seed_episodes

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SEEDED = 1000
SPREAD = [
    EpisodeState.PUBLISHED,
    EpisodeState.PUBLISHED,
    EpisodeState.ANNOTATED,
    EpisodeState.FAILED,
    EpisodeState.QUEUED,
    EpisodeState.RENDERED,
]


@dataclass
class Served:
    web: WebServer
    store: Store
    to_approve: list[int]
    running: int


def _seed(store: Store) -> tuple[list[int], int]:
    seed_episodes(store, SEEDED - 3, SPREAD, actor="ana")
    to_approve = [_in_review(store, f"Bulk review hall {name}") for name in "AB"]
    running = store.create_episode(
        "infracast", Source(kind="markdown", uri="running.md"), title="A hall being rendered"
    ).id
    store.move(running, EpisodeState.QUEUED, EpisodeState.APPROVED)
    return to_approve, running


def _in_review(store: Store, title: str) -> int:
    episode = store.create_episode("infracast", Source(kind="markdown", uri="hall.md"), title=title)
    store.move(episode.id, EpisodeState.QUEUED, EpisodeState.SCRIPTED)
    put_in_review(store, episode.id, title)
    return episode.id


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("dashboard")
    shows = {"infracast": {"minutes": 1}, "grid": {"title": "Grid Talk", "minutes": 1}}
    with served(root, shows) as web:
        store = Store(f"sqlite:///{root / 'data' / 'infracast.db'}", root / "data")
        try:
            to_approve, running = _seed(store)
            yield Served(web, store, to_approve, running)
        finally:
            store.close()


def _rows(page: object) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined, no-any-return]
        "#episodes tbody tr", "rows => rows.map(r => r.getAttribute('data-state'))"
    )


def test_search_filter_page_and_bulk_approve_at_1280(server: Served) -> None:
    with chromium(server.web.url, width=DESKTOP) as page:
        page.goto("/")
        assert len(_rows(page)) == 50
        assert f"Episodes 1–50 of {SEEDED:,}" in page.inner_text("nav.pager")
        screenshot(page, "dashboard-1280")
        assert not axe(page), axe(page)

        # search, from the form (a GET: the URL keeps it)
        page.fill("#dash-q", "town 77")
        page.press("#dash-q", "Enter")
        page.wait_for_url("**/?q=town+77&*")
        titles = page.locator("#episodes tbody td.title a").all_inner_texts()
        assert titles and all("town 77" in t for t in titles)
        assert len(titles) == 11  # 77 and 770–779

        # filter by state, keeping the search
        page.select_option("#dash-state", "failed")
        page.click(".dash-submit button")
        page.wait_for_url("**/?q=town+77&state=failed&*")
        assert set(_rows(page)) == {"failed"}
        page.click("nav.dash-states a[data-filter='needs_editor']")
        page.wait_for_url("**/?q=town+77&state=needs_editor")
        assert set(_rows(page)) <= {"failed", "in_review", "annotated"}

        # pages: next, and the numbers say where we are
        page.goto("/?sort=title")
        page.click("a[rel=next]")
        page.wait_for_url("**/?sort=title&dir=asc&page=2")
        assert "Episodes 51–100" in page.inner_text("nav.pager")

        # select all on this page, then none
        page.check("#select-all")
        assert "50 selected" in page.inner_text("#bulk-status")
        page.uncheck("#select-all")
        assert page.locator("#bulk button[name=action]").first.is_disabled()

        # bulk approve two episodes in review, through the confirmation
        page.goto("/?q=bulk+review&state=in_review")
        assert len(_rows(page)) == 2
        for episode_id in server.to_approve:
            page.check(f"input[name=ids][value='{episode_id}']")
        assert "2 selected" in page.inner_text("#bulk-status")
        page.click("#bulk button[value=approve]")
        page.wait_for_url("**/episodes/bulk")
        plan = page.inner_text("main")
        assert "Approve 2 of 2 selected episodes?" in plan
        assert plan.count("will approve script version 1") == 2
        for episode_id in server.to_approve:  # nothing has happened yet
            assert server.store.episode(episode_id).state == EpisodeState.IN_REVIEW
        screenshot(page, "dashboard-bulk-confirm")
        page.click("#confirm")
        page.wait_for_url("**/?q=bulk+review&state=in_review&bulk=approved&n=2&skipped=0")
        assert "Approved: 2 episodes." in page.inner_text("[role=status]")
        for episode_id in server.to_approve:
            episode = server.store.episode(episode_id)
            assert episode.state != EpisodeState.IN_REVIEW and episode.last_actor == EDITOR


def test_a_running_stage_is_followed_live(server: Served) -> None:
    episode_id = server.running
    server.store.start_heartbeat(episode_id, "render", "seeded-runner")
    server.store.report_progress(episode_id, "seeded-runner", 5, 40)
    try:
        with chromium(server.web.url, width=DESKTOP) as page:
            page.goto("/?q=being+rendered")
            what = page.locator(f"#episode-{episode_id} td.happening .what")
            assert what.inner_text().startswith("render 5/40 lines")
            server.store.report_progress(episode_id, "seeded-runner", 30, 40)
            # no reload: dashboard.js polls while the page is visible
            page.wait_for_function(
                f"() => document.querySelector('#episode-{episode_id} td.happening .what')"
                ".textContent.startsWith('render 30/40 lines')",
                timeout=15_000,
            )
            assert page.locator(f"#episode-{episode_id} progress").get_attribute("value") == "30"
    finally:
        server.store.end_heartbeat(episode_id)


def test_the_phone_width_keeps_the_table_usable(server: Served) -> None:
    with chromium(server.web.url, width=PHONE) as page:
        page.goto("/")
        assert len(_rows(page)) == 50
        widths = page.evaluate(
            """() => ({page: document.documentElement.scrollWidth,
                       box: document.querySelector('#episodes').clientWidth,
                       table: document.querySelector('#episodes table').scrollWidth})"""
        )
        assert widths["page"] <= PHONE, widths  # the page itself never scrolls sideways
        assert widths["box"] <= PHONE and widths["table"] > widths["box"], widths
        # the table scrolls inside its own box, to its last column
        page.evaluate("document.querySelector('#episodes').scrollLeft = 10000")
        assert page.evaluate("document.querySelector('#episodes').scrollLeft") > 0
        page.evaluate("document.querySelector('#episodes').scrollLeft = 0")
        # the form's controls fit the width
        for control in ("#dash-q", "#dash-state", ".dash-submit button"):
            box = page.locator(control).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE, control
        screenshot(page, "dashboard-390")
        assert not axe(page), axe(page)
        _readable_and_tappable(page)
        page.locator("#episodes input[name=ids]").first.check()  # a failed episode
        page.click("#bulk button[value=retry]")
        page.wait_for_url("**/episodes/bulk")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE
        _readable_and_tappable(page)
        screenshot(page, "dashboard-bulk-390")


def _readable_and_tappable(page: Any) -> None:
    """No text under 12 px, and every control at least 24 x 24 px (WCAG 2.2's target
    size), as a phone needs."""
    small = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
              .filter(e => e.getClientRects().length && [...e.childNodes].some(
                  n => n.nodeType === 3 && n.textContent.trim()))
              .filter(e => parseFloat(getComputedStyle(e).fontSize) < 12)
              .map(e => `${e.tagName}.${e.className}`)"""
    )
    assert small == [], f"text under 12 px: {sorted(set(small))}"
    tiny = page.evaluate(
        """() => [...document.querySelectorAll(
                 'main button, main select, main input:not([type=hidden]), main .button, '
                 + 'main nav a')]
              .filter(e => e.getClientRects().length)
              .filter(e => { const r = e.getBoundingClientRect();
                             return r.height < 24 || r.width < 24; })
              .map(e => `${e.tagName}.${e.className} ${e.textContent.trim().slice(0, 20)}`)"""
    )
    assert tiny == [], f"tap targets under 24 px: {tiny}"


def test_the_screenshots_were_written() -> None:
    artifacts = Path(__file__).parent / "artifacts"
    for name in ("dashboard-1280", "dashboard-390", "dashboard-bulk-confirm", "dashboard-bulk-390"):
        assert (artifacts / f"{name}.png").is_file(), name
