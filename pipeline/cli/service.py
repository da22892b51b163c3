"""Commands that run or describe the service: the web server, workers, the sweeper, shows and
speech-recognition models."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from pipeline import orchestrate
from pipeline.cli.app import (
    Context,
    cli,
    err,
    out,
    pass_ctx,
)
from pipeline.config import load_settings
from pipeline.errors import InfracastError, InputError
from pipeline.stages import QUEUES

STARTUP_TIMEOUT_S = 60  # a `serve --workers N` process has this long to start


@cli.group()
def models() -> None:
    """Speech-recognition models."""


@models.command()
@click.option("--out", "target", type=click.Path(path_type=Path), help="Checkpoint to write.")
@pass_ctx
def convert(c: Context, target: Path | None) -> None:
    """Turn the packaged CTranslate2 tiny.en into an openai-whisper checkpoint."""
    from pipeline import whisper_convert

    target = target or whisper_convert.default_checkpoint(c.settings.data_root)
    written = whisper_convert.convert_packaged(target)
    out.print(f"wrote {written}; use it with INFRACAST_ASR_BACKEND=whisper")


@cli.command()
@click.option("--queues", default=",".join(QUEUES), show_default=True)
@click.option("--concurrency", type=int, default=1, show_default=True, help="Pool processes.")
@click.option("--beat", is_flag=True, help="Also run the periodic sweeper in this worker.")
@click.option("--loglevel", default="INFO", show_default=True)
@pass_ctx
def worker(c: Context, queues: str, concurrency: int, beat: bool, loglevel: str) -> None:
    """Run a Celery worker (needs INFRACAST_BROKER_URL)."""
    if c.settings.embedded:
        raise InfracastError("no broker configured: set INFRACAST_BROKER_URL=redis://host:6379/0")
    unknown = set(queues.split(",")) - set(QUEUES)
    if unknown:
        raise InputError(f"unknown queue {sorted(unknown)[0]!r}; queues: {', '.join(QUEUES)}")
    c.store  # noqa: B018 - migrate the database before the pool forks
    from workers.celery_app import create_app

    app = create_app(c.settings)
    argv = ["worker", "-Q", queues, "-c", str(concurrency), "-l", loglevel, "--without-gossip"]
    app.worker_main([*argv, "-B"] if beat else argv)


@cli.command()
@click.option("--older-than", type=int, help="Seconds; default INFRACAST_STUCK_AFTER.")
@pass_ctx
def sweep(c: Context, older_than: int | None) -> None:
    """Re-send episodes stuck in a working state: a stage whose heartbeat stopped (its
    worker died), or one that never started (a lost message). Held episodes wait."""
    seconds = c.settings.stuck_after if older_than is None else older_than
    stale_after = timedelta(seconds=c.settings.heartbeat_stale_after)
    count = orchestrate.sweep(c.store, c.dispatcher(), timedelta(seconds=seconds), stale_after)
    out.print(f"re-sent {count} episode(s)")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--proxy-headers",
    is_flag=True,
    help="Behind a TLS proxy on this machine: trust its X-Forwarded-Proto (secure cookies).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes: one uses one core (Python runs one thread at a time). In "
    "embedded mode each process runs the episodes its own requests start.",
)
@pass_ctx
def serve(c: Context, host: str, port: int, proxy_headers: bool, workers: int) -> None:
    """Serve the review UI, the JSON API and the published feeds over HTTP."""
    import uvicorn

    from pipeline import feeds as show_feeds
    from pipeline.web import create_app

    if not c.store.accounts.users():
        err.print("no users yet: add one with `infracast users add NAME` to sign in")
    here = address_of(host, port)
    # Feeds of shows with no base_url of their own point here; the server processes of
    # --workers N read it from the environment, as they read every other setting.
    os.environ["INFRACAST_SERVE_URL"] = here
    settings = load_settings()
    out.print(f"review UI at {here}/ · feeds under {here}/feeds/")
    for slug, show in settings.shows.items():
        if not show.base_url.startswith(f"{here}/"):
            err.print(
                f"show {slug}: its feed and enclosures point at {show.base_url} (its "
                f"base_url), not at this server's {here}/feeds",
                markup=False,
            )
    for slug in settings.shows:  # a feed written before (`infracast make`) links here now
        if show_feeds.feed_path(settings, slug).is_file():
            show_feeds.write_feed(c.store, settings, slug)
    app: Any = (
        create_app(settings, c.store) if workers == 1 else "pipeline.web.app:app_from_environment"
    )
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=proxy_headers,
        forwarded_allow_ips="127.0.0.1" if proxy_headers else None,
        # Each server process imports the whole app and opens the database before it
        # answers uvicorn's first health check; uvicorn's 5 s is too short on a busy
        # 2-core machine, and it then kills and restarts the process, over and over.
        timeout_worker_healthcheck=STARTUP_TIMEOUT_S,
    )


def address_of(host: str, port: int) -> str:
    """The URL a client reaches `serve --host HOST --port PORT` by (a wildcard host is
    this machine's name)."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - naming the wildcards, not binding
        host = socket.gethostname()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@cli.command()
@pass_ctx
def shows(c: Context) -> None:
    """List the configured shows and their hosts."""
    table = Table()
    for column in ("slug", "title", "hosts", "auto-approve", "feed base URL"):
        table.add_column(column)
    for slug, show in c.settings.shows.items():
        hosts = ", ".join(f"{h.name} ({h.voice.engine}:{h.voice.voice})" for h in show.hosts)
        default = " (default)" if slug == c.settings.default_show else ""
        table.add_row(
            slug + default, show.title, hosts, "yes" if show.auto_approve else "no", show.base_url
        )
    out.print(table)


@cli.command()
@click.option("--prune", is_flag=True, help="Remove what has not been used for --days days.")
@click.option(
    "--days",
    type=click.IntRange(0, None),
    help="Days since last use; default INFRACAST_CACHE_DAYS (0 removes every entry).",
)
@pass_ctx
def caches(c: Context, prune: bool, days: int | None) -> None:
    """What the shared caches (speech clips, LLM script segments) hold; with --prune,
    remove the entries no episode has used lately (the render stage does it once a day).
    Anything removed is made again when an episode needs it."""
    from datetime import datetime

    from pipeline import caches as shared

    root = c.settings.data_root
    if prune:
        kept = c.settings.cache_days if days is None else days
        for removed in shared.prune(root, kept):
            out.print(
                f"{removed.name}: removed {removed.files} unused for {kept} days or more "
                f"({removed.bytes / 1e6:.1f} MB)"
            )
        return
    table = Table()
    for column in ("cache", "entries", "size", "least recently used"):
        table.add_column(column)
    for size in shared.sizes(root):
        oldest = datetime.fromtimestamp(size.oldest).strftime("%Y-%m-%d") if size.oldest else ""
        table.add_row(size.name, str(size.files), f"{size.bytes / 1e6:.1f} MB", oldest)
    out.print(table)
