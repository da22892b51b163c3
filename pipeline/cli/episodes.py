"""Commands over episodes: queue and make them, follow them, review, render, publish, retry."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, cast

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import actions, ingest, orchestrate
from pipeline.cli.app import (
    Context,
    cli,
    episode_table,
    err,
    out,
    pass_ctx,
    shown,
    shown_plain,
    source_from_arg,
)
from pipeline.episode_files import QA, read_publish_decision
from pipeline.errors import ConflictError, Held
from pipeline.figures.audit import untraced
from pipeline.figures.display import value_text
from pipeline.figures.ledger import build_ledger
from pipeline.figures.models import Ledger
from pipeline.models import Episode, EpisodeState, Script
from pipeline.registry import WRITERS
from pipeline.stages import STAGES, Stage
from pipeline.stages import render as render_stage
from pipeline.stages import script as script_stage
from pipeline.templating import render as render_template


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
    report = QA.read_if_present(c.store.episode_dir(episode.id))
    if report is not None:
        flagged = ", ".join(q.line_id for q in report.flagged) or "none"
        out.print(f"word error rate {report.wer:.1%} ({report.backend}); flagged lines: {flagged}")
    if episode.state == EpisodeState.ANNOTATED and episode.held_reason:
        out.print(f"not in the feed: {shown_plain(episode.held_reason)}", markup=False)
    if episode.state == EpisodeState.PUBLISHED:
        from pipeline import feeds

        out.print(f"feed updated: {feeds.feed_path(c.settings, episode.show)}")
    print_next_steps(c, episode)


def next_steps(c: Context, episode: Episode) -> list[str]:
    """The commands that take an episode waiting for a person on. The stored reasons
    (failure, held reason) say what is wrong, never what to type: the web app offers
    buttons for the same steps, and the CLI says its own commands here."""
    n = episode.id
    if episode.state == EpisodeState.FAILED:
        return [f"retry it with: infracast retry {n}"]
    if episode.state == EpisodeState.IN_REVIEW:
        return [f"approve it with: infracast approve {n}"]
    if episode.state != EpisodeState.ANNOTATED or not episode.held_reason:
        return []
    folder = c.store.episode_dir(n)
    report = QA.read_if_present(folder)
    if not read_publish_decision(folder).hold and report is not None and report.flagged:
        return [
            f"re-render the flagged lines with: infracast rerender {n} --failed",
            f"or publish anyway with: infracast publish {n} --allow-failed-qa",
        ]
    return [f"publish it with: infracast publish {n}"]


def print_next_steps(c: Context, episode: Episode) -> None:
    for step in next_steps(c, episode):
        out.print(step, markup=False, highlight=False)


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
    if episode.held_reason:
        out.print(f"held: {shown_plain(episode.held_reason)}", markup=False)
    print_next_steps(c, episode)
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
@click.option("--failed", is_flag=True, help="Re-render the lines QA flagged.")
@click.option("--line", "line_ids", multiple=True, help="Re-render this line (repeatable).")
@click.option(
    "--fix",
    type=click.Choice(["next", "slower", "voice", "respell"]),
    default="next",
    show_default=True,
    help="next: one step down the host's ladder; slower: 10% slower; voice: the host's "
    "next voice; respell: say a word another way (with --respell).",
)
@click.option("--respell", metavar="WORD=SAID", help='With --fix respell, e.g. "Nvidia=en-vidia".')
@pass_ctx
def rerender(
    c: Context,
    episode_id: int,
    failed: bool,
    line_ids: tuple[str, ...],
    fix: str,
    respell: str | None,
) -> None:
    """Re-render the lines QA flagged (--failed) or those named (--line) in the same host's
    voice, then transcribe again. By default each goes one step down its host's ladder
    (slower, then the host's alternate voices); --fix picks one move instead."""
    if failed == bool(line_ids):
        raise click.UsageError("give --failed or the lines to re-render with --line")
    if (fix == "respell") != (respell is not None):
        raise click.UsageError("--fix respell and --respell WORD=SAID go together")
    word, _, said = (respell or "").partition("=")
    if respell is not None and not said:
        raise click.UsageError('--respell takes WORD=SAID, e.g. "Nvidia=en-vidia"')
    chosen = render_stage.Fix(cast(render_stage.FixKind, fix), word, said)
    _, lines = actions.rerender_lines(
        c.store,
        c.settings,
        episode_id,
        list(line_ids) or None,
        fix=chosen,
        by=getpass.getuser(),
        dispatcher=c.dispatcher(),
    )
    out.print(f"re-rendering {len(lines)} line(s): {', '.join(lines)} ({chosen.describe()})")
    if c.settings.embedded:  # it ran in this process: say where it stands now
        report_episode(c, c.store.episode(episode_id))


@cli.command()
@click.argument("episode_id", type=int)
@pass_ctx
def retry(c: Context, episode_id: int) -> None:
    """Resume a failed episode at the stage that failed, or send again the stage of an
    episode stuck in a working state with no live run (no heartbeat)."""
    stale_after = timedelta(seconds=c.settings.heartbeat_stale_after)
    actions.retry(c.store, episode_id, stale_after, dispatcher=c.dispatcher(), by=getpass.getuser())
    episode = c.store.episode(episode_id)
    out.print(episode_table([episode]))
    print_next_steps(c, episode)


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
    slugs = [show] if show else list(c.settings.shows)
    # Each feed is written once, at the end, however many of its episodes are published.
    for episode_id in episode_ids:
        try:
            episode = actions.publish(
                c.store,
                c.settings,
                episode_id,
                who,
                allow_failed_qa=allow_failed_qa,
                write_feed=False,
            )
        except Held as e:
            steps = next_steps(c, c.store.episode(episode_id))
            raise Held("; ".join([e.message, *steps])) from e
        out.print(f"published episode {episode_id} in {episode.show}")
        slugs = list(dict.fromkeys([*slugs, episode.show]))
    for slug in slugs:
        c.settings.show(slug)
        if not episode_ids:
            for waiting in c.store.episodes(state=EpisodeState.ANNOTATED, show=slug):
                episode = orchestrate.run_stage(
                    c.store, c.settings, waiting.id, "publish", after=False
                )
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
