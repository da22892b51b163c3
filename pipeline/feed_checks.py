"""What Apple Podcasts and Podcasting 2.0 apps need from a feed, checked on the feed file.

The feeds page shows this checklist so an editor sees, before submitting a show to
Apple or a Podcasting 2.0 directory, whether the feed as written would be accepted.
The checks read the written feed.xml (not the settings that produced it), so they see
exactly what an app would fetch; files the feed points at inside the show's own
publish folder (artwork, audio) are checked on disk too.

Sources: Apple's "Podcast RSS feed requirements" (podcasters.apple.com/support/823)
for the required and recommended tags, and PSP-1 (the Podcast Standards Project's
RSS specification, which builds on the podcast namespace at
podcastindex.org/namespace/1.0) for atom:link rel=self, podcast:guid, podcast:locked
and the podcast namespace's https rule. Every hint is written for an editor: it says
what to change, never a command to run.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree
from PIL import Image, UnidentifiedImageError

from pipeline.cover import MAX_SIZE, MIN_SIZE
from pipeline.rss import APPLE_CATEGORIES, ATOM_NS, FEED_NAME, ITUNES_NS, PODCAST_NS

APPLE, PODCASTING_2 = "Apple Podcasts", "Podcasting 2.0"
NS = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS}
# Apple's limit on the show description; PSP-1 gives the same 4,000 bytes.
MAX_DESCRIPTION_BYTES = 4000
AUDIO_TYPES = {"audio/mpeg", "audio/x-m4a", "audio/mp4", "audio/aac"}
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DURATION = re.compile(r"^(\d+|(\d+:)?[0-5]?\d:[0-5]\d)$")
# Addresses reserved for documentation (RFC 2606): a feed owner there never gets mail.
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")
# Parsed with entities, DTDs and the network off: the feed is ours, but a file on disk
# is read as untrusted all the same.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class Need(StrEnum):
    """How much the standard asks for the element."""

    REQUIRED = "required"
    RECOMMENDED = "recommended"
    OPTIONAL = "optional"


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    FAIL = "fail"  # a required element is missing or wrong: the directory refuses the feed
    WARN = "warn"  # a recommended element is missing or doubtful
    INFO = "info"  # an optional element is absent


@dataclass(frozen=True)
class Check:
    """One row of the checklist: what was checked, how it went, and a one-line hint
    (what was found when it passed, what to change when it did not)."""

    standard: str
    label: str
    need: Need
    status: Status
    hint: str = ""


@dataclass(frozen=True)
class Checklist:
    """The checks of one show's feed; `written` is False when there is no feed file yet."""

    written: bool
    checks: tuple[Check, ...] = ()

    def count(self, status: Status | str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    def by_standard(self) -> dict[str, list[Check]]:
        groups: dict[str, list[Check]] = {}
        for check in self.checks:
            groups.setdefault(check.standard, []).append(check)
        return groups


def _missing(need: Need) -> Status:
    return {Need.REQUIRED: Status.FAIL, Need.RECOMMENDED: Status.WARN}.get(need, Status.INFO)


def _row(standard: str, label: str, need: Need, ok: bool, found: str, fix: str) -> Check:
    status = Status.PASS if ok else _missing(need)
    return Check(standard, label, need, status, found if ok else fix)


def _text(parent: etree._Element, path: str) -> str:
    found = parent.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _names(items: list[etree._Element], bad: Iterable[int]) -> str:
    """The first few failing episodes by title, for a hint."""
    titles = [f"“{_text(items[i], 'title') or f'item {i + 1}'}”" for i in bad]
    shown = ", ".join(titles[:3])
    return shown + (f" and {len(titles) - 3} more" if len(titles) > 3 else "")


class _Feed:
    """The parsed feed, and how to find a URL's file in the show's publish folder."""

    def __init__(self, channel: etree._Element, folder: Path, public_url: str) -> None:
        self.channel = channel
        self.items = channel.findall("item")
        self.folder = folder
        self.public_url = public_url.rstrip("/") + "/"

    def local_file(self, url: str) -> Path | None:
        """The file behind a URL under the show's public address, or None if elsewhere."""
        if not url.startswith(self.public_url):
            return None
        relative = url[len(self.public_url) :].split("?", 1)[0]
        parts = relative.split("/")
        if not relative or any(p in ("", ".", "..") for p in parts):
            return None
        return self.folder.joinpath(*parts)

    def urls(self) -> list[str]:
        """The addresses an app fetches: the feed itself, the artwork and every enclosure."""
        found = [self.public_url + FEED_NAME]
        image = self.channel.find("itunes:image", NS)
        if image is not None and image.get("href"):
            found.append(image.get("href", ""))
        for item in self.items:
            enclosure = item.find("enclosure")
            if enclosure is not None and enclosure.get("url"):
                found.append(enclosure.get("url", ""))
        return found


def check_feed(feed: Path, public_url: str) -> Checklist:
    """Check the feed file at `feed`, whose show is served at `public_url` (the folder
    the feed and its files are published under)."""
    if not feed.is_file():
        return Checklist(written=False)
    try:
        root = etree.parse(str(feed), PARSER).getroot()
    except etree.XMLSyntaxError as e:
        return Checklist(True, (_unreadable(f"the feed is not well-formed XML ({e})"),))
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        return Checklist(True, (_unreadable("the feed is not an RSS 2.0 document"),))
    parsed = _Feed(channel, feed.parent, public_url)
    readable = Check(APPLE, "RSS 2.0 feed", Need.REQUIRED, Status.PASS, "well-formed")
    return Checklist(True, (readable, *(check(parsed) for check in CHECKS)))


def _unreadable(why: str) -> Check:
    return Check(
        APPLE,
        "RSS 2.0 feed",
        Need.REQUIRED,
        Status.FAIL,
        f"{why}: publish or unpublish an episode to write the feed again",
    )


# -- the show ---------------------------------------------------------------------------


def _title(f: _Feed) -> Check:
    title = _text(f.channel, "title")
    fix = "the feed has no show title: give the show a title in its settings"
    return _row(APPLE, "Show title", Need.REQUIRED, bool(title), title, fix)


def _description(f: _Feed) -> Check:
    text = _text(f.channel, "description")
    size = len(text.encode("utf-8"))
    if text and size > MAX_DESCRIPTION_BYTES:
        return Check(
            APPLE,
            "Show description",
            Need.REQUIRED,
            Status.FAIL,
            f"{size:,} bytes: shorten the show's description to {MAX_DESCRIPTION_BYTES:,} bytes",
        )
    fix = "the feed has no description: write one in the show's settings"
    return _row(APPLE, "Show description", Need.REQUIRED, bool(text), f"{size:,} bytes", fix)


def _language(f: _Feed) -> Check:
    code = _text(f.channel, "language")
    fix = (
        f"“{code}” is not a language code: use one like “en” or “en-gb” in the show's settings"
        if code
        else "no language: set the show's language (e.g. “en”) in its settings"
    )
    return _row(APPLE, "Language", Need.REQUIRED, bool(LANGUAGE.match(code)), code, fix)


def _artwork(f: _Feed) -> Check:
    label, need = "Artwork (itunes:image)", Need.REQUIRED
    image = f.channel.find("itunes:image", NS)
    href = image.get("href", "").strip() if image is not None else ""
    if not href:
        return Check(APPLE, label, need, Status.FAIL, "no artwork: give the show a cover image")
    path = f.local_file(href)
    if path is None:
        return Check(
            APPLE,
            label,
            need,
            Status.WARN,
            "the artwork is not in this show's feed folder, so its size cannot be checked "
            f"here: make sure {href} is a square 1400–3000 px JPEG or PNG",
        )
    problem, found = _artwork_problem(path)
    return Check(APPLE, label, need, Status.FAIL if problem else Status.PASS, problem or found)


def _artwork_problem(path: Path) -> tuple[str, str]:
    """(what is wrong with the image file, or "", what it is)."""
    if not path.is_file():
        return "the artwork file is missing: publish an episode to write it again", ""
    try:
        with Image.open(path) as image:
            kind, mode, (width, height) = image.format or "", image.mode, image.size
    except (UnidentifiedImageError, OSError):
        return "the artwork file is not an image: give the show a JPEG or PNG cover", ""
    found = f"{width} × {height} px {kind}"
    if kind not in ("JPEG", "PNG"):
        return f"the artwork is a {kind}: Apple takes JPEG or PNG only", found
    suffixes = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}[kind]
    if path.suffix.lower() not in suffixes:
        return f"the artwork is a {kind} named {path.name}: its extension must match", found
    if mode != "RGB":
        return f"the artwork is in {mode} colour: Apple takes RGB images only", found
    if width != height or not MIN_SIZE <= width <= MAX_SIZE:
        return (
            f"the artwork is {width} × {height} px: Apple takes a square of "
            f"{MIN_SIZE}–{MAX_SIZE} px",
            found,
        )
    return "", found


def _category(f: _Feed) -> Check:
    label, need = "Apple category", Need.REQUIRED
    top = f.channel.find("itunes:category", NS)
    if top is None or not top.get("text"):
        return Check(
            APPLE, label, need, Status.FAIL, "no category: choose one in the show's settings"
        )
    name = top.get("text", "")
    sub_element = top.find("itunes:category", NS)
    sub = sub_element.get("text", "") if sub_element is not None else ""
    shown = f"{name} › {sub}" if sub else name
    if name not in APPLE_CATEGORIES or (sub and sub not in APPLE_CATEGORIES[name]):
        return Check(
            APPLE,
            label,
            need,
            Status.FAIL,
            f"“{shown}” is not in Apple's list of categories: choose one of theirs",
        )
    return Check(APPLE, label, need, Status.PASS, shown)


def _explicit(f: _Feed) -> Check:
    value = _text(f.channel, "itunes:explicit")
    fix = (
        f"“{value}” is not a parental advisory value: it must be true or false"
        if value
        else "no parental advisory: set whether the show is explicit in its settings"
    )
    return _row(APPLE, "Explicit flag", Need.REQUIRED, value in ("true", "false"), value, fix)


def _author(f: _Feed) -> Check:
    author = _text(f.channel, "itunes:author")
    fix = "no author: name the show's author (a person or the newsroom) in its settings"
    return _row(APPLE, "Author (itunes:author)", Need.RECOMMENDED, bool(author), author, fix)


def _link(f: _Feed) -> Check:
    link = _text(f.channel, "link")
    fix = "no website link for the show"
    return _row(APPLE, "Website link", Need.RECOMMENDED, bool(link), link, fix)


def _owner(f: _Feed) -> Check:
    label, need = "Owner email (itunes:owner)", Need.RECOMMENDED
    email = _text(f.channel, "itunes:owner/itunes:email")
    if not EMAIL.match(email):
        fix = (
            "no owner email: Apple writes to it to confirm you own the show; "
            "set the show's owner email"
        )
        return Check(APPLE, label, need, Status.WARN, fix)
    if email.lower().rsplit("@", 1)[1].endswith(PLACEHOLDER_DOMAINS):
        return Check(
            APPLE,
            label,
            need,
            Status.WARN,
            f"{email} is a placeholder that receives no mail: set the show's real owner email",
        )
    return Check(APPLE, label, need, Status.PASS, email)


def _public(f: _Feed) -> Check:
    label, need = "Public addresses", Need.REQUIRED
    local = [u for u in f.urls() if _unreachable(u)]  # the feed's own address first
    if local:
        return Check(
            APPLE,
            label,
            need,
            Status.FAIL,
            f"{local[0]} cannot be reached from outside this machine: set the show's public "
            "address (base_url) to where its feed is served",
        )
    return Check(APPLE, label, need, Status.PASS, urlsplit(f.public_url).netloc)


def _unreachable(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in ("", "localhost") or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


# -- the episodes -----------------------------------------------------------------------


def _episodes(f: _Feed) -> Check:
    n = len(f.items)
    fix = "the feed has no episodes: Apple accepts a show once it has one; publish an episode"
    return _row(APPLE, "At least one episode", Need.REQUIRED, n > 0, f"{n} in the feed", fix)


def _each(
    f: _Feed,
    standard: str,
    label: str,
    need: Need,
    problem: Callable[[etree._Element], bool],
    fix: str,
) -> Check:
    """A check every episode must pass; the hint names the episodes that do not."""
    if not f.items:
        return Check(standard, label, need, Status.INFO, "no episodes yet")
    bad = [i for i, item in enumerate(f.items) if problem(item)]
    if bad:
        return Check(standard, label, need, _missing(need), f"{fix}: {_names(f.items, bad)}")
    found = f"all {len(f.items)} episodes" if len(f.items) > 1 else "the one episode"
    return Check(standard, label, need, Status.PASS, found)


def _episode_titles(f: _Feed) -> Check:
    return _each(
        f,
        APPLE,
        "Episode titles",
        Need.REQUIRED,
        lambda item: not _text(item, "title"),
        "give these episodes a title in their script and publish them again",
    )


def _enclosure_problem(f: _Feed, item: etree._Element) -> bool:
    enclosure = item.find("enclosure")
    if enclosure is None:
        return True
    url, length = enclosure.get("url", ""), enclosure.get("length", "")
    if not url or not length.isdigit() or int(length) <= 0:
        return True
    if enclosure.get("type") not in AUDIO_TYPES:
        return True
    path = f.local_file(url)
    return path is not None and (not path.is_file() or path.stat().st_size != int(length))


def _enclosures(f: _Feed) -> Check:
    check = _each(
        f,
        APPLE,
        "Audio (enclosure url, length, type)",
        Need.REQUIRED,
        lambda item: _enclosure_problem(f, item),
        "unpublish and publish again, so the audio file and its size are written anew",
    )
    urls = [e.get("url") for e in f.channel.findall("item/enclosure")]
    if check.status is Status.PASS and len(set(urls)) != len(urls):
        return Check(
            check.standard,
            check.label,
            check.need,
            Status.FAIL,
            "two episodes share one audio address: Apple ignores the repeat",
        )
    return check


def _guids(f: _Feed) -> Check:
    check = _each(
        f,
        APPLE,
        "Episode guid",
        Need.REQUIRED,
        lambda item: not _text(item, "guid"),
        "these episodes have no guid: unpublish and publish them again",
    )
    guids = [_text(item, "guid") for item in f.items]
    if check.status is Status.PASS and len(set(guids)) != len(guids):
        return Check(
            check.standard,
            check.label,
            check.need,
            Status.FAIL,
            "two episodes share one guid: apps show only one of them",
        )
    return check


def _date_problem(item: etree._Element) -> bool:
    try:
        return parsedate_to_datetime(_text(item, "pubDate")).tzinfo is None
    except (TypeError, ValueError):
        return True


def _dates(f: _Feed) -> Check:
    return _each(
        f,
        APPLE,
        "Publication date (pubDate)",
        Need.RECOMMENDED,
        _date_problem,
        "no RFC 2822 date with a time zone: unpublish and publish again",
    )


def _durations(f: _Feed) -> Check:
    return _each(
        f,
        APPLE,
        "Duration (itunes:duration)",
        Need.RECOMMENDED,
        lambda item: not DURATION.match(_text(item, "itunes:duration")),
        "no duration in seconds or H:MM:SS: render the episode again",
    )


# -- Podcasting 2.0 ---------------------------------------------------------------------


def _self_link(f: _Feed) -> Check:
    label, need = "Feed's own address (atom:link rel=self)", Need.REQUIRED
    links = [
        a.get("href", "") for a in f.channel.findall("atom:link", NS) if a.get("rel") == "self"
    ]
    expected = f.public_url + FEED_NAME
    if not links or not links[0]:
        fix = "the feed does not say where it lives: publish an episode to write it again"
        return Check(PODCASTING_2, label, need, Status.FAIL, fix)
    if links[0] != expected:
        return Check(
            PODCASTING_2,
            label,
            need,
            Status.WARN,
            f"the feed says it lives at {links[0]} but is served at {expected}: "
            "publish or unpublish an episode to write it again",
        )
    return Check(PODCASTING_2, label, need, Status.PASS, links[0])


def _podcast_guid(f: _Feed) -> Check:
    value = _text(f.channel, "podcast:guid")
    try:
        ok = uuid.UUID(value).version == 5
    except ValueError:
        ok = False
    fix = "no podcast:guid (a UUIDv5 of the feed address): publish an episode to write it"
    return _row(PODCASTING_2, "Show guid (podcast:guid)", Need.RECOMMENDED, ok, value, fix)


def _locked(f: _Feed) -> Check:
    value = _text(f.channel, "podcast:locked")
    fix = "no podcast:locked yes/no, which tells other hosts whether they may import the show"
    return _row(
        PODCASTING_2,
        "Import lock (podcast:locked)",
        Need.RECOMMENDED,
        value in ("yes", "no"),
        value,
        fix,
    )


def _tagged(item: etree._Element, tag: str) -> bool:
    return any(t.get("url") and t.get("type") for t in item.findall(tag, NS))


def _transcripts(f: _Feed) -> Check:
    return _each(
        f,
        PODCASTING_2,
        "Transcripts (podcast:transcript)",
        Need.RECOMMENDED,
        lambda item: not _tagged(item, "podcast:transcript"),
        "no transcript: let the episode finish transcribing, then publish it again",
    )


def _chapters(f: _Feed) -> Check:
    return _each(
        f,
        PODCASTING_2,
        "Chapters (podcast:chapters)",
        Need.OPTIONAL,
        lambda item: not _tagged(item, "podcast:chapters"),
        "no chapters",
    )


def _funding(f: _Feed) -> Check:
    funding = f.channel.find("podcast:funding", NS)
    url = funding.get("url", "") if funding is not None else ""
    fix = "no funding link (optional: a page where listeners can support the show)"
    return _row(PODCASTING_2, "Funding link (podcast:funding)", Need.OPTIONAL, bool(url), url, fix)


def _https(f: _Feed) -> Check:
    plain = [u for u in f.urls() if not u.startswith("https://")]
    fix = (
        f"{plain[0]} is not https: the podcast namespace asks for https addresses; "
        "serve the feeds over https and set the show's public address to match"
        if plain
        else ""
    )
    return _row(PODCASTING_2, "Secure addresses (https)", Need.RECOMMENDED, not plain, "https", fix)


CHECKS: tuple[Callable[[_Feed], Check], ...] = (
    _title,
    _description,
    _language,
    _artwork,
    _category,
    _explicit,
    _author,
    _link,
    _owner,
    _public,
    _episodes,
    _episode_titles,
    _enclosures,
    _guids,
    _dates,
    _durations,
    _self_link,
    _podcast_guid,
    _locked,
    _transcripts,
    _chapters,
    _funding,
    _https,
)
