"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright.

No browser is ever downloaded: `make test` installs the `chromium` package and the
tests launch /usr/bin/chromium. A page fails its test on any script error or
Content-Security-Policy violation.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.web import EDITOR, PASSWORD

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).parent / "artifacts"


def executable() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("Chromium is not installed: `make test` installs Debian's chromium")
    return found


@contextmanager
def chromium(
    url: str, javascript: bool = True, name: str = EDITOR, password: str = PASSWORD
) -> Iterator[Any]:
    """A Chromium page at `url`, signed in as `name` (unless name is empty)."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable(), args=ARGS)
        page = browser.new_page(
            base_url=url, viewport={"width": 1400, "height": 1000}, java_script_enabled=javascript
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
