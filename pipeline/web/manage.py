"""Queueing articles, the shows' feeds page, retry, publish and unpublish."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
