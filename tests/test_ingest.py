"""Ingest: Markdown, HTML, files, URLs on a real loopback server, and feeds."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest

from pipeline import ingest
from pipeline.config import Settings
from pipeline.errors import ConfigError, InputError, TransientError
from pipeline.ingest import FeedEntry, IngestOptions, markup
from pipeline.models import Source
from tests.conftest_http import LoopbackServer, http_server_fixture  # noqa: F401

DATA = Path(__file__).parent / "data" / "ingest"
LOCAL = IngestOptions(allow_networks=("127.0.0.0/8",), timeout=2.0)
PROSE = (
    "Operators of AI data centres report that average rack density has risen from 10 kW "
    "to 40 kW in three years, driven by ever larger GPU clusters and liquid cooling."
)
ARTICLE_MD = f"""# Rack density climbs

{PROSE}

## The numbers

A single rack now draws about 120 kW, which means liquid cooling is no longer optional.

- Air cooling tops out near 40 kW
- Cold plates handle the rest
  - nested: rear-door heat exchangers

| Year | Density |
|------|---------|
| 2021 | 10 kW   |
| 2024 | 40 kW   |
"""


def words(n: int) -> str:
    return " ".join(f"word{i}" for i in range(n))


def rss(items: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Rack Report</title><link>https://example.com/</link>
<description>News</description>{items}</channel></rss>"""


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def refused(path: Path, options: IngestOptions = LOCAL) -> str:
    with pytest.raises(InputError) as info:
        ingest.read_source_file(path, options)
    return str(info.value)


# Markdown


def test_markdown_headings_become_sections_titled_by_the_h1() -> None:
    article = markup.parse_markdown(ARTICLE_MD, "racks.md")
    assert article.title == "Rack density climbs"
    assert [s.heading for s in article.sections] == ["Rack density climbs", "The numbers"]
    assert article.sections[0].paragraphs[0].text == PROSE
    assert [p.id for p in article.paragraphs] == ["p1", "p2", "p3", "p4"]


def test_markdown_lists_and_tables_keep_their_rows() -> None:
    _, bullets, table = markup.parse_markdown(ARTICLE_MD, "racks.md").sections[1].paragraphs
    assert bullets.kind == "list"
    assert bullets.rows == [
        ["Air cooling tops out near 40 kW"],
        ["Cold plates handle the rest"],
        ["nested: rear-door heat exchangers"],
    ]
    assert bullets.text.splitlines()[0] == "Air cooling tops out near 40 kW"
    assert table.kind == "table"
    assert table.rows == [["Year", "Density"], ["2021", "10 kW"], ["2024", "40 kW"]]
    assert table.text == "Year | Density\n2021 | 10 kW\n2024 | 40 kW"


def test_markdown_drops_raw_html_code_images_and_link_urls() -> None:
    text = f"""Intro {PROSE} with <b>bold</b> words, a [report](https://evil.example/x),
`nvidia-smi`, ![chart](chart.png) and <script>alert(1)</script> inline.

<script>alert(2)</script>

<div class="promo">Buy now</div>

```python
print("secret code")
```

    indented code
"""
    article = markup.parse_markdown(text, "notes.md")
    body = " ".join(p.text for p in article.paragraphs)
    assert "bold words, a report, nvidia-smi" in body
    for gone in ("<", "alert", "https://", "evil", "chart", "Buy now", "secret", "indented"):
        assert gone not in body


def test_title_falls_back_to_the_first_heading_then_the_first_line() -> None:
    assert markup.parse_markdown(f"## Cooling\n\n{PROSE}", "a.md").title == "Cooling"
    long_line = PROSE + " " + PROSE
    title = markup.parse_markdown(long_line, "a.md").title
    assert title.endswith("…") and len(title) <= 121 and long_line.startswith(title[:-1])


def test_content_hash_depends_on_words_not_whitespace() -> None:
    spaced = ARTICLE_MD.replace("which means", "which\n   means").replace("\n\n", "\n\n\n")
    first = markup.parse_markdown(ARTICLE_MD, "a.md")
    assert markup.parse_markdown(spaced, "b.md").content_hash == first.content_hash
    changed = ARTICLE_MD.replace("120 kW", "130 kW")
    assert markup.parse_markdown(changed, "a.md").content_hash != first.content_hash


# HTML


def test_html_page_keeps_the_article_and_drops_the_boilerplate() -> None:
    html = (DATA / "liquid-cooling.html").read_text()
    article = markup.parse_html(html, "liquid-cooling.html")
    assert article.title == "Liquid cooling goes mainstream"
    assert [s.heading for s in article.sections] == [
        "Liquid cooling goes mainstream",
        "What it costs",
        "Who builds it",
    ]
    body = " ".join(p.text for p in article.paragraphs)
    assert "roughly 80% of the heat" in body and "stranded long before" in body
    for boilerplate in ("Subscribe", "Sponsored", "All rights reserved", "Related stories"):
        assert boilerplate not in body
    table = next(p for p in article.paragraphs if p.kind == "table")
    assert table.rows[0] == ["Approach", "Cost per MW", "Rack density"]
    assert ["Direct-to-chip", "$2.5M", "120 kW"] in table.rows


def test_html_table_without_a_header_row_still_becomes_rows() -> None:
    html = (
        f"<html><body><article><p>{PROSE}</p><table><tr><td>Site</td><td>MW</td></tr>"
        f"<tr><td>Ashburn</td><td>300</td></tr></table><p>{PROSE}</p></article></body></html>"
    )
    table = next(p for p in markup.parse_html(html, "t.html").paragraphs if p.kind == "table")
    assert table.rows == [["Site", "MW"], ["Ashburn", "300"]]


def test_html_without_article_text_is_refused() -> None:
    with pytest.raises(InputError, match=re.escape("no article text found in empty.html")):
        markup.parse_html(
            "<html><body><img src='a.png'><script>go()</script></body></html>", "empty.html"
        )
    with pytest.raises(InputError, match=re.escape("nav.html has only 1 word of prose")):
        markup.parse_html("<html><body><nav><a href='/'>Home</a></nav></body></html>", "nav.html")


# Files and pasted text


def test_markdown_file_is_read_and_kept_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, "racks.md", ARTICLE_MD)
    source = ingest.read_source_file(path, LOCAL)
    assert source == Source(kind="markdown", uri=str(path), text=ARTICLE_MD)
    assert ingest.article_from_source(source, LOCAL).title == "Rack density climbs"


def test_html_file_is_recognised_by_extension_or_content(tmp_path: Path) -> None:
    html = (DATA / "liquid-cooling.html").read_text()
    assert ingest.read_source_file(write(tmp_path, "a.html", html), LOCAL).kind == "html"
    assert ingest.read_source_file(write(tmp_path, "a.txt", html), LOCAL).kind == "html"
    assert ingest.source_from_text(html, LOCAL).kind == "html"
    assert ingest.source_from_text(ARTICLE_MD, LOCAL).kind == "markdown"


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n  ", "\ufeff \n".encode("utf-16")])
def test_empty_file_is_refused(tmp_path: Path, data: bytes) -> None:
    assert refused(write(tmp_path, "empty.md", data)).endswith("empty.md is empty")


def test_empty_pasted_text_is_refused() -> None:
    with pytest.raises(InputError, match="stdin is empty"):
        ingest.source_from_text("  \n", LOCAL)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n", "a PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "a zip archive"),
        (b"GIF89a" + bytes(range(32)) * 4, "a GIF image"),
        (b"abc\x00def" * 50, "NUL bytes"),
        (bytes(range(1, 9)) * 100 + b"some text", "control characters"),
    ],
)
def test_binary_file_is_refused(tmp_path: Path, data: bytes, kind: str) -> None:
    message = refused(write(tmp_path, "article.md", data))
    assert "article.md is a binary file, not an article" in message and kind in message


def test_undecodable_file_is_refused(tmp_path: Path) -> None:
    noise = bytes((i * 97 + 13) % 128 + 128 for i in range(4000))
    assert "could not be decoded as text" in refused(write(tmp_path, "noise.md", noise))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_common_encodings_decode(tmp_path: Path, encoding: str) -> None:
    text = f"# Café’s “racks”\n\n{PROSE} Déjà vu — naïve.\n"
    source = ingest.read_source_file(write(tmp_path, "a.md", text.encode(encoding)), LOCAL)
    assert source.text == text


def test_mixed_utf8_and_cp1252_lines_decode_line_by_line(tmp_path: Path) -> None:
    data = ("# Café racks\n\n" + PROSE + " Naïve.\n").encode() + "The operator’s café.\n".encode(
        "cp1252"
    )
    article = ingest.article_from_source(
        ingest.read_source_file(write(tmp_path, "mixed.md", data), LOCAL), LOCAL
    )
    assert article.title == "Café racks"
    assert article.paragraphs[0].text.endswith("Naïve. The operator’s café.")


@pytest.mark.parametrize(
    "text",
    [
        "# Title\n\n```\nprint('only code here, no prose at all in this file')\n```\n",
        "# Gallery\n\n![one](a.png)\n\n![two](b.png)\n",
        "<div>\n<p>Only raw HTML in this Markdown file, which is never passed through.</p>"
        "\n</div>\n",
        "# One\n\n## Two\n\n### Three\n",
        "A few words only.",
    ],
)
def test_file_without_prose_is_refused(tmp_path: Path, text: str) -> None:
    message = refused(write(tmp_path, "x.md", text))
    assert "no prose to make an episode" in message or "of prose; an episode needs" in message


def test_text_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    small = IngestOptions(max_text_bytes=1000)
    message = refused(write(tmp_path, "big.md", PROSE * 10), small)
    assert "big.md is 1.6 kB of text; the limit is 1.0 kB" in message
    assert "INFRACAST_MAX_ARTICLE_BYTES" in message
    with pytest.raises(InputError, match=re.escape("the limit is 1.0 kB")):
        ingest.source_from_text(PROSE * 10, small)


def test_huge_file_is_refused_without_decoding_it(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.md", b"\xff" * 20_000)  # would not even decode
    assert "huge.md is 20.0 kB; the limit is 1.0 kB of text" in refused(
        path, IngestOptions(max_text_bytes=1000)
    )


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert "cannot read" in refused(tmp_path / "nope.md")


# URL checks


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https URLs can be fetched"),
        ("ftp://example.com/a.md", "only http and https URLs can be fetched"),
        ("http:///path", "has no host name"),
        ("http://127.0.0.1/", "127.0.0.1, a loopback address; refused"),
        ("http://localhost:8000/", "a loopback address; refused"),
        ("http://[::ffff:127.0.0.1]/", "127.0.0.1, a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://[fd00:ec2::254]/", "a private address"),
        ("http://10.1.2.3/", "a private address"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://0.0.0.0/", "an unspecified address"),
    ],
)
def test_check_url_refuses_non_public_addresses(url: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as info:
        ingest.check_url(url, IngestOptions())
    if "address" in reason:
        assert "INFRACAST_FETCH_ALLOW_NETWORKS" in str(info.value)


def test_check_url_normalises_and_honours_allowed_networks() -> None:
    assert ingest.check_url("HTTP://127.0.0.1:8000/A?b=1#part", LOCAL) == (
        "http://127.0.0.1:8000/A?b=1"
    )
    assert ingest.check_url("https://93.184.216.34/x", IngestOptions()) == (
        "https://93.184.216.34/x"
    )


def test_options_come_from_settings_and_bad_networks_are_refused() -> None:
    options = IngestOptions.from_settings(
        Settings(max_article_bytes=5, fetch_timeout=1.5, fetch_allow_networks=["10.0.0.0/8"])
    )
    assert (options.max_text_bytes, options.timeout) == (5, 1.5)
    assert options.allow_networks == ("10.0.0.0/8",)
    with pytest.raises(ConfigError, match="fetch_allow_networks"):
        IngestOptions(allow_networks=("not-a-network",))


# Fetching from a real loopback server


def test_html_article_is_fetched(http_server: LoopbackServer) -> None:
    url = http_server.route("/cooling", (DATA / "liquid-cooling.html").read_bytes())
    article = ingest.article_from_source(Source(kind="url", uri=url), LOCAL)
    assert article.title == "Liquid cooling goes mainstream" and article.source == url
    path, headers = http_server.requests[-1]
    assert path == "/cooling" and headers["User-Agent"] == ingest.USER_AGENT
    assert headers["Host"] == f"127.0.0.1:{http_server.port}"


def test_host_name_is_sent_while_the_checked_address_is_connected(
    http_server: LoopbackServer,
) -> None:
    http_server.route("/racks.md", ARTICLE_MD, content_type="text/markdown")
    url = f"http://localhost:{http_server.port}/racks.md"
    assert ingest.fetch(url, LOCAL, "article").url == url
    assert http_server.requests[-1][1]["Host"] == f"localhost:{http_server.port}"


def test_markdown_served_as_markdown_is_parsed_as_markdown(http_server: LoopbackServer) -> None:
    url = http_server.route("/racks.md", ARTICLE_MD, content_type="text/markdown; charset=utf-8")
    article = ingest.article_from_source(Source(kind="url", uri=url), LOCAL)
    assert article.content_hash == markup.parse_markdown(ARTICLE_MD, url).content_hash


def test_declared_charset_is_used(http_server: LoopbackServer) -> None:
    text = f"# Café\n\n{PROSE} Déjà vu."
    url = http_server.route(
        "/latin", text.encode("latin-1"), content_type="text/plain; charset=ISO-8859-1"
    )
    article = ingest.article_from_source(Source(kind="url", uri=url), LOCAL)
    assert article.title == "Café" and article.paragraphs[0].text.endswith("Déjà vu.")


def test_redirects_are_followed(http_server: LoopbackServer) -> None:
    final = http_server.route("/new", ARTICLE_MD, content_type="text/markdown")
    http_server.redirect("/old", "/middle", status=301)
    http_server.redirect("/middle", final)
    fetched = ingest.fetch(http_server.url("/old"), LOCAL, "article")
    assert fetched.url == final and fetched.data == ARTICLE_MD.encode()


def test_redirect_loop_is_refused(http_server: LoopbackServer) -> None:
    http_server.redirect("/a", "/b")
    http_server.redirect("/b", "/a")
    with pytest.raises(InputError, match="redirected more than 5 times"):
        ingest.fetch(http_server.url("/a"), LOCAL, "article")


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://127.0.0.2:{port}/secret", "127.0.0.2, a loopback address; refused"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
def test_redirect_to_a_refused_address_is_refused(
    http_server: LoopbackServer, location: str, reason: str
) -> None:
    http_server.route("/secret", ARTICLE_MD, content_type="text/markdown")
    url = http_server.redirect("/go", location.format(port=http_server.port))
    with pytest.raises(InputError, match=reason):
        ingest.fetch(url, IngestOptions(allow_networks=("127.0.0.1/32",)), "article")
    assert [path for path, _ in http_server.requests] == ["/go"]


def test_client_errors_are_input_errors(http_server: LoopbackServer) -> None:
    with pytest.raises(InputError, match="answered 404 Not Found"):
        ingest.fetch(http_server.url("/missing"), LOCAL, "article")


def test_server_errors_are_transient(http_server: LoopbackServer) -> None:
    url = http_server.route("/boom", "oops", status=500)
    with pytest.raises(TransientError, match="answered 500 Internal Server Error"):
        ingest.fetch(url, LOCAL, "article")


def test_closed_port_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError, match="could not reach"):
        ingest.fetch(f"http://127.0.0.1:{port}/", LOCAL, "article")


def test_slow_server_times_out_as_transient(http_server: LoopbackServer) -> None:
    url = http_server.route("/slow", ARTICLE_MD, delay=1.5)
    with pytest.raises(TransientError, match=re.escape("no answer within 0.3 s")):
        ingest.fetch(url, IngestOptions(allow_networks=("127.0.0.0/8",), timeout=0.3), "article")


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf"])
def test_non_html_content_is_refused(http_server: LoopbackServer, content_type: str) -> None:
    url = http_server.route("/file", b"\x89PNG\r\n", content_type=content_type)
    with pytest.raises(InputError, match=f"is {content_type}, not an HTML article"):
        ingest.article_from_source(Source(kind="url", uri=url), LOCAL)


@pytest.mark.parametrize("repeat", [1, 10_000])
def test_oversized_body_is_refused_while_streaming(
    http_server: LoopbackServer, repeat: int
) -> None:
    # repeat > 1 sends no Content-Length and up to 640 MB: only the streaming cap stops it
    url = http_server.route("/big", b"<p>" + b"x" * 65_536, repeat=repeat)
    options = IngestOptions(allow_networks=("127.0.0.0/8",), max_fetch_bytes=50_000)
    with pytest.raises(InputError, match=re.escape("larger than 50.0 kB, the fetch limit")):
        ingest.fetch(url, options, "article")


def test_empty_body_is_refused(http_server: LoopbackServer) -> None:
    url = http_server.route("/empty", b"", content_type="text/html; charset=utf-8")
    with pytest.raises(InputError, match="/empty is empty"):
        ingest.article_from_source(Source(kind="url", uri=url), LOCAL)


def test_loopback_is_refused_unless_allowed(http_server: LoopbackServer) -> None:
    url = http_server.route("/cooling", ARTICLE_MD, content_type="text/markdown")
    with pytest.raises(InputError, match="loopback address; refused"):
        ingest.article_from_source(Source(kind="url", uri=url), IngestOptions())
    assert http_server.requests == []


@pytest.mark.parametrize("content_type", ["application/rss+xml", "text/html"])
def test_feed_queued_as_an_article_points_to_feed_option(
    http_server: LoopbackServer, content_type: str
) -> None:
    url = http_server.route(
        "/feed",
        rss(f"<item><title>A</title><description>{PROSE}</description></item>"),
        content_type=content_type,
    )
    with pytest.raises(InputError, match=r"is an RSS or Atom feed.*--feed"):
        ingest.article_from_source(Source(kind="url", uri=url), LOCAL)


# Feeds


def test_rss_feed_entries_and_their_sources(http_server: LoopbackServer) -> None:
    full = f"<p>{words(130)}</p>"
    url = http_server.route(
        "/rss",
        rss(f"""
<item><title>Full text</title><link>https://example.com/full</link>
<guid isPermaLink="false">urn:full</guid><description>Teaser</description>
<content:encoded><![CDATA[{full}]]></content:encoded></item>
<item><title>Teaser only</title><link>https://example.com/teaser</link>
<guid>https://example.com/teaser</guid><description>Short teaser.</description></item>
<item><title>Short content</title><link>https://example.com/short</link>
<content:encoded><![CDATA[<p>{words(20)}</p>]]></content:encoded></item>"""),
        content_type="application/rss+xml",
    )
    full_entry, teaser, short = ingest.fetch_feed(url, LOCAL)
    assert (full_entry.guid, full_entry.link, full_entry.title) == (
        "urn:full",
        "https://example.com/full",
        "Full text",
    )
    assert full_entry.html is not None and "word129" in full_entry.html
    assert teaser.html is None and teaser.guid == "https://example.com/teaser"
    source = ingest.source_from_entry(full_entry, url)
    assert (source.kind, source.uri, source.guid) == (
        "html",
        "https://example.com/full",
        "urn:full",
    )
    assert ingest.article_from_source(source, LOCAL).title == "Full text"
    assert ingest.source_from_entry(teaser, url) == Source(
        kind="url", uri="https://example.com/teaser", guid="https://example.com/teaser"
    )
    assert ingest.source_from_entry(short, url).kind == "url"


def test_atom_feed_entries(http_server: LoopbackServer) -> None:
    url = http_server.route(
        "/atom",
        f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Rack Report</title>
<id>urn:feed</id><updated>2025-03-12T00:00:00Z</updated>
<entry><title>Cooling &amp; power</title><id>urn:entry:1</id>
<link rel="alternate" href="https://example.com/cooling"/>
<updated>2025-03-12T00:00:00Z</updated>
<content type="html">&lt;p&gt;{words(125)}&lt;/p&gt;</content></entry>
</feed>""",
        content_type="application/atom+xml",
    )
    (entry,) = ingest.fetch_feed(url, LOCAL)
    assert (entry.guid, entry.link, entry.title) == (
        "urn:entry:1",
        "https://example.com/cooling",
        "Cooling & power",
    )
    assert ingest.source_from_entry(entry, url).kind == "html"


@pytest.mark.parametrize(
    "body",
    [
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Broken</chanel></rss>",
        "<html><body><p>Just a page.</p></body></html>",
        "not xml at all",
    ],
)
def test_malformed_feed_is_refused(http_server: LoopbackServer, body: str) -> None:
    url = http_server.route("/feed.xml", body, content_type="application/xml")
    with pytest.raises(InputError, match="is not a valid RSS or Atom feed: "):
        ingest.fetch_feed(url, LOCAL)


def test_feed_body_naming_a_local_file_is_not_read(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    local = write(tmp_path, "private.xml", rss("<item><title>Private</title></item>"))
    url = http_server.route("/feed.xml", str(local), content_type="application/rss+xml")
    with pytest.raises(InputError, match="is not a valid RSS or Atom feed"):
        ingest.fetch_feed(url, LOCAL)


def test_feed_of_the_wrong_type_is_refused(http_server: LoopbackServer) -> None:
    url = http_server.route("/feed.png", b"\x89PNG", content_type="image/png")
    with pytest.raises(InputError, match="is image/png, not an RSS or Atom feed"):
        ingest.fetch_feed(url, LOCAL)


def test_entry_without_link_or_content_is_refused() -> None:
    with pytest.raises(InputError, match="neither a link nor its full text"):
        ingest.source_from_entry(
            FeedEntry(guid="g", link=None, title="T", html=None), "https://example.com/feed"
        )


# Hardening (issue 14): embedded IPv4, the fetch deadline, control characters


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::7f00:1]/", "a loopback address"),  # IPv4-compatible
        ("http://[64:ff9b::7f00:1]/", "a loopback address"),  # NAT64
        ("http://[64:ff9b::a00:1]/", "a private address"),
        ("http://[2002:7f00:1::]/", "a loopback address"),  # 6to4
        ("http://[fec0::1]/", "a site-local address"),
        ("http://[ff02::1]/", "a multicast address"),
        ("http://[ff0e::1]/", "a multicast address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("http://[::1]/", "a loopback address"),
    ],
)
def test_check_url_looks_inside_embedded_ipv4_and_refuses_multicast(url: str, reason: str) -> None:
    with pytest.raises(InputError, match=f"{reason}; refused"):
        ingest.check_url(url, IngestOptions())


def test_check_url_accepts_global_embedded_ipv4() -> None:
    for url in (
        "http://[64:ff9b::808:808]/",
        "http://[2002:808:808::]/",
        "http://[2606:4700::1111]/",
    ):
        assert ingest.check_url(url, IngestOptions()) == url


def test_a_trickling_server_is_cut_off_at_the_deadline(http_server: LoopbackServer) -> None:
    # 2 bytes every 0.1 s: each read is well within the timeout, the whole is not
    url = http_server.route("/slow", b"<p", repeat=1000, interval=0.1)
    options = IngestOptions(allow_networks=("127.0.0.0/8",), timeout=1.0, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(TransientError, match=r"it took over 1 s \(set INFRACAST_FETCH_DEADLINE"):
        ingest.fetch(url, options, "article")
    assert time.monotonic() - started < 3


def test_deadline_comes_from_settings() -> None:
    assert IngestOptions.from_settings(Settings(fetch_deadline=7)).deadline == 7


def test_control_characters_are_stripped_from_titles_and_text() -> None:
    article = markup.parse_markdown(f"# Red \x1b[31mracks\x07\x9b\n\n{PROSE}\x00\x0c", "a.md")
    assert article.title == "Red [31mracks"
    assert article.paragraphs[0].text == PROSE
    page = (
        f"<html><head><title>Bell\x07 \x1b[2Jracks</title></head>"
        f"<body><article><p>{PROSE}\x1b</p><p>{PROSE}</p></article></body></html>"
    )
    html = markup.parse_html(page, "https://example.com/a")
    assert html.title == "Bell [2Jracks"
    assert not any(markup.CONTROL_CHARS.search(p.text) for p in html.paragraphs)


def test_control_characters_in_a_feed_entry_title_are_stripped() -> None:
    entry = FeedEntry(
        guid="g",
        link="https://example.com/a",
        title="A\x1b[31m title\x07",
        html=f"<p>{words(130)}</p>",
    )
    source = ingest.source_from_entry(entry, "https://example.com/feed")
    assert ingest.article_from_source(source, LOCAL).title == "A[31m title"
