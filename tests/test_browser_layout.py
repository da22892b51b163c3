"""Every page at a laptop's and a phone's width, by keyboard, and through axe-core.

Against a real `infracast serve` whose data folder was seeded in-process before it
started (one episode in review with two script versions, one rendered and published),
each page is loaded at 1280 and 390 CSS px: at 390 nothing may be wider than the
viewport, the header's items stay inside the bar, and axe-core finds no serious or
critical violation. The skip link is the first thing Tab reaches and moves focus to
the content; the feeds page copies its feed URL and shows the feed's checklist.
Screenshots go to tests/artifacts/layout-<page>-<width>.png, to be looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline import actions, orchestrate
from pipeline.config import Settings, Show
from pipeline.editing import ScriptEdit, Turn, save_edit
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from tests.browser import DESKTOP, PHONE, axe, chromium, screenshot, served
from tests.conftest import EXAMPLE
from tests.dispatching import Recorder
from tests.services import WebServer
from tests.web import EDITOR

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHORT = Path(__file__).parent / "data" / "short-article.md"
PIPER = {"engine": "piper", "voice": "joe"}
SHOWS: dict[str, Any] = {
    "infracast": {
        "title": "Racks",
        "minutes": 1,
        "auto_rerender": False,
        "owner_email": "podcasts@newsroom.test",
        "hosts": [
            {"name": "Lena", "role": "leads and explains", "voice": PIPER | {"speed": 0.95}},
            {"name": "Miles", "role": "asks, connects and reacts", "voice": PIPER},
        ],
    },
    "grid": {"title": "Grid Talk", "minutes": 1},
}


@dataclass(frozen=True)
class Seeded:
    in_review: int  # two script versions
    published: int  # rendered, transcribed, in its feed


def seed(root: Path) -> Seeded:
    """The data folder `served(root, SHOWS)` will serve, filled in-process (about a
    minute: the short article is rendered with Piper and transcribed)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INFRACAST_CONFIG", str(root / "absent.toml"))
        shows = {slug: Show.model_validate(show) for slug, show in SHOWS.items()}
        settings = Settings(data_root=root / "data", shows=shows, default_show="infracast")
    store = Store(settings.db_url, settings.data_root)
    try:
        text = EXAMPLE.read_text(encoding="utf-8")
        review = actions.submit(store, settings, Source(kind="markdown", uri="a.md", text=text))
        orchestrate.run_episode(store, settings, review.episode.id)
        current = store.scripts.get(review.episode.id)
        turns = [Turn(id=x.id, speaker=x.speaker, text=x.text) for x in current.script.lines]
        turns[1] = Turn(id=turns[1].id, speaker=turns[1].speaker, text="That is 130 kW a rack.")
        edit = ScriptEdit(base_version=current.version, turns=turns, comment="tighter")
        save_edit(store, review.episode.id, edit, EDITOR)

        text = SHORT.read_text(encoding="utf-8")
        made = actions.submit(store, settings, Source(kind="markdown", uri="b.md", text=text))
        episode_id = made.episode.id
        orchestrate.run_episode(store, settings, episode_id)
        actions.approve(store, episode_id, EDITOR, dispatcher=Recorder())
        if orchestrate.run_episode(store, settings, episode_id).state is EpisodeState.ANNOTATED:
            actions.publish(store, settings, episode_id, EDITOR, allow_failed_qa=True)
        assert store.episode(episode_id).state is EpisodeState.PUBLISHED
        return Seeded(in_review=review.episode.id, published=episode_id)
    finally:
        store.close()


@dataclass(frozen=True)
class Site:
    web: WebServer
    seeded: Seeded

    def pages(self) -> dict[str, str]:
        return {
            "dashboard": "/",
            "queue": "/queue",
            "review": f"/episodes/{self.seeded.in_review}",
            "listen": f"/episodes/{self.seeded.published}",
            "diff": f"/episodes/{self.seeded.in_review}/diff",
            "feeds": "/shows",
        }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("layout")
    seeded = seed(root)
    with served(root, SHOWS) as web:
        yield Site(web, seeded)


def _fits(page: Any, width: int) -> None:
    """Nothing wider than the viewport, and every header item inside the bar."""
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} is {wide} px wide at {width}"
    bar = page.locator("header.topbar").bounding_box()
    assert bar is not None
    for item in page.locator("header.topbar a, header.topbar button").all():
        box = item.bounding_box()
        assert box is not None, "a header item is hidden"
        assert box["x"] >= bar["x"] and box["x"] + box["width"] <= bar["x"] + bar["width"] + 0.5
        assert box["y"] >= bar["y"] and box["y"] + box["height"] <= bar["y"] + bar["height"] + 0.5
        assert box["height"] >= 24 and box["width"] >= 24, "a header tap target under 24 px"


def _readable(page: Any) -> None:
    """No text under 12 px on a phone: readers there zoom only so far."""
    small = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
              .filter(e => e.getClientRects().length && [...e.childNodes].some(
                  n => n.nodeType === 3 && n.textContent.trim()))
              .filter(e => parseFloat(getComputedStyle(e).fontSize) < 12)
              .map(e => `${e.tagName}.${e.className}: ${getComputedStyle(e).fontSize}`)"""
    )
    assert small == [], f"{page.url}: text under 12 px: {sorted(set(small))}"


def _tappable(page: Any) -> None:
    """Every control (not a link inside a sentence) at least 24 × 24 px (WCAG 2.2's
    target size)."""
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'button, select, input:not([type=hidden]), summary, .button, nav a')]
              .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
              .filter(e => { const r = e.getBoundingClientRect();
                             return r.height < 24 || r.width < 24; })
              .map(e => `${e.tagName}.${e.className} ${e.textContent.trim().slice(0, 20)}`)"""
    )
    assert small == [], f"{page.url}: tap targets under 24 px: {small}"


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_every_page_fits_and_has_no_serious_accessibility_violation(site: Site, width: int) -> None:
    with chromium(site.web.url, name="", width=width) as page:
        page.goto("/login")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        assert axe(page) == []
        screenshot(page, f"layout-sign-in-{width}")
    violations: dict[str, list[dict[str, Any]]] = {}  # every page's, so one run names them all
    with chromium(site.web.url, width=width) as page:
        for name, path in site.pages().items():
            page.goto(path)
            page.wait_for_load_state("networkidle")
            screenshot(page, f"layout-{name}-{width}")
            _fits(page, width)
            if width == PHONE:
                _readable(page)
                _tappable(page)
            if found := axe(page):
                violations[name] = found
    assert violations == {}


def test_the_review_title_and_the_seek_bar_keep_their_room_on_a_phone(site: Site) -> None:
    with chromium(site.web.url, width=PHONE) as page:
        page.goto(f"/episodes/{site.seeded.in_review}")
        title = page.locator("h1").bounding_box()
        assert title is not None and title["width"] >= PHONE * 0.7  # not one word per line
        page.goto(f"/episodes/{site.seeded.published}")
        # The seek bar: player.js's waveform, or the browser's own controls without it.
        seek = page.locator("#waveform:visible, #audio:visible").first.bounding_box()
        assert seek is not None and seek["width"] >= PHONE * 0.6


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(
    site: Site,
) -> None:
    with chromium(site.web.url, width=PHONE) as page:
        for path in ("/", f"/episodes/{site.seeded.in_review}", "/shows"):
            page.goto(path)
            page.keyboard.press("Tab")
            link = page.locator(":focus")
            assert link.inner_text() == "Skip to content"
            box = link.bounding_box()
            assert box is not None and box["y"] >= 0 and box["x"] >= 0  # shown on focus
            page.keyboard.press("Enter")
            assert page.evaluate("() => document.activeElement.id") == "content"
            # The next Tab goes into the content, past the header.
            page.keyboard.press("Tab")
            assert page.evaluate("() => !!document.activeElement.closest('main')")


def test_a_turn_brought_into_view_is_not_hidden_under_the_sticky_save_bar(site: Site) -> None:
    with chromium(site.web.url, width=PHONE) as page:
        page.goto(f"/episodes/{site.seeded.in_review}")
        page.evaluate("() => window.scrollTo(0, 0)")
        turn = page.locator("#turns > li.turn").nth(12)
        # The scroll that moving focus to a turn below the window does ("nearest"): without
        # the scroll padding, the turn stops at the window's bottom edge, under the bar.
        turn.evaluate("t => t.scrollIntoView({block: 'nearest'})")
        box, bar = turn.bounding_box(), page.locator(".save-bar").bounding_box()
        assert box is not None and bar is not None
        assert box["y"] + box["height"] <= bar["y"], (box, bar)


def test_copy_feed_url_puts_the_feed_url_on_the_clipboard(site: Site) -> None:
    with chromium(site.web.url) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.web.url)
        page.goto("/shows")
        field = page.locator("#feed-url-infracast")
        url = field.input_value()
        assert url.endswith("/infracast/feed.xml")
        page.get_by_role("button", name="Copy feed URL").first.click()
        page.wait_for_function("() => document.getElementById('feed-copied-infracast').textContent")
        assert page.inner_text("#feed-copied-infracast") == "Copied"
        assert page.evaluate("() => navigator.clipboard.readText()") == url

        # Where the Clipboard API is missing (plain http on another host), the URL is
        # selected in its field for the editor to copy, and the status says what happened.
        page.evaluate("() => Object.defineProperty(navigator, 'clipboard', {value: undefined})")
        page.get_by_role("button", name="Copy feed URL").first.click()
        page.wait_for_function("() => document.getElementById('feed-copied-infracast').textContent")
        selected = page.evaluate(
            """() => { const f = document.getElementById('feed-url-infracast');
                       return document.activeElement === f && f.selectionStart === 0
                              && f.selectionEnd === f.value.length; }"""
        )
        assert selected
        assert page.inner_text("#feed-copied-infracast") in (
            "Copied",
            "Selected: press Ctrl+C (⌘C on a Mac) to copy",
        )


def test_the_feeds_page_shows_each_feeds_checklist(site: Site) -> None:
    with chromium(site.web.url, width=PHONE) as page:
        page.goto("/shows")
        feed = page.locator("#show-infracast .checklist")
        assert "Ready for podcast apps?" in feed.inner_text()
        assert feed.locator("li.feed-check").count() > 20
        assert feed.locator("li.feed-check.check-pass").count() > 10
        # Served on 127.0.0.1, the feed's addresses cannot be reached by Apple: said,
        # with what to change, and no command to run.
        public = feed.locator("li.feed-check", has_text="Public addresses")
        assert "check-fail" in (public.get_attribute("class") or "")
        assert "public address" in public.inner_text()
        grid = page.locator("#show-grid .checklist").inner_text()
        assert "not written yet" in grid
        assert not re.search(r"infracast [a-z]+ ", page.inner_text("main"))  # no CLI commands
