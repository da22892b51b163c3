"""Queueing from the web: pasted text, an uploaded file, an article URL or a feed URL.

The page and the API both come here, so both validate and deduplicate the same way
as `infracast queue` (pipeline.actions.submit), which send new episodes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal

from pipeline import actions, ingest
from pipeline.errors import InputError, TooLargeError
from pipeline.ingest import decoding
from pipeline.models import Episode, Source
from pipeline.web.context import WebContext

UPLOAD_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm"}


@dataclass(frozen=True)
class QueueResult:
    episodes: list[Episode]
    created: list[int]
    refused: list[actions.RefusedEntry] = field(default_factory=list)


def upload_source(name: str, data: bytes, ctx: WebContext) -> Source:
    """An uploaded file as a source: size-checked and decoded (`actions.submit` parses it,
    so a bad file is refused before anything is stored)."""
    options = ingest.IngestOptions.from_settings(ctx.settings)
    safe = PurePath(name.replace("\\", "/")).name[:200] or "upload"
    suffix = PurePath(safe).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise InputError(
            f"{safe}: upload a Markdown, text or HTML file ({', '.join(sorted(UPLOAD_SUFFIXES))})"
        )
    if len(data) > options.max_text_bytes * 4:
        raise TooLargeError(f"{safe} is over the article size limit")
    text = decoding.decode(data, safe)
    kind: Literal["markdown", "html"] = "html" if suffix in (".html", ".htm") else "markdown"
    return Source(kind=kind, uri=safe, text=text)


def text_source(text: str, ctx: WebContext) -> Source:
    options = ingest.IngestOptions.from_settings(ctx.settings)
    return ingest.source_from_text(text, options, uri="pasted text")


def queue(
    ctx: WebContext,
    show: str | None,
    *,
    text: str | None = None,
    upload: tuple[str, bytes] | None = None,
    url: str | None = None,
    feed_url: str | None = None,
    force: bool = False,
) -> QueueResult:
    """Queue exactly one kind of input; return the episodes it stands for."""
    given = [x for x in (text, upload, url, feed_url) if x not in (None, "", b"")]
    if len(given) != 1:
        raise InputError("give exactly one of: pasted text, a file, an article URL, a feed URL")
    if show is not None and show not in ctx.settings.shows:
        raise InputError(f"unknown show {show!r}; shows: {', '.join(sorted(ctx.settings.shows))}")
    sources: list[Source] = []
    every: list[actions.Queued] = []
    refused: list[actions.RefusedEntry] = []
    if feed_url:
        found = actions.queue_feed(
            ctx.store, ctx.settings, feed_url.strip(), show, force=force, dispatcher=ctx.dispatcher
        )
        every, refused = found.queued, found.refused
        if not every and not refused:
            raise InputError("the feed has no entries this show has not seen")
    elif url:
        sources = [Source(kind="url", uri=url.strip())]
    elif upload:
        sources = [upload_source(upload[0], upload[1], ctx)]
    else:
        sources = [text_source(text or "", ctx)]
    episodes, created = [], []
    every += [
        actions.submit(ctx.store, ctx.settings, s, show, force=force, dispatcher=ctx.dispatcher)
        for s in sources
    ]
    for queued in every:
        if queued.created:
            created.append(queued.episode.id)
        episodes.append(ctx.store.episode(queued.episode.id))
    return QueueResult(episodes, created, refused)
