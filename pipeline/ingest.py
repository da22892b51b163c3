"""Ingest: turn a Markdown file, an HTML page, a URL or a feed entry into an Article.

Every path ends in the same Markdown walk, so a page fetched from the web and
the same article saved as Markdown give the same sections and content hash.
Everything a user can get wrong (empty, binary, undecodable, too large, no
prose, an address that must not be fetched) is refused with an InputError
that names the input; network failures that may pass are TransientErrors.
"""

from __future__ import annotations

import html as html_lib
import io
import ipaddress
import re
import socket
import time
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Literal, NamedTuple

import charset_normalizer
import feedparser
import httpx
import trafilatura
from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.config import Settings
from pipeline.errors import ConfigError, InputError, TooLargeError, TransientError
from pipeline.models import Article, Paragraph, Section, Source, content_hash

USER_AGENT = "infracast/0.1 (+article ingest)"
MIN_PROSE_WORDS = 20
MIN_ENTRY_WORDS = 120
TITLE_CHARS = 120

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown", "text/plain"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
XML_TYPES = FEED_TYPES | {"application/xml", "text/xml"}


class _Accept(NamedTuple):
    types: frozenset[str]
    noun: str
    header: str


ACCEPT = {
    "article": _Accept(HTML_TYPES | MARKDOWN_TYPES | XML_TYPES, "an HTML article",
                       "text/html, application/xhtml+xml, text/markdown;q=0.9, text/plain;q=0.8"),
    "feed": _Accept(XML_TYPES | HTML_TYPES | {"text/plain"}, "an RSS or Atom feed",
                    "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                    "text/xml;q=0.9"),
}
MAGIC = {
    b"\x89PNG": "a PNG image", b"%PDF-": "a PDF document", b"PK\x03\x04": "a zip archive",
    b"\x1f\x8b": "a gzip archive", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
    b"\x7fELF": "a program",
}
BOMS = [  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
]
CONTROL_BYTES = frozenset(range(32)) - {9, 10, 12, 13} | {127}
UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
# C0 and C1 controls but tab, newline and carriage return: a title or text holding them
# cannot go into a feed (XML refuses them) and would drive a terminal that prints it.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REFUSED_KINDS = [
    ("a loopback", "is_loopback"), ("a link-local", "is_link_local"),
    ("a multicast", "is_multicast"), ("an unspecified", "is_unspecified"),
    ("a private", "is_private"), ("a reserved", "is_reserved"), ("a site-local", "is_site_local"),
]
NAT64 = ipaddress.ip_network("64:ff9b::/96")


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


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


def decode(data: bytes, what: str) -> str:
    """Bytes to text: BOMs, UTF-8, UTF-8 mixed with cp1252 lines, then a guess; else InputError."""
    if not data.strip():
        raise InputError(f"{what} is empty")
    text = _decode_bom(data)
    if text is None:
        reason = _binary_reason(data)
        if reason:
            raise InputError(f"{what} is a binary file, not an article ({reason}); "
                             "give it Markdown, text or HTML")
        text = _decode_utf8(data) or _decode_guess(data)
    if text is None or not _readable(text):
        raise InputError(f"{what} could not be decoded as text; save it as UTF-8 and try again")
    if not text.strip():
        raise InputError(f"{what} is empty")
    return text


def _decode_bom(data: bytes) -> str | None:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace").lstrip("\ufeff")
    return None


def _binary_reason(data: bytes) -> str | None:
    for magic, name in MAGIC.items():
        if data.startswith(magic):
            return f"looks like {name}"
    head = data[:8192]
    if b"\x00" in head:
        return "it contains NUL bytes"
    controls = sum(byte in CONTROL_BYTES for byte in head)
    if controls > len(head) // 10:
        return f"{100 * controls // len(head)}% of it is control characters"
    return None


def _decode_utf8(data: bytes) -> str | None:
    """UTF-8, or per line UTF-8 else cp1252: files pasted together from several editors."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    raw = data.splitlines(keepends=True)
    lines = [_utf8_or_none(line) for line in raw]
    if not any(line and not line.isascii() for line in lines):
        return None  # no UTF-8 anywhere: a legacy encoding, for the guesser
    return "".join(text if text is not None else line.decode("cp1252", errors="replace")
                   for text, line in zip(lines, raw, strict=True))


def _utf8_or_none(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_guess(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    text = str(best)
    # The guesser often names a Baltic or Central European code page for plain
    # Western text; for Latin-script text cp1252 is the likely one.
    if all(unicodedata.name(c, "").startswith("LATIN")
           for c in text if c.isalpha() and not c.isascii()):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return text


def _readable(text: str) -> bool:
    return len(UNREADABLE.findall(text)) <= len(text) // 20


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{n / 1000:.1f} kB" if n >= 1000 else f"{n} bytes"


def _check_text(text: str, what: str, options: IngestOptions) -> None:
    if not text.strip():
        raise InputError(f"{what} is empty")
    size = len(text.encode("utf-8", errors="replace"))
    if size > options.max_text_bytes:
        raise TooLargeError(f"{what} is {_size(size)} of text; the limit is "
                         f"{_size(options.max_text_bytes)} "
                         "(set INFRACAST_MAX_ARTICLE_BYTES to change it)")


# Markdown to Article

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_RAW_TEXT_TAG = re.compile(r"<(/?)(script|style|noscript|template|textarea)\b", re.IGNORECASE)


@dataclass
class _Block:
    kind: Literal["text", "list", "table"]
    text: str
    level: int = 0  # a heading's level; 0 for everything else
    rows: list[list[str]] = field(default_factory=list)


def parse_markdown(text: str, source: str) -> Article:
    """Parse Markdown into an Article; raw HTML, code and images are dropped."""
    return _article(list(_blocks(_MD.parse(without_controls(text)))), source, title=None)


def without_controls(text: str) -> str:
    """`text` without control characters (tab, newline and carriage return stay)."""
    return CONTROL_CHARS.sub("", text)


def _blocks(tokens: list[Token]) -> Iterator[_Block]:
    """Headings, prose, lists and tables in document order, as plain text."""
    items: list[list[str]] | None = None
    rows: list[list[str]] = []
    depth = 0
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            items = [] if items is None else items
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            if depth == 0 and items is not None:
                if items:
                    yield _Block("list", "\n".join(r[0] for r in items), rows=items)
                items = None
        elif token.type == "tr_open":
            rows.append([])
        elif token.type == "table_close":
            yield _Block("table", "\n".join(" | ".join(r) for r in rows), rows=rows)
            rows = []
        elif token.type == "inline":
            content = _inline_text(token.children or [])
            opener = tokens[i - 1]
            if opener.type in ("th_open", "td_open"):
                rows[-1].append(content)
            elif not content:
                continue
            elif opener.type == "heading_open":
                yield _Block("text", content, level=int(opener.tag[1:]))
            elif items is not None:
                items.append([content])
            else:
                yield _Block("text", content)


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    skipping = autolink = False
    for child in children:
        if child.type == "html_inline":
            tag = _RAW_TEXT_TAG.match(child.content)
            skipping = bool(tag and not tag.group(1)) or (skipping and not tag)
        elif child.type == "link_open":
            autolink = child.markup == "autolink"
        elif child.type == "link_close":
            autolink = False
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("text", "code_inline") and not (skipping or autolink):
            parts.append(child.content)
    return " ".join("".join(parts).split())


def _article(blocks: list[_Block], source: str, title: str | None) -> Article:
    title = " ".join(without_controls(title).split()) if title else None
    headings = [b for b in blocks if b.level]
    h1 = next((b.text for b in headings if b.level == 1), None)
    first_heading = headings[0].text if headings else None
    title = title or h1 or first_heading or _first_line(blocks) or _file_name(source)
    sections = _sections(blocks, title, title_h1=h1 == title)
    words = sum(len(p.text.split()) for s in sections for p in s.paragraphs)
    if words < MIN_PROSE_WORDS:
        if words == 0:
            raise InputError(f"{source} has no prose to make an episode from "
                             "(only code, images or markup)")
        count = f"{words} word" + ("s" if words != 1 else "")
        raise InputError(f"{source} has only {count} of prose; an episode needs at "
                         f"least {MIN_PROSE_WORDS} (code, images and markup do not count)")
    return Article(title=title, source=source, sections=sections,
                   content_hash=content_hash(title, sections))


def _sections(blocks: list[_Block], title: str, title_h1: bool) -> list[Section]:
    """A section per heading; the H1 that gave the title continues the opening section."""
    sections: list[Section] = []
    heading, paragraphs = title, list[Paragraph]()
    count = 0
    for block in blocks:
        if block.level == 1 and title_h1 and block.text == title:
            title_h1 = False
        elif block.level:
            if paragraphs:
                sections.append(Section(heading=heading, paragraphs=paragraphs))
            heading, paragraphs = block.text, list[Paragraph]()
        else:
            count += 1
            paragraphs.append(Paragraph(id=f"p{count}", kind=block.kind, text=block.text,
                                        rows=block.rows))
    if paragraphs:
        sections.append(Section(heading=heading, paragraphs=paragraphs))
    return sections


def _first_line(blocks: list[_Block]) -> str | None:
    text = next((b.text for b in blocks if b.kind == "text" and not b.level), None)
    if text is None or len(text) <= TITLE_CHARS:
        return text
    return text[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def _file_name(source: str) -> str:
    return PurePosixPath(httpx.URL(source).path if "://" in source else source).name or source


# HTML to Article

_TABLE_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def parse_html(html: str, source: str) -> Article:
    """Extract the main content of a page (no navigation, ads or footers) into an Article."""
    html = without_controls(html)
    markdown = trafilatura.extract(
        html, output_format="markdown", include_tables=True, include_formatting=True,
        include_links=False, include_images=False, include_comments=False,
    )
    if not markdown:
        raise InputError(f"no article text found in {source}; is it an article page?")
    metadata = trafilatura.extract_metadata(html)
    title = metadata.title if metadata is not None and metadata.title else None
    return _article(list(_blocks(_MD.parse(_add_table_separators(markdown)))), source, title)


def _add_table_separators(markdown: str) -> str:
    """Trafilatura writes tables without a header row as bare `| a | b |` lines."""
    out: list[str] = []
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        out.append(line)
        starts_table = line.startswith("|") and not (i and lines[i - 1].startswith("|"))
        next_line = lines[i + 1] if i + 1 < len(lines) else ""
        if starts_table and not _TABLE_SEPARATOR.match(next_line):
            cells = len(re.findall(r"(?<!\\)\|", line.rstrip())) - 1
            out.append("|" + "---|" * max(cells, 1))
    return "\n".join(out)


# Files and pasted text

_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_HTML_START = re.compile(r"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype\s+html|<html[\s>])",
                         re.IGNORECASE | re.DOTALL)


def read_source_file(path: Path, options: IngestOptions) -> Source:
    """Read and validate a local Markdown, text or HTML file, keeping its decoded text."""
    limit = options.max_text_bytes * 4  # UTF-16/32 files take up to 4 bytes a character
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from e
    if len(data) > limit:
        raise TooLargeError(f"{path} is {_size(path.stat().st_size)}; the limit is "
                         f"{_size(options.max_text_bytes)} of text "
                         "(set INFRACAST_MAX_ARTICLE_BYTES to change it)")
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
    if not _readable(text):
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
        ip = _unmapped(addresses[0])
        raise InputError(f"{url} resolves to {ip}, {_address_kind(ip)} "
                         "address; refused (set INFRACAST_FETCH_ALLOW_NETWORKS to allow it)")
    return _Target(parsed, str(allowed[0]))


def _allowed(ip: IPAddress, options: IngestOptions) -> bool:
    plain = _unmapped(ip)
    return _routable(ip) or any(plain in network for network in options.networks)


def _routable(ip: IPAddress) -> bool:
    """Globally routable, looking inside the IPv6 forms that carry an IPv4 address (Python's
    `is_global` calls ::7f00:1, 64:ff9b::7f00:1, 2002:7f00:1::, fec0::1 and ff02::1 global)."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return _routable(embedded)
    if isinstance(ip, ipaddress.IPv6Address) and (ip.is_site_local or ip.teredo is not None):
        return False
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d (NAT64) or
    2002:aabb:ccdd:: (6to4); None for other addresses."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if int(ip) < 2**32 or ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def _address_kind(ip: IPAddress) -> str:
    plain = ip if ip.is_loopback or ip.is_unspecified else _embedded_ipv4(ip) or ip
    if plain in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT)"
    return next((name for name, flag in REFUSED_KINDS if getattr(plain, flag, False)),
                "a non-public")


def _unmapped(ip: IPAddress) -> IPAddress:
    """::ffff:127.0.0.1 is 127.0.0.1."""
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return mapped or ip


def fetch(url: str, options: IngestOptions, accept: Literal["article", "feed"]) -> Fetched:
    """GET a URL, re-checking the address on every redirect and capping the body's size."""
    target = _check(url, options)
    deadline = time.monotonic() + options.deadline
    try:
        with httpx.Client(follow_redirects=False, timeout=httpx.Timeout(options.timeout),
                          trust_env=False) as client:
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
    raise InputError(f"{url} redirected more than {options.max_redirects} times; "
                     "give the final address instead")


def _join(base: httpx.URL, location: str) -> str:
    try:
        return str(base.join(location))
    except httpx.InvalidURL as e:
        raise InputError(f"{base} redirected to an invalid URL {location!r}") from e


def _request(client: httpx.Client, target: _Target,
             accept: str) -> AbstractContextManager[httpx.Response]:
    """Connect to the checked address, naming the host only in the headers and TLS SNI."""
    headers = {"Host": target.url.netloc.decode("ascii"), "User-Agent": USER_AGENT,
               "Accept": ACCEPT[accept].header}
    host = target.url.raw_host.decode("ascii")
    extensions = {"sni_hostname": host} if target.url.scheme == "https" else {}
    return client.stream("GET", target.url.copy_with(host=target.ip), headers=headers,
                         extensions=extensions)


def _read(response: httpx.Response, target: _Target, options: IngestOptions,
          accept: str, deadline: float) -> Fetched:
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
    charset = next((p.split("=", 1)[1].strip("\"' ") for p in params
                    if p.lower().startswith("charset=")), None)
    return media.lower(), charset or None


def _body(chunks: Iterable[bytes], url: str, options: IngestOptions, deadline: float) -> bytes:
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if time.monotonic() > deadline:
            raise TransientError(f"could not fetch {url}: it took over {options.deadline:g} s "
                                 "(set INFRACAST_FETCH_DEADLINE to change it)")
        if len(body) > options.max_fetch_bytes:
            raise InputError(f"{url} is larger than {_size(options.max_fetch_bytes)}, the "
                             "fetch limit (set INFRACAST_FETCH_MAX_BYTES to change it)")
    return bytes(body)


def _body_text(fetched: Fetched) -> str:
    if fetched.charset and fetched.data.strip():
        try:
            text = fetched.data.decode(fetched.charset).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declared charset: decode as if none was declared
        else:
            if _readable(text):
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
        raise InputError(f"{url} is an RSS or Atom feed, not an article; "
                         "queue it with --feed to make an episode per entry")
    if fetched.content_type in XML_TYPES:
        raise InputError(f"{url} is {fetched.content_type}, not an HTML article")
    text = _body_text(fetched)
    _check_text(text, fetched.url, options)
    if fetched.content_type in HTML_TYPES or (
        not fetched.content_type and _HTML_START.match(text)
    ):
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
    broken = parsed.bozo and not isinstance(parsed.get("bozo_exception"),
                                            feedparser.ThingsNobodyCaresAboutButMe)
    if broken or (not parsed.entries and not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements found"
        raise InputError(f"{url} is not a valid RSS or Atom feed: {' '.join(str(reason).split())}")
    return [_entry(e) for e in parsed.entries]


def _feedparser(data: bytes) -> feedparser.FeedParserDict:
    # Bytes given directly are first tried as a file name: a body naming a local file
    # would be read from disk. A stream is only ever read.
    return feedparser.parse(io.BytesIO(data))


def _entry(entry: feedparser.FeedParserDict) -> FeedEntry:
    html = next((c.get("value") for c in entry.get("content", [])
                 if "html" in c.get("type", "")), None)
    return FeedEntry(guid=entry.get("id") or None, link=entry.get("link") or None,
                     title=" ".join(without_controls(entry.get("title", "")).split()),
                     html=html or None)


def source_from_entry(entry: FeedEntry, feed_url: str) -> Source:
    """The full content when the feed carries a whole article, else the entry's link."""
    if entry.html and _word_count(entry.html) >= MIN_ENTRY_WORDS:
        # Feed content is a fragment; the entry's title becomes the page's title.
        page = (f"<html><head><title>{html_lib.escape(entry.title)}</title></head>"
                f"<body><article>{entry.html}</article></body></html>")
        return Source(kind="html", uri=entry.link or feed_url, text=page, guid=entry.guid)
    if entry.link:
        return Source(kind="url", uri=entry.link, guid=entry.guid)
    raise InputError(f"the entry {entry.title or entry.guid!r} in {feed_url} has neither "
                     "a link nor its full text")


def _word_count(html: str) -> int:
    return len(html_lib.unescape(re.sub(r"<[^>]*>", " ", html)).split())
