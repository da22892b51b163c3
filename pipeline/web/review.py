"""An episode's pages: review and edit the script, diff versions, approve; after rendering,
listen with the synchronised transcript, QA flags and figure cards.

Views only parse, call the orchestrator or `editing`, and render: what a page shows is
gathered into small view objects in `episode_view`, so the templates stay free of logic.
"""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from pipeline import actions, editing, episode_files
from pipeline.annotate import clock
from pipeline.errors import ConflictError, InputError, NotFoundError
from pipeline.models import (
    Episode,
)
from pipeline.web import episode_view
from pipeline.web.context import WebContext, web
from pipeline.web.render import Confirmation, confirm_page, page
from pipeline.web.security import Caller, caller, csrf_checked

router = APIRouter(include_in_schema=False)

# The episode folder's files a browser may fetch; nothing else in it is served.
SERVED_FILES = frozenset(
    {
        episode_files.AUDIO,
        episode_files.CAPTIONS_VTT,
        episode_files.CAPTIONS_SRT,
        episode_files.CHAPTERS,
        episode_files.NOTES_HTML,
        episode_files.PEAKS.name,
    }
)
# Show notes are our own autoescaped HTML, but they are served from this origin:
# sandboxed, with no script, so a flaw in them cannot act as the signed-in editor. Their
# player plays the episode's MP3 beside them (media-src); the sandbox keeps their origin
# (allow-same-origin) only so the signed-in editor's cookie goes with that request: with
# scripts, forms and popups still barred, the origin gives the page nothing to act with.
NOTES_CSP = (
    "default-src 'none'; img-src data:; media-src 'self'; style-src 'unsafe-inline'; "
    "sandbox allow-same-origin"
)
LINE_ID = re.compile(r"[A-Za-z0-9_-]{1,20}")
# Room for the most turns of the longest text, JSON-quoted, with their ids and speakers.
MAX_TURNS_JSON = editing.MAX_TURNS * (editing.MAX_TURN_CHARS * 2 + 200)
# What a redirect back to the page says happened (fixed texts: nothing is echoed from the URL).
NOTICES = {
    "already-queued": "This show already has this article: this is its episode. To make "
    "another, queue it with \u201cQueue again even if this show has it\u201d.",
    "approved": "Approved: the episode goes on to audio.",
    "changes": "Your request for changes is recorded in the history.",
    # {lines}: the lines sent back, as the redirect names them (ids only: checked below).
    "rerender": "Re-rendering {lines} with the fix you chose: the audio and QA update when "
    "it is done.",
    "rerender-flagged": "Re-rendering {lines}: each flagged line goes one step down its "
    "host's ladder of voices; the audio and QA update when it is done.",
    "published": "Published: the episode is in its show's feed.",
    "unpublished": "Unpublished: the episode is out of its show's feed.",
    "false-alarm": "Marked a false alarm: no script line or show note will say it.",
    "false-alarm-cut": "Marked a false alarm: a new script version leaves out the lines that "
    "said it, and the show notes will not print it.",
    "restored": "No longer a false alarm. Lines left out when it was marked stay out: "
    "the versions' diff shows them.",
}


def episode_page_with(
    request: Request,
    who: Caller,
    ctx: WebContext,
    episode_id: int,
    *,
    status_code: int = 200,
    draft: editing.ScriptEdit | None = None,
    problem: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    """The episode page; with `draft`, the editor shows those (refused) turns instead."""
    episode = ctx.store.episode(episode_id)
    versions = ctx.store.scripts.versions(episode_id)
    latest = versions[-1] if versions else None
    turns = episode_view.turn_views(latest) if latest else []
    ledger = episode_files.LEDGER.read_if_present(ctx.store.episode_dir(episode_id))
    editor = None
    if draft is not None and latest is not None:
        editor = episode_view.Editor(
            draft.base_version,
            latest.script.hosts,
            episode_view.draft_turn_views(draft),
            draft.comment,
            draft=True,
            can_save=status_code != 409,
        )
    elif latest is not None and episode.state in editing.EDITABLE:
        editor = episode_view.Editor(latest.version, latest.script.hosts, turns, "", draft=False)
    listen = episode_view.listen_view(ctx, episode, turns)
    untraced = [f for f in latest.findings if f.status == "untraced"] if latest else []
    checks = episode_view.check_views(ctx, episode)
    return page(
        request,
        "episode.html.j2",
        who,
        status_code=status_code,
        episode=episode,
        history=list(reversed(ctx.store.history(episode_id))),
        versions=versions,
        latest=latest,
        turns=turns,
        editor=editor,
        listen=listen,
        cards=episode_view.cards_cited(latest.script, latest.findings, ledger) if latest else [],
        checks=checks,
        untraced=untraced,
        # approving asks first: the label says so (…)
        approval_asks=bool(untraced) or any(c.said for c in checks),
        running=ctx.store.running([episode_id]).get(episode_id),
        problem=problem,
        notice=notice,
        source_link=_source_link(episode),
        clock=clock,
    )


def _notice(done: str | None, lines: str | None) -> str | None:
    """The fixed notice for `done`, naming the lines the redirect lists (line ids only)."""
    text = NOTICES.get(done or "")
    named = [x for x in (lines or "").split(",") if LINE_ID.fullmatch(x)][:50]
    return text.replace("{lines}", ", ".join(named) or "the lines") if text else None


def _source_link(episode: Episode) -> str | None:
    uri = episode.source.uri
    return uri if uri.startswith(("http://", "https://")) else None


def _back(episode_id: int, query: str = "") -> RedirectResponse:
    return RedirectResponse(f"/episodes/{episode_id}{query}", status_code=303)


# --- routes -------------------------------------------------------------------------------


@router.get("/episodes/{episode_id}", response_class=HTMLResponse)
def episode_page(
    request: Request,
    episode_id: int,
    saved: int | None = Query(None, ge=1),
    done: str | None = Query(None, max_length=20),
    lines: str | None = Query(None, max_length=2000),
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    notice = f"Saved version {saved}." if saved else _notice(done, lines)
    return episode_page_with(request, who, ctx, episode_id, notice=notice)


@router.post("/episodes/{episode_id}/script", response_class=HTMLResponse)
def save_script(
    request: Request,
    episode_id: int,
    turns_json: str = Form(..., max_length=MAX_TURNS_JSON),
    base_version: int = Form(..., ge=1),
    comment: str = Form("", max_length=editing.MAX_COMMENT_CHARS),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    ctx.store.episode(episode_id)  # 404 before anything else
    edit = _parse_edit(turns_json, base_version, comment)
    try:
        version = editing.save_edit(ctx.store, episode_id, edit, who.user.name)
    except ConflictError as e:
        problem = f"Your edit was not saved: {e.message.rstrip('.')}."
        return episode_page_with(
            request, who, ctx, episode_id, status_code=409, draft=edit, problem=problem
        )
    except InputError as e:
        problem = f"Your edit was not saved: {e.message.rstrip('.')}."
        return episode_page_with(
            request, who, ctx, episode_id, status_code=422, draft=edit, problem=problem
        )
    return _back(episode_id, f"?saved={version.version}")


def _approval_warnings(ctx: WebContext, episode_id: int, version: int) -> list[str]:
    """What an editor should see before approving: each number the script says that the
    article does not support, and each disagreement of the article's figures said on air."""
    try:
        saved = ctx.store.scripts.get(episode_id, version)
    except NotFoundError:  # approving it says what is wrong
        return []
    text = {line.id: line.text for line in saved.script.lines}
    out = [
        f"{f.line_id}: “{f.text}” is not traced to the article "
        f"(“{_excerpt(text.get(f.line_id, ''), f.start, f.end)}”)"
        for f in saved.findings
        if f.status == "untraced"
    ]
    for review in actions.review_checks(ctx.store, episode_id):
        if review.said and not review.check.agrees:
            where = f" ({', '.join(review.lines)})" if review.lines else ""
            out.append(f"said on air{where}: {review.check.note}")
    return out


def _excerpt(text: str, start: int, end: int, context: int = 40) -> str:
    """The words around text[start:end]."""
    before = text[max(0, start - context) : start]
    after = text[end : end + context]
    lead = "…" if start > context else ""
    tail = "…" if end + context < len(text) else ""
    return f"{lead}{before}{text[start:end]}{after}{tail}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _parse_edit(turns_json: str, base_version: int, comment: str) -> editing.ScriptEdit:
    """The edited script from the form, or a 422 that says what is wrong with it."""
    try:
        turns = json.loads(turns_json)
    except ValueError as e:
        raise InputError(f"the edited script is not valid JSON ({e}); reload the page") from e
    if not isinstance(turns, list):
        raise InputError("the edited script must be a list of turns; reload the page")
    try:
        return editing.ScriptEdit.model_validate(
            {"base_version": base_version, "turns": turns, "comment": comment}
        )
    except ValidationError as e:
        raise InputError(f"the edited script was refused: {_problems(e)}") from e


def _problems(error: ValidationError) -> str:
    out = []
    for e in error.errors()[:5]:
        loc = list(e["loc"])
        if len(loc) >= 2 and loc[0] == "turns" and isinstance(loc[1], int):
            where = f"turn {loc[1] + 1}" + "".join(f" {p}" for p in loc[2:])
        else:
            where = " ".join(str(p) for p in loc) or "the script"
        out.append(f"{where}: {e['msg']}")
    return "; ".join(out)


@router.get("/episodes/{episode_id}/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    episode_id: int,
    a: int | None = Query(None, ge=1),
    b: int | None = Query(None, ge=1),
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    episode = ctx.store.episode(episode_id)
    versions = ctx.store.scripts.versions(episode_id)
    if not versions:
        raise NotFoundError(f"episode {episode_id} has no script yet")
    numbers = [v.version for v in versions]
    new_n = b if b is not None else numbers[-1]
    old_n = a if a is not None else max(1, new_n - 1)
    by_number = {v.version: v for v in versions}
    for n in (old_n, new_n):
        if n not in by_number:
            raise NotFoundError(f"episode {episode_id} has no script version {n}")
    old, new = by_number[old_n], by_number[new_n]
    rows = editing.diff(old.script, new.script)
    counts = {kind: sum(r.kind == kind for r in rows) for kind in ("changed", "added", "removed")}
    return page(
        request,
        "diff.html.j2",
        who,
        episode=episode,
        versions=versions,
        old=old,
        new=new,
        rows=rows,
        counts=counts,
    )


@router.post("/episodes/{episode_id}/approve")
def approve(
    request: Request,
    episode_id: int,
    version: int | None = Form(None, ge=1),
    confirmed: bool = Form(False),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """Approves the script version the page showed (the form carries it): if an edit was
    saved since, nothing is approved and the editor is asked to review the new one. A
    script with warnings (numbers the article does not support, disagreements the hosts
    will say) is approved only once the editor has seen them and confirmed."""
    episode = ctx.store.episode(episode_id)  # 404 before anything else
    if version is None:
        raise ConflictError(
            f"the approval did not say which script version of episode {episode_id} it "
            "approves: reload the page and approve again"
        )
    if not confirmed and episode.state in editing.EDITABLE:  # else approve says why not
        warnings = _approval_warnings(ctx, episode_id, version)
        if warnings:
            return confirm_page(
                request,
                who,
                Confirmation(
                    title=f"Approve episode {episode_id} with warnings?",
                    question=f"Version {version} of the script has "
                    f"{_count(len(warnings), 'warning')}. Once approved, it is said as "
                    "it is:",
                    items=warnings,
                    action=f"/episodes/{episode_id}/approve",
                    fields=[("version", str(version))],
                    button="Approve anyway",
                    cancel=f"/episodes/{episode_id}",
                ),
            )
    actions.approve(ctx.store, episode_id, who.user.name, version, dispatcher=ctx.dispatcher)
    return _back(episode_id, "?done=approved")


@router.post("/episodes/{episode_id}/request-changes")
def request_changes(
    episode_id: int,
    comment: str = Form(..., max_length=editing.MAX_COMMENT_CHARS),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    actions.request_changes(ctx.store, episode_id, who.user.name, comment)
    return _back(episode_id, "?done=changes")


@router.post("/episodes/{episode_id}/checks/{check_id}/false-alarm")
def mark_false_alarm(
    episode_id: int,
    check_id: str = PathParam(..., max_length=20),
    comment: str = Form("", max_length=editing.MAX_COMMENT_CHARS),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """The check's disagreement is wrong: record it, and leave it out of script and notes."""
    done = actions.dismiss_check(ctx.store, episode_id, check_id, who.user.name, comment)
    return _back(episode_id, "?done=false-alarm-cut" if done.version else "?done=false-alarm")


@router.post("/episodes/{episode_id}/checks/{check_id}/restore")
def restore_check(
    episode_id: int,
    check_id: str = PathParam(..., max_length=20),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """Undo a false-alarm verdict."""
    actions.restore_check(ctx.store, episode_id, check_id, who.user.name)
    return _back(episode_id, "?done=restored")


@router.api_route("/episodes/{episode_id}/files/{name}", methods=["GET", "HEAD"])
def episode_file(
    episode_id: int,
    name: str,
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    """One of the episode's published files (byte ranges and HEAD answered by FileResponse)."""
    ctx.store.episode(episode_id)
    missing = HTTPException(404, f"episode {episode_id} has no file {name!r} to serve")
    if name not in SERVED_FILES:  # before any path is made of it (a null byte, "..")
        raise missing
    folder = ctx.store.episode_dir(episode_id).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise missing
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}
    if name == episode_files.NOTES_HTML:
        headers["Content-Security-Policy"] = NOTES_CSP
    return FileResponse(path, headers=headers)
