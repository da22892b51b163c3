"""What every command shares: the `cli` group, the settings and store it opens once, and
printing stored text safely."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline import ingest, orchestrate
from pipeline.config import Settings, load_settings
from pipeline.errors import InputError
from pipeline.models import Episode, Source
from pipeline.store import Store

out = Console()
err = Console(stderr=True, soft_wrap=True)
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown_plain(text: str) -> str:
    """Stored text with control characters as escapes, for printing without markup."""
    return CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def shown(text: str) -> str:
    """Stored text (a title, a source, a note) as safe to print: control characters as
    escapes ("\\x1b"), so a title cannot drive the terminal, and no rich markup."""
    return escape(shown_plain(text))


class Context:
    """Settings and store, opened once per command at the edge."""

    def __init__(self) -> None:
        self.settings = load_settings()
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.db_url, self.settings.data_root)
        return self._store

    def dispatcher(self) -> orchestrate.Dispatcher:
        if self.settings.embedded:
            # The stages run here and now, before the command's own answer: say so.
            return orchestrate.InProcess(
                self.store, self.settings, lambda stage: err.print(f"running {stage.name}…")
            )
        from workers.celery_app import create_app
        from workers.tasks import CeleryDispatcher

        return CeleryDispatcher(create_app(self.settings))


pass_ctx = click.make_pass_decorator(Context)


@click.group()
@click.version_option(package_name="infracast")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Turn articles about AI infrastructure into two-host podcast episodes."""
    ctx.obj = Context()


def source_from_arg(arg: str, settings: Settings) -> Source:
    """What one SOURCE argument stands for: a file, a URL, or - for stdin."""
    options = ingest.IngestOptions.from_settings(settings)
    if arg == "-":
        return ingest.source_from_text(sys.stdin.read(), options)
    if "://" in arg:
        return Source(kind="url", uri=arg)
    path = Path(arg)
    if not path.is_file():
        raise InputError(
            f"{arg}: no such file (give a Markdown or HTML file, a URL, or - for stdin)"
        )
    return ingest.read_source_file(path, options)


def episode_table(episodes: list[Episode], title: str | None = None) -> Table:
    table = Table(title=title)
    for column in ("id", "show", "state", "title", "source"):
        table.add_column(column, overflow="fold")
    for e in episodes:
        state = e.state.value + (f" at {e.failed_stage}: {e.failure}" if e.failure else "")
        table.add_row(str(e.id), e.show, shown(state), shown(e.title or ""), shown(e.source.uri))
    return table
