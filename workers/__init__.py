"""Celery workers: thin tasks over pipeline.orchestrate."""
