"""The ASGI app that `infracast serve` runs under uvicorn.

Published feeds and their media are public at /feeds (the path of the shows'
default base URL); Starlette's static files answer HEAD and byte ranges (206),
which podcast apps use to seek and resume.
"""

from __future__ import annotations

import mimetypes

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from pipeline.config import Settings

FEEDS_PATH = "/feeds"

# Python's table lacks these; podcast apps look at the type of transcripts.
mimetypes.add_type("text/vtt", ".vtt")
mimetypes.add_type("application/x-subrip", ".srt")


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="infracast", version="0.1.0")
    settings.public_dir.mkdir(parents=True, exist_ok=True)
    app.mount(FEEDS_PATH, StaticFiles(directory=settings.public_dir), name="feeds")
    return app
