"""The feeds page's checklist, over a feed the real publisher writes and over broken ones."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from pipeline.config import Show
from pipeline.feed_checks import APPLE, PODCASTING_2, Check, Checklist, Need, Status, check_feed
from pipeline.rss import PublishedEpisode, feed_url_for, publish, show_url
from tests.web import web_app, web_settings

MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)
SLUG = "infracast"


def _show(**kw: object) -> Show:
    base: dict[str, object] = {
        "title": "infracast",
        "description": "AI infrastructure, numbers checked.",
        "author": "The Editors",
        "owner_email": "editors@newsroom.test",
        "base_url": "https://cdn.newsroom.test/feeds/",
    }
    return Show.model_validate(base | kw)


def _episode(tmp: Path, n: int) -> PublishedEpisode:
    d = tmp / "src" / str(n)
    d.mkdir(parents=True, exist_ok=True)
    (d / "audio.mp3").write_bytes(MP3_FRAME * (n + 2))
    (d / "captions.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nLena: Hello.\n")
    (d / "chapters.json").write_text(json.dumps({"version": "1.2.0", "chapters": []}))
    return PublishedEpisode(
        guid=f"guid-{n}",
        number=n,
        title=f"Episode {n}",
        description_html=f"<p>Notes {n}</p>",
        pub_date=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=n),
        audio=d / "audio.mp3",
        duration=61.6,
        transcript_vtt=d / "captions.vtt",
        chapters_json=d / "chapters.json",
    )


def _published(tmp: Path, show: Show | None = None, episodes: int = 2) -> tuple[Path, str]:
    show = show or _show()
    feed = publish(SLUG, show, [_episode(tmp, n) for n in range(1, episodes + 1)], tmp / "out")
    return feed, show_url(show, SLUG)


def _row(checklist: Checklist, label_start: str) -> Check:
    return next(c for c in checklist.checks if c.label.startswith(label_start))


def _edit(feed: Path, old: str, new: str) -> None:
    text = feed.read_text()
    assert old in text, old
    feed.write_text(text.replace(old, new, 1))


def test_a_feed_the_publisher_wrote_passes_every_required_and_recommended_check(
    tmp_path: Path,
) -> None:
    feed, url = _published(tmp_path)
    checklist = check_feed(feed, url)
    assert checklist.written
    not_passed = [c for c in checklist.checks if c.status not in (Status.PASS, Status.INFO)]
    assert not_passed == []
    assert _row(checklist, "Artwork").hint == "1400 × 1400 px PNG"
    assert _row(checklist, "At least one episode").hint == "2 in the feed"
    # Funding is optional and the publisher writes none: shown, never a failure.
    assert _row(checklist, "Funding").status is Status.INFO
    assert set(checklist.by_standard()) == {APPLE, PODCASTING_2}


def test_no_feed_file_yet(tmp_path: Path) -> None:
    checklist = check_feed(tmp_path / "out" / SLUG / "feed.xml", "https://x.test/infracast")
    assert not checklist.written and checklist.checks == ()


def test_a_show_with_no_episodes_cannot_go_to_apple_yet(tmp_path: Path) -> None:
    feed, url = _published(tmp_path, episodes=0)
    checklist = check_feed(feed, url)
    assert _row(checklist, "At least one episode").status is Status.FAIL
    assert "publish an episode" in _row(checklist, "At least one episode").hint
    assert _row(checklist, "Audio").status is Status.INFO  # nothing to check per episode


def test_a_localhost_feed_fails_and_says_to_set_the_public_address(tmp_path: Path) -> None:
    show = _show(base_url="http://localhost:8000/feeds")
    feed, url = _published(tmp_path, show)
    checklist = check_feed(feed, url)
    public = _row(checklist, "Public addresses")
    assert public.status is Status.FAIL and "public address" in public.hint
    assert "localhost:8000" in public.hint
    assert _row(checklist, "Secure addresses").status is Status.WARN


def test_a_placeholder_owner_email_is_a_warning(tmp_path: Path) -> None:
    feed, url = _published(tmp_path, _show(owner_email="editors@example.com"))
    owner = _row(check_feed(feed, url), "Owner email")
    assert owner.status is Status.WARN and owner.need is Need.RECOMMENDED
    assert "placeholder" in owner.hint


BROKEN = [
    # (a regex over the written feed, its replacement, the row it breaks, how, the hint's words)
    (r"<title>infracast</title>", "<title> </title>", "Show title", Status.FAIL, "title"),
    (r"<language>en<", "<language>English!<", "Language", Status.FAIL, "“English!”"),
    (
        r'category text="Technology"',
        'category text="Tech"',
        "Apple category",
        Status.FAIL,
        "“Tech”",
    ),
    (r"explicit>false<", "explicit>clean<", "Explicit", Status.FAIL, "true or false"),
    (r"<itunes:author>[^<]*</itunes:author>", "", "Author", Status.WARN, "author"),
    (r'type="audio/mpeg"', 'type="text/html"', "Audio", Status.FAIL, "“Episode 2”"),
    (r">guid-1<", ">guid-2<", "Episode guid", Status.FAIL, "share one guid"),
    (r"<pubDate>[^<]*<", "<pubDate>yesterday<", "Publication date", Status.WARN, "RFC 2822"),
    (r"duration>62<", "duration>a minute<", "Duration", Status.WARN, "“Episode 2”"),
    (r"podcast:locked\b", "podcast:unlocked", "Import lock", Status.WARN, "podcast:locked"),
    (r'rel="self"', 'rel="alternate"', "Feed's own address", Status.FAIL, "where it lives"),
    (r"<podcast:transcript ", "<podcast:caption ", "Transcripts", Status.WARN, "“Episode 2”"),
]


@pytest.mark.parametrize(("pattern", "new", "label", "status", "hint"), BROKEN)
def test_a_broken_feed_fails_the_check_that_covers_it(
    tmp_path: Path, pattern: str, new: str, label: str, status: Status, hint: str
) -> None:
    feed, url = _published(tmp_path)
    broken, n = re.subn(pattern, new, feed.read_text(), count=1 if "pubDate" in pattern else 0)
    assert n, pattern
    feed.write_text(broken)
    checklist = check_feed(feed, url)
    row = _row(checklist, label)
    assert row.status is status, row
    assert hint in row.hint
    others = [c for c in checklist.checks if c.label != row.label and c.status is Status.FAIL]
    assert others == []


def test_an_enclosure_whose_file_changed_size_fails(tmp_path: Path) -> None:
    feed, url = _published(tmp_path)
    audio = next((feed.parent / "guid-1").glob("episode.*"))
    audio.write_bytes(audio.read_bytes() + b"more")
    row = _row(check_feed(feed, url), "Audio")
    assert row.status is Status.FAIL and "“Episode 1”" in row.hint and "Episode 2" not in row.hint


@pytest.mark.parametrize(
    ("size", "mode", "problem"),
    [
        ((1200, 1200), "RGB", "1200 × 1200"),
        ((1500, 1400), "RGB", "square"),
        ((1400,) * 2, "LA", "RGB"),
    ],
)
def test_artwork_of_the_wrong_size_or_colour_fails(
    tmp_path: Path, size: tuple[int, int], mode: str, problem: str
) -> None:
    feed, url = _published(tmp_path)
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    (feed.parent / "cover.png").write_bytes(buffer.getvalue())
    row = _row(check_feed(feed, url), "Artwork")
    assert row.status is Status.FAIL and problem in row.hint


def test_missing_artwork_and_artwork_elsewhere(tmp_path: Path) -> None:
    feed, url = _published(tmp_path)
    (feed.parent / "cover.png").unlink()
    assert _row(check_feed(feed, url), "Artwork").status is Status.FAIL
    _edit(
        feed,
        f'<itunes:image href="{url}/cover.png"/>',
        '<itunes:image href="https://img.test/a.png"/>',
    )
    elsewhere = _row(check_feed(feed, url), "Artwork")
    assert elsewhere.status is Status.WARN and "cannot be checked" in elsewhere.hint


def test_a_damaged_or_hostile_file_is_one_failed_row(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss version='2.0'><channel><title>cut off")
    checklist = check_feed(feed, "https://x.test/s")
    assert [c.status for c in checklist.checks] == [Status.FAIL]
    assert "not well-formed" in checklist.checks[0].hint
    # An external entity is never read: the parser resolves no entities.
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    feed.write_text(
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<rss version='2.0'><channel><title>&x;</title></channel></rss>"
    )
    title = _row(check_feed(feed, "https://x.test/s"), "Show title")
    assert "TOP SECRET" not in title.hint
    feed.write_text("<feed xmlns='http://www.w3.org/2005/Atom'/>")
    assert "not an RSS 2.0" in check_feed(feed, "https://x.test/s").checks[0].hint


def test_the_feed_url_the_checklist_expects_is_the_shows(tmp_path: Path) -> None:
    show = _show()
    feed, url = _published(tmp_path, show)
    assert _row(check_feed(feed, url), "Feed's own address").hint == feed_url_for(show, SLUG)
    moved = _row(check_feed(feed, "https://elsewhere.test/infracast"), "Feed's own address")
    assert moved.status is Status.WARN and "served at https://elsewhere.test" in moved.hint


def test_the_feeds_page_shows_each_shows_checklist_and_copy_field(tmp_path: Path) -> None:
    settings = web_settings(tmp_path / "data")
    with web_app(settings) as web:
        before = web.client.get("/shows").text
        assert 'id="feed-url-infracast"' in before and "Copy feed URL" in before
        assert "checked here then" in before  # no feed file yet: said, not checked
        show = settings.shows["infracast"]
        publish("infracast", show, [_episode(tmp_path, 1)], settings.public_dir)
        page = web.client.get("/shows").text
    section = page.split('id="show-infracast"', 1)[1].split('id="show-grid"', 1)[0]
    assert f'value="{feed_url_for(show, "infracast")}" readonly' in section
    assert "Ready for podcast apps?" in section and "Apple Podcasts" in section
    # The default show's owner address is a placeholder, and http://localhost is no
    # public address: the checklist says so, in words an editor can act on.
    assert "to fix before Apple Podcasts accepts the feed" in section
    assert "set the show&#39;s public address" in section
    assert "placeholder" in section
    assert not re.search(r"infracast [a-z]+ ", page)  # no CLI command in a web message
    assert '<script src="/static/feeds.js" defer></script>' in page
