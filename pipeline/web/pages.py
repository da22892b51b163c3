"""Sign-in, sign-out and the dashboard (what it shows: pipeline.web.dashboard)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline import accounts
from pipeline.store.episode_query import MAX_SEARCH, Sort
from pipeline.web.bulk import MAX_BULK, bulk_notice
from pipeline.web.context import WebContext, web
from pipeline.web.dashboard import (
    DEFAULT_DIRECTION,
    MAX_PAGE,
    SORT_LABELS,
    Direction,
    Filters,
    pager,
    state_links,
    when,
)
from pipeline.web.dashboard import rows as dashboard_rows
from pipeline.web.render import page
from pipeline.web.security import (
    SESSION_COOKIE,
    Caller,
    caller,
    csrf_checked,
    local_path,
    same_site,
)

router = APIRouter(include_in_schema=False)


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
    q: str = Query("", max_length=MAX_SEARCH, description="a part of the title or source"),
    state: str = Query("", max_length=20, description="a state, or needs_editor"),
    show: str = Query("", max_length=100),
    sort: Sort = Query("state"),
    direction: Direction | None = Query(None, alias="dir"),
    page_number: int = Query(1, alias="page", ge=1, le=MAX_PAGE),
    bulk: str = Query("", max_length=20),
    n: int = Query(0, ge=0, le=MAX_BULK),
    skipped: int = Query(0, ge=0, le=2 * MAX_BULK),
    who: Caller = Depends(caller),
    ctx: WebContext = Depends(web),
) -> Response:
    """One table of episodes: searched, filtered, sorted and paged in the database."""
    filters = Filters(
        q=q,
        state=state,
        show=show,
        sort=sort,
        dir=direction or DEFAULT_DIRECTION[sort],
        page=page_number,
    )
    found = ctx.store.find_episodes(filters.query())
    shows = sorted(set(ctx.settings.shows) | ({show} if show else set()))
    return page(
        request,
        "dashboard.html.j2",
        who,
        rows=dashboard_rows(ctx.store, found),
        filters=filters,
        state_links=state_links(filters, found),
        pager=pager(filters, found.total),
        everything=sum(found.counts.values()),
        shows=shows,
        sorts=SORT_LABELS,
        when=when,
        notice=bulk_notice(bulk, n, skipped),
        this_view=filters.href(page=filters.page),
        # the live updates poll for the same page, so a row missing means a real change
        poll=filters.poll_url(),
    )
