"""Podcast RSS feeds (RSS 2.0 + itunes + Podcasting 2.0) and the publish directory.

The feed is built with lxml, never by joining strings. Everything in it is a
function of its inputs (no "now" timestamps, fixed element order), so
publishing again with nothing changed writes no bytes: files are copied only
when their content differs and the feed is replaced only when it changed, each
through a temporary file and a rename so a static host never serves half a file.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from lxml import etree

from pipeline import atomic_files
from pipeline.config import Show
from pipeline.errors import ConfigError, InputError

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ATOM_NS = "http://www.w3.org/2005/Atom"
NSMAP = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "content": CONTENT_NS, "atom": ATOM_NS}

# The namespace the Podcasting 2.0 spec fixes for podcast:guid.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

FEED_NAME = "feed.xml"

# Apple Podcasts categories (https://podcasters.apple.com/support/1691-apple-podcasts-categories),
# top level → subcategories. A show names one as "Top" or "Top > Sub".
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
    ),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Government": (),
    "History": (),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Technology": (),
}


@dataclass(frozen=True)
class PublishedEpisode:
    """An episode as its feed item shows it. `guid` and `pub_date` never change once published."""

    guid: str
    number: int
    title: str
    description_html: str
    pub_date: datetime
    audio: Path
    duration: float
    transcript_vtt: Path | None = None
    transcript_srt: Path | None = None
    chapters_json: Path | None = None
    notes_html: Path | None = None


def episode_guid(show_slug: str, episode_id: str) -> str:
    """The guid of the form episodes published before migration 0006 were given (and
    keep); episodes since get a random uuid4 from the store at first publication."""
    return f"infracast:{show_slug}:{episode_id}"


def safe_name(guid: str) -> str:
    """A guid as a folder name that is safe in a URL and on any filesystem."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", guid).strip("-.")
    if not name:
        raise InputError(f"episode guid {guid!r} has no characters usable in a file name")
    return name


def podcast_guid(feed_url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL without its scheme and trailing slashes."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def parse_category(category: str) -> tuple[str, str | None]:
    """Split "Top > Sub" and check it against Apple's list; refuse anything else."""
    parts = [p.strip() for p in re.split(r"\s*[>/]\s*", category.strip(), maxsplit=1)]
    top, sub = parts[0], (parts[1] if len(parts) > 1 else None)
    if top not in APPLE_CATEGORIES:
        known = ", ".join(APPLE_CATEGORIES)
        raise ConfigError(
            f"show category {category!r} is not an Apple Podcasts category; use one of: {known} "
            '(optionally with a subcategory, e.g. "News > Tech News")'
        )
    if sub is not None and sub not in APPLE_CATEGORIES[top]:
        subs = ", ".join(APPLE_CATEGORIES[top]) or "none"
        raise ConfigError(
            f"show category {category!r}: {sub!r} is not a subcategory of {top!r} "
            f"(its subcategories: {subs})"
        )
    return top, sub


def show_url(show: Show, show_slug: str) -> str:
    return f"{show.base_url.rstrip('/')}/{show_slug}"


def feed_url_for(show: Show, show_slug: str) -> str:
    return f"{show_url(show, show_slug)}/{FEED_NAME}"


# Fixed names inside an episode's folder, so URLs do not depend on where the files came from.
def _episode_files(ep: PublishedEpisode) -> dict[str, Path]:
    files = {_audio_name(ep): ep.audio}
    if ep.transcript_vtt is not None:
        files["transcript.vtt"] = ep.transcript_vtt
    if ep.transcript_srt is not None:
        files["transcript.srt"] = ep.transcript_srt
    if ep.chapters_json is not None:
        files["chapters.json"] = ep.chapters_json
    if ep.notes_html is not None:
        files[NOTES_NAME] = ep.notes_html
    return files


NOTES_NAME = "notes.html"


def episode_url(show: Show, show_slug: str, guid: str) -> str:
    """The folder URL an episode's files are published under."""
    return f"{show_url(show, show_slug)}/{safe_name(guid)}"


def _audio_name(ep: PublishedEpisode) -> str:
    return "episode" + (ep.audio.suffix or ".mp3")


def _artwork_name(show: Show) -> str:
    return "cover" + (show.artwork.suffix.lower() if show.artwork is not None else ".png")


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _html_text(html: str) -> str | etree.CDATA:
    # CDATA keeps show notes readable in the feed; lxml refuses "]]>" in CDATA, so escape then.
    return html if "]]>" in html else etree.CDATA(html)


def _check_xml_text(what: str, text: str) -> None:
    try:
        etree.Element("x").text = text
    except ValueError as e:
        raise InputError(f"{what} contains characters XML cannot hold: {e}") from None


def feed_xml(show_slug: str, show: Show, episodes: list[PublishedEpisode], feed_url: str) -> bytes:
    """The show's RSS feed. Items are newest first; the same inputs give the same bytes."""
    top, sub = parse_category(show.category)
    base = show_url(show, show_slug)
    for what, text in [("show title", show.title), ("show description", show.description)]:
        _check_xml_text(what, text)
    guids = [ep.guid for ep in episodes]
    if len(set(guids)) != len(guids):
        raise InputError(f"show {show_slug!r} has two episodes with the same guid")
    if len({safe_name(g) for g in guids}) != len(guids):
        raise InputError(f"show {show_slug!r} has two episode guids that map to one folder")

    rss = etree.Element("rss", {"version": "2.0"}, nsmap=NSMAP)
    ch = _sub(rss, "channel")
    _sub(ch, "title", show.title)
    _sub(ch, "description", show.description)
    _sub(ch, "language", show.language)
    _sub(ch, "link", base + "/")
    _sub(ch, _q(ATOM_NS, "link"), href=feed_url, rel="self", type="application/rss+xml")
    _sub(ch, "generator", "infracast")
    _sub(ch, _q(ITUNES_NS, "image"), href=f"{base}/{_artwork_name(show)}")
    image = _sub(ch, "image")
    _sub(image, "url", f"{base}/{_artwork_name(show)}")
    _sub(image, "title", show.title)
    _sub(image, "link", base + "/")
    # Apple reads the category from the `text` attribute, not from element text.
    cat = etree.SubElement(ch, _q(ITUNES_NS, "category"), {"text": top})
    if sub is not None:
        etree.SubElement(cat, _q(ITUNES_NS, "category"), {"text": sub})
    _sub(ch, _q(ITUNES_NS, "explicit"), "true" if show.explicit else "false")
    _sub(ch, _q(ITUNES_NS, "author"), show.author)
    owner = _sub(ch, _q(ITUNES_NS, "owner"))
    _sub(owner, _q(ITUNES_NS, "name"), show.author)
    _sub(owner, _q(ITUNES_NS, "email"), show.owner_email)
    _sub(ch, _q(ITUNES_NS, "type"), "episodic")
    _sub(ch, _q(PODCAST_NS, "guid"), podcast_guid(feed_url))
    _sub(ch, _q(PODCAST_NS, "locked"), "no", owner=show.owner_email)

    for ep in sorted(episodes, key=lambda e: (e.pub_date, e.number, e.guid), reverse=True):
        _item(ch, base, ep)

    etree.cleanup_namespaces(rss, top_nsmap=NSMAP)
    return bytes(etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _item(ch: etree._Element, base: str, ep: PublishedEpisode) -> None:
    if ep.pub_date.tzinfo is None:
        raise InputError(f"episode {ep.guid!r}: pub_date must carry a time zone")
    _check_xml_text(f"episode {ep.guid!r} title", ep.title)
    _check_xml_text(f"episode {ep.guid!r} show notes", ep.description_html)
    folder = f"{base}/{safe_name(ep.guid)}"
    item = _sub(ch, "item")
    _sub(item, "title", ep.title)
    _sub(item, _q(ITUNES_NS, "title"), ep.title)
    if ep.notes_html is not None:
        _sub(item, "link", f"{folder}/{NOTES_NAME}")
    _sub(item, "guid", ep.guid, isPermaLink="false")
    _sub(item, "pubDate", format_datetime(ep.pub_date))
    _sub(
        item,
        "enclosure",
        url=f"{folder}/{_audio_name(ep)}",
        length=str(ep.audio.stat().st_size),
        type="audio/mpeg",
    )
    _sub(item, _q(ITUNES_NS, "duration"), str(round(ep.duration)))
    _sub(item, _q(ITUNES_NS, "episode"), str(ep.number))
    _sub(item, _q(ITUNES_NS, "episodeType"), "full")
    item.append(_html_element("description", ep.description_html))
    item.append(_html_element(_q(CONTENT_NS, "encoded"), ep.description_html))
    if ep.transcript_vtt is not None:
        _sub(
            item,
            _q(PODCAST_NS, "transcript"),
            url=f"{folder}/transcript.vtt",
            type="text/vtt",
            rel="captions",
        )
    if ep.transcript_srt is not None:
        _sub(
            item,
            _q(PODCAST_NS, "transcript"),
            url=f"{folder}/transcript.srt",
            type="application/x-subrip",
        )
    if ep.chapters_json is not None:
        _sub(
            item,
            _q(PODCAST_NS, "chapters"),
            url=f"{folder}/chapters.json",
            type="application/json+chapters",
        )


def _html_element(tag: str, html: str) -> etree._Element:
    el = etree.Element(tag)
    el.text = _html_text(html)
    return el


# --- the publish directory -------------------------------------------------------------------


def write_bytes_if_changed(target: Path, data: bytes) -> bool:
    """Write `data` atomically unless `target` already holds it; True when it wrote."""
    if target.is_file() and target.read_bytes() == data:
        return False
    atomic_files.write_bytes(target, data)
    return True


def copy_if_changed(source: Path, target: Path) -> bool:
    """Copy atomically unless `target` already has the same bytes; True when it copied.

    A copy keeps its source's modification time, so a target of the same size and time
    is taken as unchanged without reading either file: every publish checks every
    episode of the show, and reading each MP3 twice made that grow with the show."""
    if not source.is_file():
        raise InputError(f"cannot publish {source}: the file does not exist")
    if target.is_file():
        was, now = source.stat(), target.stat()
        if was.st_size == now.st_size and was.st_mtime_ns == now.st_mtime_ns:
            return False
        if filecmp.cmp(source, target, shallow=False):
            os.utime(target, ns=(now.st_atime_ns, was.st_mtime_ns))  # by stat next time
            return False
    atomic_files.copy_file(source, target, keep_time=True)
    return True


def _publish_artwork(show: Show, show_dir: Path) -> None:
    target = show_dir / _artwork_name(show)
    if show.artwork is not None:
        copy_if_changed(show.artwork, target)
        return
    from pipeline.cover import cover_png

    write_bytes_if_changed(target, cover_png(show.title))


def publish(
    show_slug: str, show: Show, episodes: list[PublishedEpisode], publish_dir: Path
) -> Path:
    """Write the show's files and feed under publish_dir/<show>/; return the feed's path."""
    if safe_name(show_slug) != show_slug:
        raise ConfigError(f"show slug {show_slug!r} must be letters, digits, '.', '_' or '-'")
    show_dir = publish_dir / show_slug
    feed = feed_xml(show_slug, show, episodes, feed_url_for(show, show_slug))
    _publish_artwork(show, show_dir)
    for ep in episodes:
        folder = show_dir / safe_name(ep.guid)
        for name, source in _episode_files(ep).items():
            copy_if_changed(source, folder / name)
    target = show_dir / FEED_NAME
    write_bytes_if_changed(target, feed)
    _remove_unlisted(show_dir, {safe_name(ep.guid) for ep in episodes})
    return target


def _remove_unlisted(show_dir: Path, listed: set[str]) -> None:
    """An unpublished episode's files leave the host with its feed item (after the new
    feed is in place, so no feed ever points at a missing file)."""
    for folder in show_dir.iterdir():
        if folder.is_dir() and folder.name not in listed and (folder / "episode.mp3").exists():
            shutil.rmtree(folder)
