"""An editor's whole path in a real browser against `infracast serve` in embedded mode.

Sign in, queue the example article, review it, edit a turn, see version 2 and its
diff, approve, watch the dashboard follow the episode through rendering, then play
and seek in the listen view and find it on the feeds page. A screenshot of each
page goes to tests/artifacts/ (git-ignored), to be looked at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import PHONE, chromium, screenshot, served
from tests.conftest import EXAMPLE
from tests.services import WebServer
from tests.web import EDITOR

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    with served(tmp_path_factory.mktemp("browser")) as web:
        yield web


def _wait(page: Any, check: Any, timeout: float = 120, reload_every: float = 2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting in the browser"
        page.wait_for_timeout(reload_every * 1000)
        page.reload()


def test_an_editor_takes_an_article_to_the_feed(server: WebServer) -> None:
    with chromium(server.url, name="") as page:
        page.goto("/")
        page.wait_for_url("**/login?next=/")
        page.fill("input[name=name]", EDITOR)
        page.fill("input[name=password]", "not the password")
        page.click("button[type=submit]")
        assert "do not match" in page.inner_text("[role=alert]")
        screenshot(page, "00-sign-in")
    with chromium(server.url) as page:
        screenshot(page, "01-dashboard-empty")

        page.goto("/queue")
        page.set_input_files("input[name=file]", str(EXAMPLE))
        screenshot(page, "02-queue")
        page.click("form.queue-form button[type=submit]")
        page.wait_for_url("**/episodes/1")
        # The page follows the episode by itself (live.js): the script appears, no reload.
        page.wait_for_selector("#editor", timeout=90_000)
        assert "The 130-Kilowatt Rack" in page.inner_text("h1")
        assert page.locator("mark.figure").count() > 5
        screenshot(page, "03-review")

        turns = page.locator("#turns > li.turn")
        second = turns.nth(1)
        turn_id = second.get_attribute("data-id")
        second.locator(".turn-view .text").click()  # clicking a turn's text edits it
        second.locator("textarea").fill("Edited in the browser: that is 130 kW in one rack.")
        page.fill("#edit-comment", "tighter second line")
        page.click("#editor button[type=submit]")
        page.wait_for_url("**/episodes/1?saved=2")
        assert "Saved version 2" in page.inner_text("main")
        assert "Edited in the browser" in page.inner_text(f"#turn-{turn_id}")

        page.goto("/episodes/1/diff")
        assert "Edited in the browser" in page.inner_text("ins")
        screenshot(page, "04-diff")

        page.goto("/episodes/1")
        page.click("#approve")
        page.wait_for_url("**/episodes/1**")
        # Rendering and QA show on the page as they run, then the audio replaces the script.
        page.wait_for_selector("#live:not([hidden]) .live-stage", timeout=30_000)
        screenshot(page, "05a-episode-working")
        page.wait_for_selector("#audio", state="attached", timeout=240_000)
        page.goto("/episodes/1")

        # The dashboard follows the episode as the embedded runner renders it.
        page.goto("/")
        screenshot(page, "05-dashboard-rendering")
        done = ("annotated", "published")
        _wait(
            page,
            lambda: any(page.locator(f"tr[data-state={s}]").count() for s in done),
            timeout=240,
            reload_every=3,
        )
        screenshot(page, "06-dashboard-done")

        page.goto("/episodes/1")
        audio = "document.getElementById('audio')"
        page.wait_for_function(f"() => {audio}.readyState >= 1 && {audio}.duration > 20")
        lines = page.locator("#transcript li.tline")
        assert lines.count() > 5
        target = lines.nth(4)
        start = float(target.get_attribute("data-start") or 0)
        target.locator("button.seek").click()  # a click on a line plays from its start
        page.wait_for_function(f"() => !{audio}.paused && {audio}.currentTime >= {start}")
        page.wait_for_function(f"() => {audio}.currentTime > {start} + 0.5")
        assert "current" in (target.get_attribute("class") or "")
        screenshot(page, "07-listen")
        page.evaluate(f"{audio}.pause()")

        page.goto("/shows")
        assert f"{server.url}/feeds/infracast/feed.xml" in page.inner_text("main")
        if not page.locator("button", has_text="Unpublish").count():
            # QA held it (a line both recognisers misheard twice): publish it on purpose.
            anyway = page.locator("button", has_text="Publish anyway (QA failed)")
            publish = page.get_by_role("button", name="Publish", exact=True)
            if anyway.count():
                anyway.first.click()
                screenshot(page, "08a-confirm-publish-despite-qa")
                page.click("#confirm")  # it asks first, naming the flagged lines
            else:
                publish.first.click()
            page.wait_for_url("**/shows**")
        assert page.locator("button", has_text="Unpublish").count() == 1
        screenshot(page, "08-feeds")
        feed = page.request.get("/feeds/infracast/feed.xml")
        assert feed.ok and "<enclosure" in feed.text()

        # Unpublishing asks first; Cancel leaves the episode in its feed.
        page.goto("/episodes/1")
        page.click("#unpublish")
        assert "Unpublish episode 1?" in page.inner_text("h1")
        screenshot(page, "09-confirm-unpublish")
        page.set_viewport_size({"width": PHONE, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        screenshot(page, "09-confirm-unpublish-390")
        page.get_by_role("link", name="Cancel").click()
        page.wait_for_url("**/episodes/1")
        assert page.locator("#unpublish").count() == 1  # still published


def test_the_screenshots_were_written() -> None:
    shots = sorted(p.name for p in (Path(__file__).parent / "artifacts").glob("0*.png"))
    assert shots[:10] == [
        "00-sign-in.png",
        "01-dashboard-empty.png",
        "02-queue.png",
        "03-review.png",
        "04-diff.png",
        "05-dashboard-rendering.png",
        "05a-episode-working.png",
        "06-dashboard-done.png",
        "07-listen.png",
        "08-feeds.png",
    ]
