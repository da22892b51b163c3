"""Listening and the keyboard, in Chromium against `infracast serve`: the waveform player,
its QA flags, ±15 s, speed, the shortcuts and their help overlay, the editor's j/k and
Ctrl+S, and show notes that play the episode.

The episodes are made in-process before the server starts (one through to audio,
auto-approved; one left in review), on the data folder the server then serves: the page
under test is the real one, without waiting on the browser to drive the pipeline.
Screenshots go to tests/artifacts/ (listen-1280, listen-390, shortcuts-help, show-notes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline import actions, episode_files, orchestrate
from pipeline.config import Settings, Show
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from tests.browser import DESKTOP, PHONE, chromium, screenshot, served
from tests.conftest import EXAMPLE
from tests.services import WebServer

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FLAGGED = "l3"  # the line this test's QA report flags


def _make_episodes(data: Path) -> None:
    """Episode 1 rendered, transcribed, annotated and published, with `FLAGGED` flagged
    by QA; episode 2 waiting in review."""
    text = EXAMPLE.read_text(encoding="utf-8")
    source = Source(kind="markdown", uri=str(EXAMPLE), text=text)
    auto = Settings(data_root=data, shows={"infracast": Show(minutes=1, auto_approve=True)})
    store = Store(auto.db_url, auto.data_root)
    listened = actions.submit(store, auto, source).episode
    done = orchestrate.run_episode(store, auto, listened.id)
    assert done.state in (EpisodeState.ANNOTATED, EpisodeState.PUBLISHED), done.failure
    # Published (real QA may have held it), so its notes are in the feed's folder too.
    actions.publish(store, auto, listened.id, "editor", allow_failed_qa=True)
    folder = store.episode_dir(listened.id)
    qa = episode_files.QA.read(folder)
    lines = [
        q.model_copy(update={"flagged": True, "wer": 0.5, "heard": "one hundred thirty"})
        if q.line_id == FLAGGED
        else q
        for q in qa.lines
    ]
    episode_files.QA.write(folder, qa.model_copy(update={"lines": lines}))
    review = Settings(data_root=data, shows={"infracast": Show(minutes=1)})
    again = actions.submit(store, review, source, force=True).episode
    assert orchestrate.run_episode(store, review, again.id).state == EpisodeState.IN_REVIEW


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    root = tmp_path_factory.mktemp("listen")
    _make_episodes(root / "data")
    with served(root) as web:
        yield web


def _time(page: Any) -> float:
    return float(page.evaluate("document.getElementById('audio').currentTime"))


def _drawn_pixels(page: Any) -> int:
    return int(
        page.evaluate(
            """() => {
              const c = document.getElementById('waveform-canvas');
              const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
              return n;
            }"""
        )
    )


def _ready(page: Any) -> None:
    page.goto("/episodes/1")
    page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
    page.wait_for_function("() => !document.getElementById('player-ui').hidden")


def test_the_waveform_player_seeks_skips_and_changes_speed(server: WebServer) -> None:
    with chromium(server.url, width=DESKTOP) as page:
        _ready(page)
        duration = float(page.evaluate("document.getElementById('audio').duration"))
        assert duration > 30
        # Drawn from the pipeline's peaks: a good share of the canvas is painted.
        page.wait_for_selector("#waveform.has-peaks")
        canvas = page.evaluate(
            "(() => { const c = document.getElementById('waveform-canvas');"
            " return [c.width, c.height, c.clientWidth, c.clientHeight]; })()"
        )
        assert canvas[0] == canvas[2] and canvas[1] == canvas[3] and canvas[2] > 500, canvas
        assert _drawn_pixels(page) > canvas[0] * canvas[1] * 0.1
        # The browser's controls gave way to the player's.
        assert page.evaluate("document.getElementById('audio').controls") is False

        box = page.locator("#waveform").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert abs(_time(page) - duration / 2) < 1.5
        slider = page.locator("#waveform")
        assert abs(float(slider.get_attribute("aria-valuenow")) - duration / 2) < 1.5
        page.click("[data-skip='15']")
        assert abs(_time(page) - (duration / 2 + 15)) < 1.5
        page.click("[data-skip='-15']")
        page.click("[data-skip='-15']")
        assert abs(_time(page) - (duration / 2 - 15)) < 1.5

        page.select_option("#speed", "1.5")
        assert page.evaluate("document.getElementById('audio').playbackRate") == 1.5
        page.click("#play")
        page.wait_for_function("() => !document.getElementById('audio').paused")
        page.wait_for_function("() => document.getElementById('play').textContent === 'Pause'")
        page.click("#play")
        page.wait_for_function("() => document.getElementById('audio').paused")

        # The flagged line is marked on the waveform; its mark plays the line.
        line = page.locator(f"#line-{FLAGGED}")
        start = float(line.get_attribute("data-start"))
        assert "flagged" in (line.get_attribute("class") or "")
        marks = page.locator(".flag-mark")
        assert marks.count() == 1
        marks.first.click()
        assert abs(_time(page) - start) < 0.5
        page.evaluate("document.getElementById('audio').pause()")
        page.evaluate("document.getElementById('audio').currentTime = 70")
        page.wait_for_function(
            "() => document.getElementById('player-now').textContent === '01:10'"
        )
        screenshot(page, "listen-1280")

        # The speed is remembered.
        page.reload()
        page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
        assert page.evaluate("document.getElementById('audio').playbackRate") == 1.5
        assert page.input_value("#speed") == "1.5"


def test_the_listen_view_s_shortcuts_and_help(server: WebServer) -> None:
    with chromium(server.url, width=DESKTOP) as page:
        _ready(page)
        page.evaluate("localStorage.removeItem('infracast.speed')")
        page.reload()
        page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
        page.locator("h1").click()  # focus on the page, not a control
        page.keyboard.press("ArrowRight")
        assert abs(_time(page) - 15) < 0.5
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowLeft")
        assert abs(_time(page) - 15) < 0.5
        page.keyboard.press(">")
        page.keyboard.press(">")
        assert page.evaluate("document.getElementById('audio').playbackRate") == 1.5
        page.keyboard.press("<")
        assert page.evaluate("document.getElementById('audio').playbackRate") == 1.25
        starts = page.eval_on_selector_all(
            "#transcript li.tline", "els => els.map(e => parseFloat(e.dataset.start))"
        )
        after = next(s for s in starts if s > 15.05)
        page.keyboard.press("j")
        assert abs(_time(page) - after) < 0.05
        page.keyboard.press("k")
        page.keyboard.press("k")
        before = [s for s in starts if s < after]
        assert abs(_time(page) - before[-2]) < 0.05
        page.keyboard.press(" ")
        page.wait_for_function("() => !document.getElementById('audio').paused")
        page.keyboard.press(" ")
        page.wait_for_function("() => document.getElementById('audio').paused")
        # Focused, the waveform is a slider with keys of its own.
        page.focus("#waveform")
        at = _time(page)
        page.keyboard.press("ArrowRight")
        assert abs(_time(page) - (at + 5)) < 0.5
        page.keyboard.press("Home")
        assert _time(page) == 0

        page.locator("h1").click()
        page.keyboard.press("?")
        dialog = page.locator("dialog#shortcuts")
        assert dialog.is_visible()
        text = dialog.inner_text()
        for said in ("Play or pause", "Back or forward 15 seconds", "Slower or faster"):
            assert said in text
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
        screenshot(page, "shortcuts-help")
        page.keyboard.press("Escape")
        assert not dialog.is_visible()
        page.click("[data-shortcuts-help]")
        assert dialog.is_visible()
        page.keyboard.press("?")
        assert not dialog.is_visible()


def test_the_player_fits_a_phone_and_draws_crisply_at_2x(server: WebServer) -> None:
    with chromium(server.url, width=PHONE) as page:
        _ready(page)
        page.wait_for_selector("#waveform.has-peaks")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        wave = page.locator("#waveform").bounding_box()
        assert wave["width"] > 300, wave
        for control in ("[data-skip='-15']", "#play", "[data-skip='15']", "#speed"):
            box = page.locator(control).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE, (control, box)
        assert _drawn_pixels(page) > 1000
        screenshot(page, "listen-390")
        # The same page at devicePixelRatio 2: the canvas has twice the pixels of its box.
        browser = page.context.browser
        dense = browser.new_context(
            viewport={"width": PHONE, "height": 844}, device_scale_factor=2, base_url=server.url
        )
        try:
            dense.add_cookies(page.context.cookies())
            sharp = dense.new_page()
            sharp.goto("/episodes/1")
            sharp.wait_for_selector("#waveform.has-peaks")
            sizes = sharp.evaluate(
                "(() => { const c = document.getElementById('waveform-canvas');"
                " return [c.width, c.clientWidth, c.height, c.clientHeight]; })()"
            )
            assert sizes[0] == 2 * sizes[1] and sizes[2] == 2 * sizes[3], sizes
            assert _drawn_pixels(sharp) > 1000
            # Turned to landscape, it redraws at the new width.
            sharp.set_viewport_size({"width": 844, "height": 390})
            sharp.wait_for_function(
                "() => document.getElementById('waveform-canvas').width"
                " === 2 * document.getElementById('waveform-canvas').clientWidth"
                " && document.getElementById('waveform-canvas').clientWidth > 500"
            )
        finally:
            dense.close()


def test_the_editor_s_turn_keys_and_ctrl_s(server: WebServer) -> None:
    with chromium(server.url, width=DESKTOP) as page:
        page.goto("/episodes/2")
        page.wait_for_selector("#editor")
        ids = page.eval_on_selector_all("#turns > li.turn", "els => els.map(e => e.id)")
        page.locator("h1").click()
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.id") == ids[0]
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("k")
        assert page.evaluate("document.activeElement.id") == ids[1]
        # One tab stop a turn: Tab goes from a turn to the next; → reaches its buttons.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == ids[2]
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.activeElement.dataset.action") == "edit"
        page.keyboard.press("Escape")
        assert page.evaluate("document.activeElement.id") == ids[2]
        # The focused turn is in view, clear of the sticky save bar.
        for _ in range(12):
            page.keyboard.press("j")
        page.wait_for_timeout(600)  # the smooth scroll
        screenshot(page, "editor-keys-1280")
        turn = page.evaluate("document.activeElement.getBoundingClientRect().bottom")
        bar = page.evaluate("document.querySelector('.save-bar').getBoundingClientRect().top")
        assert turn <= bar, (turn, bar)

        page.keyboard.press("e")
        assert page.evaluate("document.activeElement.classList.contains('turn-text')")
        # Shortcuts wait while typing: j and k are letters of the turn.
        page.keyboard.press("Control+End")
        page.keyboard.type(" Just kidding.")
        edited = page.evaluate("document.activeElement.value")
        assert edited.endswith(" Just kidding.")
        page.keyboard.press("Escape")
        assert page.evaluate("document.activeElement.matches('li.turn')")
        page.keyboard.press("?")
        assert "Save the script" in page.inner_text("dialog#shortcuts")
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        page.wait_for_url("**/episodes/2?saved=2")
        assert "Saved version 2" in page.inner_text("[role=status]")


def test_the_show_notes_play_the_episode(server: WebServer) -> None:
    with chromium(server.url, width=DESKTOP) as page:
        loaded: list[int] = []
        page.on(
            "response",
            lambda r: loaded.append(r.status) if r.url.endswith("/episode.mp3") else None,
        )
        page.goto("/episodes/1/files/notes.html")
        assert page.locator("audio[controls][src='episode.mp3']").count() == 1
        summary = page.inner_text("p.summary")
        assert summary.startswith("For two decades the humble server rack"), summary
        page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
        assert loaded and all(status in (200, 206) for status in loaded), loaded
        screenshot(page, "show-notes")
        # Published, the same notes play the same way from the feed's folder.
        feed = page.request.get("/feeds/infracast/feed.xml").text()
        notes = re.findall(r"<link>([^<]*/notes\.html)</link>", feed)
        assert len(notes) == 1, feed[:2000]
        page.goto(notes[0])
        page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
