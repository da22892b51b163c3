"""What the web app promises an editor's browser: sign-in everywhere but the public
feeds, CSRF on every state-changing request, no changes on GET, escaped output, files
only from inside their folders, size limits, careful cookies and a sign-in rate limit.

The route checks walk every route the app has, so a page or API route added later is
checked without a new test.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select
from starlette.routing import Mount

from pipeline import accounts, actions
from pipeline.models import Source
from pipeline.store import Store
from pipeline.store.rows import Base, SessionRow, UserRow
from pipeline.web import create_app
from pipeline.web.review import NOTES_CSP
from pipeline.web.security import SESSION_COOKIE
from tests import web as web_fixtures
from tests.conftest import EXAMPLE
from tests.services import WebServer
from tests.web import (
    BASE,
    EDITOR,
    PASSWORD,
    Web,
    csrf_of,
    settings_on_each_database,
    sign_in,
    web_app,
    web_settings,
)

web = web_fixtures.web  # the fixture, found by pytest under this name

PUBLIC_GETS = {"/login"}
# FastAPI's own pages: the API's schema (signed in only) and docs pages (none).
DOCS = {"/api/docs", "/api/openapi.json", "/docs/oauth2-redirect"}
EVIL = "http://evil.example"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the app answers, mounts (feeds, static) aside."""
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount) or route.path is None:
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, route.path))
    return found


def filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def gets(app: FastAPI) -> list[str]:
    return [filled(path) for method, path in routes(app) if method == "GET"]


def changes(app: FastAPI) -> list[tuple[str, str]]:
    return [(method, filled(path)) for method, path in routes(app) if method != "GET"]


def row_counts(store: Store) -> dict[str, int]:
    """Rows in every table but sessions (signing in and out is not an episode's state)."""
    with store.session() as s:
        return {
            table.name: s.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name != SessionRow.__tablename__
        }


def snapshot(web: Web) -> tuple[dict[str, int], list[object]]:
    return row_counts(web.store), [e.model_dump() for e in web.store.episodes()]


def submitted(web: Web, text: str | None = None, show: str = "infracast") -> int:
    """A queued episode that no stage is working on (nothing changes it behind the test)."""
    text = text or EXAMPLE.read_text(encoding="utf-8")
    source = Source(kind="markdown", uri="pasted text", text=text)
    return actions.submit(web.store, web.settings, source, show).episode.id


# -- sign-in -------------------------------------------------------------------


def test_every_get_route_but_sign_in_needs_a_signed_in_user(web: Web) -> None:
    submitted(web)  # episode 1 exists, so an unguarded route would answer 200
    anonymous = web.anonymous()
    checked, wrong = [], []
    for path in gets(web.app):
        if path in PUBLIC_GETS or path in DOCS:
            continue
        r = anonymous.get(path, follow_redirects=False)
        checked.append(path)
        if path.startswith("/api/"):
            if r.status_code != 401:
                wrong.append(f"{path}: {r.status_code}, not 401")
        elif r.status_code != 303 or not r.headers["location"].startswith("/login?next="):
            wrong.append(f"{path}: {r.status_code} {r.headers.get('location')}, not /login")
    assert {"/", "/queue", "/shows"} <= set(checked)
    assert not wrong, "\n".join(wrong)


def test_the_public_pages_are_public(web: Web) -> None:
    anonymous = web.anonymous()
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/static/app.css").status_code == 200
    assert anonymous.get("/static/dashboard.js").status_code == 200
    feed = web.settings.public_dir / "infracast" / "feed.xml"
    feed.parent.mkdir(parents=True)
    feed.write_text("<rss/>", encoding="utf-8")
    assert anonymous.get("/feeds/infracast/feed.xml").status_code == 200


def test_api_docs_need_sign_in(web: Web) -> None:
    anonymous = web.anonymous()
    for path in sorted(DOCS):
        r = anonymous.get(path, follow_redirects=False)
        assert r.status_code in (303, 401, 404), f"{path}: {r.status_code}"


def test_every_non_get_route_needs_sign_in(web: Web) -> None:
    anonymous = web.anonymous()
    before = snapshot(web)
    wrong = []
    for method, path in changes(web.app):
        if path == "/login":
            continue
        r = anonymous.request(method, path, follow_redirects=False)
        if r.status_code not in (303, 401):
            wrong.append(f"{method} {path}: {r.status_code}")
    assert not wrong, "\n".join(wrong)
    assert snapshot(web) == before


# -- CSRF ----------------------------------------------------------------------


def test_every_state_changing_route_needs_the_csrf_token_and_our_origin(web: Web) -> None:
    submitted(web)
    episode = web.store.fail(submitted(web, show="grid"), "script", "boom")
    before = snapshot(web)
    attempts: list[tuple[str, dict[str, object]]] = [
        ("no token", {}),
        ("wrong token in the header", {"headers": {"X-CSRF-Token": "wrong"}}),
        ("wrong token in the form", {"data": {"csrf_token": "wrong"}}),
        ("empty token", {"data": {"csrf_token": ""}}),
        ("another site's Origin", {"headers": {"X-CSRF-Token": web.csrf, "Origin": EVIL}}),
        ("Origin: null", {"headers": {"X-CSRF-Token": web.csrf, "Origin": "null"}}),
        (
            "another site's form",
            {"data": {"csrf_token": web.csrf}, "headers": {"Origin": EVIL}},
        ),
        (
            "Sec-Fetch-Site: cross-site",
            {"headers": {"X-CSRF-Token": web.csrf, "Sec-Fetch-Site": "cross-site"}},
        ),
        (
            "Sec-Fetch-Site: same-site",
            {"data": {"csrf_token": web.csrf}, "headers": {"Sec-Fetch-Site": "same-site"}},
        ),
        (
            "https Origin for this http host",
            {"headers": {"X-CSRF-Token": web.csrf, "Origin": "https://testserver"}},
        ),
    ]
    checked, wrong = set(), []
    for method, path in changes(web.app):
        if path == "/login":
            continue
        checked.add((method, path))
        for what, options in attempts:
            r = web.client.request(method, path, follow_redirects=False, **options)  # type: ignore[arg-type]
            if r.status_code != 403:
                wrong.append(f"{method} {path} with {what}: {r.status_code}")
    assert {
        ("POST", "/logout"),
        ("POST", "/queue"),
        ("POST", "/episodes/1/retry"),
        ("POST", "/episodes/1/publish"),
        ("POST", "/episodes/1/unpublish"),
    } <= checked
    assert not wrong, "\n".join(wrong)
    assert snapshot(web) == before
    assert web.client.get("/", follow_redirects=False).status_code == 200  # still signed in
    # And the right token from our own page does get through (the 403s were the check).
    r = web.client.post(
        f"/episodes/{episode.id}/retry",
        data={"csrf_token": web.csrf},
        headers={"Origin": BASE, "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_a_bearer_token_needs_no_csrf_token(web: Web) -> None:
    episode = web.store.fail(submitted(web), "script", "boom")
    r = web.api().post(f"/episodes/{episode.id}/retry", follow_redirects=False)
    assert r.status_code == 303


def test_sign_in_from_another_site_is_refused(web: Web) -> None:
    form = {"name": EDITOR, "password": PASSWORD, "next": "/"}
    for headers in ({"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        client = web.anonymous()
        r = client.post("/login", data=form, headers=headers, follow_redirects=False)
        assert r.status_code == 403, headers
        assert "set-cookie" not in r.headers
    ok = web.anonymous().post("/login", data=form, follow_redirects=False)
    assert ok.status_code == 303


# -- no state change on GET ------------------------------------------------------


def test_no_get_route_changes_anything(web: Web) -> None:
    submitted(web)
    web.store.fail(submitted(web, show="grid"), "script", "boom")
    before = snapshot(web)
    answered = {}
    for path in gets(web.app):
        answered[path] = web.client.get(path, follow_redirects=False).status_code
        assert snapshot(web) == before, f"GET {path} changed the store"
    assert answered["/"] == answered["/queue"] == answered["/shows"] == 200
    assert not [p for p, status in answered.items() if status >= 500], answered


# -- escaping --------------------------------------------------------------------


SHORT = Path(__file__).parent / "data" / "short-article.md"
# Markdown drops raw HTML, so the article writes the tags as text (backslash-escaped):
# the title and paragraphs then really hold them.
HOSTILE = (
    f"# Racks {SCRIPT} and {IMG}\n\n"
    f"The new hall draws 40 MW when it is full. {SCRIPT} It holds 400 racks. {IMG}\n\n"
).replace("<", "\\<") + SHORT.read_text(encoding="utf-8").split("\n", 1)[1]


def assert_inert(page: str) -> None:
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "onerror=alert(1)>" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_article_text_is_escaped_on_every_page(web: Web) -> None:
    r = web.client.post(
        "/queue",
        data={"csrf_token": web.csrf, "text": HOSTILE},
        files={"file": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    episode_id = int(r.headers["location"].rsplit("/", 1)[1])
    title = web.store.episode(episode_id).title
    assert title is not None and "<script>" in title  # the store keeps what was written
    dashboard = web.client.get("/").text
    assert str(escape(title)) in dashboard
    assert_inert(dashboard)
    episode_page = web.client.get(f"/episodes/{episode_id}")
    if episode_page.status_code != 404:  # the episode pages are another module's
        assert episode_page.status_code == 200
        assert str(escape(SCRIPT)) in episode_page.text
        assert_inert(episode_page.text)
    # The queue form echoes what it refuses, escaped.
    refused = web.client.post(
        "/queue",
        data={"csrf_token": web.csrf, "text": HOSTILE, "url": f"https://x.example/{IMG}"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert str(escape(HOSTILE)) in refused.text
    assert_inert(refused.text)


def test_pages_have_no_inline_script_or_style(web: Web) -> None:
    submitted(web)
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    pages = {"/login": web.anonymous().get("/login").text}
    pages |= {p: web.client.get(p).text for p in ("/", "/queue", "/shows")}
    for path, page in pages.items():
        assert not inline_script.search(page), path
        assert not re.search(r"\sstyle\s*=", page, re.IGNORECASE), path
        assert not re.search(r"\son[a-z]+\s*=", page, re.IGNORECASE), path


# -- files -----------------------------------------------------------------------


def raw_get(app: FastAPI, raw_path: str, cookie: str = "") -> tuple[int, bytes]:
    """GET a path exactly as written: HTTP clients resolve `..` before sending, attackers
    do not."""
    headers = [(b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{SESSION_COOKIE}={cookie}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    status, body = 0, b""

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")  # type: ignore[operator]

    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return status, body


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/../infracast.db",
        "/feeds/%2e%2e/infracast.db",
        "/feeds/..%2finfracast.db",
        "/feeds/infracast/../../infracast.db",
        "/feeds/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2Fapp.py",
        "/static/%2e%2e/%2e%2e/%2e%2e/pipeline/config.py",
        "/episodes/1/files/..%2Finfracast.db",
        "/episodes/1/files/../../infracast.db",
        "/episodes/1/files/%2e%2e/%2e%2e/infracast.db",
    ],
)
def test_file_routes_stay_inside_their_folders(web: Web, path: str) -> None:
    submitted(web)
    (web.settings.public_dir / "infracast").mkdir(parents=True, exist_ok=True)
    assert (web.settings.data_root / "infracast.db").is_file()
    cookie = web.client.cookies[SESSION_COOKIE]
    status, body = raw_get(web.app, path, cookie)
    assert status == 404, (status, body[:100])
    assert b"SQLite format" not in body and b"import" not in body


# -- size limits -----------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Web]:
    """An app whose articles may be at most 1,000 bytes."""
    settings = web_settings(tmp_path / "small", max_article_bytes=1000)
    store = Store(settings.db_url, settings.data_root)
    accounts.add_user(store, EDITOR, PASSWORD)
    app = create_app(settings, store)
    with TestClient(app, base_url=BASE) as client:
        yield Web(settings, store, app, client, sign_in(client), "")
    store.close()


def test_bodies_over_the_limit_are_refused_before_they_are_read(small: Web) -> None:
    too_big = "x" * (4 * 1000 + 64 * 1024 + 1)  # uploads may be UTF-32: 4 bytes a character
    r = small.client.post("/queue", data={"csrf_token": small.csrf, "text": too_big})
    assert r.status_code == 413
    assert "over the limit" in r.json()["detail"]
    r = small.anonymous().post("/login", data={"name": "x", "password": too_big})
    assert r.status_code == 413
    # Sent in chunks with no Content-Length, counted as it streams in.
    r = small.client.post(
        "/logout",
        content=(b"x" * 8192 for _ in range(10)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413
    assert small.client.get("/", follow_redirects=False).status_code == 200  # not signed out
    assert small.store.episodes() == []


def test_a_streamed_form_over_the_limit_is_413_too(small: Web) -> None:
    r = small.client.post(
        "/queue",
        content=(b"x" * 8192 for _ in range(10)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413


def test_uploads_and_text_over_the_article_limit_are_refused(small: Web) -> None:
    article = EXAMPLE.read_bytes()[:1500]
    r = small.client.post(
        "/queue",
        data={"csrf_token": small.csrf},
        files={"file": ("big.md", article, "text/markdown")},
        follow_redirects=False,
    )
    assert r.status_code == 413
    assert "big.md is over the size limit of 1 kB (1,000 bytes)" in r.text
    r = small.client.post(
        "/queue",
        data={"csrf_token": small.csrf, "text": article.decode("utf-8", "ignore")},
        files={"file": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert r.status_code == 413
    assert "over the size limit" in r.text
    assert small.store.episodes() == []
    assert "1 kB (1,000 bytes)" in small.client.get("/queue").text


# -- cookies, sign-in, sign-out, passwords ----------------------------------------


def session_cookie_header(client: TestClient) -> str:
    r = client.post("/login", data={"name": EDITOR, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    (cookie,) = [c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    return cookie


def test_session_cookie_flags_over_http(web: Web) -> None:
    cookie = session_cookie_header(web.anonymous())
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "httponly" in flags
    assert re.search(r";\s*samesite=lax", cookie, re.IGNORECASE)
    assert "secure" not in flags
    assert "path" in flags


def test_session_cookie_is_secure_over_https(web: Web) -> None:
    cookie = session_cookie_header(TestClient(web.app, base_url="https://testserver"))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite"} <= flags


def failed_sign_in(client: TestClient, name: str) -> int:
    r = client.post("/login", data={"name": name, "password": "not the password"})
    return r.status_code


def test_sixth_failed_sign_in_in_a_minute_is_refused_even_with_the_password(web: Web) -> None:
    client = web.anonymous()
    assert [failed_sign_in(client, EDITOR) for _ in range(5)] == [401] * 5
    r = client.post("/login", data={"name": EDITOR, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 429
    assert re.search(r"Too many failed attempts: try again in \d+ seconds", r.text)
    assert "set-cookie" not in r.headers


def test_failures_from_one_address_limit_every_user_name(web: Web) -> None:
    client = web.anonymous()
    assert [failed_sign_in(client, f"guess{n}") for n in range(5)] == [401] * 5
    r = client.post("/login", data={"name": EDITOR, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 429
    assert "Too many failed attempts" in r.text


def _parallel_wrong_passwords(post: Callable[[int], int], n: int = 30) -> Counter[int]:
    """`n` wrong passwords sent at the same moment from as many threads; their statuses."""
    start = threading.Barrier(n)

    def attempt(i: int) -> int:
        start.wait()
        return post(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(pool.map(attempt, range(n)))


def test_parallel_wrong_passwords_get_at_most_the_limit_of_401s(web: Web) -> None:
    def post(_: int) -> int:
        return failed_sign_in(web.anonymous(), EDITOR)

    # Each attempt is recorded before its (slow) password check, so a burst cannot all
    # pass the count while the hashes run.
    assert _parallel_wrong_passwords(post) == Counter({401: 5, 429: 25})
    r = web.anonymous().post("/login", data={"name": EDITOR, "password": PASSWORD})
    assert r.status_code == 429


def test_server_processes_on_one_database_share_the_sign_in_count(
    any_store: Store, tmp_path: Path
) -> None:
    accounts.add_user(any_store, EDITOR, PASSWORD)
    settings = web_settings(tmp_path / "data", database_url=any_store.url)
    stores = [Store(any_store.url, settings.data_root) for _ in range(2)]
    one, two = (TestClient(create_app(settings, store), base_url=BASE) for store in stores)
    # Signing in reserves an attempt too, and gives it back: no lockout by successes.
    for _ in range(6):
        r = one.post("/login", data={"name": EDITOR, "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303
    assert [failed_sign_in(one, EDITOR) for _ in range(3)] == [401] * 3
    assert [failed_sign_in(two, EDITOR) for _ in range(2)] == [401] * 2
    for client in (one, two):
        r = client.post("/login", data={"name": EDITOR, "password": PASSWORD})
        assert r.status_code == 429
        assert "Too many failed attempts" in r.text
    for store in stores:
        store.close()


def _serve_env(tmp_path: Path) -> dict[str, str]:
    """The environment of an `infracast serve` over a fresh SQLite data root with EDITOR."""
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'infracast.db'}", data)
    accounts.add_user(store, EDITOR, PASSWORD)
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFRACAST_")}
    return env | {"INFRACAST_DATA_ROOT": str(data), "INFRACAST_CONFIG": str(data / "absent.toml")}


def test_two_real_servers_share_the_limit_under_a_parallel_burst(tmp_path: Path) -> None:
    import httpx

    env = _serve_env(tmp_path)
    servers = [WebServer(env, tmp_path / f"serve{n}.log") for n in (1, 2)]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(WebServer.start, servers))

        def post(i: int) -> int:
            url = servers[i % 2].url + "/login"
            wrong = {"name": EDITOR, "password": "not the password"}
            return httpx.post(url, data=wrong, timeout=60).status_code

        assert _parallel_wrong_passwords(post) == Counter({401: 5, 429: 25})
    finally:
        for server in servers:
            server.stop()


def test_serve_with_two_processes_shares_sessions_and_serves_from_both(tmp_path: Path) -> None:
    """`serve --workers 2`: each process builds the app from the environment; a session made
    on one is good on the other (they share the database)."""
    import httpx

    env = _serve_env(tmp_path)
    log = tmp_path / "serve.log"
    server = WebServer(env, log, "--workers", "2").start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            r = client.post("/login", data={"name": EDITOR, "password": PASSWORD, "next": "/"})
            assert r.status_code == 303
            with ThreadPoolExecutor(max_workers=8) as pool:
                codes = list(pool.map(lambda _: client.get("/").status_code, range(40)))
            # Each process links the feeds to where this server listens, not to a default
            # port nothing listens on.
            shows = [client.get("/shows").text for _ in range(6)]
        assert codes == [200] * 40
        assert log.read_text().count("Started server process") == 2
        assert all(f"{server.url}/feeds/infracast/feed.xml" in page for page in shows)
        assert "localhost:8000" not in "".join(shows)
    finally:
        server.stop()


def test_sign_out_ends_the_session_on_the_server(web: Web) -> None:
    old = web.client.cookies[SESSION_COOKIE]
    r = web.client.post("/logout", data={"csrf_token": web.csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    replay = TestClient(web.app, base_url=BASE, cookies={SESSION_COOKIE: old})
    r = replay.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = replay.get("/queue", headers={"Accept": "application/json"}, follow_redirects=False)
    assert r.status_code == 401
    r = replay.post(
        "/queue", data={"csrf_token": web.csrf, "text": "# A\n\nB"}, follow_redirects=False
    )
    assert r.status_code in (303, 401) and web.store.episodes() == []
    with web.store.session() as s:
        assert s.scalar(select(func.count()).select_from(SessionRow)) == 0


def test_passwords_are_stored_as_argon2_hashes(web: Web) -> None:
    with web.store.session() as s:
        stored = s.scalars(select(UserRow.password_hash).where(UserRow.name == EDITOR)).one()
    assert stored.startswith("$argon2")
    assert PASSWORD not in stored


# -- headers -----------------------------------------------------------------------


def test_pages_send_security_headers(web: Web) -> None:
    responses = [web.anonymous().get("/login"), web.client.get("/missing-page")]
    responses += [web.client.get(p) for p in ("/", "/queue", "/shows")]
    for r in responses:
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, r.url
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"


def test_published_notes_under_feeds_are_sandboxed_like_the_episode_files(web: Web) -> None:
    folder = web.settings.public_dir / "infracast" / "5f0c3c1e-0d7e-4d6a-9a43-3b0f3e1d2c4b"
    folder.mkdir(parents=True)
    (folder / "notes.html").write_text(f"<p>Notes</p>{SCRIPT}", encoding="utf-8")
    (folder.parent / "feed.xml").write_text("<rss/>", encoding="utf-8")
    anonymous = web.anonymous()
    url = f"/feeds/infracast/{folder.name}/notes.html"
    for r in (anonymous.get(url), anonymous.head(url), anonymous.get("/feeds/infracast/feed.xml")):
        assert r.status_code == 200, r.url
        assert r.headers["content-security-policy"] == NOTES_CSP, r.url
        assert "sandbox" in NOTES_CSP and "script-src" not in NOTES_CSP
        assert r.headers["x-content-type-options"] == "nosniff"


def test_csrf_token_is_on_every_signed_in_page(web: Web) -> None:
    for path in ("/", "/queue", "/shows"):
        assert csrf_of(web.client.get(path).text) == web.csrf


# -- ids out of the database's range, odd file names (issue 14) --------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_web(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Web]:
    """The web app on each database the store supports."""
    with web_app(
        settings_on_each_database(request, tmp_path), raise_server_exceptions=False
    ) as web:
        yield web


@pytest.mark.parametrize("n", ["2147483648", "9223372036854775808", "99999999999999999999"])
def test_ids_past_the_databases_integers_are_404(any_web: Web, n: str) -> None:
    for path in (f"/episodes/{n}", f"/episodes/{n}/diff", f"/episodes/{n}/files/episode.mp3"):
        r = any_web.client.get(path)
        assert r.status_code == 404, (path, r.status_code, r.text[:200])
        assert f"there is no episode {n}" in r.text
    assert any_web.api().get(f"/api/episodes/{n}").status_code == 404
    approve = any_web.client.post(
        f"/episodes/{n}/approve",
        data={"version": "1", "csrf_token": any_web.csrf},
        headers={"X-CSRF-Token": any_web.csrf, "Origin": BASE},
    )
    assert approve.status_code == 404, approve.text[:200]


@pytest.mark.parametrize("name", ["a%00b", "episode.mp3%00.txt", "%00"])
def test_a_null_byte_in_a_file_name_is_404(web: Web, name: str) -> None:
    submitted(web)
    cookie = web.client.cookies[SESSION_COOKIE]
    status, body = raw_get(web.app, f"/episodes/1/files/{name}", cookie)
    assert status == 404, (status, body[:200])


def test_serve_says_when_a_show_links_its_feed_elsewhere(tmp_path: Path) -> None:
    env = _serve_env(tmp_path)
    config = tmp_path / "infracast.toml"
    config.write_text('[shows.infracast]\nbase_url = "https://cdn.example.com/pods"\n')
    env["INFRACAST_CONFIG"] = str(config)
    log = tmp_path / "serve.log"
    server = WebServer(env, log).start()
    server.stop()
    said = log.read_text()
    assert "show infracast: its feed and enclosures point at https://cdn.example.com/pods" in said
