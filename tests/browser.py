"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright.

No browser is ever downloaded: `make test` installs the `chromium` package and the
tests launch /usr/bin/chromium. A page fails its test on any script error or
Content-Security-Policy violation.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.services import WebServer, cli
from tests.web import EDITOR, PASSWORD

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).parent / "artifacts"
# The widths every page is looked at: a laptop, and a phone (an iPhone 12-15's 390 px).
DESKTOP, PHONE = 1280, 390


def executable() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("Chromium is not installed: `make test` installs Debian's chromium")
    return found


# The show every browser test serves: one-minute episodes, quick to render.
SHOWS: dict[str, Any] = {"infracast": {"minutes": 1}}


def make_rendered_example(data_root: Path) -> int:
    """The example article taken through the whole pipeline in this process, into a data
    folder that `served(..., data=)` can start from: a rendered, transcribed and annotated
    (or published) episode, in a minute rather than the browser's three. Its id."""
    from pipeline import actions, orchestrate
    from pipeline.config import Settings
    from pipeline.models import EpisodeState, Source
    from pipeline.store import Store
    from tests.conftest import EXAMPLE
    from tests.dispatching import Recorder

    settings = Settings(data_root=data_root, shows=SHOWS)
    store = Store(settings.db_url, settings.data_root)
    text = EXAMPLE.read_text(encoding="utf-8")
    source = Source(kind="markdown", uri=str(EXAMPLE), text=text)
    episode = actions.submit(store, settings, source).episode
    orchestrate.run_episode(store, settings, episode.id)
    actions.approve(store, episode.id, "editor", dispatcher=Recorder())
    done = orchestrate.run_episode(store, settings, episode.id)
    assert done.state in (EpisodeState.ANNOTATED, EpisodeState.PUBLISHED), done.failure
    store.close()
    return episode.id


@contextmanager
def served(
    root: Path, shows: dict[str, Any] | None = None, data: Path | None = None
) -> Iterator[WebServer]:
    """`infracast serve` in embedded mode on a data folder under `root` (a copy of `data`
    when given, else a fresh one), with the editor EDITOR able to sign in; stopped on the
    way out."""
    if data is not None:
        shutil.copytree(data, root / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFRACAST_")}
    env |= {
        "INFRACAST_DATA_ROOT": str(root / "data"),
        "INFRACAST_CONFIG": str(root / "absent.toml"),
        "INFRACAST_SHOWS": json.dumps(shows or SHOWS),
        "PYTHONUNBUFFERED": "1",
    }
    added = cli(env, "users", "add", EDITOR, "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    web = WebServer(env, root / "serve.log").start()
    try:
        yield web
    finally:
        web.stop()


@contextmanager
def chromium(
    url: str,
    javascript: bool = True,
    name: str = EDITOR,
    password: str = PASSWORD,
    width: int = 1400,
) -> Iterator[Any]:
    """A Chromium page at `url`, `width` CSS pixels wide, signed in as `name` (unless
    name is empty)."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable(), args=ARGS)
        page = browser.new_page(
            base_url=url,
            viewport={"width": width, "height": 1000 if width > 600 else 844},
            java_script_enabled=javascript,
        )
        page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
        page.on(
            "console",
            lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        if name:
            page.goto("/login")
            page.fill("input[name=name]", name)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{url}/")
        try:
            yield page
        finally:
            browser.close()
    assert not problems, problems


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (git-ignored) to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# axe-core from npm (package.json; `make test` runs npm ci), never from a CDN.
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_IMPACTS = ("serious", "critical")


def axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now, each as
    {id, impact, help, targets}.

    axe is evaluated through the DevTools protocol (page.evaluate), which the pages'
    Content-Security-Policy does not govern: no CSP bypass, so chromium()'s check that
    the app itself breaks no CSP rule stays meaningful. (add_script_tag would inject an
    inline script, which the CSP rightly refuses.)
    """
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: `make test` installs axe-core with npm ci")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => (await window.axe.run(document, {resultTypes: ['violations']}))
             .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     targets: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in found if v["impact"] in AXE_IMPACTS]
