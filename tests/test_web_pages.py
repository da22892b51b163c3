"""The queue page, the feeds page, and the retry, publish and unpublish buttons.

Queueing goes through the real ingest checks (and, for URLs and feeds, a real HTTP
server on loopback). Publishing needs a finished episode with audio: the slow tests at
the end make one with the real engines, once for the module.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from pipeline import accounts, actions, feeds, orchestrate
from pipeline.config import Host, Settings, Show, Voice
from pipeline.episode_files import QA
from pipeline.models import EpisodeState, Source
from pipeline.rss import feed_url_for
from pipeline.store import Store
from pipeline.web import create_app
from tests import web as web_fixtures
from tests.conftest import EXAMPLE
from tests.conftest_http import LoopbackServer, http_server_fixture  # noqa: F401
from tests.dispatching import Recorder
from tests.web import BASE, EDITOR, PASSWORD, Web, episode_in_review, sign_in

web = web_fixtures.web  # the fixture, found by pytest under this name

DATA = Path(__file__).parent / "data"
SHORT = DATA / "short-article.md"
COOLING_HTML = DATA / "ingest" / "liquid-cooling.html"


def queue(
    web: Web, files: dict[str, tuple[str, bytes, str]] | None = None, **fields: str
) -> httpx.Response:
    """POST the queue form as a browser sends it: multipart, with the CSRF token."""
    data = {"csrf_token": web.csrf, "show": "", "text": "", "url": "", "feed_url": ""}
    data.update(fields)
    # An empty file part is what a browser sends when no file was chosen.
    parts = files or {"file": ("", b"", "application/octet-stream")}
    return web.client.post("/queue", data=data, files=parts, follow_redirects=False)


def episode_id_of(location: str) -> int:
    assert location.startswith("/episodes/"), location
    return int(location.removeprefix("/episodes/"))


# -- the queue page ------------------------------------------------------------


def test_queue_page_offers_every_input_and_says_the_limit(web: Web) -> None:
    r = web.client.get("/queue")
    assert r.status_code == 200
    page = r.text
    assert 'enctype="multipart/form-data"' in page
    assert '<option value="infracast" selected>' in page  # the default show
    assert '<option value="grid">Grid Talk (grid)</option>' in page
    for name in ("text", "file", "url", "feed_url", "force", "csrf_token"):
        assert f'name="{name}"' in page
    assert "2 MB (2,000,000 bytes)" in page
    assert "Queue again even if this show has it" in page


def test_queue_by_paste_goes_to_the_new_episode_of_the_chosen_show(web: Web) -> None:
    r = queue(web, show="grid", text=SHORT.read_text(encoding="utf-8"))
    assert r.status_code == 303
    episode = web.store.episode(episode_id_of(r.headers["location"]))
    assert episode.show == "grid"
    assert episode.source.uri == "pasted text"
    assert episode.title == "Cooling a Forty-Megawatt Hall"


def test_queue_by_upload(web: Web) -> None:
    files = {"file": ("cooling.md", SHORT.read_bytes(), "text/markdown")}
    r = queue(web, files=files)
    assert r.status_code == 303
    episode = web.store.episode(episode_id_of(r.headers["location"]))
    assert (episode.show, episode.source.kind, episode.source.uri) == (
        "infracast",
        "markdown",
        "cooling.md",
    )


def test_queue_by_url(web: Web, http_server: LoopbackServer) -> None:
    url = http_server.route("/cooling.html", COOLING_HTML.read_bytes())
    r = queue(web, url=url)
    assert r.status_code == 303
    episode = web.store.episode(episode_id_of(r.headers["location"]))
    assert (episode.source.kind, episode.source.uri) == ("url", url)


def rss(*links: str) -> str:
    items = "".join(
        f"<item><title>Story {n}</title><link>{link}</link><guid>story-{n}</guid></item>"
        for n, link in enumerate(links, 1)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://example.com/</link><description>News</description>{items}</channel></rss>"
    )


def test_queue_by_feed_url_queues_each_entry(web: Web, http_server: LoopbackServer) -> None:
    a = http_server.route("/a.html", COOLING_HTML.read_bytes())
    b = http_server.route("/b.html", COOLING_HTML.read_bytes())
    feed = http_server.route("/feed.xml", rss(a, b), content_type="application/rss+xml")
    r = queue(web, show="grid", feed_url=feed)
    assert r.status_code == 303
    assert r.headers["location"] == "/?queued=2&new=2"
    episodes = web.store.episodes(show="grid")
    assert sorted(e.source.uri for e in episodes) == [a, b]
    # Queued again, the feed has nothing new for this show.
    again = queue(web, show="grid", feed_url=feed)
    assert again.status_code == 422
    assert "no entries this show has not seen" in again.text


def test_queue_by_feed_url_says_which_entries_were_refused(
    web: Web, http_server: LoopbackServer
) -> None:
    a = http_server.route("/a.html", COOLING_HTML.read_bytes())
    feed = http_server.route(
        "/feed.xml", rss("http://10.1.2.3/x", a), content_type="application/rss+xml"
    )
    r = queue(web, feed_url=feed)
    assert r.status_code == 200
    assert "queued 1 new episodes; refused 1 entries" in r.text
    assert "&#39;Story 1&#39;: http://10.1.2.3/x resolves to 10.1.2.3, a private address" in r.text
    assert sorted(e.state.value for e in web.store.episodes()) == ["failed", "queued"]


@pytest.mark.parametrize(
    ("fields", "files", "expected"),
    [
        ({}, None, "give exactly one of"),
        (
            {"text": "# Two <b>inputs</b>\n\nSome text.", "url": "https://example.com/a"},
            None,
            "give exactly one of",
        ),
        ({}, {"file": ("racks.md", b"\x00\x01\x02PK\x03\x04" * 50, "text/markdown")}, "binary"),
        ({}, {"file": ("racks.pdf", b"%PDF-1.4 text", "application/pdf")}, "upload a Markdown"),
        ({"show": "nope", "text": SHORT.read_text(encoding="utf-8")}, None, "no show 'nope'"),
    ],
    ids=["empty", "two-inputs", "binary-upload", "wrong-suffix", "unknown-show"],
)
def test_invalid_input_is_refused_with_the_form_kept(
    web: Web,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes, str]] | None,
    expected: str,
) -> None:
    r = queue(web, files=files, **fields)
    assert r.status_code == 422
    assert 'role="alert"' in r.text
    assert escape(expected) in r.text
    for name in ("text", "url"):
        if fields.get(name):
            assert escape(fields[name]) in r.text  # kept, escaped
    if files:
        assert files["file"][0] in r.text  # the file name, to choose it again
    assert web.store.episodes() == []


def test_a_refused_form_keeps_the_chosen_show_and_force(web: Web) -> None:
    r = queue(web, show="grid", force="true", url="not a url")
    assert r.status_code == 422
    assert '<option value="grid" selected>' in r.text
    assert 'name="force" value="true" checked' in r.text


def test_a_duplicate_goes_to_the_existing_episode_unless_forced(web: Web) -> None:
    text = SHORT.read_text(encoding="utf-8")
    first = episode_id_of(queue(web, text=text).headers["location"])
    again = queue(web, text=text)
    assert again.status_code == 303
    # It opens the episode the show has, and says why (it used to open it silently).
    assert again.headers["location"] == f"/episodes/{first}?done=already-queued"
    page = web.client.get(again.headers["location"]).text
    assert "This show already has this article" in html.unescape(page)
    assert len(web.store.episodes()) == 1
    forced = episode_id_of(queue(web, text=text, force="true").headers["location"])
    assert forced != first
    assert len(web.store.episodes()) == 2
    # Another show does not count as a duplicate.
    other = episode_id_of(queue(web, text=text, show="grid").headers["location"])
    assert other not in (first, forced)


# -- the feeds page ------------------------------------------------------------


def test_feeds_page_lists_each_show_and_its_feed_url(web: Web) -> None:
    r = web.client.get("/shows")
    assert r.status_code == 200
    for slug, show in web.settings.shows.items():
        assert escape(feed_url_for(show, slug)) in r.text
        assert f'id="show-{slug}"' in r.text
    assert "Grid Talk" in r.text
    assert "not written yet" in r.text
    assert "Nothing in this feed yet." in r.text


def submitted(web: Web, show: str = "infracast") -> int:
    """A queued episode of the example article, not sent to any stage."""
    source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text(encoding="utf-8"))
    return actions.submit(web.store, web.settings, source, show).episode.id


def test_publishing_an_episode_that_is_not_annotated_says_why(web: Web) -> None:
    episode_id = submitted(web)
    history = web.store.history(episode_id)
    r = web.client.post(
        f"/episodes/{episode_id}/publish", data={"csrf_token": web.csrf}, follow_redirects=False
    )
    assert r.status_code == 409
    assert "only annotated episodes can be published" in r.text
    assert 'id="show-infracast"' in r.text  # the feeds page, with the message on it
    assert web.store.history(episode_id) == history


def test_unpublishing_an_episode_that_is_not_published_changes_nothing(web: Web) -> None:
    episode_id = submitted(web)
    history = web.store.history(episode_id)
    r = web.client.post(
        f"/episodes/{episode_id}/unpublish", data={"csrf_token": web.csrf}, follow_redirects=False
    )
    assert r.status_code == 409
    assert f"episode {episode_id} is queued, not published" in r.text
    assert web.store.history(episode_id) == history
    folder = web.store.episode_dir(episode_id)
    assert not (folder / "publishing.json").exists()


def test_publish_and_unpublish_of_a_missing_episode_is_404(web: Web) -> None:
    for action in ("publish", "unpublish", "retry"):
        r = web.client.post(f"/episodes/999/{action}", data={"csrf_token": web.csrf})
        assert r.status_code == 404, action
        assert "there is no episode 999" in r.text


# -- dashboard -------------------------------------------------------------------


def rows_of(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-episode="(\d+)"', page)]


def test_the_dashboard_comes_in_pages_with_what_needs_an_editor_first(web: Web) -> None:
    ids = [
        web.store.create_episode("infracast", Source(kind="markdown", uri=f"{i}.md")).id
        for i in range(55)
    ]
    web.store.fail(ids[0], "render", "no voice")  # the oldest: still on the first page
    first = web.client.get("/").text
    on_first = rows_of(first)
    assert len(on_first) == 50
    assert on_first[:3] == [ids[0], ids[54], ids[53]]
    assert "Episodes 1–50 of 55" in first
    assert 'href="/?page=2" rel="next"' in first
    assert '<span class="count">54</span>' in first  # queued: all of them, not this page's
    # the live updates poll for this very page, so they update its rows in place
    poll = re.search(r'data-poll="([^"]+)"', first)
    assert poll
    polled = web.client.get(html.unescape(poll.group(1))).json()["episodes"]
    assert [e["id"] for e in polled] == on_first
    second = web.client.get("/", params={"page": 2}).text
    assert rows_of(second) == ids[5:0:-1]
    assert "Episodes 51–55 of 55" in second and 'href="/" rel="prev"' in second
    assert web.client.get("/", params={"page": 0}).status_code == 422


# -- retry ---------------------------------------------------------------------


def test_retry_sends_a_failed_episode_back_to_its_stage(web: Web) -> None:
    episode_id = episode_in_review(web)
    web.store.fail(episode_id, "script", "boom")
    dashboard = web.client.get("/").text
    assert f'action="/episodes/{episode_id}/retry"' in dashboard
    r = web.client.post(
        f"/episodes/{episode_id}/retry", data={"csrf_token": web.csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    notes = [c.note for c in web.store.history(episode_id)]
    assert "retry script" in notes
    web.app.state.ctx.dispatcher.pool.submit(lambda: None).result(timeout=60)  # let it run
    episode = web.store.episode(episode_id)
    assert episode.state == EpisodeState.IN_REVIEW
    assert episode.failure is None


def test_retry_of_an_episode_that_did_not_fail_is_refused(web: Web) -> None:
    episode_id = episode_in_review(web)  # waiting for an editor, not for a stage
    r = web.client.post(f"/episodes/{episode_id}/retry", data={"csrf_token": web.csrf})
    assert r.status_code == 409
    assert "not failed: nothing to retry" in r.text
    assert web.store.episode(episode_id).state == EpisodeState.IN_REVIEW


def test_retry_of_an_episode_whose_stage_is_running_is_refused(web: Web) -> None:
    episode_id = submitted(web)
    web.store.start_heartbeat(episode_id, "ingest", "a-live-worker")
    r = web.client.post(f"/episodes/{episode_id}/retry", data={"csrf_token": web.csrf})
    assert r.status_code == 409
    assert "is running its ingest stage" in r.text


# -- publish and unpublish a real episode (slow: speech, transcription) ---------

# Piper for both hosts, as in test_feeds_stage: tiny.en hears the short article well.
HOSTS = [
    Host(
        name="Lena", role="leads and explains", voice=Voice(engine="piper", voice="joe", speed=0.95)
    ),
    Host(name="Miles", role="asks, connects and reacts", voice=Voice(engine="piper", voice="joe")),
]


@dataclass
class Made:
    settings: Settings
    store: Store
    episode_id: int


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    root = tmp_path_factory.mktemp("web-publish")
    with pytest.MonkeyPatch.context() as mp:  # as tests/conftest.py's _isolated_env
        mp.setenv("INFRACAST_CONFIG", str(root / "no-config.toml"))
        settings = Settings(
            data_root=root / "data",
            # auto_rerender off: a test below holds the episode on purpose (an edit).
            shows={"racks": Show(title="Racks", minutes=1, hosts=HOSTS, auto_rerender=False)},
            default_show="racks",
            qa_threshold=1.0,  # so that, mostly, it goes straight into its feed
        )
    store = Store(settings.db_url, settings.data_root)
    accounts.add_user(store, EDITOR, PASSWORD)
    source = Source(kind="markdown", uri=str(SHORT), text=SHORT.read_text(encoding="utf-8"))
    episode = actions.submit(store, settings, source, "racks").episode
    orchestrate.run_episode(store, settings, episode.id)
    actions.approve(store, episode.id, EDITOR, dispatcher=Recorder())
    episode = orchestrate.run_episode(store, settings, episode.id)
    if episode.state == EpisodeState.ANNOTATED:  # tiny.en misheard a line now and then
        actions.publish(store, settings, episode.id, EDITOR, allow_failed_qa=True)
    assert store.episode(episode.id).state == EpisodeState.PUBLISHED
    yield Made(settings, store, episode.id)
    store.close()


@pytest.fixture
def editor(made: Made) -> Iterator[tuple[TestClient, str]]:
    with TestClient(create_app(made.settings, made.store), base_url=BASE) as client:
        yield client, sign_in(client)


def in_feed(made: Made) -> bool:
    guid = made.store.episode(made.episode_id).feed_guid or "never published"
    return guid in feeds.feed_path(made.settings, "racks").read_text(encoding="utf-8")


@pytest.mark.slow
def test_feeds_page_shows_the_published_episode(made: Made, editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    page = client.get("/shows").text
    row = page.split(f'id="published-{made.episode_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Cooling a Forty-Megawatt Hall" in row
    assert f'href="/episodes/{made.episode_id}"' in row
    assert "<time datetime=" in row
    assert f'action="/episodes/{made.episode_id}/unpublish"' in row
    assert "written" in page and "not written yet" not in page


@pytest.mark.slow
def test_unpublish_then_publish_from_the_feeds_page(
    made: Made, editor: tuple[TestClient, str]
) -> None:
    client, csrf = editor
    # Unpublishing asks first, and nothing changes until the editor confirms.
    r = client.post(
        f"/episodes/{made.episode_id}/unpublish",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 200
    assert f"Unpublish episode {made.episode_id}?" in r.text
    assert 'name="confirmed" value="true"' in r.text
    assert made.store.episode(made.episode_id).state == EpisodeState.PUBLISHED
    r = client.post(
        f"/episodes/{made.episode_id}/unpublish",
        data={"csrf_token": csrf, "confirmed": "true"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/shows?unpublished={made.episode_id}"
    assert made.store.episode(made.episode_id).state == EpisodeState.ANNOTATED
    assert not in_feed(made)
    page = client.get(r.headers["location"]).text
    assert f"Episode {made.episode_id} is out of its feed." in page
    row = page.split(f'id="waiting-{made.episode_id}"', 1)[1].split("</tr>", 1)[0]
    assert f"unpublished by {EDITOR}" in row
    assert f'action="/episodes/{made.episode_id}/publish"' in row

    # Seldom, tiny.en mishears a line even so: then only "Publish anyway" gets it out.
    data = {"csrf_token": csrf}
    if "Publish anyway (QA failed)" in row:
        data |= {"allow_failed_qa": "true", "confirmed": "true"}
    r = client.post(f"/episodes/{made.episode_id}/publish", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/shows?published={made.episode_id}"
    assert made.store.episode(made.episode_id).state == EpisodeState.PUBLISHED
    assert in_feed(made)

    # From the episode's own page, the buttons lead back there; elsewhere never.
    page_path = f"/episodes/{made.episode_id}"
    data = {"csrf_token": csrf, "back": page_path, "confirmed": "true"}
    r = client.post(f"{page_path}/unpublish", data=data, follow_redirects=False)
    assert r.headers["location"] == f"{page_path}?done=unpublished"
    assert "Unpublished: the episode is out of its show" in client.get(r.headers["location"]).text
    data = {"csrf_token": csrf, "back": "https://evil.example/", "allow_failed_qa": "true"}
    data["confirmed"] = "true"
    r = client.post(f"{page_path}/publish", data=data, follow_redirects=False)
    assert r.headers["location"] == f"/shows?published={made.episode_id}"


@pytest.mark.slow
def test_a_qa_hold_is_shown_and_can_be_overridden(
    made: Made, editor: tuple[TestClient, str]
) -> None:
    client, csrf = editor
    store, settings, episode_id = made.store, made.settings, made.episode_id
    actions.unpublish(store, settings, episode_id, EDITOR)
    # The audio still says the old line: transcribed again, QA flags the edited one.
    saved = store.scripts.get(episode_id)
    lines = list(saved.script.lines)
    target = next(i for i, line in enumerate(lines) if line.words >= 6)
    changed = "Meanwhile, the weather in Madrid stayed dry and sunny for the whole of March."
    lines[target] = lines[target].model_copy(update={"text": changed})
    edited = saved.script.model_copy(update={"lines": lines})
    store.scripts.save(episode_id, edited, [], author=EDITOR, base_version=saved.version)
    store.move(episode_id, EpisodeState.ANNOTATED, EpisodeState.IN_REVIEW, "test: edited")
    actions.approve(store, episode_id, EDITOR, saved.version + 1, dispatcher=Recorder())
    store.move(episode_id, EpisodeState.APPROVED, EpisodeState.RENDERED, "test: re-check")
    strict = settings.model_copy(update={"qa_threshold": 0.15})
    orchestrate.run_episode(store, strict, episode_id)
    assert store.episode(episode_id).state == EpisodeState.ANNOTATED

    def waiting_row() -> str:
        page = client.get("/shows").text
        return page.split(f'id="waiting-{episode_id}"', 1)[1].split("</tr>", 1)[0]

    row = waiting_row()
    assert f"unpublished by {EDITOR}" in row  # still held by the editor's decision
    assert "Publish anyway (QA failed)" in row  # and QA found a line to check

    r = client.post(
        f"/episodes/{episode_id}/publish", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 409
    assert 'role="alert"' in r.text
    assert f"episode {episode_id} was not published: QA flagged" in r.text
    assert "Traceback" not in r.text
    assert store.episode(episode_id).state == EpisodeState.ANNOTATED
    assert "QA flagged" in waiting_row()

    # Publishing despite QA asks first, naming the flagged lines.
    r = client.post(
        f"/episodes/{episode_id}/publish",
        data={"csrf_token": csrf, "allow_failed_qa": "true"},
        follow_redirects=False,
    )
    assert r.status_code == 200
    assert f"Publish episode {episode_id} despite QA?" in r.text
    flagged = QA.read(store.episode_dir(episode_id)).flagged
    assert flagged and all(f"{q.line_id} (" in r.text for q in flagged)
    assert store.episode(episode_id).state == EpisodeState.ANNOTATED
    r = client.post(
        f"/episodes/{episode_id}/publish",
        data={"csrf_token": csrf, "allow_failed_qa": "true", "confirmed": "true"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert store.episode(episode_id).state == EpisodeState.PUBLISHED
    assert in_feed(made)


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    """Text at WCAG AA (4.5:1) wherever a rule sets both its colour and its background,
    and the warning colour (the QA summary, "Held because") on white and on the QA
    flag's background: #a86a00 was 4.44:1 and 4.05:1."""
    static = Path(__file__).resolve().parents[1] / "pipeline" / "web" / "static"
    css = "\n".join(p.read_text(encoding="utf-8") for p in sorted(static.glob("*.css")))
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", css))

    def colour(value: str) -> str | None:
        value = value.strip()
        if value.startswith("var(--"):
            return variables.get(value[6:].rstrip(")"))
        return value if re.fullmatch(r"#[0-9a-fA-F]{6}", value) else None

    pairs = [("--warn on white", variables["warn"], "#ffffff")]
    pairs.append(("--warn on the QA flag", variables["warn"], "#fff4d6"))
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        fg = re.search(r"(?<![-\w])color:\s*([^;]+)", body)
        bg = re.search(r"background:\s*([^;]+)", body)
        if fg and bg and colour(fg.group(1)) and colour(bg.group(1)):
            pairs.append((selector.strip(), colour(fg.group(1)), colour(bg.group(1))))
    low = [
        (what, fg, bg, round(_contrast(fg, bg), 2))
        for what, fg, bg in pairs
        if _contrast(fg, bg) < 4.5
    ]
    assert len(pairs) > 10 and low == []
