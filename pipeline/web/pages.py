"""Sign-in, sign-out and the dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline import accounts
from pipeline.models import EpisodeState
from pipeline.stages import STATE_ORDER
from pipeline.web.context import WebContext, web
from pipeline.web.render import page
from pipeline.web.schemas import episode_out
from pipeline.web.security import (
    SESSION_COOKIE,
    Caller,
    caller,
    csrf_checked,
    local_path,
    same_site,
)

router = APIRouter(include_in_schema=False)

# The order the dashboard shows states in: what needs an editor first, then the rest in
# the order of the flow.
_NEEDS_AN_EDITOR = [EpisodeState.FAILED, EpisodeState.IN_REVIEW, EpisodeState.ANNOTATED]
DASHBOARD_ORDER = _NEEDS_AN_EDITOR + [s for s in STATE_ORDER if s not in _NEEDS_AN_EDITOR]

# Episodes per page of the dashboard and, by default, of the API's list.
PAGE_SIZE = 50


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "login.html.j2", None, next=local_path(next), name="", message="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    name: str = Form(..., max_length=100),
    password: str = Form(..., max_length=accounts.MAX_PASSWORD),
    next: str = Form("/", max_length=2000),
    ctx: WebContext = Depends(web),
) -> Response:
    if not same_site(request):  # login CSRF: nobody signs you in from their site
        raise HTTPException(403, "cross-site request refused")
    client = request.client.host if request.client else "unknown"
    attempt = ctx.limiter.reserve(ctx.store, client, name)
    if attempt.id is None:
        return page(
            request,
            "login.html.j2",
            None,
            status_code=429,
            next=local_path(next),
            name=name,
            message=f"Too many failed attempts: try again in {attempt.retry_after} seconds.",
        )
    user = accounts.authenticate(ctx.store, name, password)
    if user is None:  # the reserved attempt stays: it counts as a failure
        return page(
            request,
            "login.html.j2",
            None,
            status_code=401,
            next=local_path(next),
            name=name,
            message="That user name and password do not match.",
        )
    ctx.limiter.succeeded(ctx.store, attempt)
    signed_in = accounts.start_session(ctx.store, user)
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.cookie,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(
    request: Request,
    who: Caller = Depends(csrf_checked),
    ctx: WebContext = Depends(web),
) -> Response:
    accounts.end_session(ctx.store, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    offset: int = Query(0, ge=0, le=2**31 - 1),
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    # One page, in the groups' order: what needs an editor is always on the first.
    found, counts = ctx.store.episode_page(
        limit=PAGE_SIZE, offset=offset, state_order=DASHBOARD_ORDER
    )
    episodes = [episode_out(e) for e in found]
    groups = [(state, [e for e in episodes if e.state == state]) for state in DASHBOARD_ORDER]
    return page(
        request,
        "dashboard.html.j2",
        who,
        groups=[(state, items) for state, items in groups if items],
        counts=counts,
        total=sum(counts.values()),
        offset=offset,
        page_size=PAGE_SIZE,
        # the live updates poll for the same page, so a row missing means a real change
        poll=f"/api/episodes?order=attention&limit={PAGE_SIZE}&offset={offset}",
    )
