"""What an editor does about QA from the listen view: re-render every line QA flagged, or
one line with a chosen fix (slower, the host's next voice, a word respelt, or the next
step down the host's ladder).

Views only parse, call `actions.rerender_lines` and redirect back with a notice that
names the lines. A fix a line cannot take (a word it does not say, a host with one
voice, a voice already at its slowest) comes back as the episode page with the reason
at the top, never as a traceback.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline import actions
from pipeline.errors import ConflictError, InputError
from pipeline.stages.render import FIX_KINDS, Fix, FixKind
from pipeline.web import review
from pipeline.web.context import WebContext, web
from pipeline.web.security import Caller, csrf_checked

router = APIRouter(include_in_schema=False)

# Generous form limits: the fix itself checks the word and the respelling, with messages an
# editor can act on (a respelling of at most 100 characters, say).
MAX_WORD_FIELD = 200
MAX_SAID_FIELD = 1000


def parse_fix(fix: str, word: str, said: str) -> Fix:
    """The fix the form chose, or an InputError saying what to choose."""
    if fix not in FIX_KINDS:
        raise InputError(f"choose a fix: one of {', '.join(FIX_KINDS)}")
    kind: FixKind = fix  # narrowed by the check above
    if kind != "respell" and (word.strip() or said.strip()):
        raise InputError(f"to respell “{word.strip()[:60]}”, choose “Respell a word”")
    return Fix(kind, word, said)


def _redirect(episode_id: int, done: str, lines: list[str]) -> RedirectResponse:
    query = urlencode({"done": done, "lines": ",".join(lines)})
    return RedirectResponse(f"/episodes/{episode_id}?{query}", status_code=303)


def _refused(
    request: Request,
    who: Caller,
    ctx: WebContext,
    episode_id: int,
    what: str,
    error: InputError | ConflictError,
) -> HTMLResponse:
    """The episode page again, with why nothing was re-rendered at the top."""
    problem = f"{what} not re-rendered: {error.message.rstrip('.')}."
    return review.episode_page_with(
        request, who, ctx, episode_id, status_code=error.http_status, problem=problem
    )


@router.post("/episodes/{episode_id}/rerender-line", response_class=HTMLResponse)
def rerender_line(
    request: Request,
    episode_id: int,
    line_id: str = Form(..., max_length=20),
    fix: str = Form("next", max_length=20),
    word: str = Form("", max_length=MAX_WORD_FIELD),
    said: str = Form("", max_length=MAX_SAID_FIELD),
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """One line said again the way the editor chose; the episode goes back to render."""
    ctx.store.episode(episode_id)  # 404 before anything else
    try:
        _, lines = actions.rerender_lines(
            ctx.store,
            ctx.settings,
            episode_id,
            [line_id],
            fix=parse_fix(fix, word, said),
            by=who.user.name,
            dispatcher=ctx.dispatcher,
        )
    except (InputError, ConflictError) as e:
        return _refused(request, who, ctx, episode_id, f"Line {line_id} was", e)
    return _redirect(episode_id, "rerender", lines)


@router.post("/episodes/{episode_id}/rerender-flagged", response_class=HTMLResponse)
def rerender_flagged(
    request: Request,
    episode_id: int,
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    """Every line QA flagged, each one step down its host's ladder of voices."""
    ctx.store.episode(episode_id)
    try:
        _, lines = actions.rerender_lines(
            ctx.store, ctx.settings, episode_id, None, by=who.user.name, dispatcher=ctx.dispatcher
        )
    except (InputError, ConflictError) as e:
        return _refused(request, who, ctx, episode_id, "The flagged lines were", e)
    return _redirect(episode_id, "rerender-flagged", lines)
