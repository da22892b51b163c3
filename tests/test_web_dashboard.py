"""The dashboard for thousands of episodes: one table, searched, filtered, sorted and paged
in the database (SQLite and PostgreSQL), what is happening to each episode and who acted
last, and the bulk actions that ask before they act."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import actions, feeds
from pipeline.episode_files import QA
from pipeline.figures.models import AuditFinding
from pipeline.models import (
    EpisodeState,
    LineQA,
    QAReport,
    Source,
)
from pipeline.store.episode_query import EpisodeQuery, search_pattern
from tests import web as web_fixtures
from tests.dispatching import Recorder
from tests.web import EDITOR, Web, put_in_review, settings_on_each_database, web_app

web = web_fixtures.web  # the fixture, found by pytest under this name

COLUMNS = [
    "#",
    "State",
    "Show",
    "Title and source",
    "Created",
    "Updated",
    "Last by",
    "What's happening",
    "Actions",
]


def add(
    web: Web,
    title: str,
    state: EpisodeState = EpisodeState.QUEUED,
    show: str = "infracast",
    uri: str | None = None,
) -> int:
    """An episode in `state`, put there directly (no stage runs)."""
    source = Source(kind="markdown", uri=uri or f"{title.lower().replace(' ', '-')}.md")
    episode = web.store.create_episode(show, source, title=title)
    if state == EpisodeState.FAILED:
        web.store.fail(episode.id, "render", "no voice named lena")
    elif state != EpisodeState.QUEUED:
        web.store.move(episode.id, EpisodeState.QUEUED, state)
    return episode.id


def in_review(web: Web, title: str, findings: list[AuditFinding] | None = None) -> int:
    """An episode in review with a two-line script (saved as the script stage would)."""
    episode_id = add(web, title, EpisodeState.SCRIPTED)
    put_in_review(web.store, episode_id, title, findings)
    return episode_id


def annotated(web: Web, title: str, flagged: list[str]) -> int:
    """An annotated episode with a QA report that flags `flagged` lines."""
    episode_id = add(web, title, EpisodeState.ANNOTATED)
    lines = [
        LineQA(
            line_id=f"l{n}",
            expected="x",
            heard="y" if f"l{n}" in flagged else "x",
            wer=1.0 if f"l{n}" in flagged else 0.0,
            flagged=f"l{n}" in flagged,
        )
        for n in range(1, 4)
    ]
    report = QAReport(backend="whisper", model="tiny.en", threshold=0.3, wer=0.1, lines=lines)
    QA.write(web.store.episode_dir(episode_id), report)
    return episode_id


def rows_of(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="episode-\d+" data-episode="(\d+)"', page)]


def row(page: str, episode_id: int) -> str:
    found = re.search(rf'<tr id="episode-{episode_id}".*?</tr>', page, re.S)
    assert found, f"episode {episode_id} is not on the page"
    return found.group(0)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def recorder(web: Web) -> Recorder:
    rec = Recorder()
    web.app.state.ctx.dispatcher = rec
    return rec


# -- the table -------------------------------------------------------------------------


def test_one_table_with_every_column_and_what_is_happening(web: Web) -> None:
    queued = add(web, "Queued hall")
    failed = add(web, "Failed hall", EpisodeState.FAILED)
    review = in_review(web, "Hall in review")
    asked = in_review(web, "Hall with a request")
    actions.request_changes(web.store, asked, EDITOR, "Say where the 40 MW comes from.")
    held = annotated(web, "Held hall", ["l2"])
    web.store.hold(held, "QA flagged 1 line(s) (l2)")
    ready = annotated(web, "Ready hall", [])
    rendering = add(web, "Rendering hall", EpisodeState.APPROVED)
    web.store.start_heartbeat(rendering, "render", "runner-1")
    web.store.report_progress(rendering, "runner-1", 12, 40)

    page = web.client.get("/").text
    assert page.count("<table") == 1  # one table: the columns line up
    head = re.search(r"<thead>.*?</thead>", page, re.S)
    assert head
    assert [text_of(th) or "#" for th in re.findall(r"<th[^>]*>.*?</th>", head.group(0), re.S)][
        1:
    ] == COLUMNS
    # what needs an editor comes first: failed, in review, annotated; then the flow
    assert rows_of(page) == [failed, asked, review, ready, held, queued, rendering]
    assert "failed at render: no voice named lena" in text_of(row(page, failed))
    assert "Waiting for you: review the script" in text_of(row(page, review))
    assert f"Changes requested by {EDITOR}: Say where the 40 MW comes from." in text_of(
        row(page, asked)
    )
    assert "Held: QA flagged 1 line(s) (l2)" in text_of(row(page, held))
    assert "waiting for publish" in text_of(row(page, ready))
    working = text_of(row(page, rendering))
    assert re.search(r"render 12/40 lines · (less than a minute|about \d+ min) left", working)
    assert "waiting for ingest" in text_of(row(page, queued))
    # dates as <time datetime>, and the title's source under it
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d</time>',
        row(page, queued),
    )
    assert 'class="source">queued-hall.md</span>' in row(page, queued)


def test_each_row_offers_only_the_actions_its_state_allows(web: Web) -> None:
    failed = add(web, "Failed hall", EpisodeState.FAILED)
    review = in_review(web, "Hall in review")
    flagged = annotated(web, "Flagged hall", ["l1"])
    clean = annotated(web, "Clean hall", [])
    web.store.hold(clean, "unpublished by ana")  # taken out of the feed: publish it again
    on_its_way = annotated(web, "Hall on its way", [])  # the publish stage takes it on
    published = add(web, "Published hall", EpisodeState.PUBLISHED)
    page = web.client.get("/").text
    assert f'action="/episodes/{failed}/retry"' in row(page, failed)
    assert f'href="/episodes/{review}">Review</a>' in row(page, review)
    assert f'action="/episodes/{clean}/publish"' in row(page, clean)
    # a plain publish of a flagged episode could only be held again: not offered
    assert "/publish" not in row(page, flagged) and "Check QA" in row(page, flagged)
    assert "/publish" not in row(page, on_its_way)
    for episode_id in (review, flagged, published):
        assert "/retry" not in row(page, episode_id)
    assert "<form" not in row(page, published).split('class="actions"')[1]


def test_who_acted_last_is_the_editor_and_pipeline_moves_keep_it(web: Web) -> None:
    recorder(web)
    episode_id = in_review(web, "Hall in review")
    assert '<td class="actor">pipeline</td>' in row(web.client.get("/").text, episode_id)
    version = web.store.scripts.get(episode_id).version
    r = web.client.post(
        f"/episodes/{episode_id}/approve", data={"csrf_token": web.csrf, "version": version}
    )
    assert r.status_code == 200
    assert web.store.episode(episode_id).last_actor == EDITOR
    # the render stage moving it on is the pipeline: the editor's name stays
    web.store.move(episode_id, EpisodeState.APPROVED, EpisodeState.RENDERED)
    assert web.store.episode(episode_id).last_actor == EDITOR
    assert f'<td class="actor">{EDITOR}</td>' in row(web.client.get("/").text, episode_id)
    # the API says it too
    listed = web.api().get("/api/episodes").json()["episodes"]
    assert [e["last_actor"] for e in listed if e["id"] == episode_id] == [EDITOR]


def test_editor_actions_record_who_acted(web: Web) -> None:
    recorder(web)
    failed = add(web, "Failed hall", EpisodeState.FAILED)
    web.client.post(f"/episodes/{failed}/retry", data={"csrf_token": web.csrf})
    assert web.store.episode(failed).last_actor == EDITOR
    asked = in_review(web, "Hall in review")
    actions.request_changes(web.store, asked, "ana", "Shorter, please.")
    assert web.store.episode(asked).last_actor == "ana"


# -- search, filters, sort, pages --------------------------------------------------------


def test_search_finds_title_or_source_in_any_case_with_wildcards_taken_literally(
    web: Web,
) -> None:
    cooling = add(web, "Liquid Cooling at Scale")
    by_source = add(web, "Untitled", uri="https://example.com/grid-power")
    percent = add(web, "Racks at 100% load")
    underscore = add(web, "Power_usage effectiveness")
    add(web, "Something else entirely")
    assert rows_of(web.client.get("/", params={"q": "liquid cOOLING"}).text) == [cooling]
    assert rows_of(web.client.get("/", params={"q": "EXAMPLE.com"}).text) == [by_source]
    assert rows_of(web.client.get("/", params={"q": "100%"}).text) == [percent]
    assert rows_of(web.client.get("/", params={"q": "r_u"}).text) == [underscore]
    assert rows_of(web.client.get("/", params={"q": "%"}).text) == [percent]
    empty = web.client.get("/", params={"q": "nothing like this"}).text
    assert rows_of(empty) == [] and "No episode matches these filters" in empty
    # what was typed is shown back, escaped
    page = web.client.get("/", params={"q": '"><script>x</script>'}).text
    assert "<script>x</script>" not in page
    assert 'value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in page


def test_filters_by_state_needs_an_editor_and_show_with_counts(web: Web) -> None:
    failed = add(web, "Failed hall", EpisodeState.FAILED)
    review = in_review(web, "Hall in review")
    grid = add(web, "Grid hall", EpisodeState.PUBLISHED, show="grid")
    queued = [add(web, f"Queued hall {n}") for n in range(3)]
    page = web.client.get("/", params={"state": "failed"}).text
    assert rows_of(page) == [failed]
    assert set(rows_of(web.client.get("/", params={"state": "needs_editor"}).text)) == {
        failed,
        review,
    }
    assert rows_of(web.client.get("/", params={"show": "grid"}).text) == [grid]
    assert set(rows_of(web.client.get("/", params={"state": "queued", "q": "hall"}).text)) == set(
        queued
    )
    # the counts are filter links that keep the search and show, and say how many
    page = web.client.get("/", params={"q": "hall", "show": "infracast"}).text
    links = dict(re.findall(r'data-filter="([a-z_]*)"[^>]*>[^<]*<span class="count">(\d+)', page))
    assert links == {"": "5", "needs_editor": "2", "failed": "1", "in_review": "1", "queued": "3"}
    assert 'href="/?q=hall&amp;state=failed&amp;show=infracast"' in page
    # the form has labelled controls
    for control in ("dash-q", "dash-state", "dash-show", "dash-sort", "dash-dir"):
        assert f'<label for="{control}">' in page and f'id="{control}"' in page
    r = web.client.get("/", params={"state": "done"})
    assert r.status_code == 422 and "there is no state &#39;done&#39; to filter by" in r.text


def test_sorts_by_title_dates_and_state_both_ways(web: Web) -> None:
    b = add(web, "bravo")
    a = add(web, "Alpha")
    c = add(web, "charlie", EpisodeState.FAILED)
    by_title = web.client.get("/", params={"sort": "title"}).text
    assert rows_of(by_title) == [a, b, c]
    assert 'aria-sort="ascending"><a href="/?sort=title&amp;dir=desc">' in by_title
    assert rows_of(web.client.get("/", params={"sort": "title", "dir": "desc"}).text) == [c, b, a]
    assert rows_of(web.client.get("/", params={"sort": "created"}).text) == [c, a, b]
    assert rows_of(web.client.get("/", params={"sort": "created", "dir": "asc"}).text) == [b, a, c]
    assert rows_of(web.client.get("/", params={"sort": "updated"}).text)[0] == c
    assert rows_of(web.client.get("/", params={"sort": "state"}).text)[0] == c
    assert web.client.get("/", params={"sort": "colour"}).status_code == 422


def test_pages_of_fifty_with_links_that_keep_the_filters(web: Web) -> None:
    ids = [add(web, f"Hall {n:03d}") for n in range(120)]
    add(web, "Other thing")
    first = web.client.get("/", params={"q": "hall", "sort": "title", "dir": "asc"}).text
    assert rows_of(first) == ids[:50]
    assert "Episodes 1–50 of 120 · page 1 of 3" in text_of(first)
    assert 'href="/?q=hall&amp;sort=title&amp;dir=asc&amp;page=2" rel="next"' in first
    third = web.client.get("/", params={"q": "hall", "sort": "title", "page": 3}).text
    assert rows_of(third) == ids[100:]
    assert 'href="/?q=hall&amp;sort=title&amp;dir=asc&amp;page=2" rel="prev"' in third
    assert 'rel="next"' not in third
    # the bulk actions come back to this very view
    assert 'name="back" value="/?q=hall&amp;sort=title&amp;dir=asc&amp;page=3"' in third
    # the live updates poll the API for this very page
    poll = re.search(r'data-poll="([^"]+)"', third)
    assert poll
    polled = web.client.get(html.unescape(poll.group(1))).json()
    assert [e["id"] for e in polled["episodes"]] == ids[100:] and polled["total"] == 120
    assert web.client.get("/", params={"page": 0}).status_code == 422


def test_the_api_list_searches_filters_sorts_and_says_the_work(web: Web) -> None:
    failed = add(web, "Failed hall", EpisodeState.FAILED)
    review = in_review(web, "Hall in review")
    rendering = add(web, "Rendering hall", EpisodeState.APPROVED)
    add(web, "Other")
    web.store.start_heartbeat(rendering, "render", "runner-1")
    web.store.report_progress(rendering, "runner-1", 3, 10)
    api = web.api()
    found = api.get("/api/episodes", params={"q": "HALL", "sort": "title"}).json()
    assert [e["id"] for e in found["episodes"]] == [failed, review, rendering]
    assert found["total"] == 3
    several = api.get("/api/episodes", params=[("state", "failed"), ("state", "in_review")])
    assert {e["id"] for e in several.json()["episodes"]} == {failed, review}
    work = next(e["work"] for e in found["episodes"] if e["id"] == rendering)
    assert work["stage"] == "render" and (work["done"], work["total"]) == (3, 10)
    assert api.get("/api/episodes", params={"sort": "colour"}).status_code == 422


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_web(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Web]:
    with web_app(settings_on_each_database(request, tmp_path)) as app:
        yield app


def test_search_and_sort_work_on_each_database(db_web: Web) -> None:
    web = db_web
    upper = add(web, "LIQUID Cooling")
    lower = add(web, "liquid cooling, again", EpisodeState.FAILED)
    add(web, "100% of something")
    add(web, "Other")
    assert set(rows_of(web.client.get("/", params={"q": "Liquid"}).text)) == {upper, lower}
    assert rows_of(web.client.get("/", params={"q": "_"}).text) == []
    assert rows_of(web.client.get("/", params={"q": "\x00liquid"}).text) != []
    found = web.store.find_episodes(EpisodeQuery(search="iquid c", sort="title", limit=1))
    assert [e.id for e in found.episodes] == [upper] and found.total == 2
    assert found.counts == {EpisodeState.QUEUED: 1, EpisodeState.FAILED: 1}  # of the search
    assert all(e.source.text is None for e in found.episodes)  # lists leave the text out
    asked = in_review(web, "Hall in review")
    actions.request_changes(web.store, asked, EDITOR, "first")
    actions.request_changes(web.store, asked, EDITOR, "second")
    notes = web.store.latest_notes([asked, upper], actions.CHANGES_REQUESTED)
    assert {k: v.note for k, v in notes.items()} == {
        asked: f"changes requested by {EDITOR}: second"
    }


def test_a_search_term_is_a_literal_pattern() -> None:
    assert search_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


# -- bulk actions ---------------------------------------------------------------------------


def bulk(web: Web, action: str, ids: list[int], **fields: str) -> tuple[int, str, str]:
    data: dict[str, object] = {"csrf_token": web.csrf, "action": action, "ids": ids, **fields}
    r = web.client.post("/episodes/bulk", data=data, follow_redirects=False)
    return r.status_code, r.text, r.headers.get("location", "")


def confirm_form(page: str) -> dict[str, list[str]]:
    form = re.search(r'<form method="post" action="/episodes/bulk".*?</form>', page, re.S)
    assert form, "no confirmation form"
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="([a-z_]+)" value="([^"]*)"', form.group(0)):
        fields.setdefault(name, []).append(html.unescape(value))
    return fields


def test_bulk_approve_lists_what_will_happen_and_waits_for_the_confirmation(web: Web) -> None:
    sent = recorder(web)
    first, second = in_review(web, "First hall"), in_review(web, "Second hall")
    untraced = in_review(
        web,
        "Untraced hall",
        [
            AuditFinding(
                line_id="l1", text="40 MW", start=14, end=19, figure_id=None, status="untraced"
            )
        ],
    )
    queued = add(web, "Queued hall")
    status, page, _ = bulk(web, "approve", [first, second, untraced, queued, 999], back="/?q=hall")
    assert status == 200
    plan = text_of(page)
    assert "Approve 2 of 5 selected episodes?" in plan
    assert "will approve script version 1" in text_of(row_of_plan(page, first))
    assert "skipped: 1 number(s) in its script are not traced to the article (40 MW)" in plan
    assert "skipped: it is queued, not in review" in text_of(row_of_plan(page, queued))
    assert "skipped: there is no episode 999" in plan
    # nothing happened yet
    assert web.store.episode(first).state == EpisodeState.IN_REVIEW and sent.sent == []
    fields = confirm_form(page)
    assert fields["ids"] == [str(first), str(second)]
    assert fields["seen"] == [f"{first}:1", f"{second}:1"]
    r = web.client.post("/episodes/bulk", data={**fields, "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?q=hall&bulk=approved&n=2&skipped=3"
    for episode_id in (first, second):
        episode = web.store.episode(episode_id)
        assert episode.state == EpisodeState.APPROVED and episode.last_actor == EDITOR
    assert web.store.episode(untraced).state == EpisodeState.IN_REVIEW
    assert sorted(sent.sent) == [(first, "render"), (second, "render")]


def row_of_plan(page: str, episode_id: int) -> str:
    found = re.search(rf'<tr data-episode="{episode_id}".*?</tr>', page, re.S)
    assert found
    return found.group(0)


def test_bulk_approve_goes_back_to_the_same_view_with_a_notice(web: Web) -> None:
    recorder(web)
    first = in_review(web, "First hall")
    _, page, _ = bulk(web, "approve", [first], back="/?q=hall&state=in_review")
    fields = confirm_form(page)
    assert fields["back"] == ["/?q=hall&state=in_review"]
    status, _, location = bulk(
        web, "approve", [first], confirm="yes", seen=f"{first}:1", back=fields["back"][0]
    )
    assert status == 303
    assert location == "/?q=hall&state=in_review&bulk=approved&n=1&skipped=0"
    assert "Approved: 1 episode." in web.client.get(location).text
    # the way back never leaves the dashboard
    _, page, _ = bulk(web, "retry", [first], back="https://elsewhere.example/")
    assert confirm_form(page)["back"] == ["/"]


def test_bulk_approve_refuses_a_version_saved_after_the_confirmation(web: Web) -> None:
    recorder(web)
    episode_id = in_review(web, "Hall")
    status, page, _ = bulk(web, "approve", [episode_id], confirm="yes", seen=f"{episode_id}:0")
    assert status == 200
    assert "not approved: script version 1 was saved after the confirmation" in text_of(page)
    assert web.store.episode(episode_id).state == EpisodeState.IN_REVIEW


def test_bulk_publish_skips_qa_flagged_episodes_even_when_confirmed(web: Web) -> None:
    flagged = annotated(web, "Flagged hall", ["l2", "l3"])
    clean = annotated(web, "Clean hall", [])
    published = add(web, "Published hall", EpisodeState.PUBLISHED)
    _, page, _ = bulk(web, "publish", [flagged, clean, published])
    assert "Publish 1 of 3 selected episodes?" in text_of(page)
    assert "skipped: QA flagged 2 line(s) (l2, l3)" in text_of(row_of_plan(page, flagged))
    assert "will publish it to its show's feed" in text_of(row_of_plan(page, clean))
    assert "skipped: it is already in its feed" in text_of(row_of_plan(page, published))
    assert confirm_form(page)["ids"] == [str(clean)]
    # posted straight away with confirm=yes, the flagged one is still not published
    status, _, location = bulk(web, "publish", [flagged], confirm="yes")
    assert status == 303 and location == "/?bulk=published&n=0&skipped=1"
    assert web.store.episode(flagged).state == EpisodeState.ANNOTATED
    assert "Published: 0 episodes. 1 skipped" in web.client.get(location).text


def test_bulk_publish_writes_each_feed_once(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    monkeypatch.setattr(feeds, "write_feed", lambda store, settings, show: written.append(show))
    clean = [annotated(web, f"Clean hall {n}", []) for n in range(3)]
    status, _, location = bulk(web, "publish", clean, confirm="yes")
    assert status == 303 and location == "/?bulk=published&n=3&skipped=0"
    assert {web.store.episode(i).state for i in clean} == {EpisodeState.PUBLISHED}
    assert written == ["infracast"]  # once for the three, after the last


def test_bulk_retry_sends_failed_episodes_back(web: Web) -> None:
    sent = recorder(web)
    failed = [add(web, f"Failed hall {n}", EpisodeState.FAILED) for n in range(3)]
    fine = add(web, "Queued hall")
    _, page, _ = bulk(web, "retry", [*failed, fine])
    assert "will run its render stage again" in text_of(row_of_plan(page, failed[0]))
    assert "skipped: it is queued, not failed" in text_of(row_of_plan(page, fine))
    fields = confirm_form(page)
    r = web.client.post("/episodes/bulk", data={**fields, "confirm": "yes"}, follow_redirects=False)
    assert r.headers["location"] == "/?bulk=retried&n=3&skipped=1"
    for episode_id in failed:
        episode = web.store.episode(episode_id)
        assert episode.state == EpisodeState.APPROVED and episode.last_actor == EDITOR
    assert sorted(sent.sent) == [(n, "render") for n in failed]


def test_bulk_needs_the_csrf_token_and_checks_the_ids(web: Web) -> None:
    sent = recorder(web)
    failed = add(web, "Failed hall", EpisodeState.FAILED)
    r = web.client.post(
        "/episodes/bulk", data={"action": "retry", "ids": [failed], "confirm": "yes"}
    )
    assert r.status_code == 403
    assert web.store.episode(failed).state == EpisodeState.FAILED and sent.sent == []
    status, page, _ = bulk(web, "retry", list(range(1, 202)))
    assert status == 422 and "201 episodes were selected; a bulk action takes at most 200" in page
    status, page, _ = bulk(web, "retry", [])
    assert status == 422 and "no episode was selected" in page
    r = web.client.post(
        "/episodes/bulk", data={"csrf_token": web.csrf, "action": "retry", "ids": ["1; drop"]}
    )
    assert r.status_code == 422 and "is not an episode id" in r.text
    status, _, _ = bulk(web, "delete", [failed])
    assert status == 422
    assert web.anonymous().post("/episodes/bulk", follow_redirects=False).status_code == 303


def test_the_dashboard_offers_the_bulk_form_and_select_all(web: Web) -> None:
    episode_id = add(web, "Hall")
    page = web.client.get("/").text
    assert '<form id="bulk" class="dash-bulk" method="post" action="/episodes/bulk">' in page
    assert f'name="ids" value="{episode_id}" form="bulk"' in page
    assert 'id="select-all" aria-label="Select all episodes on this page"' in page
    for action in ("approve", "publish", "retry"):
        assert f'name="action" value="{action}"' in page


def test_the_store_keeps_the_last_editor_through_pipeline_moves(db_web: Web) -> None:
    store = db_web.store
    episode_id = in_review(db_web, "Hall")
    assert store.episode(episode_id).last_actor is None  # the pipeline's work so far
    saved = store.scripts.get(episode_id)
    store.scripts.save(episode_id, saved.script, [], author="ana", base_version=saved.version)
    assert store.episode(episode_id).last_actor == "ana"
    store.touch(episode_id, "sweeper re-sent review")  # the pipeline: the name stays
    assert store.episode(episode_id).last_actor == "ana"
    store.scripts.approve(episode_id, None, "ben")
    assert store.episode(episode_id).last_actor == "ben"
    store.move(episode_id, EpisodeState.APPROVED, EpisodeState.ANNOTATED)
    store.hold(episode_id, "QA flagged 1 line(s) (l1)")
    assert store.episode(episode_id).last_actor == "ben"
    store.move(episode_id, EpisodeState.ANNOTATED, EpisodeState.PUBLISHED, by="cleo")
    store.touch(episode_id, "publishing decided by dan: hold", by="dan")
    assert store.episode(episode_id).last_actor == "dan"
