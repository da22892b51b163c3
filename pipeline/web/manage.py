"""Queueing articles, the shows' feeds page, retry, publish and unpublish."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline import actions
from pipeline.episode_files import QA
from pipeline.errors import ConflictError, Held, InfracastError, InputError
from pipeline.feed_checks import Checklist, check_feed
from pipeline.feeds import feed_path
from pipeline.models import Episode, EpisodeState
from pipeline.rss import feed_url_for, show_url
from pipeline.web import queueing
from pipeline.web.context import WebContext, web
from pipeline.web.dashboard import flagged_lines
from pipeline.web.render import Confirmation, confirm_page, page
from pipeline.web.security import Caller, caller, csrf_checked, local_path

router = APIRouter(include_in_schema=False)

# Starlette refuses a form field over 1 MiB by default, which would cut pasted articles
# short of max_article_bytes; the BodySizeLimit middleware caps the whole request instead.
MAX_FIELD_BYTES = 1 << 30
UPLOAD_ACCEPT = ",".join(sorted(queueing.UPLOAD_SUFFIXES))


# -- queue -------------------------------------------------------------------


@dataclass(frozen=True)
class QueueForm:
    """What the user typed, echoed back (escaped) when the form is shown again."""

    show: str
    text: str = ""
    url: str = ""
    feed_url: str = ""
    force: bool = False
    filename: str = ""


def _size(n: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if n >= scale:
            return f"{n / scale:.3g} {unit} ({n:,} bytes)"
    return f"{n:,} bytes"


def _queue_page(
    request: Request,
    who: Caller,
    ctx: WebContext,
    form: QueueForm,
    *,
    status_code: int = 200,
    message: str = "",
) -> HTMLResponse:
    return page(
        request,
        "queue.html.j2",
        who,
        status_code=status_code,
        form=form,
        shows=[(slug, show.title) for slug, show in ctx.settings.shows.items()],
        limit=_size(ctx.settings.max_article_bytes),
        accept=UPLOAD_ACCEPT,
        message=message,
    )


@router.get("/queue", response_class=HTMLResponse)
def queue_form(
    request: Request,
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    return _queue_page(request, who, ctx, QueueForm(show=ctx.settings.default_show))


@router.post("/queue", response_class=HTMLResponse, form_limits={"max_part_size": MAX_FIELD_BYTES})
def queue_article(
    request: Request,
    show: str = Form(""),
    text: str = Form(""),
    url: str = Form("", max_length=2000),
    feed_url: str = Form("", max_length=2000),
    force: bool = Form(False),
    file: UploadFile | None = File(None),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """Queue one article (or a feed's new entries); go to what was queued."""
    chosen = file if file is not None and file.filename else None
    form = QueueForm(
        show=show or ctx.settings.default_show,
        text=text,
        url=url,
        feed_url=feed_url,
        force=force,
        filename=chosen.filename if chosen is not None and chosen.filename else "",
    )
    limit = ctx.settings.max_article_bytes
    upload = None
    if chosen is not None:
        data = chosen.file.read(limit + 1)
        if len(data) > limit:
            message = f"{form.filename} is over the size limit of {_size(limit)}"
            return _queue_page(request, who, ctx, form, status_code=413, message=message)
        upload = (form.filename, data)
    if len(text.encode("utf-8")) > limit:
        message = f"the pasted text is over the size limit of {_size(limit)}"
        return _queue_page(request, who, ctx, form, status_code=413, message=message)
    try:
        if form.show not in ctx.settings.shows:
            known = ", ".join(sorted(ctx.settings.shows))
            raise InputError(f"there is no show {form.show!r}; choose one of: {known}")
        result = queueing.queue(
            ctx,
            form.show,
            text=text or None,
            upload=upload,
            url=url or None,
            feed_url=feed_url or None,
            force=force,
        )
    except InfracastError as e:
        return _queue_page(request, who, ctx, form, status_code=e.http_status, message=e.message)
    if result.refused:  # a feed's refused entries: say which and why, on the form
        reasons = "; ".join(f"{r.entry!r}: {r.reason}" for r in result.refused)
        message = (
            f"queued {len(result.created)} new episodes; refused "
            f"{len(result.refused)} entries (remembered as failed episodes): {reasons}"
        )
        return _queue_page(request, who, ctx, form, message=message)
    if len(result.episodes) == 1:  # the new episode, or the one the show already had
        again = "" if result.created else "?done=already-queued"
        return RedirectResponse(f"/episodes/{result.episodes[0].id}{again}", status_code=303)
    return RedirectResponse(
        f"/?queued={len(result.episodes)}&new={len(result.created)}", status_code=303
    )


# -- feeds -------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedItem:
    episode: Episode
    published_at: datetime | None


@dataclass(frozen=True)
class WaitingItem:
    """An annotated episode the publish gate has not let through, and why."""

    episode: Episode
    held: str | None
    qa_failed: bool


@dataclass(frozen=True)
class ShowFeed:
    slug: str
    title: str
    feed_url: str
    feed_written: bool
    checklist: Checklist = field(default_factory=lambda: Checklist(written=False))
    published: list[PublishedItem] = field(default_factory=list)
    waiting: list[WaitingItem] = field(default_factory=list)


def _show_feeds(ctx: WebContext) -> list[ShowFeed]:
    feeds = []
    for slug, show in ctx.settings.shows.items():
        first = ctx.store.first_entered(EpisodeState.PUBLISHED, slug)
        published = [
            PublishedItem(e, first.get(e.id))
            for e in ctx.store.episodes(state=EpisodeState.PUBLISHED, show=slug)
        ]
        waiting = [
            WaitingItem(e, e.held_reason, bool(flagged_lines(ctx.store, e.id)))
            for e in ctx.store.episodes(state=EpisodeState.ANNOTATED, show=slug)
        ]
        feeds.append(
            ShowFeed(
                slug=slug,
                title=show.title,
                feed_url=feed_url_for(show, slug),
                feed_written=feed_path(ctx.settings, slug).is_file(),
                checklist=check_feed(feed_path(ctx.settings, slug), show_url(show, slug)),
                published=published,
                waiting=waiting,
            )
        )
    return feeds


def _shows_page(
    request: Request,
    who: Caller,
    ctx: WebContext,
    *,
    status_code: int = 200,
    message: str = "",
    done: str = "",
) -> HTMLResponse:
    return page(
        request,
        "shows.html.j2",
        who,
        status_code=status_code,
        feeds=_show_feeds(ctx),
        message=message,
        done=done,
    )


@router.get("/shows", response_class=HTMLResponse)
def shows(
    request: Request,
    published: int | None = None,
    unpublished: int | None = None,
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    done = ""
    if published is not None:
        done = f"Episode {published} is in its feed."
    elif unpublished is not None:
        done = f"Episode {unpublished} is out of its feed."
    return _shows_page(request, who, ctx, done=done)


@router.post("/episodes/{episode_id}/publish", response_class=HTMLResponse)
def publish(
    request: Request,
    episode_id: int,
    allow_failed_qa: bool = Form(False),
    confirmed: bool = Form(False),
    back: str = Form("/shows", max_length=200, description="the page to go back to"),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """Publish; past QA's flags only once the editor has seen the flagged lines."""
    episode = ctx.store.episode(episode_id)
    if allow_failed_qa and not confirmed and episode.state == EpisodeState.ANNOTATED:
        report = QA.read_if_present(ctx.store.episode_dir(episode_id))
        flagged = report.flagged if report else []
        return confirm_page(
            request,
            who,
            Confirmation(
                title=f"Publish episode {episode_id} despite QA?",
                question=f"QA flagged {len(flagged)} line{'' if len(flagged) == 1 else 's'} "
                f"of \u201c{episode.title or episode_id}\u201d: listeners hear them as they "
                "are.",
                items=[
                    f"{q.line_id} ({q.wer:.0%} word error rate): heard \u201c{q.heard}\u201d"
                    for q in flagged
                ],
                after="Re-rendering the flagged lines from the episode page usually fixes them.",
                action=f"/episodes/{episode_id}/publish",
                fields=[("allow_failed_qa", "true"), ("back", local_path(back))],
                button="Publish despite QA",
                cancel=local_path(back),
            ),
        )
    try:
        actions.publish(
            ctx.store, ctx.settings, episode_id, who.user.name, allow_failed_qa=allow_failed_qa
        )
    except (ConflictError, Held) as e:  # Held: QA failed and the editor did not override it
        return _shows_page(request, who, ctx, status_code=e.http_status, message=e.message)
    return RedirectResponse(_back(back, episode_id, "published"), status_code=303)


def _back(target: str, episode_id: int, done: str) -> str:
    """Back to the episode's page when the form came from there, else to the feeds page."""
    if local_path(target) == f"/episodes/{episode_id}":
        return f"/episodes/{episode_id}?done={done}"
    return f"/shows?{done}={episode_id}"


@router.post("/episodes/{episode_id}/unpublish", response_class=HTMLResponse)
def unpublish(
    request: Request,
    episode_id: int,
    confirmed: bool = Form(False),
    back: str = Form("/shows", max_length=200, description="the page to go back to"),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    episode = ctx.store.episode(episode_id)
    if not confirmed and episode.state == EpisodeState.PUBLISHED:
        return confirm_page(
            request,
            who,
            Confirmation(
                title=f"Unpublish episode {episode_id}?",
                question=f"\u201c{episode.title or episode_id}\u201d leaves the "
                f"{episode.show} feed now. Podcast apps stop offering it; copies "
                "listeners already downloaded stay on their devices.",
                after="It waits with the annotated episodes and can be published again.",
                action=f"/episodes/{episode_id}/unpublish",
                fields=[("back", local_path(back))],
                button="Unpublish",
                cancel=local_path(back),
            ),
        )
    try:
        actions.unpublish(ctx.store, ctx.settings, episode_id, who.user.name)
    except ConflictError as e:
        return _shows_page(request, who, ctx, status_code=e.http_status, message=e.message)
    return RedirectResponse(_back(back, episode_id, "unpublished"), status_code=303)


# -- retry -------------------------------------------------------------------


@router.post("/episodes/{episode_id}/retry")
def retry(
    episode_id: int,
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """Send a failed episode back to the stage that failed; the dashboard shows it run."""
    stale_after = timedelta(seconds=ctx.settings.heartbeat_stale_after)
    actions.retry(ctx.store, episode_id, stale_after, dispatcher=ctx.dispatcher, by=who.user.name)
    return RedirectResponse("/", status_code=303)
