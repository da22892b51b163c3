"""The ASGI app that `infracast serve` runs under uvicorn.

Public: the published feeds and their media at /feeds (the path of the shows'
default base URL; Starlette's static files answer HEAD and byte ranges), the
sign-in page and the static assets. Everything else needs a signed-in editor
(pages) or an API token (/api).
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from pipeline import orchestrate
from pipeline.config import Settings
from pipeline.errors import InfracastError
from pipeline.store import Store
from pipeline.web import api, bulk, manage, pages, qa_actions, review
from pipeline.web.context import BackgroundRunner, WebContext
from pipeline.web.render import error_page
from pipeline.web.security import BodySizeLimit, SignInRequired, caller, local_path

FEEDS_PATH = "/feeds"
STATIC = Path(__file__).resolve().parent / "static"
# Room for the largest article plus the form around it.
FORM_OVERHEAD = 64 * 1024

# Python's table lacks these; podcast apps look at the type of transcripts.
mimetypes.add_type("text/vtt", ".vtt")
mimetypes.add_type("application/x-subrip", ".srt")


class FeedFiles(StaticFiles):
    """The published feeds and files. Show notes are HTML served from this origin, so
    everything here gets the sandboxing CSP of the episode files' notes: no script,
    nothing that could act as a signed-in editor."""

    def file_response(
        self, full_path: Any, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Content-Security-Policy"] = review.NOTES_CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def app_from_environment() -> FastAPI:
    """The app on the settings of the environment (`infracast.toml`, INFRACAST_*): what
    each of `infracast serve --workers N`'s server processes builds for itself."""
    from pipeline.config import load_settings

    settings = load_settings()
    return create_app(settings, Store(settings.db_url, settings.data_root))


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    store = store or Store(settings.db_url, settings.data_root)
    dispatcher: orchestrate.Dispatcher
    if settings.embedded:
        dispatcher = BackgroundRunner(store, settings)
    else:
        from workers.celery_app import create_app as create_celery_app
        from workers.tasks import CeleryDispatcher

        dispatcher = CeleryDispatcher(create_celery_app(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if isinstance(dispatcher, BackgroundRunner):
            dispatcher.close()

    app = FastAPI(
        title="infracast",
        version="0.1.0",
        description="Queue articles, review scripts and follow episodes to their feeds.",
        lifespan=lifespan,
        # The schema is served below, to signed-in callers only; no docs page (it would
        # load its scripts from a CDN, which the CSP forbids and offline hosts lack).
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.ctx = WebContext(settings, store, dispatcher)
    # An uploaded file may take up to 4 bytes a character (UTF-16/32) before decoding.
    app.add_middleware(BodySizeLimit, limit=settings.max_article_bytes * 4 + FORM_OVERHEAD)
    settings.public_dir.mkdir(parents=True, exist_ok=True)
    app.mount(FEEDS_PATH, FeedFiles(directory=settings.public_dir), name="feeds")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(bulk.router)
    app.include_router(review.router)
    app.include_router(qa_actions.router)
    app.include_router(manage.router)
    _error_handlers(app)

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=[Depends(caller)])
    def openapi_schema() -> dict[str, Any]:
        return app.openapi()

    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": "sign in, or send an API token: Authorization: Bearer <token>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            f"/login?next={quote(local_path(target), safe='/?=&')}", status_code=303
        )

    @app.exception_handler(InfracastError)
    async def infracast_error(request: Request, exc: InfracastError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.message}, status_code=exc.http_status)
        return error_page(request, exc.http_status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request) or request.url.path.startswith(FEEDS_PATH):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        if _wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        return error_page(request, 422, problems)
