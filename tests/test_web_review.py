"""The episode pages: the review editor, saving versions, conflicts, diffs, approval, the
episode's files, and the listen view of a rendered episode.

The review tests work on a real episode in review (the example article, ingested and
scripted in-process). The listen tests need real audio: the slow tests at the end render
one episode once for the module and give each test its own copy of it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from pipeline import accounts, actions, orchestrate
from pipeline.episode_files import PublishDecision
from pipeline.models import EpisodeState, QAReport, Source, Timeline
from pipeline.store import Store
from pipeline.web import create_app
from tests import web as web_fixtures
from tests.browser import chromium
from tests.conftest import ALARM, EXAMPLE, LOW
from tests.dispatching import Recorder
from tests.services import free_port
from tests.web import BASE, EDITOR, PASSWORD, Web, episode_in_review, sign_in, web_settings

web = web_fixtures.web  # the fixture, found by pytest under this name

SCRIPT = "<script>alert(1)</script>"


def recording(web: Web) -> Recorder:
    """Records the stages a page sends on, instead of running them in the background:
    rendering audio is the slow tests' and the audio stage tests' business."""
    recorder = Recorder()
    web.app.state.ctx.dispatcher = recorder
    return recorder


def turns_of(web: Web, episode_id: int) -> list[dict[str, Any]]:
    """The latest script as the editor's JavaScript would send it back unchanged."""
    script = web.store.scripts.get(episode_id).script
    return [{"id": line.id, "speaker": line.speaker, "text": line.text} for line in script.lines]


def save(
    web: Web, episode_id: int, turns: object, base_version: int = 1, comment: str = ""
) -> httpx.Response:
    return web.client.post(
        f"/episodes/{episode_id}/script",
        data={
            "csrf_token": web.csrf,
            "base_version": str(base_version),
            "turns_json": turns if isinstance(turns, str) else json.dumps(turns),
            "comment": comment,
        },
        follow_redirects=False,
    )


def assert_no_inline_code(page: str) -> None:
    """The pages run under a CSP without 'unsafe-inline': scripts and styles come as files."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page, re.IGNORECASE)
    assert not re.search(r"<style", page, re.IGNORECASE)
    assert not re.search(r"\sstyle\s*=", page, re.IGNORECASE)
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page, re.IGNORECASE)


# -- the review page -----------------------------------------------------------


def test_review_page_shows_the_editor_highlighted_figures_and_their_cards(web: Web) -> None:
    episode_id = episode_in_review(web)
    version = web.store.scripts.get(episode_id)
    r = web.client.get(f"/episodes/{episode_id}")
    assert r.status_code == 200
    page = r.text
    assert "The 130-Kilowatt Rack" in page
    assert '<span class="badge state-in_review">in review</span>' in page
    assert "gigawatt-racks.md" in page
    # Every turn, editable: its speaker among the two hosts, its text in a textarea.
    first = version.script.lines[0]
    assert f'data-id="{first.id}"' in page
    assert page.count('class="turn-speaker"') == len(version.script.lines) + 1  # + the template
    assert '<option value="Lena" selected>Lena</option>' in page
    assert '<option value="Miles">Miles</option>' in page
    assert f">{escape(first.text)}</textarea>" in page
    assert '<input type="hidden" name="base_version" value="1">' in page
    assert 'name="turns_json"' in page and 'action="/episodes/1/script"' in page
    # Without JavaScript the script reads as text; the editing controls wait for review.js.
    assert '<div class="turn-edit" hidden>' in page
    assert "<noscript>" in page
    # Cited numbers are highlighted and each has its card, with the article's sentence.
    traced = [f for f in version.findings if f.figure_id]
    assert traced
    for finding in traced:
        assert f'<mark class="figure" data-figure="{finding.figure_id}">' in page
        assert f'id="figure-{finding.figure_id}"' in page
    assert "NVIDIA&#39;s GB200 NVL72 system packs" in page  # f6's source sentence
    # A computed figure's card shows its formula and inputs.
    computed = [f for f in traced if f.figure_id and f.figure_id.startswith("c")]
    if computed:
        assert "÷" in page
    assert 'action="/episodes/1/approve"' in page
    assert 'action="/episodes/1/request-changes"' in page
    assert '<script src="/static/review.js" defer></script>' in page
    assert '<link rel="stylesheet" href="/static/review.css">' in page
    assert_no_inline_code(page)
    assert r.headers["cache-control"] == "no-store"


def test_untraced_numbers_are_marked_and_listed_as_warnings(web: Web) -> None:
    episode_id = episode_in_review(web)
    turns = turns_of(web, episode_id)
    turns[2]["text"] = "The hall draws about 42 GW on a good day."
    assert save(web, episode_id, turns).status_code == 303
    page = web.client.get(f"/episodes/{episode_id}?saved=2").text
    assert "Saved version 2." in page
    assert '<mark class="untraced"' in page and ">about 42 GW</mark>" in page
    assert "1 number not traced to the article" in page
    assert "says “about 42 GW”, which matches no figure in the ledger" in page


def test_static_files_of_the_review_pages_are_served(web: Web) -> None:
    for name in ("review.js", "player.js", "review.css"):
        r = web.client.get(f"/static/{name}")
        assert r.status_code == 200, name
        assert len(r.content) > 500


def test_a_missing_episode_is_404(web: Web) -> None:
    r = web.client.get("/episodes/999")
    assert r.status_code == 404
    assert "there is no episode 999" in r.text


def test_a_queued_episode_shows_no_script_yet(web: Web) -> None:
    source = Source(kind="markdown", uri="pasted text", text=EXAMPLE.read_text(encoding="utf-8"))
    episode = actions.submit(web.store, web.settings, source).episode
    page = web.client.get(f"/episodes/{episode.id}").text
    assert "No script yet" in page
    assert 'action="/episodes/1/approve"' not in page


def test_a_failed_episode_shows_why(web: Web) -> None:
    episode_id = episode_in_review(web)
    web.store.fail(episode_id, "render", "piper is not installed: pip install piper-tts")
    page = web.client.get(f"/episodes/{episode_id}").text
    assert "Failed at render" in page
    assert "piper is not installed: pip install piper-tts" in page
    assert 'id="editor"' not in page  # a failed episode's script is read-only
    assert '<mark class="figure"' in page


# -- saving edits --------------------------------------------------------------


def test_editing_a_turn_saves_version_2_and_the_diff_shows_the_change(web: Web) -> None:
    episode_id = episode_in_review(web)
    turns = turns_of(web, episode_id)
    old_text = turns[1]["text"]
    turns[1]["text"] = old_text + " And the cooling bill grows with it."
    r = save(web, episode_id, turns, comment="a line on cooling")
    assert r.status_code == 303
    assert r.headers["location"] == f"/episodes/{episode_id}?saved=2"
    saved = web.store.scripts.get(episode_id)
    assert (saved.version, saved.author, saved.comment) == (2, EDITOR, "a line on cooling")
    assert saved.script.lines[1].text.endswith("And the cooling bill grows with it.")
    page = web.client.get(r.headers["location"]).text
    assert "Saved version 2." in page
    assert '<input type="hidden" name="base_version" value="2">' in page
    assert "a line on cooling" in page  # in the version list
    assert 'href="/episodes/1/diff?a=1&amp;b=2"' in page

    diff = web.client.get(f"/episodes/{episode_id}/diff")  # previous → latest by default
    assert diff.status_code == 200
    assert "Changes from version 1 to 2" in diff.text
    assert "1 changed" in diff.text
    assert '<li class="diff-row changed">' in diff.text
    assert "<ins>And the cooling bill grows with it.</ins>" in diff.text
    assert_no_inline_code(diff.text)
    same = web.client.get(f"/episodes/{episode_id}/diff?a=2&b=2")
    assert same.status_code == 200 and "These are the same version." in same.text


def test_add_delete_reorder_and_change_speaker(web: Web) -> None:
    episode_id = episode_in_review(web)
    turns = turns_of(web, episode_id)
    ids = [t["id"] for t in turns]
    turns[0], turns[1] = turns[1], turns[0]  # reorder
    del turns[2]  # delete l3
    turns[3]["speaker"] = "Lena" if turns[3]["speaker"] == "Miles" else "Miles"
    turns.insert(3, {"id": None, "speaker": "Miles", "text": "A new turn, written here."})
    assert save(web, episode_id, turns).status_code == 303
    lines = web.store.scripts.get(episode_id).script.lines
    new_id = f"l{len(ids) + 1}"
    assert [line.id for line in lines[:5]] == [ids[1], ids[0], ids[3], new_id, ids[4]]
    assert ids[2] not in [line.id for line in lines]
    assert lines[3].text == "A new turn, written here." and lines[3].speaker == "Miles"
    assert lines[4].speaker == turns[4]["speaker"]
    diff = web.client.get(f"/episodes/{episode_id}/diff?a=1&b=2").text
    assert '<li class="diff-row added">' in diff
    assert '<li class="diff-row removed">' in diff
    # Words are aligned across rows, so the new turn may be shown as a changed row whose
    # inserted words are the new text: what matters is that they are marked as inserted.
    assert re.search(r"<ins>[^<]*written here\.</ins>", diff), diff


def test_a_stale_base_version_is_a_409_that_keeps_the_editors_text(web: Web) -> None:
    episode_id = episode_in_review(web)
    theirs = turns_of(web, episode_id)
    theirs[0]["text"] = "Someone else got here first."
    assert save(web, episode_id, theirs).status_code == 303  # version 2

    mine = turns_of(web, episode_id)
    mine[0]["text"] = f"My own careful rewrite {SCRIPT} of the opening."
    r = save(web, episode_id, mine, base_version=1, comment="my edit")
    assert r.status_code == 409
    page = r.text
    assert "Your edit was not saved" in page
    assert "saved version 2 after the version 1 you started from" in page
    # What the editor typed comes back, escaped, so nothing is lost.
    assert f"My own careful rewrite {escape(SCRIPT)} of the opening." in page
    assert SCRIPT not in page
    assert 'value="my edit"' in page
    assert f'<a href="/episodes/{episode_id}">reload the latest version</a>' in page
    assert f'href="/episodes/{episode_id}/diff?a=1&amp;b=2"' in page
    # Saving it again as it stands is still refused: nothing is overwritten silently.
    assert '<input type="hidden" name="base_version" value="1">' in page
    assert 'disabled title="Reload the latest version to save an edit"' in page
    assert save(web, episode_id, mine, base_version=1).status_code == 409
    latest = web.store.scripts.get(episode_id)
    assert latest.version == 2
    assert latest.script.lines[0].text == "Someone else got here first."


def test_an_edit_after_approval_is_refused_with_the_text_kept(web: Web) -> None:
    episode_id = episode_in_review(web)
    actions.approve(web.store, episode_id, "someone", dispatcher=Recorder())
    turns = turns_of(web, episode_id)
    turns[0]["text"] = "Too late, but kept."
    r = save(web, episode_id, turns)
    assert r.status_code == 409
    assert "is approved: scripts can be edited while they are scripted or in review" in r.text
    assert "Too late, but kept." in r.text
    assert web.store.scripts.get(episode_id).version == 1


@pytest.mark.parametrize(
    ("turns", "says"),
    [
        ("not json", "the edited script is not valid JSON"),
        ('{"id": null}', "must be a list of turns"),
        ("[]", "List should have at least 1 item"),
        ('[{"id": null, "text": "no speaker"}]', "turn 1 speaker: Field required"),
        ('[{"id": null, "speaker": "Lena", "text": "x", "extra": 1}]', "turn 1 extra"),
        (json.dumps([{"id": None, "speaker": "Lena", "text": "x" * 2001}]), "turn 1 text"),
        ('[{"id": 5, "speaker": "Lena", "text": "x"}]', "turn 1 id"),
    ],
)
def test_malformed_turns_are_a_clear_422(web: Web, turns: str, says: str) -> None:
    episode_id = episode_in_review(web)
    r = save(web, episode_id, turns)
    assert r.status_code == 422
    assert says in r.text
    assert web.store.scripts.get(episode_id).version == 1


def test_turns_the_script_cannot_take_are_a_422_with_the_text_kept(web: Web) -> None:
    episode_id = episode_in_review(web)
    turns = turns_of(web, episode_id)
    turns[0]["speaker"] = "Nobody"
    turns[1]["text"] = "Kept although refused."
    r = save(web, episode_id, turns)
    assert r.status_code == 422
    assert "turn 1: the speaker must be one of Lena, Miles" in r.text
    assert "Kept although refused." in r.text
    assert "Nobody (not a host)" in r.text
    assert '<button type="submit" class="primary">Save new version</button>' in r.text
    turns[0]["speaker"], turns[2]["text"] = "Lena", "   "
    r = save(web, episode_id, turns)
    assert r.status_code == 422 and "turn 3 is empty" in r.text
    turns[2] = {"id": "l999", "speaker": "Lena", "text": "x"}
    r = save(web, episode_id, turns)
    assert r.status_code == 422 and "edits line &#39;l999&#39;" in r.text
    assert web.store.scripts.get(episode_id).version == 1


def test_script_text_is_inert_on_the_page_and_in_the_diff(web: Web) -> None:
    episode_id = episode_in_review(web)
    turns = turns_of(web, episode_id)
    turns[0]["text"] = f"Watch this: {SCRIPT} and <img src=x onerror=alert(1)>."
    assert save(web, episode_id, turns, comment=SCRIPT).status_code == 303
    for path in (f"/episodes/{episode_id}", f"/episodes/{episode_id}/diff?a=1&b=2"):
        page = web.client.get(path).text
        assert str(escape(SCRIPT)) in page, path
        assert SCRIPT not in page, path
        assert "<img src=x" not in page, path
        assert_no_inline_code(page)


# -- approving and asking for changes ------------------------------------------


def test_approve_needs_the_csrf_token_and_moves_the_episode_on(web: Web) -> None:
    episode_id = episode_in_review(web)
    recorder = recording(web)
    # A GET never changes anything, and a POST without the token is refused.
    assert web.client.get(f"/episodes/{episode_id}/approve").status_code == 405
    r = web.client.post(f"/episodes/{episode_id}/approve", follow_redirects=False)
    assert r.status_code == 403
    assert web.store.episode(episode_id).state == EpisodeState.IN_REVIEW
    shown = web.client.get(f"/episodes/{episode_id}").text
    assert '<input type="hidden" name="version" value="1">' in shown  # what the page shows
    form = {"csrf_token": web.csrf, "version": "1"}
    r = web.client.post(f"/episodes/{episode_id}/approve", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/episodes/{episode_id}?done=approved"
    assert web.store.episode(episode_id).state == EpisodeState.APPROVED
    assert recorder.sent == [(episode_id, "render")]
    page = web.client.get(r.headers["location"]).text
    assert "Approved: the episode goes on to audio." in page
    assert "approved by editor (script version 1)" in page
    assert 'id="editor"' not in page  # no editing once approved
    assert 'action="/episodes/1/approve"' not in page
    # Approving twice says why not.
    again = web.client.post(f"/episodes/{episode_id}/approve", data=form)
    assert again.status_code == 409
    assert "is approved, not in_review; nothing was changed" in again.text
    assert recorder.sent == [(episode_id, "render")]


def test_approving_a_script_with_an_untraced_number_asks_first(web: Web) -> None:
    episode_id = episode_in_review(web)
    recorder = recording(web)
    turns = turns_of(web, episode_id)
    turns[1]["text"] = "And the hall next door draws 987 MW, they say."
    assert save(web, episode_id, turns).status_code == 303
    form = {"csrf_token": web.csrf, "version": "2"}
    r = web.client.post(f"/episodes/{episode_id}/approve", data=form, follow_redirects=False)
    assert r.status_code == 200
    assert f"Approve episode {episode_id} with warnings?" in r.text
    line_id = turns[1]["id"]
    assert f"{line_id}: \u201c987 MW\u201d is not traced to the article" in r.text
    assert 'name="version" value="2"' in r.text and 'name="confirmed" value="true"' in r.text
    assert f'href="/episodes/{episode_id}"' in r.text  # cancel goes back to the page
    assert web.store.episode(episode_id).state == EpisodeState.IN_REVIEW
    assert recorder.sent == []

    r = web.client.post(
        f"/episodes/{episode_id}/approve", data=form | {"confirmed": "true"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert web.store.episode(episode_id).state == EpisodeState.APPROVED
    assert recorder.sent == [(episode_id, "render")]


def test_request_changes_records_the_comment_in_the_history(web: Web) -> None:
    episode_id = episode_in_review(web)
    comment = f"Say where the 130 kW comes from. {SCRIPT}"
    r = web.client.post(
        f"/episodes/{episode_id}/request-changes",
        data={"csrf_token": web.csrf, "comment": comment},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert web.store.episode(episode_id).state == EpisodeState.IN_REVIEW
    notes = [c.note for c in web.store.history(episode_id)]
    assert f"changes requested by {EDITOR}: {comment}" in notes
    page = web.client.get(r.headers["location"]).text
    assert "Your request for changes is recorded" in page
    assert f"changes requested by editor: Say where the 130 kW comes from. {escape(SCRIPT)}" in page
    assert SCRIPT not in page
    blank = web.client.post(
        f"/episodes/{episode_id}/request-changes",
        data={"csrf_token": web.csrf, "comment": "   "},
    )
    assert blank.status_code == 422
    too_long = web.client.post(
        f"/episodes/{episode_id}/request-changes",
        data={"csrf_token": web.csrf, "comment": "x" * 2001},
    )
    assert too_long.status_code == 422
    assert len(web.store.history(episode_id)) == len(notes)


def test_rerendering_a_line_before_there_is_audio_is_refused(web: Web) -> None:
    episode_id = episode_in_review(web)
    r = web.client.post(
        f"/episodes/{episode_id}/rerender-line", data={"csrf_token": web.csrf, "line_id": "l1"}
    )
    assert r.status_code == 409
    assert "only a transcribed or annotated (unpublished) episode can be re-rendered" in r.text
    assert web.store.episode(episode_id).state == EpisodeState.IN_REVIEW


# -- consistency checks: false alarms ----------------------------------------------


def check_item(page: str, check_id: str) -> str:
    """The page's entry for one check, up to the next."""
    found = re.search(rf'<li class="check-item [^"]*" id="check-{check_id}">(.*?)</li>', page, re.S)
    assert found, f"the page lists no check {check_id}"
    return found.group(1)


@pytest.mark.usefixtures("disagreeing_checks")
def test_every_disagreement_is_shown_to_the_editor_but_only_an_alarm_is_said(web: Web) -> None:
    episode_id = episode_in_review(web)
    page = web.client.get(f"/episodes/{episode_id}").text
    assert "Consistency checks" in page
    alarm, low = check_item(page, ALARM), check_item(page, LOW)
    assert "said on air" in alarm and "confidence 95%" in alarm
    assert "not said: low confidence" in low and "confidence 40%" in low
    for item, check_id in ((alarm, ALARM), (low, LOW)):
        assert f'action="/episodes/{episode_id}/checks/{check_id}/false-alarm"' in item
        assert "Mark as false alarm" in item and 'name="csrf_token"' in item
    said_in = [r.lines for r in actions.review_checks(web.store, episode_id)]
    assert said_in[0] and not said_in[1]  # the script says the alarm, not the other
    assert f'href="#turn-{said_in[0][0]}"' in alarm
    assert len(re.findall(r'<li class="check-item', page)) == 2  # agreements are cards' business
    assert_no_inline_code(page)


@pytest.mark.usefixtures("disagreeing_checks")
def test_marking_a_false_alarm_saves_a_version_without_its_line_and_undo(web: Web) -> None:
    episode_id = episode_in_review(web)
    [said_in] = [r.lines for r in actions.review_checks(web.store, episode_id)][:1]
    url = f"/episodes/{episode_id}/checks/{ALARM}/false-alarm"
    refused = web.client.post(url, data={"comment": "no token"}, follow_redirects=False)
    assert refused.status_code == 403 and web.store.scripts.verdicts(episode_id) == []
    r = web.client.post(
        url, data={"csrf_token": web.csrf, "comment": f"two racks {SCRIPT}"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/episodes/{episode_id}?done=false-alarm-cut"
    latest = web.store.scripts.get(episode_id)
    assert latest.version == 2 and latest.author == EDITOR
    assert not {line.id for line in latest.script.lines} & set(said_in)
    [verdict] = web.store.scripts.verdicts(episode_id)
    assert (verdict.check_id, verdict.by) == (ALARM, EDITOR)
    page = web.client.get(r.headers["location"]).text
    assert "a new script version leaves out the lines that said it" in page
    item = check_item(page, ALARM)
    assert "not said: marked a false alarm by editor" in item
    assert f"two racks {escape(SCRIPT)}" in item and SCRIPT not in page
    assert f'action="/episodes/{episode_id}/checks/{ALARM}/restore"' in item
    diff = web.client.get(f"/episodes/{episode_id}/diff?a=1&b=2").text
    assert f'<span class="removed">{len(said_in)} removed</span>' in diff
    # Undo: the verdict goes, the version stays.
    r = web.client.post(
        f"/episodes/{episode_id}/checks/{ALARM}/restore",
        data={"csrf_token": web.csrf},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/episodes/{episode_id}?done=restored"
    assert web.store.scripts.verdicts(episode_id) == []
    assert web.store.scripts.get(episode_id).version == 2
    page = web.client.get(r.headers["location"]).text
    assert "No longer a false alarm" in page
    assert "Mark as false alarm" in check_item(page, ALARM)
    again = web.client.post(
        f"/episodes/{episode_id}/checks/{ALARM}/restore", data={"csrf_token": web.csrf}
    )
    assert again.status_code == 404 and "not marked a false alarm" in again.text


@pytest.mark.usefixtures("disagreeing_checks")
def test_a_false_alarm_is_refused_once_approved(web: Web) -> None:
    episode_id = episode_in_review(web)
    recording(web)
    form = {"csrf_token": web.csrf, "version": "1"}
    asked = web.client.post(f"/episodes/{episode_id}/approve", data=form)
    assert "said on air" in asked.text and "Approve anyway" in asked.text  # the alarm, first
    web.client.post(f"/episodes/{episode_id}/approve", data=form | {"confirmed": "true"})
    page = web.client.get(f"/episodes/{episode_id}").text
    assert "said on air" in check_item(page, ALARM)  # still shown, no longer judged
    assert "Mark as false alarm" not in page
    r = web.client.post(
        f"/episodes/{episode_id}/checks/{ALARM}/false-alarm", data={"csrf_token": web.csrf}
    )
    assert r.status_code == 409 and "checks can be judged while" in r.text
    missing = web.client.post(
        f"/episodes/{episode_id}/checks/k999/false-alarm", data={"csrf_token": web.csrf}
    )
    assert missing.status_code == 409  # the state is checked first
    assert web.store.scripts.verdicts(episode_id) == []


def test_the_diff_of_a_missing_version_is_404(web: Web) -> None:
    episode_id = episode_in_review(web)
    r = web.client.get(f"/episodes/{episode_id}/diff?a=1&b=7")
    assert r.status_code == 404 and "has no script version 7" in r.text
    assert web.client.get(f"/episodes/{episode_id}/diff?a=0&b=1").status_code == 422


# -- the episode's files -------------------------------------------------------


def test_only_the_allowed_files_of_an_episode_are_served(web: Web) -> None:
    episode_id = episode_in_review(web)
    folder = web.store.episode_dir(episode_id)
    captions = "WEBVTT\n\n00:00.000 --> 00:02.000\nLena: hello\n" * 20
    (folder / "captions.vtt").write_text(captions, encoding="utf-8")
    url = f"/episodes/{episode_id}/files/captions.vtt"
    whole = web.client.get(url)
    assert whole.status_code == 200
    assert whole.text == captions
    assert whole.headers["content-type"].startswith("text/vtt")
    assert whole.headers["x-content-type-options"] == "nosniff"
    part = web.client.get(url, headers={"Range": "bytes=0-5"})
    assert part.status_code == 206
    assert part.content == b"WEBVTT"
    assert part.headers["content-range"] == f"bytes 0-5/{len(captions)}"
    head = web.client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(captions))
    # ledger.json is in the same folder, but not on the list; others do not exist.
    assert (folder / "ledger.json").is_file()
    for name in ("ledger.json", "script.json", "episode.mp3", "passwd", "%2e%2e"):
        assert web.client.get(f"/episodes/{episode_id}/files/{name}").status_code == 404, name
    assert web.client.get(f"/episodes/{episode_id}/files/../ledger.json").status_code == 404
    assert web.client.get(f"/episodes/{episode_id}/files/..%2Finfracast.db").status_code == 404
    assert web.client.get("/episodes/999/files/captions.vtt").status_code == 404
    anonymous = web.anonymous().get(url, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")


def test_show_notes_are_served_sandboxed(web: Web) -> None:
    episode_id = episode_in_review(web)
    notes = web.store.episode_dir(episode_id) / "notes.html"
    notes.write_text("<!doctype html><title>notes</title><p>notes</p>", encoding="utf-8")
    r = web.client.get(f"/episodes/{episode_id}/files/notes.html")
    assert r.status_code == 200
    assert "sandbox" in r.headers["content-security-policy"]
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none'


# -- the listen view (real audio) ----------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data root with one episode made through every stage, held before publishing so
    it stays annotated (re-renderable); each test copies it."""
    root = tmp_path_factory.mktemp("rendered")
    with pytest.MonkeyPatch.context() as mp:  # the autouse env isolation is per test
        for key in [k for k in os.environ if k.startswith("INFRACAST_")]:
            mp.delenv(key)
        mp.setenv("INFRACAST_CONFIG", str(root / "no-config.toml"))
        settings = web_settings(root / "data")
        store = Store(settings.db_url, settings.data_root)
        accounts.add_user(store, EDITOR, PASSWORD)
        source = Source(kind="markdown", uri=str(EXAMPLE), text=EXAMPLE.read_text(encoding="utf-8"))
        episode = actions.submit(store, settings, source).episode
        orchestrate.run_episode(store, settings, episode.id)
        actions.decide_publishing(store, episode.id, PublishDecision(hold=True, by="tests"))
        actions.approve(store, episode.id, EDITOR, dispatcher=Recorder())
        episode = orchestrate.run_episode(store, settings, episode.id)
        assert episode.state == EpisodeState.ANNOTATED, episode.failure
        store.close()
    yield root / "data"


@pytest.fixture
def listen(rendered: Path, tmp_path: Path) -> Iterator[Web]:
    root = tmp_path / "data"
    shutil.copytree(rendered, root)
    settings = web_settings(root)
    store = Store(settings.db_url, settings.data_root)
    app = create_app(settings, store)
    with TestClient(app, base_url=BASE) as client:
        yield Web(settings, store, app, client, sign_in(client), "")
    store.close()


@pytest.mark.slow
def test_listen_view_shows_audio_transcript_chapters_qa_and_cards(listen: Web) -> None:
    folder = listen.store.episode_dir(1)
    timeline = Timeline.model_validate_json((folder / "timeline.json").read_text())
    qa = QAReport.model_validate_json((folder / "qa.json").read_text())
    r = listen.client.get("/episodes/1")
    assert r.status_code == 200
    page = r.text
    assert re.search(
        r'<audio id="audio" controls preload="metadata" src="/episodes/1/files/'
        r'episode\.mp3\?v=\d+">',
        page,
    )
    assert '<script src="/static/player.js" defer></script>' in page
    assert 'id="editor"' not in page
    for line in timeline.lines:
        assert f'id="line-{line.line_id}" data-start="{line.start}" data-end="{line.end}"' in page
    assert page.count('action="/episodes/1/rerender-line"') == len(timeline.lines)
    assert '<input type="hidden" name="line_id" value="l1">' in page
    assert "Re-render this line" in page
    # QA: the episode's rate, and each flagged line with what was heard.
    assert f"{qa.wer * 100:.1f}% word error rate over the episode" in page
    for line in qa.flagged:
        assert f'<li class="tline flagged" id="line-{line.line_id}"' in page
        assert f"Heard: “{escape(line.heard)}”" in page
    # Chapters and figure cards seek the audio.
    for segment in timeline.segments:
        assert f'data-seek="{segment.start}"' in page
        assert escape(segment.title) in page
    annotations = json.loads((folder / "annotations.json").read_text())
    assert annotations["cards"]
    card = annotations["cards"][0]
    assert f'data-figure="{card["figure_id"]}" data-time="{card["time"]}"' in page
    assert "Figures as heard" in page
    for name in ("episode.mp3", "captions.vtt", "captions.srt", "chapters.json", "notes.html"):
        assert f'href="/episodes/1/files/{name}"' in page
    # The history says why the episode waits, and the editor can publish from here.
    assert "publish held: unpublished by tests" in page
    assert 'action="/episodes/1/publish"' in page
    assert_no_inline_code(page)


@pytest.mark.slow
def test_the_episode_audio_is_served_with_ranges(listen: Web) -> None:
    size = (listen.store.episode_dir(1) / "episode.mp3").stat().st_size
    url = "/episodes/1/files/episode.mp3"
    part = listen.client.get(url, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206
    assert len(part.content) == 1024
    assert part.headers["content-range"] == f"bytes 100-1123/{size}"
    assert part.headers["content-type"] == "audio/mpeg"
    head = listen.client.head(url)
    assert head.status_code == 200
    assert head.headers["content-length"] == str(size)
    assert head.headers["accept-ranges"] == "bytes"
    assert listen.client.get("/episodes/1/files/words.json").status_code == 404


@pytest.mark.slow
def test_rerendering_a_line_sends_the_episode_back_to_render(listen: Web) -> None:
    recorder = recording(listen)
    voices = listen.store.episode_dir(1) / "overrides.json"
    # QA may already have said a misheard line a second time while the episode was made.
    before = json.loads(voices.read_text()) if voices.is_file() else {}
    r = listen.client.post(
        "/episodes/1/rerender-line",
        data={"csrf_token": listen.csrf, "line_id": "l3"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/episodes/1?done=rerender&lines=l3"
    assert listen.store.episode(1).state == EpisodeState.APPROVED
    assert recorder.sent == [(1, "render")]
    overrides = json.loads(voices.read_text())
    assert set(overrides) == set(before) | {"l3"} and overrides["l3"] != before.get("l3")
    page = listen.client.get(r.headers["location"]).text
    assert "Re-rendering l3 with the fix you chose" in page
    assert "re-render l3: next voice step" in page
    # Until it is transcribed again, the old audio plays but no line can be sent back.
    assert '<audio id="audio"' in page
    assert "Re-render this line" not in page
    unknown = listen.client.post(
        "/episodes/1/rerender-line", data={"csrf_token": listen.csrf, "line_id": "l999"}
    )
    assert unknown.status_code == 409  # approved now: not re-renderable


def flag_lines(web: Web, *line_ids: str) -> QAReport:
    """QA's report of episode 1 with exactly `line_ids` flagged (what QA flags in a real
    render depends on the engines: the tests choose)."""
    path = web.store.episode_dir(1) / "qa.json"
    report = QAReport.model_validate_json(path.read_text())
    lines = [q.model_copy(update={"flagged": q.line_id in line_ids}) for q in report.lines]
    report = report.model_copy(update={"lines": lines})
    path.write_text(report.model_dump_json(), encoding="utf-8")
    return report


def line_form(page: str, line_id: str) -> str:
    """The re-render form of one transcript line."""
    found = re.search(rf'id="line-{line_id}".*?</li>', page, re.DOTALL)
    assert found, f"no transcript line {line_id}"
    return found.group()


@pytest.mark.slow
def test_the_qa_summary_rerenders_every_flagged_line(listen: Web) -> None:
    recorder = recording(listen)
    flag_lines(listen, "l2", "l5")
    page = listen.client.get("/episodes/1").text
    assert 'action="/episodes/1/rerender-flagged"' in page
    assert "Re-render all flagged lines" in page
    assert '<a href="#line-l2">l2</a>, <a href="#line-l5">l5</a>' in page
    # Flagged lines show their choice of fix; the others keep it folded.
    assert '<details class="fix-line" open>' in line_form(page, "l2")
    assert '<details class="fix-line">' in line_form(page, "l3")
    assert_no_inline_code(page)
    forged = listen.client.post("/episodes/1/rerender-flagged", data={})
    assert forged.status_code == 403 and listen.store.episode(1).state == EpisodeState.ANNOTATED
    r = listen.client.post(
        "/episodes/1/rerender-flagged",
        data={"csrf_token": listen.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/episodes/1?done=rerender-flagged&lines=l2%2Cl5"
    assert listen.store.episode(1).state == EpisodeState.APPROVED
    assert recorder.sent == [(1, "render")]
    overrides = json.loads((listen.store.episode_dir(1) / "overrides.json").read_text())
    assert {"l2", "l5"} <= set(overrides)
    page = listen.client.get(r.headers["location"]).text
    assert "Re-rendering l2, l5: each flagged line goes one step down" in page
    # Sent back: nothing more to re-render until it is heard again.
    assert "Re-render all flagged lines" not in page
    # The notice names only what looks like a line id.
    forged_notice = listen.client.get("/episodes/1?done=rerender&lines=l2,<b>x</b>").text
    assert "Re-rendering l2 with" in forged_notice and "<b>x</b>" not in forged_notice


@pytest.mark.slow
def test_no_flagged_line_no_rerender_all_button(listen: Web) -> None:
    flag_lines(listen)
    page = listen.client.get("/episodes/1").text
    assert "no line above" in page and "rerender-flagged" not in page
    r = listen.client.post("/episodes/1/rerender-flagged", data={"csrf_token": listen.csrf})
    assert r.status_code == 409
    assert "The flagged lines were not re-rendered: QA flagged no lines" in r.text


@pytest.mark.slow
def test_each_fix_of_a_line_from_its_form(listen: Web) -> None:
    recording(listen)
    store, folder = listen.store, listen.store.episode_dir(1)
    script = store.scripts.get(1).script
    hosts = {h.name: h for h in listen.settings.show("infracast").hosts}
    lena = next(line for line in script.lines if line.speaker == "Lena")
    miles = next(line for line in script.lines if line.speaker == "Miles")
    page = listen.client.get("/episodes/1").text
    # Lena has another voice to try, Miles has one voice only: no such choice on his lines.
    assert 'value="voice"> Another voice of Lena' in line_form(page, lena.id)
    assert 'value="voice"' not in line_form(page, miles.id)
    for kind in ("next", "slower", "respell"):
        assert f'name="fix" value="{kind}"' in line_form(page, miles.id)

    def fix(line_id: str, **form: str) -> httpx.Response:
        r = listen.client.post(
            "/episodes/1/rerender-line",
            data={"csrf_token": listen.csrf, "line_id": line_id, **form},
            follow_redirects=False,
        )
        if r.status_code == 303:  # heard again, as far as the next fix is concerned
            store.move(1, EpisodeState.APPROVED, EpisodeState.ANNOTATED, "test: heard")
        return r

    def voice_of(line_id: str) -> dict[str, Any]:
        voices: dict[str, dict[str, Any]] = json.loads((folder / "overrides.json").read_text())
        return voices[line_id]

    current = hosts["Lena"].voice.model_dump()
    if (folder / "overrides.json").is_file():  # QA may have said it again already
        current = json.loads((folder / "overrides.json").read_text()).get(lena.id, current)
    assert fix(lena.id, fix="slower").status_code == 303
    assert voice_of(lena.id) == {**current, "speed": round(current["speed"] * 0.9, 3)}
    assert fix(lena.id, fix="voice").status_code == 303
    assert voice_of(lena.id) == hosts["Lena"].alternates[0].model_dump()
    refused = fix(miles.id, fix="voice")
    assert refused.status_code == 422 and "Miles has one voice only" in refused.text

    word = next(w for w in miles.text.split() if w.isalpha() and len(w) > 3)
    r = fix(miles.id, fix="respell", word=word.lower(), said="zork-a-dee")
    assert r.status_code == 303 and r.headers["location"].endswith(f"lines={miles.id}")
    respelt = json.loads((folder / "respellings.json").read_text())["lines"]
    assert respelt == {miles.id: {word: "zork-a-dee"}}
    assert "zork" not in (folder / "qa.json").read_text()  # QA's expected text is unchanged
    page = listen.client.get("/episodes/1").text
    assert f"re-render {miles.id}: “{word.lower()}” said as “zork-a-dee”" in page


@pytest.mark.slow
@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"line_id": "l999"}, 422, "episode 1 has no line l999"),
        ({"fix": "louder"}, 422, "choose a fix: one of next, slower, voice, respell"),
        ({"fix": "respell", "word": "Zyzzyva", "said": "zizzy-va"}, 422, "does not say “Zyzzyva”"),
        ({"fix": "respell", "word": "", "said": "x"}, 422, "say which word of the line"),
        ({"fix": "respell", "word": "WORD", "said": "a" * 101}, 422, "at most 100"),
        ({"fix": "respell", "word": "WORD", "said": SCRIPT}, 422, "hyphens and apostrophes only"),
        ({"fix": "slower", "word": "WORD", "said": "x"}, 422, "choose “Respell a word”"),
    ],
)
def test_a_fix_that_cannot_be_made_says_why_on_the_page(
    listen: Web, form: dict[str, str], status: int, message: str
) -> None:
    recorder = recording(listen)
    line = listen.store.scripts.get(1).script.lines[2]
    word = next(w for w in line.text.split() if w.isalpha())
    data = {"csrf_token": listen.csrf, "line_id": line.id}
    data |= {k: v.replace("WORD", word) for k, v in form.items()}
    r = listen.client.post("/episodes/1/rerender-line", data=data)
    assert r.status_code == status
    assert 'class="flash error conflict" role="alert"' in r.text and "not re-rendered" in r.text
    assert escape(message) in r.text and "Traceback" not in r.text
    assert SCRIPT not in r.text  # echoed escaped, never as markup
    assert '<audio id="audio"' in r.text  # the episode page, with its forms, not an error page
    assert listen.store.episode(1).state == EpisodeState.ANNOTATED and recorder.sent == []
    assert not (listen.store.episode_dir(1) / "respellings.json").exists()


# -- in Chromium: review.js and player.js ----------------------------------------


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """`app` served over HTTP on loopback, for a real browser."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    config.lifespan = "off"  # the TestClient of the `web` fixture runs the lifespan
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser_page(web: Web) -> Iterator[Any]:
    with serving(web.app) as url, chromium(url) as page:
        yield page


@pytest.mark.browser
def test_the_editor_edits_adds_moves_and_deletes_turns_in_the_browser(
    web: Web, browser_page: Any
) -> None:
    episode_id = episode_in_review(web)
    ids = [line.id for line in web.store.scripts.get(episode_id).script.lines]
    page = browser_page
    page.goto(f"/episodes/{episode_id}")
    # Clicking a traced number brings its card into view.
    mark = page.locator(f"#turn-{ids[0]} mark.figure").first
    figure_id = mark.get_attribute("data-figure")
    mark.click()
    page.wait_for_selector(f"#figure-{figure_id}.active")
    # Edit l2's text by clicking it; give l3 to the other host; add a turn after l3;
    # move l5 above l4; delete l6.
    page.click(f"#turn-{ids[1]} .turn-view .text")
    page.fill(f"#turn-{ids[1]} textarea", "Edited in the browser: 130 kW per rack.")
    page.hover(f"#turn-{ids[2]}")
    page.click(f"#turn-{ids[2]} [data-action=edit]")
    speaker = page.input_value(f"#turn-{ids[2]} select")
    other = "Miles" if speaker == "Lena" else "Lena"
    page.select_option(f"#turn-{ids[2]} select", other)
    page.click(f"#turn-{ids[2]} [data-action=add]")
    page.locator("#turns > li.turn").nth(3).locator("textarea").fill("A turn added here.")
    page.hover(f"#turn-{ids[4]}")
    page.click(f"#turn-{ids[4]} [data-action=up]")
    page.hover(f"#turn-{ids[5]}")
    page.click(f"#turn-{ids[5]} [data-action=delete]")
    assert page.locator(".dirty-note").text_content() == "Unsaved changes"
    page.fill("#edit-comment", "browser edit")
    page.click("form#editor button[type=submit]")
    page.wait_for_url(f"**/episodes/{episode_id}?saved=2")
    assert "Saved version 2." in page.content()

    saved = web.store.scripts.get(episode_id)
    assert (saved.version, saved.comment) == (2, "browser edit")
    lines = saved.script.lines
    assert [line.id for line in lines[:6]] == [
        ids[0],
        ids[1],
        ids[2],
        f"l{len(ids) + 1}",
        ids[4],
        ids[3],
    ]
    assert ids[5] not in [line.id for line in lines]
    assert lines[1].text == "Edited in the browser: 130 kW per rack."
    assert lines[2].speaker == other
    assert lines[3].text == "A turn added here."
    assert lines[3].speaker == speaker  # a new turn goes to the other host


@pytest.mark.browser
def test_without_javascript_the_script_reads_as_text(web: Web) -> None:
    episode_id = episode_in_review(web)
    first = web.store.scripts.get(episode_id).script.lines[0]
    with serving(web.app) as url, chromium(url, javascript=False) as page:
        page.goto(f"/episodes/{episode_id}")
        assert page.is_visible(f"#turn-{first.id} .turn-view")
        assert page.inner_text(f"#turn-{first.id} .turn-view .text") == first.text
        assert not page.is_visible(f"#turn-{first.id} textarea")
        assert not page.is_visible(".save-bar")
        assert page.is_visible("#approve")


@pytest.mark.slow
@pytest.mark.browser
def test_the_transcript_follows_the_audio_in_the_browser(listen: Web) -> None:
    timeline = Timeline.model_validate_json(
        (listen.store.episode_dir(1) / "timeline.json").read_text()
    )
    line, later = timeline.lines[5], timeline.lines[-3]
    segment = timeline.segments[2]
    audio = "document.getElementById('audio')"
    # Predicates are functions: a string expression would be eval'd, which the CSP refuses.
    with serving(listen.app) as url, chromium(url) as page:
        page.goto("/episodes/1")
        page.wait_for_function(f"() => {audio}.readyState >= 1")  # the MP3's metadata, by range
        # Clicking a line plays from its start, and the line is marked as the current one.
        page.click(f"#line-{line.line_id} .text")
        page.wait_for_function(f"() => Math.abs({audio}.currentTime - {line.start}) < 0.5")
        page.wait_for_selector(f"#line-{line.line_id}.current")
        # So does a chapter.
        page.click(f".chapters button[data-seek='{segment.start}']")
        page.wait_for_function(f"() => Math.abs({audio}.currentTime - {segment.start}) < 0.5")
        page.wait_for_selector(f".chapters button.current[data-seek='{segment.start}']")
        # Playback moving on moves the current line, which scrolls into the transcript's view.
        page.evaluate(f"{audio}.pause(); {audio}.currentTime = {later.start + 0.1}")
        page.wait_for_selector(f"#line-{later.line_id}.current")
        assert page.locator("#transcript li.current").count() == 1
        page.wait_for_function("() => document.getElementById('transcript').scrollTop > 0")
