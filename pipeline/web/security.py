"""Who is asking, and may they change anything: sign-in, CSRF and request size.

Browsers sign in with a session cookie (HttpOnly, SameSite=Lax, Secure over
https); API clients send `Authorization: Bearer <token>`. A state-changing
request made with the cookie must carry the session's CSRF token (form field
`csrf_token` or header `X-CSRF-Token`) and must not come from another site
(Origin and Sec-Fetch-Site are checked when the browser sends them). Bearer
requests need no CSRF token: a browser never attaches one by itself.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline import accounts
from pipeline.models import User
from pipeline.web.context import WebContext, web

SESSION_COOKIE = "infracast_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = HTTPBearer(auto_error=False, description="an API token from `infracast users token`")


@dataclass(frozen=True)
class Caller:
    """The signed-in user and how they signed in (CSRF applies only to the cookie)."""

    user: User
    csrf_token: str | None  # None for bearer tokens


class SignInRequired(Exception):
    """No valid session or token: pages redirect to the sign-in form, the API answers 401."""


def caller(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    ctx: WebContext = Depends(web),
) -> Caller:
    if credentials is not None:
        user = accounts.token_user(ctx.store, credentials.credentials)
        if user is None:
            raise SignInRequired
        return Caller(user, None)
    found = accounts.session_user(ctx.store, request.cookies.get(SESSION_COOKIE, ""))
    if found is None:
        raise SignInRequired
    return Caller(*found)


async def csrf_checked(request: Request, who: Caller = Depends(caller)) -> Caller:
    """`caller`, and for a state-changing cookie request, proof it came from our own page."""
    if request.method in SAFE_METHODS or who.csrf_token is None:
        return who
    if not same_site(request):
        raise HTTPException(403, "cross-site request refused")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not sent or not hmac.compare_digest(sent, who.csrf_token):
        raise HTTPException(403, "the form's security token is missing or stale: reload the page")
    return who


def local_path(target: str, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default`: redirects never leave it."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


def same_site(request: Request) -> bool:
    """False when the browser says the request comes from another site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is not None:
        if origin == "null":
            return False
        here = urlsplit(str(request.base_url))
        there = urlsplit(origin)
        if (there.scheme, there.netloc) != (here.scheme, here.netloc):
            return False
    return True


class BodySizeLimit:
    """Refuse request bodies over `limit` bytes with 413, by Content-Length or as they
    stream in, before any handler reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _too_large(send, self.limit)


class _BodyTooLarge(HTTPException):
    # An HTTPException, so that when a form parser meets it mid-stream FastAPI still
    # answers 413 rather than "error parsing the body".
    def __init__(self) -> None:
        super().__init__(413, "request body over the size limit")


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"detail": "request body over the limit of {limit:,} bytes"}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
