"""Feeds parsed back with feedparser and podcastparser (gPodder's parser); the publish folder."""

from __future__ import annotations

import calendar
import filecmp
import hashlib
import io
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import podcastparser  # type: ignore[import-untyped]
import pytest
from lxml import etree
from PIL import Image

from pipeline.config import Show
from pipeline.cover import cover_png, generate_cover
from pipeline.errors import ConfigError, InputError
from pipeline.rss import (
    PODCAST_NS,
    PublishedEpisode,
    episode_guid,
    feed_url_for,
    feed_xml,
    publish,
)

MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)  # one MPEG-1 Layer III frame header + padding
TRICKY = "Q&A: <GPUs> \"racks\" & 'kW' — Ünïcode 数据中心"
START = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def _show(**kw: object) -> Show:
    base: dict[str, object] = {
        "title": "infracast",
        "description": "AI infrastructure, numbers checked & explained.",
        "author": "The Editors",
        "owner_email": "editors@example.com",
        "base_url": "https://cdn.example.com/feeds/",
    }
    base.update(kw)
    return Show.model_validate(base)


def _episode(tmp: Path, slug: str, n: int, title: str = "", size: int = 0) -> PublishedEpisode:
    d = tmp / "src" / slug / str(n)
    d.mkdir(parents=True, exist_ok=True)
    audio = d / "audio.mp3"
    audio.write_bytes(MP3_FRAME * (n + 1) + bytes(size))
    vtt = d / "captions.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nLena: Hello.\n")
    srt = d / "captions.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nLena: Hello.\n")
    chapters = d / "chapters.json"
    chapters.write_text(json.dumps({"version": "1.2.0", "chapters": [{"startTime": 0}]}))
    return PublishedEpisode(
        guid=episode_guid(slug, f"ep{n}"),
        number=n,
        title=title or f"Episode {n}",
        description_html=f"<p>Notes for <b>episode {n}</b> &amp; sources.</p>",
        pub_date=START + timedelta(days=n),
        audio=audio,
        duration=61.6 + n,
        transcript_vtt=vtt,
        transcript_srt=srt,
        chapters_json=chapters,
    )


def _expected_podcast_guid(feed_url: str) -> str:
    bare = feed_url.split("://", 1)[1].rstrip("/")
    return str(uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), bare))


def test_feed_parses_with_feedparser_and_has_every_field(tmp_path: Path) -> None:
    show = _show()
    eps = [_episode(tmp_path, "infracast", n) for n in (1, 2)]
    feed_url = feed_url_for(show, "infracast")
    assert feed_url == "https://cdn.example.com/feeds/infracast/feed.xml"
    xml = feed_xml("infracast", show, eps, feed_url)
    d = feedparser.parse(xml)
    assert not d.bozo, d.get("bozo_exception")
    assert d.version == "rss20"
    f = d.feed
    assert f.title == show.title
    assert f.subtitle == show.description
    assert f.language == "en"
    assert f.link == "https://cdn.example.com/feeds/infracast/"
    assert f.image.href == "https://cdn.example.com/feeds/infracast/cover.png"
    assert f.tags[0].term == "Technology"
    # feedparser maps only "yes"/"clean" and gives None for Apple's "true"/"false";
    # the exact value is checked with podcastparser and lxml.
    assert not f.itunes_explicit
    assert f.author_detail.name == "The Editors"
    assert f.publisher_detail.name == "The Editors"
    assert f.publisher_detail.email == "editors@example.com"
    assert f.podcast_guid == _expected_podcast_guid(feed_url)
    assert f.podcast_locked == {"owner": "editors@example.com"}  # its text: see the lxml test

    by_guid = {e.id: e for e in d.entries}
    assert [e.id for e in d.entries] == [eps[1].guid, eps[0].guid]  # newest first
    for ep in eps:
        e = by_guid[ep.guid]
        assert e.guidislink is False
        assert e.title == ep.title
        assert e.published == ep.pub_date.strftime("%a, %d %b %Y %H:%M:%S +0000")
        assert calendar.timegm(e.published_parsed) == int(ep.pub_date.timestamp())
        (enc,) = e.enclosures
        folder = f"https://cdn.example.com/feeds/infracast/infracast-infracast-ep{ep.number}"
        assert enc.href == f"{folder}/episode.mp3"
        assert int(enc.length) == ep.audio.stat().st_size
        assert enc.type == "audio/mpeg"
        assert e.itunes_duration == str(round(ep.duration))
        assert e.itunes_episode == str(ep.number)
        assert e.summary == ep.description_html
        assert e.content[0].value == ep.description_html


def test_feed_parses_with_podcastparser(tmp_path: Path) -> None:
    show = _show(explicit=True)
    eps = [_episode(tmp_path, "infracast", n) for n in (1, 2)]
    feed_url = feed_url_for(show, "infracast")
    p = podcastparser.parse(feed_url, io.BytesIO(feed_xml("infracast", show, eps, feed_url)))
    assert p["title"] == show.title
    assert p["description"] == show.description
    assert p["link"] == "https://cdn.example.com/feeds/infracast/"
    assert p["language"] == "en"
    assert p["cover_url"] == "https://cdn.example.com/feeds/infracast/cover.png"
    assert p["itunes_categories"] == [["Technology"]]
    assert p["explicit"] is True
    assert p["itunes_author"] == "The Editors"
    assert p["itunes_owner"] == {"name": "The Editors", "email": "editors@example.com"}
    by_guid = {e["guid"]: e for e in p["episodes"]}
    assert set(by_guid) == {ep.guid for ep in eps}
    for ep in eps:
        e = by_guid[ep.guid]
        folder = f"https://cdn.example.com/feeds/infracast/infracast-infracast-ep{ep.number}"
        assert e["title"] == ep.title
        assert e["published"] == int(ep.pub_date.timestamp())
        assert e["total_time"] == round(ep.duration)
        assert e["number"] == ep.number
        assert e["description_html"] == ep.description_html
        (enc,) = e["enclosures"]
        assert enc == {
            "url": f"{folder}/episode.mp3",
            "file_size": ep.audio.stat().st_size,
            "mime_type": "audio/mpeg",
        }
        # podcastparser 0.6.11 knows the podcast namespace only by its old GitHub URI
        # (see below), so it skips the podcast:* elements of a feed using the official one.
        assert "transcript_url" not in e


def test_podcast_elements_read_by_podcastparser_under_its_namespace_uri(tmp_path: Path) -> None:
    """The podcast:* elements have the shape gPodder's parser reads, given the URI it knows."""
    show = _show()
    eps = [_episode(tmp_path, "infracast", 1)]
    feed_url = feed_url_for(show, "infracast")
    xml = feed_xml("infracast", show, eps, feed_url).replace(
        PODCAST_NS.encode(),
        b"https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    )
    p = podcastparser.parse(feed_url, io.BytesIO(xml))
    assert p["import_prohibited"] is False
    (e,) = p["episodes"]
    folder = "https://cdn.example.com/feeds/infracast/infracast-infracast-ep1"
    assert e["transcript_url"] in {f"{folder}/transcript.vtt", f"{folder}/transcript.srt"}
    assert e["chapters_json_url"] == f"{folder}/chapters.json"


def test_podcast_namespace_elements(tmp_path: Path) -> None:
    show = _show()
    ep = _episode(tmp_path, "infracast", 1)
    feed_url = feed_url_for(show, "infracast")
    root = etree.fromstring(feed_xml("infracast", show, [ep], feed_url))
    ns = {"podcast": PODCAST_NS, "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    assert root.nsmap["content"] == "http://purl.org/rss/1.0/modules/content/"
    assert root.findtext("channel/podcast:guid", namespaces=ns) == _expected_podcast_guid(feed_url)
    locked = root.find("channel/podcast:locked", ns)
    assert locked is not None
    assert (locked.text, locked.get("owner")) == ("no", "editors@example.com")
    assert root.findtext("channel/itunes:explicit", namespaces=ns) == "false"
    guid = root.find("channel/item/guid")
    assert guid is not None
    assert guid.get("isPermaLink") == "false"
    folder = "https://cdn.example.com/feeds/infracast/infracast-infracast-ep1"
    transcripts = [
        {str(k): str(v) for k, v in t.attrib.items()}
        for t in root.findall("channel/item/podcast:transcript", ns)
    ]
    assert transcripts == [
        {"url": f"{folder}/transcript.vtt", "type": "text/vtt", "rel": "captions"},
        {"url": f"{folder}/transcript.srt", "type": "application/x-subrip"},
    ]
    chapters = root.find("channel/item/podcast:chapters", ns)
    assert chapters is not None
    assert {str(k): str(v) for k, v in chapters.attrib.items()} == {
        "url": f"{folder}/chapters.json",
        "type": "application/json+chapters",
    }
    assert root.findtext("channel/item/itunes:duration", namespaces=ns) == "63"


@pytest.mark.parametrize("explicit", [True, False])
def test_explicit_is_true_or_false(tmp_path: Path, explicit: bool) -> None:
    xml = feed_xml("s", _show(explicit=explicit), [], "https://x/s/feed.xml")
    value = etree.fromstring(xml).findtext(
        "channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}explicit"
    )
    assert value == ("true" if explicit else "false")
    assert podcastparser.parse("u", io.BytesIO(xml))["explicit"] is explicit


def test_podcast_guid_ignores_scheme_and_trailing_slash() -> None:
    from pipeline.rss import podcast_guid

    # The example in the Podcasting 2.0 namespace documentation.
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == (
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    )
    assert podcast_guid("http://example.com/feed/") == podcast_guid("https://example.com/feed")


def test_tricky_titles_escape_and_parse_back_equal(tmp_path: Path) -> None:
    show = _show(title=TRICKY, description=TRICKY, author="O'Brien & <Sons>")
    notes = "<p>a ]]> b & c</p>"  # "]]>" cannot sit in CDATA: the text is escaped instead
    ep = _episode(tmp_path, "s", 1, title=TRICKY)
    ep2 = PublishedEpisode(**{**ep.__dict__, "guid": "s:2", "description_html": notes})
    feed_url = feed_url_for(show, "s")
    xml = feed_xml("s", show, [ep, ep2], feed_url)
    etree.fromstring(xml)  # well-formed
    d = feedparser.parse(xml)
    assert not d.bozo
    assert d.feed.title == TRICKY
    # feedparser sanitises channel descriptions as HTML, so read this one back with lxml.
    assert etree.fromstring(xml).findtext("channel/description") == TRICKY
    assert d.feed.author_detail.name == "O'Brien & <Sons>"
    assert {e.title for e in d.entries} == {TRICKY}
    p = podcastparser.parse(feed_url, io.BytesIO(xml))
    assert p["title"] == TRICKY
    assert p["description"] == TRICKY
    assert p["itunes_author"] == "O'Brien & <Sons>"
    assert {e["guid"]: e["description_html"] for e in p["episodes"]}["s:2"] == notes


def test_guids_and_bytes_stable_across_regeneration(tmp_path: Path) -> None:
    show = _show()
    eps = [_episode(tmp_path, "infracast", n) for n in (1, 2, 3)]
    url = feed_url_for(show, "infracast")
    first = feed_xml("infracast", show, eps, url)
    assert feed_xml("infracast", show, list(reversed(eps)), url) == first
    guids = [e.id for e in feedparser.parse(first).entries]
    assert guids == [
        "infracast:infracast:ep3",
        "infracast:infracast:ep2",
        "infracast:infracast:ep1",
    ]


def test_publish_twice_changes_no_bytes(tmp_path: Path) -> None:
    show = _show()
    eps = [_episode(tmp_path, "infracast", n) for n in (1, 2)]
    out = tmp_path / "public"
    feed = publish("infracast", show, eps, out)
    assert feed == out / "infracast" / "feed.xml"

    def snapshot() -> dict[str, tuple[str, int]]:
        return {
            str(p.relative_to(out)): (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                p.stat().st_mtime_ns,
            )
            for p in sorted(out.rglob("*"))
            if p.is_file()
        }

    before = snapshot()
    assert set(before) == {
        "infracast/feed.xml",
        "infracast/cover.png",
        *(
            f"infracast/infracast-infracast-ep{n}/{name}"
            for n in (1, 2)
            for name in ("episode.mp3", "transcript.vtt", "transcript.srt", "chapters.json")
        ),
    }
    assert publish("infracast", show, eps, out) == feed
    assert snapshot() == before
    assert not list(out.rglob("*.tmp"))

    # A changed file is copied again, and the enclosure length follows it.
    eps[0].audio.write_bytes(MP3_FRAME * 7)
    publish("infracast", show, eps, out)
    after = snapshot()
    assert (
        after["infracast/infracast-infracast-ep1/episode.mp3"]
        != before["infracast/infracast-infracast-ep1/episode.mp3"]
    )
    assert (
        after["infracast/infracast-infracast-ep2/episode.mp3"]
        == before["infracast/infracast-infracast-ep2/episode.mp3"]
    )
    lengths = {
        e.id: int(e.enclosures[0].length) for e in feedparser.parse(feed.read_bytes()).entries
    }
    assert lengths[eps[0].guid] == len(MP3_FRAME) * 7
    for ep in eps:
        published = out / "infracast" / f"infracast-infracast-ep{ep.number}" / "episode.mp3"
        assert lengths[ep.guid] == published.stat().st_size == ep.audio.stat().st_size


def test_a_published_copy_is_checked_by_its_size_and_time_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    show = _show()
    eps = [_episode(tmp_path, "infracast", n) for n in (1, 2)]
    out = tmp_path / "public"
    publish("infracast", show, eps, out)
    copy = out / "infracast" / "infracast-infracast-ep1" / "episode.mp3"
    assert copy.stat().st_mtime_ns == eps[0].audio.stat().st_mtime_ns

    def read_both(*args: object, **kwargs: object) -> bool:
        raise AssertionError("a copy with its source's size and time was read")

    monkeypatch.setattr(filecmp, "cmp", read_both)
    publish("infracast", show, eps, out)  # nothing read: every copy matches by stat
    monkeypatch.undo()

    # The same size, new bytes, a new time: read, and copied. (The time is set: a file's
    # clock ticks every few milliseconds, and a test is faster than a re-render.)
    before = eps[0].audio.stat().st_mtime_ns
    eps[0].audio.write_bytes(eps[0].audio.read_bytes()[::-1])
    os.utime(eps[0].audio, ns=(before + 10**9, before + 10**9))
    publish("infracast", show, eps, out)
    assert copy.read_bytes() == eps[0].audio.read_bytes()

    # A copy made before copies kept their source's time is read once, then known by stat.
    os.utime(copy, ns=(0, 0))
    publish("infracast", show, eps, out)
    assert copy.stat().st_mtime_ns == eps[0].audio.stat().st_mtime_ns
    monkeypatch.setattr(filecmp, "cmp", read_both)
    publish("infracast", show, eps, out)


def test_two_shows_give_two_feeds(tmp_path: Path) -> None:
    out = tmp_path / "public"
    a = publish("alpha", _show(title="Alpha"), [_episode(tmp_path, "alpha", 1)], out)
    b = publish(
        "beta",
        _show(title="Beta", category="News > Tech News"),
        [_episode(tmp_path, "beta", 1)],
        out,
    )
    assert a != b
    fa, fb = feedparser.parse(a.read_bytes()), feedparser.parse(b.read_bytes())
    assert (fa.feed.title, fb.feed.title) == ("Alpha", "Beta")
    assert fa.feed.podcast_guid != fb.feed.podcast_guid
    assert fa.entries[0].id == "infracast:alpha:ep1"
    assert fb.entries[0].id == "infracast:beta:ep1"
    assert fb.entries[0].enclosures[0].href.startswith("https://cdn.example.com/feeds/beta/")
    p = podcastparser.parse("u", io.BytesIO(b.read_bytes()))
    assert p["itunes_categories"] == [["News", "Tech News"]]


def test_show_artwork_is_copied_and_referenced(tmp_path: Path) -> None:
    art = generate_cover("Own art", tmp_path / "art.png", size=1500)
    out = tmp_path / "public"
    feed = publish("s", _show(artwork=art), [], out)
    assert (out / "s" / "cover.png").read_bytes() == art.read_bytes()
    assert feedparser.parse(feed.read_bytes()).feed.image.href.endswith("/s/cover.png")


@pytest.mark.parametrize("category", ["Tech", "Technology > Gadgets", "News > Cooking"])
def test_unknown_category_is_refused(tmp_path: Path, category: str) -> None:
    with pytest.raises(ConfigError, match=r"Apple Podcasts category|not a subcategory"):
        feed_xml("s", _show(category=category), [], "https://x/s/feed.xml")


def test_naive_pub_date_and_duplicate_guids_are_refused(tmp_path: Path) -> None:
    ep = _episode(tmp_path, "s", 1)
    naive = PublishedEpisode(**{**ep.__dict__, "pub_date": datetime(2025, 1, 1)})
    with pytest.raises(InputError, match="time zone"):
        feed_xml("s", _show(), [naive], "https://x/s/feed.xml")
    with pytest.raises(InputError, match="same guid"):
        feed_xml("s", _show(), [ep, ep], "https://x/s/feed.xml")


def test_generated_cover_is_square_rgb_png(tmp_path: Path) -> None:
    path = generate_cover(TRICKY, tmp_path / "cover.png")
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert im.mode == "RGB"
        assert im.size[0] == im.size[1] >= 1400
    assert cover_png(TRICKY) == path.read_bytes()  # deterministic
    with Image.open(io.BytesIO(cover_png("x", size=3000))) as big:
        assert big.size == (3000, 3000)
    with pytest.raises(InputError):
        cover_png("x", size=1000)


def test_cover_title_words_are_never_split() -> None:
    from PIL import ImageDraw

    from pipeline.cover import _wrap

    draw = ImageDraw.Draw(Image.new("RGB", (1400, 1400)))
    assert _wrap(draw, "infracast", 1400)[0] == ["infracast"]
    lines, _ = _wrap(draw, "Liquid cooling for hyperscale datacentres", 1400)
    assert " ".join(lines) == "Liquid cooling for hyperscale datacentres"
