"""Markdown and HTML to an Article: sections from headings, paragraphs, lists and tables.

HTML goes through trafilatura's main-text extraction to Markdown, so every input ends
in the same Markdown walk, and a page fetched from the web and the same article saved
as Markdown give the same sections and content hash. Control characters are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

import httpx
import trafilatura
from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.errors import InputError
from pipeline.models import Article, Paragraph, Section, content_hash

MIN_PROSE_WORDS = 20


TITLE_CHARS = 120


# C0 and C1 controls but tab, newline and carriage return: a title or text holding them
# cannot go into a feed (XML refuses them) and would drive a terminal that prints it.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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
            raise InputError(
                f"{source} has no prose to make an episode from (only code, images or markup)"
            )
        count = f"{words} word" + ("s" if words != 1 else "")
        raise InputError(
            f"{source} has only {count} of prose; an episode needs at "
            f"least {MIN_PROSE_WORDS} (code, images and markup do not count)"
        )
    return Article(
        title=title, source=source, sections=sections, content_hash=content_hash(title, sections)
    )


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
            paragraphs.append(
                Paragraph(id=f"p{count}", kind=block.kind, text=block.text, rows=block.rows)
            )
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


_TABLE_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def parse_html(html: str, source: str) -> Article:
    """Extract the main content of a page (no navigation, ads or footers) into an Article."""
    html = without_controls(html)
    markdown = trafilatura.extract(
        html,
        output_format="markdown",
        include_tables=True,
        include_formatting=True,
        include_links=False,
        include_images=False,
        include_comments=False,
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
