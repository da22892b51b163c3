"""Ingest: turn a Markdown file, an HTML page, a URL or a feed entry into an Article.

Every path ends in the same Markdown walk, so a page fetched from the web and
the same article saved as Markdown give the same sections and content hash.
Everything a user can get wrong (empty, binary, undecodable, too large, no
prose, an address that must not be fetched) is refused with an InputError
that names the input; network failures that may pass are TransientErrors.

Where the parts live: the Markdown walk and HTML extraction in `pipeline.ingest.markup`,
bytes to text in `pipeline.ingest.decoding`, which addresses may be fetched in
`pipeline.ingest.addresses`; this module reads files, fetches URLs and feeds.
"""

from __future__ import annotations

import html as html_lib
import io
import ipaddress
import re
import socket
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal, NamedTuple

import feedparser
import httpx

from pipeline.config import Settings
from pipeline.errors import ConfigError, InputError, TooLargeError, TransientError
from pipeline.ingest.addresses import IPAddress, address_kind, routable, unmapped
from pipeline.ingest.decoding import decode, readable
from pipeline.ingest.markup import parse_html, parse_markdown, without_controls
from pipeline.models import Article, Source

USER_AGENT = "infracast/0.1 (+article ingest)"
MIN_ENTRY_WORDS = 120

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown", "text/plain"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
XML_TYPES = FEED_TYPES | {"application/xml", "text/xml"}


class _Accept(NamedTuple):
    types: frozenset[str]
    noun: str
    header: str


ACCEPT = {
    "article": _Accept(
        HTML_TYPES | MARKDOWN_TYPES | XML_TYPES,
        "an HTML article",
        "text/html, application/xhtml+xml, text/markdown;q=0.9, text/plain;q=0.8",
    ),
    "feed": _Accept(
        XML_TYPES | HTML_TYPES | {"text/plain"},
        "an RSS or Atom feed",
        "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9",
    ),
}


@dataclass(frozen=True)
class IngestOptions:
    """Limits for reading and fetching articles; `from_settings` maps the INFRACAST_* ones."""

    max_text_bytes: int = 2_000_000
    max_fetch_bytes: int = 10_000_000
    timeout: float = 10.0
    deadline: float = 60.0  # the whole fetch, redirects and body included
    max_redirects: int = 5
    allow_networks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.networks  # noqa: B018 - parse the CIDRs now, so a bad one fails before any work

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestOptions:
        return cls(
            max_text_bytes=settings.max_article_bytes,
            max_fetch_bytes=settings.fetch_max_bytes,
            timeout=settings.fetch_timeout,
            deadline=settings.fetch_deadline,
            max_redirects=settings.fetch_max_redirects,
            allow_networks=tuple(settings.fetch_allow_networks),
        )

    @cached_property
    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        try:
            return [ipaddress.ip_network(cidr, strict=False) for cidr in self.allow_networks]
        except ValueError as e:
            raise ConfigError(f"invalid fetch_allow_networks entry: {e}") from e


@dataclass(frozen=True)
class FeedEntry:
    """One feed item; `html` is its full content when the feed carries it."""

    guid: str | None
    link: str | None
    title: str
    html: str | None


@dataclass(frozen=True)
class Fetched:
    """An HTTP body; `content_type` is the bare media type, "" when the server sent none."""

    url: str
    content_type: str
    data: bytes
    charset: str | None = None


# Decoding


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{n / 1000:.1f} kB" if n >= 1000 else f"{n} bytes"


def _check_text(text: str, what: str, options: IngestOptions) -> None:
    if not text.strip():
        raise InputError(f"{what} is empty")
    size = len(text.encode("utf-8", errors="replace"))
    if size > options.max_text_bytes:
        raise TooLargeError(
            f"{what} is {_size(size)} of text; the limit is "
            f"{_size(options.max_text_bytes)} "
            "(set INFRACAST_MAX_ARTICLE_BYTES to change it)"
        )


# Markdown to Article


# HTML to Article


# Files and pasted text

_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_HTML_START = re.compile(
    r"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+html|<html[\s>])", re.IGNORECASE | re.DOTALL
)


def read_source_file(path: Path, options: IngestOptions) -> Source:
    """Read and validate a local Markdown, text or HTML file, keeping its decoded text."""
    limit = options.max_text_bytes * 4  # UTF-16/32 files take up to 4 bytes a character
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from e
    if len(data) > limit:
        raise TooLargeError(
            f"{path} is {_size(path.stat().st_size)}; the limit is "
            f"{_size(options.max_text_bytes)} of text "
            "(set INFRACAST_MAX_ARTICLE_BYTES to change it)"
        )
    text = decode(data, str(path))
    if path.suffix.lower() in _HTML_SUFFIXES:
        kind: Literal["markdown", "html"] = "html"
    elif path.suffix.lower() in _MARKDOWN_SUFFIXES:
        kind = "markdown"
    else:
        kind = "html" if _HTML_START.match(text) else "markdown"
    return _validated(Source(kind=kind, uri=str(path), text=text), options)


def source_from_text(text: str, options: IngestOptions, uri: str = "stdin") -> Source:
    """Validate pasted text: Markdown, or HTML when it is plainly a whole HTML document."""
    if not readable(text):
        raise InputError(f"{uri} is binary data, not an article")
    kind: Literal["markdown", "html"] = "html" if _HTML_START.match(text) else "markdown"
    return _validated(Source(kind=kind, uri=uri, text=text), options)


def _validated(source: Source, options: IngestOptions) -> Source:
    article_from_source(source, options)
    return source


# URLs


@dataclass(frozen=True)
class _Target:
    url: httpx.URL  # as the user wrote it, host name and all
    ip: str  # the checked address, the only one connected to


def check_url(url: str, options: IngestOptions) -> str:
    """Normalise an http(s) URL and refuse it unless its host resolves to a public address."""
    return str(_check(url, options).url)


def _check(url: str, options: IngestOptions) -> _Target:
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL as e:
        raise InputError(f"{url} is not a valid URL: {e}") from e
    if parsed.scheme not in ("http", "https"):
        raise InputError(f"{url}: only http and https URLs can be fetched")
    if not parsed.host:
        raise InputError(f"{url} has no host name")
    parsed = parsed.copy_with(fragment=None)
    host = parsed.raw_host.decode("ascii")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise TransientError(f"could not reach {url}: cannot resolve {host} ({e})") from e
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    allowed = [ip for ip in addresses if _allowed(ip, options)]
    if not allowed:
        ip = unmapped(addresses[0])
        raise InputError(
            f"{url} resolves to {ip}, {address_kind(ip)} "
            "address; refused (set INFRACAST_FETCH_ALLOW_NETWORKS to allow it)"
        )
    return _Target(parsed, str(allowed[0]))


def _allowed(ip: IPAddress, options: IngestOptions) -> bool:
    plain = unmapped(ip)
    return routable(ip) or any(plain in network for network in options.networks)


def fetch(url: str, options: IngestOptions, accept: Literal["article", "feed"]) -> Fetched:
    """GET a URL, re-checking the address on every redirect and capping the body's size."""
    target = _check(url, options)
    deadline = time.monotonic() + options.deadline
    try:
        with httpx.Client(
            follow_redirects=False, timeout=httpx.Timeout(options.timeout), trust_env=False
        ) as client:
            for _ in range(options.max_redirects + 1):
                with _request(client, target, accept) as response:
                    if not response.is_redirect:
                        return _read(response, target, options, accept, deadline)
                    location = response.headers["location"]
                target = _check(_join(target.url, location), options)
    except httpx.TimeoutException as e:
        reason = f"no answer within {options.timeout:g} s"
        raise TransientError(f"could not reach {url}: {reason}") from e
    except httpx.RequestError as e:
        raise TransientError(f"could not reach {url}: {e or type(e).__name__}") from e
    raise InputError(
        f"{url} redirected more than {options.max_redirects} times; give the final address instead"
    )


def _join(base: httpx.URL, location: str) -> str:
    try:
        return str(base.join(location))
    except httpx.InvalidURL as e:
        raise InputError(f"{base} redirected to an invalid URL {location!r}") from e


def _request(
    client: httpx.Client, target: _Target, accept: str
) -> AbstractContextManager[httpx.Response]:
    """Connect to the checked address, naming the host only in the headers and TLS SNI."""
    headers = {
        "Host": target.url.netloc.decode("ascii"),
        "User-Agent": USER_AGENT,
        "Accept": ACCEPT[accept].header,
    }
    host = target.url.raw_host.decode("ascii")
    extensions = {"sni_hostname": host} if target.url.scheme == "https" else {}
    return client.stream(
        "GET", target.url.copy_with(host=target.ip), headers=headers, extensions=extensions
    )


def _read(
    response: httpx.Response, target: _Target, options: IngestOptions, accept: str, deadline: float
) -> Fetched:
    url = str(target.url)
    status = f"{response.status_code} {response.reason_phrase}".strip()
    if response.status_code >= 500:
        raise TransientError(f"{url} answered {status}; try again later")
    if response.status_code >= 300:
        raise InputError(f"{url} answered {status}; check the address")
    media, charset = _content_type(response.headers.get("content-type", ""))
    if media and media not in ACCEPT[accept].types:
        raise InputError(f"{url} is {media}, not {ACCEPT[accept].noun}")
    return Fetched(url, media, _body(response.iter_bytes(), url, options, deadline), charset)


def _content_type(header: str) -> tuple[str, str | None]:
    media, *params = (part.strip() for part in header.split(";"))
    charset = next(
        (p.split("=", 1)[1].strip("\"' ") for p in params if p.lower().startswith("charset=")), None
    )
    return media.lower(), charset or None


def _body(chunks: Iterable[bytes], url: str, options: IngestOptions, deadline: float) -> bytes:
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if time.monotonic() > deadline:
            raise TransientError(
                f"could not fetch {url}: it took over {options.deadline:g} s "
                "(set INFRACAST_FETCH_DEADLINE to change it)"
            )
        if len(body) > options.max_fetch_bytes:
            raise InputError(
                f"{url} is larger than {_size(options.max_fetch_bytes)}, the "
                "fetch limit (set INFRACAST_FETCH_MAX_BYTES to change it)"
            )
    return bytes(body)


def _body_text(fetched: Fetched) -> str:
    if fetched.charset and fetched.data.strip():
        try:
            text = fetched.data.decode(fetched.charset).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declared charset: decode as if none was declared
        else:
            if readable(text):
                return text
    return decode(fetched.data, fetched.url)


# The ingest stage


def article_from_source(source: Source, options: IngestOptions) -> Article:
    """The ingest stage: parse a stored file or pasted text, or fetch and parse a URL."""
    if source.kind == "url":
        return _article_from_url(source.uri, options)
    if source.text is None:
        raise InputError(f"{source.uri} has no stored text; queue the file again")
    _check_text(source.text, source.uri, options)
    if source.kind == "html":
        return parse_html(source.text, source.uri)
    return parse_markdown(source.text, source.uri)


def _article_from_url(url: str, options: IngestOptions) -> Article:
    fetched = fetch(url, options, "article")
    if fetched.content_type in FEED_TYPES or _is_feed(fetched.data):
        raise InputError(
            f"{url} is an RSS or Atom feed, not an article; "
            "queue it with --feed to make an episode per entry"
        )
    if fetched.content_type in XML_TYPES:
        raise InputError(f"{url} is {fetched.content_type}, not an HTML article")
    text = _body_text(fetched)
    _check_text(text, fetched.url, options)
    if fetched.content_type in HTML_TYPES or (not fetched.content_type and _HTML_START.match(text)):
        return parse_html(text, fetched.url)
    return parse_markdown(text, fetched.url)


def _is_feed(data: bytes) -> bool:
    head = data[:2048].lower()
    if not any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")):
        return False
    return bool(_feedparser(data).get("version"))


# Feeds


def fetch_feed(url: str, options: IngestOptions) -> list[FeedEntry]:
    """Fetch an RSS or Atom feed and return its entries, newest as the feed orders them."""
    fetched = fetch(url, options, "feed")
    return parse_feed(fetched.data, fetched.url)


def parse_feed(data: bytes, url: str) -> list[FeedEntry]:
    """Parse RSS or Atom bytes; InputError when they are not a feed."""
    parsed = _feedparser(data)
    # entries read from a broken feed may be cut short or miss those after the break
    broken = parsed.bozo and not isinstance(
        parsed.get("bozo_exception"), feedparser.ThingsNobodyCaresAboutButMe
    )
    if broken or (not parsed.entries and not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements found"
        raise InputError(f"{url} is not a valid RSS or Atom feed: {' '.join(str(reason).split())}")
    return [_entry(e) for e in parsed.entries]


def _feedparser(data: bytes) -> feedparser.FeedParserDict:
    # Bytes given directly are first tried as a file name: a body naming a local file
    # would be read from disk. A stream is only ever read.
    return feedparser.parse(io.BytesIO(data))


def _entry(entry: feedparser.FeedParserDict) -> FeedEntry:
    html = next(
        (c.get("value") for c in entry.get("content", []) if "html" in c.get("type", "")), None
    )
    return FeedEntry(
        guid=entry.get("id") or None,
        link=entry.get("link") or None,
        title=" ".join(without_controls(entry.get("title", "")).split()),
        html=html or None,
    )


def source_from_entry(entry: FeedEntry, feed_url: str) -> Source:
    """The full content when the feed carries a whole article, else the entry's link."""
    if entry.html and _word_count(entry.html) >= MIN_ENTRY_WORDS:
        # Feed content is a fragment; the entry's title becomes the page's title.
        page = (
            f"<html><head><title>{html_lib.escape(entry.title)}</title></head>"
            f"<body><article>{entry.html}</article></body></html>"
        )
        return Source(kind="html", uri=entry.link or feed_url, text=page, guid=entry.guid)
    if entry.link:
        return Source(kind="url", uri=entry.link, guid=entry.guid)
    raise InputError(
        f"the entry {entry.title or entry.guid!r} in {feed_url} has neither "
        "a link nor its full text"
    )


def _word_count(html: str) -> int:
    return len(html_lib.unescape(re.sub(r"<[^>]*>", " ", html)).split())
