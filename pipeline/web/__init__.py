"""The web app: published feeds and media, the review UI and the JSON API."""

from pipeline.web.app import create_app

__all__ = ["create_app"]
