"""An episode's pages: review and edit the script, diff versions, approve; after rendering,
listen with the synchronised transcript, QA flags and figure cards."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
