"""Pages from the templates in templates/web/ (autoescaped: article text and script
edits are untrusted, and a `<script>` in them renders inert)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from pipeline.models import EpisodeState
from pipeline.templating import render
from pipeline.web.security import Caller

# Pages are never cached: they show live state and carry a CSRF token.
NO_STORE = {"Cache-Control": "no-store"}
# The pages load nothing from elsewhere; inline script and style are not allowed either.
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def page(
    request: Request,
    template: str,
    who: Caller | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    html = render(
        f"web/{template}",
        request=request,
        user=who.user if who else None,
        csrf_token=who.csrf_token if who else "",
        states=list(EpisodeState),
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=NO_STORE | SECURITY_HEADERS)


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    return page(request, "error.html.j2", None, status_code=status_code, message=message)


@dataclass(frozen=True)
class Confirmation:
    """An action that asks first: what it does, what it concerns, and the form that does
    it (posted again with `confirmed`)."""

    title: str
    question: str
    action: str
    button: str
    cancel: str
    items: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    after: str = ""
    button_class: str = "danger"


def confirm_page(request: Request, who: Caller, confirm: Confirmation) -> HTMLResponse:
    return page(request, "confirm.html.j2", who, confirm=confirm)
