"""The JSON API under /api (OpenAPI schema at /api/openapi.json)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["episodes"])
