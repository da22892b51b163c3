"""The JSON API under /api: each operation's answer, its errors, sign-in and CSRF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pipeline import accounts, actions, feeds
from pipeline.config import Host, Show, Voice
from pipeline.models import EpisodeState, Source
from pipeline.store import Store
from pipeline.web import create_app
from tests import web as web_fixtures
from tests.conftest import ALARM, LOW
from tests.conftest_http import LoopbackServer, http_server_fixture  # noqa: F401
from tests.dispatching import Recorder
from tests.services import wait_for
from tests.web import BASE, EDITOR, PASSWORD, Web, episode_in_review, sign_in, web_settings

web = web_fixtures.web  # the fixture, found by pytest under this name

SHORT = Path(__file__).parent / "data" / "short-article.md"
# Markdown that means the characters themselves: an HTML-escaped title and an escaped tag.
TAGGED = (
    SHORT.read_text(encoding="utf-8")
    .replace("# Cooling a Forty-Megawatt Hall", "# Cooling &lt;script&gt;alert(1)&lt;/script&gt;")
    .replace("fjord cools", "fjord \\<script>alert(2)\\</script> cools")
)

# Every operation, with a body that would be accepted where one is needed.
OPERATIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/episodes", {"json": {"markdown": "# T\n\nSome prose here."}}),
    ("POST", "/api/episodes/upload", {"files": {"file": ("a.md", b"# T\n\nSome prose.")}}),
    ("GET", "/api/episodes", {}),
    ("GET", "/api/episodes/1", {}),
    ("GET", "/api/episodes/1/script", {}),
    ("GET", "/api/episodes/1/versions", {}),
    (
        "PUT",
        "/api/episodes/1/script",
        {"json": {"base_version": 1, "turns": [{"speaker": "Lena", "text": "Hi."}]}},
    ),
    ("POST", "/api/episodes/1/approve", {"json": {"version": 1}}),
    ("POST", "/api/episodes/1/retry", {}),
    ("POST", "/api/episodes/1/publish", {}),
    ("POST", "/api/episodes/1/unpublish", {}),
    ("GET", "/api/episodes/1/checks", {}),
    ("PUT", "/api/episodes/1/checks/k1/verdict", {"json": {"verdict": "false_alarm"}}),
    ("DELETE", "/api/episodes/1/checks/k1/verdict", {}),
]
CHANGES = [op for op in OPERATIONS if op[0] != "GET"]


def recorder(web: Web) -> Recorder:
    """Approve and retry are checked for what they send without rendering audio here (the
    slow test below runs the real dispatcher)."""
    rec = Recorder()
    web.app.state.ctx.dispatcher = rec
    return rec


def turns_of(script: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": x["id"], "speaker": x["speaker"], "text": x["text"]} for x in script["lines"]]


def state_of(api: TestClient, episode_id: int) -> str:
    state: str = api.get(f"/api/episodes/{episode_id}").json()["state"]
    return state


def assert_error(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail
    return detail


# -- the schema ------------------------------------------------------------------


def test_openapi_lists_every_operation_and_declares_bearer_auth(web: Web) -> None:
    schema = web.client.get("/api/openapi.json").json()
    listed = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    wanted = {
        (m, p.replace("/1", "/{episode_id}").replace("/k1/", "/{check_id}/"))
        for m, p, _ in OPERATIONS
    }
    assert listed == wanted
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    ops = [op for path in schema["paths"].values() for op in path.values()]
    assert all(op["security"] == [{"HTTPBearer": []}] for op in ops)
    assert len({op["operationId"] for op in ops}) == len(ops)
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for op in ops:
        assert op["responses"]["401"]["content"]["application/json"]["schema"] == error
    put = schema["paths"]["/api/episodes/{episode_id}/script"]["put"]["responses"]
    assert {"404", "409", "413", "422"} <= set(put)


# -- signing in and CSRF -----------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "kw"), OPERATIONS, ids=lambda x: str(x)[:40])
def test_every_operation_needs_credentials(
    web: Web, method: str, path: str, kw: dict[str, Any]
) -> None:
    r = web.anonymous().request(method, path, **kw)
    assert "sign in" in assert_error(r, 401)
    assert r.headers["www-authenticate"] == "Bearer"
    wrong = {"Authorization": "Bearer not-a-token"}
    r = web.anonymous().request(method, path, headers=wrong, **kw)
    assert_error(r, 401)
    assert web.store.episodes() == []  # nothing was queued


@pytest.mark.parametrize(("method", "path", "kw"), CHANGES, ids=lambda x: str(x)[:40])
def test_cookie_sessions_need_the_csrf_token_to_change_anything(
    web: Web, method: str, path: str, kw: dict[str, Any]
) -> None:
    r = web.client.request(method, path, **kw)
    assert "security token" in assert_error(r, 403)
    r = web.client.request(method, path, headers={"X-CSRF-Token": "stale"}, **kw)
    assert_error(r, 403)
    assert web.store.episodes() == []


def test_a_cookie_session_with_the_csrf_token_may_change_things(web: Web) -> None:
    r = web.client.post(
        "/api/episodes",
        json={"markdown": SHORT.read_text(encoding="utf-8")},
        headers={"X-CSRF-Token": web.csrf},
    )
    assert r.status_code == 201, r.text
    # A cross-site request is refused even with the token.
    r = web.client.post(
        "/api/episodes",
        json={"markdown": SHORT.read_text(encoding="utf-8"), "force": True},
        headers={"X-CSRF-Token": web.csrf, "Origin": "https://evil.example"},
    )
    assert_error(r, 403)


def test_a_cookie_session_may_read_without_a_csrf_token(web: Web) -> None:
    assert web.client.get("/api/episodes").json() == {"episodes": [], "total": 0}


def test_a_signed_out_session_is_refused(web: Web) -> None:
    client = TestClient(web.app, base_url=BASE)
    csrf = sign_in(client, EDITOR, PASSWORD)
    client.post("/logout", data={"csrf_token": csrf})
    assert_error(client.get("/api/episodes"), 401)


# -- queueing ----------------------------------------------------------------------


def test_queued_markdown_goes_on_to_review_by_itself(web: Web) -> None:
    api = web.api()  # bearer: no CSRF token needed
    r = api.post("/api/episodes", json={"markdown": SHORT.read_text(encoding="utf-8")})
    assert r.status_code == 201, r.text
    body = r.json()
    (episode,) = body["episodes"]
    assert body["created"] == [episode["id"]]
    assert episode["show"] == "infracast"
    assert episode["title"] == "Cooling a Forty-Megawatt Hall"
    assert episode["source"] == "pasted text"
    assert episode["page"] == f"/episodes/{episode['id']}"
    wait_for(lambda: state_of(api, episode["id"]) == "in_review", timeout=30)


def test_the_same_article_is_not_queued_twice_unless_forced(web: Web) -> None:
    api = web.api()
    text = SHORT.read_text(encoding="utf-8")
    first = api.post("/api/episodes", json={"markdown": text, "show": "grid"}).json()
    again = api.post("/api/episodes", json={"markdown": text, "show": "grid"})
    assert again.status_code == 201
    assert again.json()["created"] == []
    assert again.json()["episodes"][0]["id"] == first["created"][0]
    forced = api.post("/api/episodes", json={"markdown": text, "show": "grid", "force": True})
    assert forced.json()["created"] == [first["created"][0] + 1]
    other_show = api.post("/api/episodes", json={"markdown": text, "show": "infracast"})
    assert len(other_show.json()["created"]) == 1


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "exactly one"),
        ({"markdown": ""}, "exactly one"),
        ({"markdown": "# T\n\nProse.", "url": "https://example.com/a"}, "exactly one"),
        ({"markdown": "# T\n\nProse.", "show": "nope"}, "unknown show 'nope'"),
        ({"markdown": "# T\n\nProse.", "shows": "grid"}, "shows"),
        ({"markdown": 12}, "markdown"),
        ({"markdown": "```\ncode only\n```"}, "no prose"),
        ({"url": "ftp://example.com/a"}, "only http and https"),
        ({"url": "http://[::1/"}, "not a valid URL"),
        ({"url": "http://10.0.0.1/a"}, "a private address"),
        ({"markdown": "# T\n\nProse.", "force": "maybe"}, "force"),
    ],
)
def test_invalid_queue_requests_are_422(web: Web, body: dict[str, Any], says: str) -> None:
    r = web.api().post("/api/episodes", json=body)
    assert says in assert_error(r, 422)
    assert web.store.episodes() == []


def test_a_body_that_is_not_json_is_422(web: Web) -> None:
    r = web.api().post(
        "/api/episodes", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(r, 422)


def test_html_in_an_article_is_kept_as_data(web: Web) -> None:
    api = web.api()
    r = api.post("/api/episodes", json={"markdown": TAGGED})
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json"
    episode = r.json()["episodes"][0]
    assert episode["title"] == "Cooling <script>alert(1)</script>"
    assert '"title":"Cooling <script>alert(1)</script>"' in r.text  # JSON needs no escaping
    wait_for(lambda: state_of(api, episode["id"]) == "in_review", timeout=30)
    script = api.get(f"/api/episodes/{episode['id']}/script").json()["script"]
    assert script["title"] == "Cooling <script>alert(1)</script>"


def test_upload_queues_a_file(web: Web) -> None:
    api = web.api()
    data = SHORT.read_bytes()
    r = api.post("/api/episodes/upload", files={"file": ("hall.md", data)}, data={"show": "grid"})
    assert r.status_code == 201, r.text
    (episode,) = r.json()["episodes"]
    assert (episode["source"], episode["show"]) == ("hall.md", "grid")
    wait_for(lambda: state_of(api, episode["id"]) == "in_review", timeout=30)


def test_upload_with_a_cookie_session_takes_the_csrf_form_field(web: Web) -> None:
    files = {"file": ("hall.md", SHORT.read_bytes())}
    r = web.client.post("/api/episodes/upload", files=files, data={"csrf_token": web.csrf})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("name", "data", "form", "says"),
    [
        ("hall.pdf", b"%PDF-1.4", {}, "upload a Markdown, text or HTML file"),
        ("hall.md", b"\x00\x01\x02\xff" * 50, {}, "binary"),
        ("hall.md", b"# T\n\nProse.", {"show": "nope"}, "unknown show"),
    ],
)
def test_invalid_uploads_are_422(
    web: Web, name: str, data: bytes, form: dict[str, str], says: str
) -> None:
    r = web.api().post("/api/episodes/upload", files={"file": (name, data)}, data=form)
    assert says in assert_error(r, 422)


def test_an_upload_without_a_file_is_422(web: Web) -> None:
    r = web.api().post("/api/episodes/upload", data={"show": "grid"})
    assert "file" in assert_error(r, 422)


@pytest.fixture
def small(tmp_path: Path) -> Iterator[TestClient]:
    """An app whose articles may be at most 1,000 bytes, and a bearer client of it."""
    settings = web_settings(tmp_path / "small", max_article_bytes=1000)
    store = Store(settings.db_url, settings.data_root)
    accounts.add_user(store, EDITOR, PASSWORD)
    token = accounts.new_api_token(store, EDITOR, "tests")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings, store), base_url=BASE, headers=headers) as client:
        yield client
    store.close()


def test_size_limits(small: TestClient) -> None:
    prose = "The hall draws 40 MW. " * 100  # 2,200 bytes
    r = small.post("/api/episodes", json={"markdown": "# Big\n\n" + prose})
    assert "limit" in assert_error(r, 413)  # ingest's limit on the article's text
    r = small.post("/api/episodes", json={"markdown": "x" * 100_000})
    assert "over the limit" in assert_error(r, 413)  # the request body itself
    r = small.post("/api/episodes/upload", files={"file": ("big.md", prose.encode() * 2)})
    assert "over the limit" in assert_error(r, 413)  # more than 4 bytes a character
    r = small.post("/api/episodes", json={"markdown": SHORT.read_text(encoding="utf-8")})
    assert r.status_code == 201, r.text


# -- reading -----------------------------------------------------------------------


def test_list_filters_by_state_and_show(web: Web) -> None:
    api = web.api()
    a = episode_in_review(web)
    b = episode_in_review(web, show="grid")
    web.store.fail(b, "render", "no voice")
    ids = [e["id"] for e in api.get("/api/episodes").json()["episodes"]]
    assert ids == [a, b]
    in_review = api.get("/api/episodes", params={"state": "in_review"}).json()["episodes"]
    assert [e["id"] for e in in_review] == [a]
    failed = api.get("/api/episodes", params={"state": "failed", "show": "grid"}).json()
    assert [(e["id"], e["failed_stage"], e["failure"]) for e in failed["episodes"]] == [
        (b, "render", "no voice")
    ]
    assert api.get("/api/episodes", params={"show": "other"}).json() == {
        "episodes": [],
        "total": 0,
    }
    assert "state" in assert_error(api.get("/api/episodes", params={"state": "done"}), 422)


def many_episodes(store: Store, n: int) -> list[int]:
    """`n` queued episodes, made straight in the store (no stage runs: only lists read them)."""
    return [
        store.create_episode("infracast", Source(kind="markdown", uri=f"{i}.md", text="# A")).id
        for i in range(n)
    ]


def test_the_list_comes_in_pages_with_the_total(web: Web) -> None:
    api = web.api()
    ids = many_episodes(web.store, 55)
    first = api.get("/api/episodes").json()
    assert first["total"] == 55
    assert [e["id"] for e in first["episodes"]] == ids[:50]  # the default page, oldest first
    rest = api.get("/api/episodes", params={"offset": 50}).json()
    assert [e["id"] for e in rest["episodes"]] == ids[50:]
    page = api.get("/api/episodes", params={"limit": 3, "offset": 10}).json()
    assert [e["id"] for e in page["episodes"]] == ids[10:13]
    assert page["total"] == 55
    assert set(first["episodes"][0]) >= {"id", "show", "state", "title", "source", "page"}
    for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"order": "title"}):
        assert_error(api.get("/api/episodes", params=bad), 422)


def test_the_attention_order_puts_what_needs_an_editor_first(web: Web) -> None:
    api = web.api()
    ids = many_episodes(web.store, 6)
    web.store.fail(ids[0], "render", "no voice")
    web.store.move(ids[1], EpisodeState.QUEUED, EpisodeState.PUBLISHED, "test")
    web.store.move(ids[4], EpisodeState.QUEUED, EpisodeState.IN_REVIEW, "test")
    r = api.get("/api/episodes", params={"order": "attention", "limit": 4}).json()
    # failed, in review, then the queued ones newest first; published last, off this page
    assert [e["id"] for e in r["episodes"]] == [ids[0], ids[4], ids[5], ids[3]]
    assert r["total"] == 6
    r = api.get("/api/episodes", params={"order": "attention", "state": "queued"}).json()
    assert [e["id"] for e in r["episodes"]] == [ids[5], ids[3], ids[2]]
    assert r["total"] == 3


def test_an_episode_with_its_history(web: Web) -> None:
    episode_id = episode_in_review(web)
    r = web.api().get(f"/api/episodes/{episode_id}")
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["state"] == "in_review"
    assert detail["script_version"] == 1
    assert detail["next_stage"] is None  # waiting for an editor
    steps = [(h["from_state"], h["to_state"]) for h in detail["history"]]
    assert steps == [
        (None, "queued"),
        ("queued", "ingested"),
        ("ingested", "scripted"),
        ("scripted", "in_review"),
    ]


def test_a_running_stage_shows_its_lines_done_and_time_left(web: Web) -> None:
    source = Source(kind="markdown", uri="a.md", text=SHORT.read_text(encoding="utf-8"))
    episode = actions.submit(web.store, web.settings, source).episode
    api = web.api()
    assert api.get(f"/api/episodes/{episode.id}").json()["work"] is None
    web.store.start_heartbeat(episode.id, "render", "runner-1")
    web.store.report_progress(episode.id, "runner-1", 10, 40)
    work = api.get(f"/api/episodes/{episode.id}").json()["work"]
    assert (work["stage"], work["done"], work["total"]) == ("render", 10, 40)
    assert work["seconds_left"] is not None and work["seconds_left"] >= 0
    assert work["time_left"].endswith(" left")  # what the pages show, in words
    page = web.client.get(f"/episodes/{episode.id}").text  # the page's live box, shown
    live = page.split('id="live"', 1)[1].split("</div>", 1)[0]
    assert f'data-url="/api/episodes/{episode.id}"' in live
    assert "hidden" not in live.split(">", 1)[0] and "Render\u2026" in live
    web.store.end_heartbeat(episode.id)
    assert api.get(f"/api/episodes/{episode.id}").json()["work"] is None


def test_an_episode_before_its_script_has_no_script_version(web: Web) -> None:
    source = Source(kind="markdown", uri="a.md", text=SHORT.read_text(encoding="utf-8"))
    episode = actions.submit(web.store, web.settings, source).episode
    api = web.api()
    assert api.get(f"/api/episodes/{episode.id}").json()["script_version"] is None
    r = api.get(f"/api/episodes/{episode.id}/script")
    assert assert_error(r, 404) == f"episode {episode.id} has no script yet: it is queued"
    assert api.get(f"/api/episodes/{episode.id}/versions").json() == []


@pytest.mark.parametrize("path", ["", "/script", "/versions", "/checks"])
@pytest.mark.parametrize(("episode_id", "status"), [(99, 404), (2**63, 404), (10**30, 404)])
def test_a_missing_episode_is_404(web: Web, path: str, episode_id: int, status: int) -> None:
    r = web.api().get(f"/api/episodes/{episode_id}{path}")
    assert f"there is no episode {episode_id}" == assert_error(r, status)


@pytest.mark.parametrize(("bad", "status"), [("0", 422), ("-1", 404), ("one", 404), ("1.5", 404)])
def test_an_id_that_is_not_a_positive_integer_is_refused(web: Web, bad: str, status: int) -> None:
    assert_error(web.api().get(f"/api/episodes/{bad}"), status)
    assert_error(web.api().post(f"/api/episodes/{bad}/approve"), status)


def test_a_method_an_operation_lacks_is_405(web: Web) -> None:
    assert_error(web.api().get("/api/episodes/upload"), 405)
    assert_error(web.api().delete("/api/episodes/1"), 405)


def test_a_script_with_its_audit_and_versions(web: Web) -> None:
    episode_id = episode_in_review(web)
    api = web.api()
    r = api.get(f"/api/episodes/{episode_id}/script")
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["version"], out["author"]) == (1, "script")
    assert out["script"]["hosts"] == ["Lena", "Miles"]
    assert out["script"]["lines"] and out["findings"]
    assert all(f["status"] in ("traced", "untraced") for f in out["findings"])
    said = [f["text"] for f in out["findings"] if f["status"] == "untraced"]
    assert out["untraced"] == said
    assert api.get(f"/api/episodes/{episode_id}/script", params={"version": 1}).json() == out
    r = api.get(f"/api/episodes/{episode_id}/script", params={"version": 2})
    assert "version 2" in assert_error(r, 404)
    r = api.get(f"/api/episodes/{episode_id}/script", params={"version": 2**40})
    assert_error(r, 404)
    assert_error(api.get(f"/api/episodes/{episode_id}/script", params={"version": 0}), 422)
    versions = api.get(f"/api/episodes/{episode_id}/versions").json()
    assert [(v["version"], v["author"]) for v in versions] == [(1, "script")]


# -- editing -----------------------------------------------------------------------


def test_an_edit_is_saved_as_a_new_version_by_the_signed_in_editor(web: Web) -> None:
    episode_id = episode_in_review(web)
    api = web.api()
    first = api.get(f"/api/episodes/{episode_id}/script").json()
    turns = turns_of(first["script"])
    turns[0]["text"] = "Welcome back. Today: one hall, <b>40 MW</b>, and a fjord."
    turns.append({"id": None, "speaker": "Miles", "text": "It draws 999 MW, surely?"})
    edit = {"base_version": 1, "turns": turns, "comment": "  a warmer opening  "}
    r = api.put(f"/api/episodes/{episode_id}/script", json=edit)
    assert r.status_code == 200, r.text
    saved = r.json()
    assert (saved["version"], saved["author"], saved["comment"]) == (2, EDITOR, "a warmer opening")
    lines = saved["script"]["lines"]
    assert lines[0]["text"] == "Welcome back. Today: one hall, <b>40 MW</b>, and a fjord."
    assert lines[-1]["speaker"] == "Miles" and lines[-1]["id"] not in {t["id"] for t in turns}
    assert "999 MW" in saved["untraced"]  # the audit ran over the edit
    versions = api.get(f"/api/episodes/{episode_id}/versions").json()
    assert [(v["version"], v["author"]) for v in versions] == [(1, "script"), (2, EDITOR)]
    assert api.get(f"/api/episodes/{episode_id}").json()["script_version"] == 2


def test_a_stale_edit_is_refused_and_the_first_is_kept(web: Web) -> None:
    episode_id = episode_in_review(web)
    second_editor = "second"
    accounts.add_user(web.store, second_editor, PASSWORD)
    other = TestClient(web.app, base_url=BASE)
    other_csrf = sign_in(other, second_editor)
    api = web.api()
    base = api.get(f"/api/episodes/{episode_id}/script").json()
    mine, theirs = turns_of(base["script"]), turns_of(base["script"])
    mine[0]["text"] = "The first editor's opening."
    theirs[0]["text"] = "The second editor's opening."
    r = other.put(
        f"/api/episodes/{episode_id}/script",
        json={"base_version": 1, "turns": theirs},
        headers={"X-CSRF-Token": other_csrf},
    )
    assert r.status_code == 200, r.text
    r = api.put(f"/api/episodes/{episode_id}/script", json={"base_version": 1, "turns": mine})
    detail = assert_error(r, 409)
    assert "second saved version 2" in detail and "version 1 you started from" in detail
    kept = api.get(f"/api/episodes/{episode_id}/script").json()
    assert kept["version"] == 2
    assert kept["script"]["lines"][0]["text"] == "The second editor's opening."


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda t: t[0].update(text="  \t "), "turn 1 is empty"),
        (lambda t: t[1].update(speaker="Mallory"), "turn 2: the speaker must be one of"),
        (lambda t: t[0].update(id="l999"), "which the script does not have"),
        (lambda t: t[1].update(id=t[0]["id"]), "appears twice"),
        (lambda t: t[0].update(text="x" * 2001), "text"),
        (lambda t: t[0].update(extra="field"), "extra"),
        (lambda t: t.clear(), "turns"),
    ],
)
def test_invalid_edits_are_422(web: Web, change: Any, says: str) -> None:
    episode_id = episode_in_review(web)
    api = web.api()
    turns = turns_of(api.get(f"/api/episodes/{episode_id}/script").json()["script"])
    change(turns)
    r = api.put(f"/api/episodes/{episode_id}/script", json={"base_version": 1, "turns": turns})
    assert says in assert_error(r, 422)
    assert [v["version"] for v in api.get(f"/api/episodes/{episode_id}/versions").json()] == [1]


@pytest.mark.parametrize("body", [{}, {"turns": []}, {"base_version": 0, "turns": [{}]}, []])
def test_edit_bodies_of_the_wrong_shape_are_422(web: Web, body: Any) -> None:
    episode_id = episode_in_review(web)
    assert_error(web.api().put(f"/api/episodes/{episode_id}/script", json=body), 422)


def test_an_edit_to_a_missing_episode_is_404(web: Web) -> None:
    edit = {"base_version": 1, "turns": [{"speaker": "Lena", "text": "Hi."}]}
    r = web.api().put("/api/episodes/5/script", json=edit)
    assert assert_error(r, 404) == "there is no episode 5"


def test_an_approved_script_cannot_be_edited(web: Web) -> None:
    recorder(web)
    episode_id = episode_in_review(web)
    api = web.api()
    turns = turns_of(api.get(f"/api/episodes/{episode_id}/script").json()["script"])
    assert api.post(f"/api/episodes/{episode_id}/approve", json={"version": 1}).status_code == 200
    r = api.put(f"/api/episodes/{episode_id}/script", json={"base_version": 1, "turns": turns})
    assert "is approved" in assert_error(r, 409)


# -- consistency checks: false alarms ----------------------------------------------


@pytest.mark.usefixtures("disagreeing_checks")
def test_checks_are_listed_with_what_may_be_said(web: Web) -> None:
    episode_id = episode_in_review(web)
    checks = {c["id"]: c for c in web.api().get(f"/api/episodes/{episode_id}/checks").json()}
    alarm, low = checks[ALARM], checks[LOW]
    assert (alarm["agrees"], alarm["alarm"], alarm["said"]) == (False, True, True)
    assert alarm["confidence"] == 0.95 and alarm["lines"] and alarm["verdict"] is None
    assert (low["agrees"], low["alarm"], low["said"], low["lines"]) == (False, False, False, [])
    assert all(c["said"] for c in checks.values() if c["agrees"])


@pytest.mark.usefixtures("disagreeing_checks")
def test_a_false_alarm_is_recorded_its_line_left_out_and_undone(web: Web) -> None:
    episode_id = episode_in_review(web)
    api = web.api()
    path = f"/api/episodes/{episode_id}/checks/{ALARM}/verdict"
    r = api.put(path, json={"verdict": "false_alarm", "comment": "two other racks"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["script_version"] == 2
    check = body["check"]
    assert (check["said"], check["lines"]) == (False, [])
    assert (check["verdict"]["by"], check["verdict"]["comment"]) == (EDITOR, "two other racks")
    versions = api.get(f"/api/episodes/{episode_id}/versions").json()
    assert [v["author"] for v in versions] == ["script", EDITOR]
    # Again: the first verdict stays, and nothing is left to leave out.
    again = api.put(path, json={"verdict": "false_alarm"}).json()
    assert again["script_version"] is None and again["check"]["verdict"] == check["verdict"]
    r = api.delete(path)
    assert r.status_code == 200, r.text
    assert (r.json()["verdict"], r.json()["said"]) == (None, True)
    assert "not marked a false alarm" in assert_error(api.delete(path), 404)
    assert len(api.get(f"/api/episodes/{episode_id}/versions").json()) == 2


@pytest.mark.usefixtures("disagreeing_checks")
def test_false_alarm_errors(web: Web) -> None:
    episode_id = episode_in_review(web)
    api = web.api()
    body = {"verdict": "false_alarm"}
    checks = api.get(f"/api/episodes/{episode_id}/checks").json()
    agreeing = next(c["id"] for c in checks if c["agrees"])
    base = f"/api/episodes/{episode_id}/checks"
    assert "agrees" in assert_error(api.put(f"{base}/{agreeing}/verdict", json=body), 409)
    assert "has no check 'k999'" in assert_error(api.put(f"{base}/k999/verdict", json=body), 404)
    assert_error(api.put("/api/episodes/77/checks/k1/verdict", json=body), 404)
    assert_error(api.put(f"{base}/{ALARM}/verdict", json={"verdict": "true_alarm"}), 422)
    assert_error(api.put(f"{base}/{ALARM}/verdict", json={**body, "extra": 1}), 422)
    assert_error(api.put(f"{base}/{'k' * 21}/verdict", json=body), 422)
    # CSRF: a cookie session needs the token, like every change.
    assert_error(web.client.put(f"{base}/{ALARM}/verdict", json=body), 403)
    assert_error(web.client.delete(f"{base}/{ALARM}/verdict"), 403)
    assert web.store.scripts.verdicts(episode_id) == []
    recorder(web)
    assert api.post(f"/api/episodes/{episode_id}/approve", json={"version": 1}).status_code == 200
    assert "is approved" in assert_error(api.put(f"{base}/{ALARM}/verdict", json=body), 409)
    assert "is approved" in assert_error(api.delete(f"{base}/{ALARM}/verdict"), 409)
    assert web.store.scripts.verdicts(episode_id) == []


# -- approving, retrying, publishing -----------------------------------------------


def test_approve_sends_the_episode_on_to_audio(web: Web) -> None:
    sent = recorder(web)
    episode_id = episode_in_review(web)
    api = web.api()
    r = api.post(f"/api/episodes/{episode_id}/approve", json={"version": 1})
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["next_stage"]) == ("approved", "render")
    assert r.json()["approved_version"] == 1
    assert sent.sent == [(episode_id, "render")]
    history = api.get(f"/api/episodes/{episode_id}").json()["history"]
    assert history[-1]["note"] == f"approved by {EDITOR} (script version 1)"
    r = api.post(f"/api/episodes/{episode_id}/approve", json={"version": 1})
    assert "not in review" in assert_error(r, 409)
    r = api.post("/api/episodes/77/approve", json={"version": 1})
    assert assert_error(r, 404) == "there is no episode 77"
    assert sent.sent == [(episode_id, "render")]


def test_approve_with_a_cookie_session(web: Web) -> None:
    recorder(web)
    episode_id = episode_in_review(web)
    path = f"/api/episodes/{episode_id}/approve"
    assert_error(web.client.post(path), 403)
    r = web.client.post(path, headers={"X-CSRF-Token": web.csrf}, json={"version": 1})
    assert r.status_code == 200, r.text
    assert EpisodeState(r.json()["state"]) == EpisodeState.APPROVED


def test_retry_sends_a_failed_episode_back_to_its_stage(web: Web) -> None:
    sent = recorder(web)
    episode_id = episode_in_review(web)
    api = web.api()
    r = api.post(f"/api/episodes/{episode_id}/retry")
    assert "not failed" in assert_error(r, 409)
    web.store.fail(episode_id, "script", "the writer timed out")
    failed = api.get(f"/api/episodes/{episode_id}").json()
    assert (failed["state"], failed["failed_stage"]) == ("failed", "script")
    r = api.post(f"/api/episodes/{episode_id}/retry")
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["failure"]) == ("ingested", None)
    assert sent.sent == [(episode_id, "script")]
    assert_error(api.post("/api/episodes/42/retry"), 404)


def test_only_annotated_episodes_are_published_and_only_published_ones_unpublished(
    web: Web,
) -> None:
    episode_id = episode_in_review(web)
    api = web.api()
    r = api.post(f"/api/episodes/{episode_id}/publish", json={"allow_failed_qa": True})
    assert "only annotated episodes can be published" in assert_error(r, 409)
    r = api.post(f"/api/episodes/{episode_id}/unpublish")
    assert "not published" in assert_error(r, 409)
    assert not (web.store.episode_dir(episode_id) / "publishing.json").exists()
    r = api.post(f"/api/episodes/{episode_id}/publish", json={"allow": True})
    assert "allow" in assert_error(r, 422)
    assert_error(api.post("/api/episodes/42/publish"), 404)
    assert_error(api.post("/api/episodes/42/unpublish"), 404)
    assert api.get(f"/api/episodes/{episode_id}").json()["state"] == "in_review"


ESPEAK_HOSTS = [
    Host(name="Lena", role="leads and explains", voice=Voice(engine="espeak", voice="en-us")),
    Host(name="Miles", role="asks and reacts", voice=Voice(engine="espeak", voice="en-us")),
]


@pytest.fixture
def audio_app(tmp_path: Path) -> Iterator[tuple[FastAPI, TestClient]]:
    """An app whose show is voiced by espeak-ng (the quickest engine), with a bearer client;
    QA hears each line once (no second opinion, no second try: the API is under test)."""
    show = Show(minutes=1, hosts=ESPEAK_HOSTS, auto_rerender=False)
    settings = web_settings(tmp_path / "audio", shows={"infracast": show}, asr_recheck_model="")
    store = Store(settings.db_url, settings.data_root)
    accounts.add_user(store, EDITOR, PASSWORD)
    token = accounts.new_api_token(store, EDITOR, "tests")
    app = create_app(settings, store)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app, base_url=BASE, headers=headers) as client:
        yield app, client
    store.close()


@pytest.mark.slow
def test_approve_publish_and_unpublish_through_the_api(
    audio_app: tuple[FastAPI, TestClient],
) -> None:
    app, api = audio_app
    settings = app.state.ctx.settings
    r = api.post("/api/episodes", json={"markdown": SHORT.read_text(encoding="utf-8")})
    episode_id = r.json()["created"][0]
    wait_for(lambda: state_of(api, episode_id) == "in_review", timeout=30)
    assert api.post(f"/api/episodes/{episode_id}/approve", json={"version": 1}).status_code == 200
    # The app's own dispatcher renders, transcribes and annotates in the background.
    wait_for(lambda: state_of(api, episode_id) in ("annotated", "failed"), timeout=120)
    assert state_of(api, episode_id) == "annotated", api.get(f"/api/episodes/{episode_id}").text
    r = api.post(f"/api/episodes/{episode_id}/publish", json={"allow_failed_qa": True})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "published"
    feed = feedparser.parse(feeds.feed_path(settings, "infracast").read_bytes())
    assert [e.title for e in feed.entries] == ["Cooling a Forty-Megawatt Hall"]
    again = api.post(f"/api/episodes/{episode_id}/publish")  # already published: no change
    assert again.status_code == 200 and again.json()["state"] == "published"
    r = api.post(f"/api/episodes/{episode_id}/unpublish")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "annotated"
    feed = feedparser.parse(feeds.feed_path(settings, "infracast").read_bytes())
    assert feed.entries == []
    assert "not published" in assert_error(api.post(f"/api/episodes/{episode_id}/unpublish"), 409)


# -- feeds: each entry queued or refused on its own (issue 14) ------------------------


def rss_feed(items: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Racks</title>'
        f"{items}</channel></rss>"
    )


def test_feed_queues_acceptable_entries_and_lists_and_remembers_refused_ones(
    web: Web, http_server: LoopbackServer
) -> None:
    rec = recorder(web)
    items = "".join(
        [
            f"<item><title>Before</title><link>{http_server.url('/a')}</link><guid>a</guid></item>",
            "<item><title>Private</title><link>http://10.1.2.3/b</link><guid>b</guid></item>",
            '<item><title>Nothing</title><guid isPermaLink="false">c</guid></item>',
            f"<item><title>After</title><link>{http_server.url('/d')}</link><guid>d</guid></item>",
        ]
    )
    feed = http_server.route("/feed.xml", rss_feed(items), content_type="application/rss+xml")
    api = web.api()
    r = api.post("/api/episodes", json={"feed_url": feed})
    assert r.status_code == 201, r.text
    body = r.json()
    assert [e["source"] for e in body["episodes"]] == [http_server.url("/a"), http_server.url("/d")]
    assert len(body["created"]) == 2 and len(rec.sent) == 2
    refused = {x["entry"]: x for x in body["refused"]}
    assert set(refused) == {"Private", "Nothing"}
    assert "a private address" in refused["Private"]["reason"]
    assert "neither a link nor its full text" in refused["Nothing"]["reason"]
    for x in refused.values():
        assert state_of(api, x["episode_id"]) == "failed"
    r = api.post("/api/episodes", json={"feed_url": feed})  # the next poll tries none again
    assert "no entries this show has not seen" in assert_error(r, 422)
    assert len(web.store.episodes()) == 4


def test_malformed_feed_is_refused_as_malformed(web: Web, http_server: LoopbackServer) -> None:
    items = f"<item><title>A</title><link>{http_server.url('/a')}</link></item><item><title>B</ti"
    feed = http_server.route("/feed.xml", rss_feed(items)[:-24], content_type="application/rss+xml")
    r = web.api().post("/api/episodes", json={"feed_url": feed})
    assert "is not a valid RSS or Atom feed" in assert_error(r, 422)
    assert web.store.episodes() == []
