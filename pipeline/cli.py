"""The `infracast` command line. Errors print one line and exit non-zero."""

from __future__ import annotations

import getpass
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import actions, ingest, orchestrate
from pipeline.config import Settings, load_settings
from pipeline.episode_files import QA
from pipeline.errors import ConflictError, InfracastError, InputError
from pipeline.figures.audit import untraced
from pipeline.figures.display import value_text
from pipeline.figures.ledger import build_ledger
from pipeline.figures.models import Ledger
from pipeline.models import Episode, EpisodeState, Script, Source
from pipeline.registry import WRITERS
from pipeline.stages import QUEUES, STAGES, Stage
from pipeline.stages import script as script_stage
from pipeline.store import Store
from pipeline.templating import render as render_template

out = Console()
err = Console(stderr=True, soft_wrap=True)
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
STARTUP_TIMEOUT_S = 60  # a `serve --workers N` process has this long to start


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


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--show", help="Show slug (see `infracast shows`).")
@click.option("--force", is_flag=True, help="Queue again even if the show has this article.")
@click.option("--feed", is_flag=True, help="SOURCES are RSS/Atom feeds: queue their new entries.")
@pass_ctx
def queue(c: Context, sources: tuple[str, ...], show: str | None, force: bool, feed: bool) -> None:
    """Queue articles (files, URLs, feeds or - for stdin). Embedded mode runs them now."""
    dispatcher = c.dispatcher()
    shown: list[Episode] = []
    refused: list[actions.RefusedEntry] = []
    for arg in sources:
        if feed:
            found = actions.queue_feed(
                c.store, c.settings, arg, show, force=force, dispatcher=dispatcher
            )
            every, refused = found.queued, refused + found.refused
        else:
            source = source_from_arg(arg, c.settings)
            every = [
                actions.submit(
                    c.store, c.settings, source, show, force=force, dispatcher=dispatcher
                )
            ]
        for queued in every:
            if not queued.created:
                err.print(f"episode {queued.episode.id} already has this article (use --force)")
            shown.append(c.store.episode(queued.episode.id))
    for entry in refused:
        remembered = f" (episode {entry.episode_id})" if entry.episode_id else ""
        err.print(
            f"refused {shown_plain(entry.entry)!r}{remembered}: {shown_plain(entry.reason)}",
            markup=False,
        )
    if feed and not shown and not refused:
        err.print("no new entries in the feed")
    out.print(episode_table(shown))
    if refused:
        sys.exit(1)


@cli.command()
@click.argument("source")
@click.option("--show", help="Show slug (see `infracast shows`).")
@click.option("--force", is_flag=True, help="Make a new episode even if the show has this article.")
@click.option("--review", is_flag=True, help="Stop when the script waits for review.")
@click.option(
    "--allow-failed-qa", is_flag=True, help="Publish even if QA flags lines (they are listed)."
)
@pass_ctx
def make(
    c: Context, source: str, show: str | None, force: bool, review: bool, allow_failed_qa: bool
) -> None:
    """Run every stage for SOURCE in this process, then print where the files are.

    The script is approved on your behalf unless --review is given; the episode
    is published to its show's feed when QA passes, or with --allow-failed-qa.
    """
    src = source_from_arg(source, c.settings)
    episode = actions.submit(c.store, c.settings, src, show, force=force).episode
    stages = STAGES
    with _progress() as progress:
        task = progress.add_task("starting", total=len(stages))

        def on_stage(stage: Stage[Any]) -> None:
            progress.update(task, description=stage.name, completed=stages.index(stage))

        episode = orchestrate.run_episode(c.store, c.settings, episode.id, on_stage)
        if episode.state == EpisodeState.IN_REVIEW and not review:
            in_process = orchestrate.InProcess(c.store, c.settings, on_stage)
            actions.approve(c.store, episode.id, who="infracast make", dispatcher=in_process)
            episode = c.store.episode(episode.id)
        if episode.state == EpisodeState.ANNOTATED and allow_failed_qa:
            who = "infracast make --allow-failed-qa"
            episode = actions.publish(c.store, c.settings, episode.id, who, allow_failed_qa=True)
        progress.update(task, description="done", completed=len(stages))
    report_episode(c, episode)


def report_episode(c: Context, episode: Episode) -> None:
    """Where an episode stands, its files, and what to do next."""
    out.print(
        f"episode {episode.id}: {shown(episode.title or '')} [bold]{episode.state.value}[/bold]"
    )
    for f in c.store.files(episode.id):
        out.print(f"  {c.store.data_root / f.path}  ({f.size:,} bytes)")
    if episode.state == EpisodeState.IN_REVIEW:
        print_script(c.store.scripts.get(episode.id).script)
        out.print(f"approve it with: infracast approve {episode.id}")
    report = QA.read_if_present(c.store.episode_dir(episode.id))
    if report is not None:
        flagged = ", ".join(q.line_id for q in report.flagged) or "none"
        out.print(f"word error rate {report.wer:.1%} ({report.backend}); flagged lines: {flagged}")
    if episode.state == EpisodeState.ANNOTATED and episode.held_reason:
        out.print(f"not in the feed: {episode.held_reason}", markup=False)
    if episode.state == EpisodeState.PUBLISHED:
        from pipeline import feeds

        out.print(f"feed updated: {feeds.feed_path(c.settings, episode.show)}")


@contextmanager
def _progress() -> Iterator[Progress]:
    columns = (TextColumn("{task.description:<12}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        yield progress


@cli.command()
@click.argument("episode_id", type=int, required=False)
@pass_ctx
def status(c: Context, episode_id: int | None) -> None:
    """List episodes, or show one with its history and files."""
    if episode_id is None:
        out.print(episode_table(c.store.episodes()))
        return
    episode = c.store.episode(episode_id)
    out.print(episode_table([episode]))
    history = Table(title="history")
    for column in ("at", "from", "to", "note"):
        history.add_column(column)
    for change in c.store.history(episode_id):
        history.add_row(
            change.at.strftime("%Y-%m-%d %H:%M:%S"),
            change.from_state.value if change.from_state else "",
            change.to_state.value,
            shown(change.note),
        )
    out.print(history)
    for f in c.store.files(episode_id):
        out.print(
            f"  {c.store.data_root / f.path}  ({f.size:,} bytes, sha256 {f.content_hash[:12]})"
        )


@cli.command(name="script")
@click.argument("source")
@click.option("--show", help="Show slug: its hosts, writer and length.")
@click.option("--writer", type=click.Choice(list(WRITERS)), help="Default: the show's.")
@click.option("--minutes", type=float, help="Target length. Default: the show's.")
@click.option("--json", "as_json", is_flag=True, help="Print the script as JSON.")
@pass_ctx
def script_(
    c: Context,
    source: str,
    show: str | None,
    writer: str | None,
    minutes: float | None,
    as_json: bool,
) -> None:
    """Write a script for SOURCE and print it, without storing anything."""
    src = source_from_arg(source, c.settings)
    article = ingest.article_from_source(src, ingest.IngestOptions.from_settings(c.settings))
    inputs = script_stage.inputs_for(article, c.settings, show, writer=writer, minutes=minutes)
    done = script_stage.write(inputs, c.settings)
    if as_json:
        click.echo(done.script.model_dump_json(indent=2))
        return
    print_script(done.script)
    for finding in untraced(done.findings):
        err.print(f"untraced number in {finding.line_id}: {finding.text}")


def print_script(written: Script) -> None:
    """The script as a reader wants it: segments, speakers, and the writer's notes."""
    out.print(
        f"[bold]{written.title}[/bold]  ({written.words:,} words, about {written.minutes:.1f} min)"
    )
    out.print(written.summary, style="italic", markup=False)
    segment = -1
    for line in written.lines:
        if line.segment != segment:
            segment = line.segment
            out.print(f"\n[bold]── {written.segments[segment].title}[/bold]", markup=True)
        out.print(f"[cyan]{line.speaker.upper():>8}[/cyan]  ", end="")
        out.print(line.text, markup=False, highlight=False)
    for note in written.notes:
        out.print(f"note: {note}", style="yellow", markup=False)


@cli.command()
@click.argument("episode_id", type=int)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="The script version you reviewed; refused if a newer one was saved. Default: the latest.",
)
@pass_ctx
def approve(c: Context, episode_id: int, version: int | None) -> None:
    """Approve an episode's script (the latest version, or --version), so audio can be made."""
    episode = actions.approve(
        c.store, episode_id, who=getpass.getuser(), version=version, dispatcher=c.dispatcher()
    )
    out.print(f"approved script version {episode.approved_version} of episode {episode_id}")
    out.print(episode_table([c.store.episode(episode_id)]))


@cli.command()
@click.argument("episode_id", type=int)
@pass_ctx
def render(c: Context, episode_id: int) -> None:
    """Render an approved episode's script to speech and master the MP3."""
    run_one(c, episode_id, "render")


@cli.command()
@click.argument("episode_id", type=int)
@pass_ctx
def transcribe(c: Context, episode_id: int) -> None:
    """Transcribe a rendered episode: captions, word timings and the QA report."""
    run_one(c, episode_id, "transcribe")


def run_one(c: Context, episode_id: int, name: str) -> None:
    stage = orchestrate.stage_named(name)
    episode = c.store.episode(episode_id)
    if episode.state != stage.start:
        raise ConflictError(
            f"episode {episode_id} is {episode.state.value}; {name} needs it {stage.start.value}"
        )
    if c.settings.embedded:
        episode = orchestrate.run_stage(c.store, c.settings, episode_id, name)
        report_episode(c, episode)
    else:
        c.dispatcher().dispatch(episode_id, stage)
        out.print(f"sent episode {episode_id} to the {stage.queue} queue")


@cli.command()
@click.argument("episode_id", type=int)
@click.option("--failed", is_flag=True, required=True, help="Re-render the lines QA flagged.")
@pass_ctx
def rerender(c: Context, episode_id: int, failed: bool) -> None:
    """Re-render the lines QA flagged in the same host's voice (slower, then the host's
    alternate voices), then transcribe again."""
    _, lines = actions.rerender_lines(c.store, c.settings, episode_id, dispatcher=c.dispatcher())
    out.print(f"re-rendering {len(lines)} line(s): {', '.join(lines)}")
    if c.settings.embedded:  # it ran in this process: say where it stands now
        report_episode(c, c.store.episode(episode_id))


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
@click.argument("episode_id", type=int)
@pass_ctx
def retry(c: Context, episode_id: int) -> None:
    """Resume a failed episode at the stage that failed, or send again the stage of an
    episode stuck in a working state with no live run (no heartbeat)."""
    stale_after = timedelta(seconds=c.settings.heartbeat_stale_after)
    actions.retry(c.store, episode_id, stale_after, dispatcher=c.dispatcher())
    out.print(episode_table([c.store.episode(episode_id)]))


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
@click.argument("source")
@click.option("--show", help="Show slug: decides whether assumptions may be used.")
@click.option("--json", "as_json", is_flag=True, help="Print the ledger as JSON (docs/ledger.md).")
@click.option("--markdown", is_flag=True, help="Print the ledger as Markdown tables.")
@pass_ctx
def figures(c: Context, source: str, show: str | None, as_json: bool, markdown: bool) -> None:
    """Print the figures SOURCE states, those computed from them, and consistency checks."""
    src = source_from_arg(source, c.settings)
    article = ingest.article_from_source(src, ingest.IngestOptions.from_settings(c.settings))
    ledger = build_ledger(article, use_assumptions=c.settings.show(show).use_assumptions)
    if as_json:
        click.echo(ledger.model_dump_json(indent=2))
    elif markdown:
        click.echo(render_template("figures/ledger.md.j2", ledger=ledger))
    else:
        for table in ledger_tables(ledger):
            out.print(table)


def ledger_tables(ledger: Ledger) -> list[Table]:
    stated = Table(title="figures stated in the article", title_justify="left")
    for column in ("id", "figure", "subject", "period", "as written"):
        stated.add_column(column, overflow="fold")
    for f in ledger.by_origin("source"):
        stated.add_row(f.id, value_text(f), f.subject, f.period or "", f.text)
    computed = Table(title="computed figures", title_justify="left")
    for column in ("id", "figure", "subject", "formula"):
        computed.add_column(column, overflow="fold")
    for f in [*ledger.by_origin("assumption"), *ledger.by_origin("computed")]:
        how = f.formula or f"assumption: {f.reference}"
        computed.add_row(f.id, value_text(f), f.subject, how)
    checks = Table(title="consistency of the article's own arithmetic", title_justify="left")
    for column in ("id", "stated", "computed", "agrees", "confidence", "note"):
        checks.add_column(column, overflow="fold")
    for check in ledger.checks:
        # Every check, for whoever runs this; only an alarm is ever said or printed in notes.
        if check.agrees:
            agrees = "[green]yes[/green]"
        else:
            agrees = "[red]no: alarm[/red]" if check.alarm else "[yellow]no: unsure[/yellow]"
        checks.add_row(
            check.id,
            check.stated_id,
            check.computed_id,
            agrees,
            f"{check.confidence:.2f}",
            check.note,
        )
    return [stated, computed, checks]


@cli.command()
@click.argument("episode_ids", nargs=-1, type=int)
@click.option("--show", help="Only this show (default: every show).")
@click.option(
    "--allow-failed-qa",
    is_flag=True,
    help="Publish the named episodes even though QA flagged lines.",
)
@pass_ctx
def publish(
    c: Context, episode_ids: tuple[int, ...], show: str | None, allow_failed_qa: bool
) -> None:
    """Publish annotated episodes and write the shows' feeds.

    With EPISODE_IDS, publishes those; without, every annotated episode whose QA
    passed and that nobody unpublished. Either way each show's feed is rewritten
    (nothing changes when nothing did).
    """
    from pipeline import feeds

    if allow_failed_qa and not episode_ids:
        raise click.UsageError("--allow-failed-qa needs the episode ids it applies to")
    who = getpass.getuser()
    for episode_id in episode_ids:
        episode = actions.publish(
            c.store, c.settings, episode_id, who, allow_failed_qa=allow_failed_qa
        )
        out.print(f"published episode {episode_id} in {episode.show}")
    slugs = [show] if show else list(c.settings.shows)
    for slug in slugs:
        c.settings.show(slug)
        if not episode_ids:
            for waiting in c.store.episodes(state=EpisodeState.ANNOTATED, show=slug):
                episode = orchestrate.run_stage(c.store, c.settings, waiting.id, "publish")
                if episode.state == EpisodeState.PUBLISHED:
                    out.print(f"published episode {episode.id} in {slug}")
        out.print(f"{slug}: {feeds.write_feed(c.store, c.settings, slug)}")


@cli.command()
@click.argument("episode_id", type=int)
@pass_ctx
def unpublish(c: Context, episode_id: int) -> None:
    """Take an episode out of its show's feed (publish it again with `infracast publish`)."""
    episode = actions.unpublish(c.store, c.settings, episode_id, getpass.getuser())
    out.print(f"episode {episode_id} is no longer in the {episode.show} feed")


@cli.command()
@pass_ctx
def feeds(c: Context) -> None:
    """List each show's feed: its URL, where it is written, and its episodes."""
    from pipeline import feeds as show_feeds
    from pipeline.rss import feed_url_for

    for slug, config in c.settings.shows.items():
        path = show_feeds.feed_path(c.settings, slug)
        published = len(c.store.episodes(state=EpisodeState.PUBLISHED, show=slug))
        waiting = len(c.store.episodes(state=EpisodeState.ANNOTATED, show=slug))
        out.print(f"[bold]{slug}[/bold]  {published} published, {waiting} waiting")
        out.print(f"  url:  {feed_url_for(config, slug)}", markup=False, soft_wrap=True)
        written = str(path) if path.is_file() else "not written yet: infracast publish"
        out.print(f"  file: {written}", markup=False, soft_wrap=True)


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

    from pipeline.web import create_app

    if not c.store.accounts.users():
        err.print("no users yet: add one with `infracast users add NAME` to sign in")
    out.print(f"review UI at http://{host}:{port}/ · feeds under http://{host}:{port}/feeds/")
    # Several processes each build the app from the environment, as this one did.
    app: Any = (
        create_app(c.settings, c.store) if workers == 1 else "pipeline.web.app:app_from_environment"
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


@cli.group()
def users() -> None:
    """Editor accounts for the web app, and API tokens."""


@users.command(name="add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (scripts).")
@pass_ctx
def users_add(c: Context, name: str, password_stdin: bool) -> None:
    """Add an editor who can sign in (asks for the password twice)."""
    from pipeline import accounts

    password = _new_password(password_stdin)
    user = accounts.add_user(c.store, name, password)
    out.print(f"added user {user.name}")


@users.command(name="password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (scripts).")
@pass_ctx
def users_password(c: Context, name: str, password_stdin: bool) -> None:
    """Change a password; the user's browser sessions end."""
    from pipeline import accounts

    accounts.set_password(c.store, name, _new_password(password_stdin))
    out.print(f"changed the password of {name}; their sessions are signed out")


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise InputError("the two passwords differ")
    return first


@users.command(name="list")
@pass_ctx
def users_list(c: Context) -> None:
    """List the editors."""
    for user in c.store.accounts.users():
        out.print(user.name, markup=False)


@users.command(name="token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (shown nowhere but the DB).")
@pass_ctx
def users_token(c: Context, name: str, label: str) -> None:
    """Make an API token for NAME and print it (once: only its hash is kept)."""
    from pipeline import accounts

    click.echo(accounts.new_api_token(c.store, name, label))


@users.command(name="signout")
@click.argument("name")
@pass_ctx
def users_signout(c: Context, name: str) -> None:
    """End every browser session of NAME and revoke their API tokens."""
    user = c.store.accounts.user_by_name(name)
    if user is None:
        raise InputError(f"there is no user called {name!r}")
    sessions = c.store.accounts.delete_sessions(user.id)
    tokens = c.store.accounts.delete_api_tokens(user.id)
    out.print(f"{name}: ended {sessions} session(s), revoked {tokens} token(s)")


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


def main(argv: list[str] | None = None) -> Any:
    """Entry point: user errors become one line on stderr and exit status 1."""
    try:
        return cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except InfracastError as e:
        err.print(f"error: {e.message}", style="red", markup=False, highlight=False)
        sys.exit(1)
